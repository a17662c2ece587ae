/** `$0.0123`: four decimals, enough for per-call costs of cents and less. */
export function formatUsd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}$${Math.abs(amount).toFixed(4)}`;
}

/** Watt-hours with three decimals (`1.250`): a short local model call uses a few hundredths. */
export function formatWh(wattHours: number): string {
  return wattHours.toFixed(3);
}

/** Token counts with thousands separators (`12,345`). */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** `↑ 12.5%`, `↓ 3%`, `= 0%`, or `new` when there is nothing to compare with. */
export function formatDelta(percent: number | null, after: number): string {
  if (percent === null) return after === 0 ? '-' : 'new';
  if (percent === 0) return '= 0%';
  return `${percent > 0 ? '↑' : '↓'} ${Math.abs(percent)}%`;
}
