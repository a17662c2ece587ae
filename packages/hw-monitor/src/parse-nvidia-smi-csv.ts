/**
 * The fields `readGpus` asks nvidia-smi for, in this order (`--query-gpu=<these joined by ,>`).
 * `parseNvidiaSmiCsv` expects exactly this column order.
 */
export const NVIDIA_SMI_QUERY_FIELDS = [
  'index',
  'name',
  'temperature.gpu',
  'memory.used',
  'memory.total',
  'utilization.gpu',
  'power.draw',
  'power.limit',
  'clocks.sm',
  'clocks_throttle_reasons.active',
] as const;

/**
 * The bits of `clocks_throttle_reasons.active` (nvidia-smi `--help-query-gpu`, NVML's
 * `nvmlClocksThrottleReasons*`). The name is the one nvidia-smi prints under `-q -d PERFORMANCE`.
 */
export const THROTTLE_REASON_BITS: readonly { bit: bigint; name: string; thermal: boolean }[] = [
  { bit: 0x1n, name: 'gpu_idle', thermal: false },
  { bit: 0x2n, name: 'applications_clocks_setting', thermal: false },
  { bit: 0x4n, name: 'sw_power_cap', thermal: false },
  { bit: 0x8n, name: 'hw_slowdown', thermal: true },
  { bit: 0x10n, name: 'sync_boost', thermal: false },
  { bit: 0x20n, name: 'sw_thermal_slowdown', thermal: true },
  { bit: 0x40n, name: 'hw_thermal_slowdown', thermal: true },
  { bit: 0x80n, name: 'hw_power_brake_slowdown', thermal: false },
  { bit: 0x100n, name: 'display_clock_setting', thermal: false },
];

/** One GPU as nvidia-smi reported it. A number nvidia-smi could not give (`[N/A]`, ...) is `null`. */
export interface GpuReading {
  /** nvidia-smi's GPU index (0-based). */
  index: number;
  /** Product name, e.g. `NVIDIA GeForce RTX 3080`. */
  name: string;
  /** Core temperature in °C. */
  temperatureC: number | null;
  /** VRAM in use, MiB. */
  memoryUsedMb: number | null;
  /** VRAM on the card, MiB. */
  memoryTotalMb: number | null;
  /** GPU utilisation over the last sample period, %. */
  utilizationPercent: number | null;
  /** Board power draw, W. */
  powerDrawW: number | null;
  /** Enforced power limit, W. */
  powerLimitW: number | null;
  /** SM clock, MHz. */
  smClockMhz: number | null;
  /** Decoded `clocks_throttle_reasons.active`; `null` when nvidia-smi gave none. */
  throttle: GpuThrottle | null;
}

/** Why the GPU's clocks are held down right now. */
export interface GpuThrottle {
  /** The raw mask as printed (`0x0000000000000040`). */
  mask: string;
  /** Names of the set bits (`THROTTLE_REASON_BITS`); unknown bits appear as `unknown_0x...`. */
  reasons: string[];
  /** True when a thermal reason (sw/hw thermal slowdown, hw slowdown) is active. */
  thermal: boolean;
}

/** A line `parseNvidiaSmiCsv` could not use, with the reason. */
export interface SkippedLine {
  /** 1-based line number in the output. */
  line: number;
  /** The line, cut to 200 characters. */
  text: string;
  /** Why it was skipped. */
  reason: string;
}

/** What `parseNvidiaSmiCsv` returns. */
export interface ParsedNvidiaSmi {
  /** One entry per well-formed line, in output order. */
  gpus: GpuReading[];
  /** Every non-empty line that was not a GPU row. */
  skipped: SkippedLine[];
}

/** Lines longer than this are not nvidia-smi rows (a row is ~120 characters). */
const MAX_LINE_LENGTH = 1024;
/** More rows than this is not real output; the rest is skipped (NVLink boxes top out at 16 GPUs). */
const MAX_GPUS = 64;

/** Values nvidia-smi prints for a field it cannot read. */
const UNAVAILABLE =
  /^\[(N\/A|Not Supported|Unknown Error|GPU is lost|Insufficient Permissions|Not Available)\]$/i;

/** A number, or null for nvidia-smi's bracketed "unavailable" markers and `N/A`. */
function numberOrNull(raw: string): { ok: true; value: number | null } | { ok: false } {
  const text = raw.trim();
  if (text === '' || text === 'N/A' || UNAVAILABLE.test(text)) return { ok: true, value: null };
  // nounits drops the unit, but be lenient with a trailing one (`250.00 W`, `45 C`, `1024 MiB`).
  const match = /^(-?\d+(?:\.\d+)?)(?:\s*(?:W|C|MiB|MHz|%))?$/.exec(text);
  if (!match) return { ok: false };
  return { ok: true, value: Number(match[1]) };
}

