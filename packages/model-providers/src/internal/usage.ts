/** A token count an API may leave out, as a whole number >= 0. */
export const count = (value: number | null | undefined): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
