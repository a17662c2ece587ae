import { execFile } from 'node:child_process';
import {
  type GpuReading,
  NVIDIA_SMI_QUERY_FIELDS,
  parseNvidiaSmiCsv,
  type SkippedLine,
} from './parse-nvidia-smi-csv';

/** What one nvidia-smi run printed (exit 0). */
export interface ExecResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and resolves with its output on exit 0. Rejects like `child_process.execFile` does: an
 * error with `code` (`'ENOENT'`, a numeric exit code, `'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'`) and `stderr`,
 * or `code: 'ETIMEDOUT'` when `timeoutMs` passed. `readGpus` maps each of those to a reason.
 */
export type ExecFileFunction = (
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; env: NodeJS.ProcessEnv; maxBuffer: number },
) => Promise<ExecResult>;

/** Options for `readGpus`. */
export interface ReadGpusOptions {
  /** How nvidia-smi is run. Default: `execFileWithTimeout` (a real child process). */
  exec?: ExecFileFunction;
  /** nvidia-smi gets this long, then it is killed and the GPU counts as unavailable. Default 4000 ms. */
  timeoutMs?: number;
  /** The program. Default `'nvidia-smi'` (looked up on `env.PATH`). */
  command?: string;
  /** The child's environment (its `PATH` finds nvidia-smi). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Why no GPU reading came back. */
export type GpuUnavailableCode = 'not_found' | 'failed' | 'timeout' | 'too_large' | 'no_gpus';

/** What `readGpus` returns: GPUs, or why there are none (a CPU-only machine is not an error). */
export type GpuRead =
  | { available: true; gpus: GpuReading[]; skipped: SkippedLine[] }
  | { available: false; code: GpuUnavailableCode; reason: string; gpus: []; skipped: SkippedLine[] };

/** Largest nvidia-smi output accepted (a 16-GPU box prints under 2 KiB). */
const MAX_OUTPUT_BYTES = 256 * 1024;

/** Newer drivers call the throttle field `clocks_event_reasons.active`; older ones only know the first. */
const THROTTLE_FIELD = 'clocks_throttle_reasons.active';
const EVENT_FIELD = 'clocks_event_reasons.active';

/**
 * The default `ExecFileFunction`: `child_process.execFile` plus a timer of its own. When the timer fires
 * the child gets SIGKILL and the promise rejects at once, even if the child cannot die (nvidia-smi stuck
 * in the driver, uninterruptible) or a grandchild still holds its stdout open, which would otherwise keep
 * `execFile`'s callback waiting.
 */
export const execFileWithTimeout: ExecFileFunction = (file, args, { timeoutMs, env, maxBuffer }) =>
  new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const child = execFile(
      file,
      [...args],
      { env, maxBuffer, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(Object.assign(new Error(`${file} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
  });

/** The arguments `readGpus` passes to nvidia-smi. */
export function nvidiaSmiArgs(throttleField: string = THROTTLE_FIELD): string[] {
  const fields = NVIDIA_SMI_QUERY_FIELDS.map((field) => (field === THROTTLE_FIELD ? throttleField : field));
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

const firstLine = (text: unknown) =>
  String(text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '')
    ?.slice(0, 300);

type Failure = { code: GpuUnavailableCode; reason: string; invalidField: boolean };

function describeFailure(error: unknown, command: string, timeoutMs: number): Failure {
  const failure = error as { code?: unknown; stderr?: unknown; stdout?: unknown; signal?: unknown } | null;
  const code = failure?.code;
  const detail = firstLine(failure?.stderr) ?? firstLine(failure?.stdout);
  if (code === 'ENOENT') {
    return {
      code: 'not_found',
      reason: `${command} not found on PATH (no NVIDIA driver): running CPU-only`,
      invalidField: false,
    };
  }
  if (code === 'EACCES') {
    return { code: 'failed', reason: `${command} is not executable (EACCES)`, invalidField: false };
  }
  if (code === 'ETIMEDOUT') {
    return {
      code: 'timeout',
      reason: `${command} did not answer within ${timeoutMs} ms`,
      invalidField: false,
    };
  }
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return {
      code: 'too_large',
      reason: `${command} printed more than ${MAX_OUTPUT_BYTES} bytes; not nvidia-smi output`,
      invalidField: false,
    };
  }
  const how =
    typeof code === 'number'
      ? `exited with code ${code}`
      : typeof failure?.signal === 'string'
        ? `was killed by ${failure.signal}`
        : `failed (${error instanceof Error ? error.message : String(error)})`;
  return {
    code: 'failed',
    reason: `${command} ${how}${detail ? `: ${detail}` : ''}`,
    invalidField: /not a valid field/i.test(
      `${String(failure?.stderr ?? '')}${String(failure?.stdout ?? '')}`,
    ),
  };
}

/**
 * Reads every NVIDIA GPU through `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`.
 *
 * Never throws and never rejects: no nvidia-smi (ENOENT), a non-zero exit, a timeout, oversized output or
 * output without a single GPU row all give `{ available: false, code, reason }`, which the monitor treats
 * as a CPU-only machine. A driver that rejects `clocks_throttle_reasons.active` gets one retry with its
 * newer name, `clocks_event_reasons.active`.
 */
export async function readGpus(options: ReadGpusOptions = {}): Promise<GpuRead> {
  const exec = options.exec ?? execFileWithTimeout;
  const timeoutMs = options.timeoutMs ?? 4000;
  const command = options.command ?? 'nvidia-smi';
  const env = options.env ?? process.env;
  const run = (throttleField: string) =>
    exec(command, nvidiaSmiArgs(throttleField), { timeoutMs, env, maxBuffer: MAX_OUTPUT_BYTES });

  let result: ExecResult;
  try {
    result = await run(THROTTLE_FIELD);
  } catch (error) {
    let failure = describeFailure(error, command, timeoutMs);
    if (!failure.invalidField) return { available: false, ...pick(failure), gpus: [], skipped: [] };
    try {
      result = await run(EVENT_FIELD);
    } catch (retryError) {
      failure = describeFailure(retryError, command, timeoutMs);
      return { available: false, ...pick(failure), gpus: [], skipped: [] };
    }
  }
  const parsed = parseNvidiaSmiCsv(result.stdout);
  if (parsed.gpus.length === 0) {
    const why = parsed.skipped[0] ? `: ${parsed.skipped[0].text}` : '';
    return {
      available: false,
      code: 'no_gpus',
      reason: `${command} listed no GPUs${why}`,
      gpus: [],
      skipped: parsed.skipped,
    };
  }
  return { available: true, gpus: parsed.gpus, skipped: parsed.skipped };
}

const pick = ({ code, reason }: Failure) => ({ code, reason });
