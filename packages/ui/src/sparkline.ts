const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart of `values` with the eight block characters, scaled from 0 to the largest value
 * (`▁` for zero, `█` for the largest). Negative and non-finite values count as 0; an empty list gives `''`.
 *
 * @example sparkline([0, 1, 2, 4]) // '▁▃▅█'
 */
export function sparkline(values: readonly number[]): string {
  const clean = values.map((value) => (Number.isFinite(value) && value > 0 ? value : 0));
  const max = Math.max(0, ...clean);
  return clean
    .map((value) => (max === 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.round((value / max) * 7))]))
    .join('');
}
