/** One GPU row for `formatNvidiaSmiCsv`; `null` prints `[N/A]`, omitted fields get idle defaults. */
export interface FakeGpuRow {
  index?: number;
  name?: string;
  temperatureC?: number | null;
  memoryUsedMb?: number | null;
  memoryTotalMb?: number | null;
  utilizationPercent?: number | null;
  powerDrawW?: number | null;
  powerLimitW?: number | null;
  smClockMhz?: number | null;
  /** The raw mask, e.g. `0x0000000000000020`. Default `0x0000000000000000`. */
  throttleMask?: string | null;
}

const cell = (value: number | string | null | undefined, fallback: number | string, decimals = 0) => {
  if (value === null) return '[N/A]';
  const chosen = value ?? fallback;
  return typeof chosen === 'number' ? chosen.toFixed(decimals) : chosen;
};

/**
 * Prints rows the way `nvidia-smi --query-gpu=<NVIDIA_SMI_QUERY_FIELDS> --format=csv,noheader,nounits` does
 * (`, ` between fields, powers with two decimals), for fake nvidia-smi scripts that replay a scenario.
 * Defaults describe an idle RTX 3080.
 */
export function formatNvidiaSmiCsv(rows: readonly FakeGpuRow[]): string {
  return rows
    .map((row, position) =>
      [
        cell(row.index, position),
        cell(row.name, 'NVIDIA GeForce RTX 3080'),
        cell(row.temperatureC, 40),
        cell(row.memoryUsedMb, 512),
        cell(row.memoryTotalMb, 10240),
        cell(row.utilizationPercent, 0),
        cell(row.powerDrawW, 22.5, 2),
        cell(row.powerLimitW, 320, 2),
        cell(row.smClockMhz, 210),
        cell(row.throttleMask, '0x0000000000000000'),
      ].join(', '),
    )
    .map((line) => `${line}\n`)
    .join('');
}
