// Small numeric helpers shared by the benchmark scenarios.

/**
 * Wall-clock milliseconds since the Unix epoch with sub-millisecond precision, comparable across the
 * processes of one machine (each process's `performance.timeOrigin` is taken from the same system clock).
 * Used where a timestamp crosses a process boundary (enqueue time in a payload, first claim, last settle).
 */
export function now() {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Nearest-rank percentile of `values` (unsorted, not modified), `fraction` in [0, 1]; null when empty.
 */
export function percentile(values, fraction) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

/** p50, p99 and max of `values` in the same unit, each null when there are none. */
export function summarize(values) {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? null : Math.max(...values),
  };
}

/**
 * Polls `check` (sync or async) every `intervalMs` until it returns a truthy value, which is returned;
 * throws after `timeoutMs` with `what` in the message.
 */
export async function waitUntil(check, { timeoutMs, intervalMs = 10, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