function decodeThrottle(raw: string): { ok: true; value: GpuThrottle | null } | { ok: false } {
  const text = raw.trim();
  if (text === '' || text === 'N/A' || UNAVAILABLE.test(text)) return { ok: true, value: null };
  if (!/^0x[0-9a-f]{1,16}$/i.test(text)) return { ok: false };
  let mask = BigInt(text);
  const reasons: string[] = [];
  let thermal = false;
  for (const { bit, name, thermal: isThermal } of THROTTLE_REASON_BITS) {
    if ((mask & bit) !== 0n) {
      reasons.push(name);
      thermal ||= isThermal;
      mask &= ~bit;
    }
  }
  if (mask !== 0n) reasons.push(`unknown_0x${mask.toString(16)}`);
  return { ok: true, value: { mask: text, reasons, thermal } };
}

const numericColumns = [
  ['temperatureC', 'temperature.gpu'],
  ['memoryUsedMb', 'memory.used'],
  ['memoryTotalMb', 'memory.total'],
  ['utilizationPercent', 'utilization.gpu'],
  ['powerDrawW', 'power.draw'],
  ['powerLimitW', 'power.limit'],
  ['smClockMhz', 'clocks.sm'],
] as const;

function parseRow(fields: string[]): { gpu: GpuReading } | { reason: string } {
  const expected = NVIDIA_SMI_QUERY_FIELDS.length;
  if (fields.length < expected) {
    return { reason: `expected ${expected} comma-separated fields, got ${fields.length}` };
  }
  // A product name with a comma would split in two; every other column is numeric, so the extra
  // fields belong to the name.
  const extra = fields.length - expected;
  const name = fields
    .slice(1, 2 + extra)
    .join(',')
    .trim();
  const [indexText, ...rest] = [fields[0] ?? '', ...fields.slice(2 + extra)];
  const index = indexText.trim();
  if (!/^\d{1,3}$/.test(index)) return { reason: `index is not a GPU number: ${JSON.stringify(index)}` };
  if (name === '') return { reason: 'GPU name is empty' };
  const gpu: GpuReading = {
    index: Number(index),
    name,
    temperatureC: null,
    memoryUsedMb: null,
    memoryTotalMb: null,
    utilizationPercent: null,
    powerDrawW: null,
    powerLimitW: null,
    smClockMhz: null,
    throttle: null,
  };
  for (const [position, [key, field]] of numericColumns.entries()) {
    const parsed = numberOrNull(rest[position] ?? '');
    if (!parsed.ok) return { reason: `${field} is not a number: ${JSON.stringify(rest[position]?.trim())}` };
    gpu[key] = parsed.value;
  }
  const throttle = decodeThrottle(rest[numericColumns.length] ?? '');
  if (!throttle.ok) {
    return {
      reason: `clocks_throttle_reasons.active is not a hex mask: ${JSON.stringify(rest[numericColumns.length]?.trim())}`,
    };
  }
  gpu.throttle = throttle.value;
  return { gpu };
}

/**
 * Parses the output of
 * `nvidia-smi --query-gpu=<NVIDIA_SMI_QUERY_FIELDS> --format=csv,noheader,nounits` (one line per GPU).
 *
 * Never throws. Tolerates CRLF, extra spaces, a header line, `[N/A]` / `[Not Supported]` values (they
 * become `null`) and a stray unit. Lines that are not GPU rows (driver error messages, "No devices were
 * found", garbage, a duplicate index, lines over 1024 characters, rows past the 64th) are returned in
 * `skipped` with the reason. Empty output gives no GPUs and nothing skipped.
 */
export function parseNvidiaSmiCsv(text: string): ParsedNvidiaSmi {
  const gpus: GpuReading[] = [];
  const skipped: SkippedLine[] = [];
  const seen = new Set<number>();
  const lines = String(text ?? '').split(/\r?\n|\r/);
  for (const [position, rawLine] of lines.entries()) {
    const line = rawLine.replace(/^\uFEFF/, '').trim();
    if (line === '') continue;
    const skip = (reason: string) =>
      skipped.push({
        line: position + 1,
        text: line.length > 200 ? `${line.slice(0, 200)}...` : line,
        reason,
      });
    if (line.length > MAX_LINE_LENGTH) {
      skip(`line is longer than ${MAX_LINE_LENGTH} characters`);
      continue;
    }
    if (/^index\s*,\s*name\s*,/i.test(line)) {
      skip('header line (run with --format=csv,noheader)');
      continue;
    }
    if (gpus.length >= MAX_GPUS) {
      skip(`more than ${MAX_GPUS} GPU rows`);
      continue;
    }
    const parsed = parseRow(line.split(','));
    if ('reason' in parsed) {
      skip(parsed.reason);
      continue;
    }
    if (seen.has(parsed.gpu.index)) {
      skip(`duplicate GPU index ${parsed.gpu.index}`);
      continue;
    }
    seen.add(parsed.gpu.index);
    gpus.push(parsed.gpu);
  }
  return { gpus, skipped };
}
