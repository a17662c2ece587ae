import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type FleetPaths,
  fleetPaths,
  loadConfig,
  queueOptionsFromConfig,
  redactJson,
  toError,
  writeFileAtomicSync,
} from '@biged/core';
import { createQueue } from '@biged/queue';
import { isProcessAlive, readSupervisorState } from './supervisor-state';
import { VERSION } from './version';

// NOTE: packages/fleet/README.md ("Debug reports") documents this shape; keep the two in sync.

/** Lines kept from the end of each log file. */
export const DEBUG_REPORT_LOG_LINES = 100;
/** Bytes read from the end of each log file at most (a tail never reads a whole multi-GB log). */
const LOG_TAIL_BYTES = 256 * 1024;
/** Log files read at most (newest first). */
const MAX_LOG_FILES = 50;

/** The debug report the manual's "Issue Reporting" describes (every string sanitized). */
export interface DebugReport {
  /** ISO time the report was built. */
  created_at: string;
  /** The @biged/fleet version that built it. */
  biged_version: string;
  /** Where it came from: `cli` (biged report), `supervisor`, `worker:<name>`, `hw_supervisor`. */
  component: string;
  platform: { os: string; release: string; arch: string; node: string };
  hardware: {
    cpu_count: number;
    cpu_model: string | null;
    ram_total_bytes: number;
    ram_free_bytes: number;
    /** `hw_state.json` as the hardware monitor last wrote it; null when there is none. */
    hw_state: unknown;
  };
  fleet_state: {
    supervisor: { running: boolean; pid: number | null; ready: boolean; workers: number };
    /** Tasks by status; null when fleet.db is missing or could not be read (then `error` says why). */
    tasks: Record<string, number> | null;
    agents: { name: string; role: string; status: string; last_heartbeat: string | null }[];
    error?: string;
  };
  /** The error text or stack trace; null for a report asked for without one. */
  error: string | null;
  /** Last lines of each file in `<home>/logs`, by file name. */
  logs: Record<string, string[]>;
  /** fleet.toml as loaded (defaults filled in), without secret-named keys; `{ error }` when it is invalid. */
  config_snapshot: unknown;
  reproduction_steps: string[];
}

/** Options for `buildDebugReport`. */
export interface BuildDebugReportOptions {
  /** The fleet home. */
  home: string;
  /** The error: an Error (its stack is kept) or text. Default: none (`error: null`). */
  error?: unknown;
  /** Steps to reproduce, as the user gave them. Default `[]`. */
  steps?: readonly string[];
  /** Who builds the report (`cli`, `supervisor`, `worker:<name>`, `hw_supervisor`). Default `cli`. */
  component?: string;
  /** The user's home directory, replaced with `~` everywhere. Default `os.homedir()`. */
  homeDir?: string;
  /** Lines kept from the end of each log. Default `DEBUG_REPORT_LOG_LINES` (100). */
  logLines?: number;
  /** The clock. Default `Date.now`. */
  now?: () => number;
}

/** A config key that names a secret; its value is dropped from the snapshot unless it is a number or boolean. */
const SECRET_KEY = /key|token|secret|passw(or)?d|credential|auth/i;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Returns a function that anonymizes home paths in text: `homeDir` (and its forward-slash form) becomes `~`,
 * and so does any other user's home (`/home/<user>`, `/Users/<user>`, `C:\Users\<user>`), so a log line
 * quoting another account's path is covered too.
 */
export function createHomePathAnonymizer(homeDir: string = os.homedir()): (text: string) => string {
  const patterns: RegExp[] = [];
  const homes = new Set([homeDir, homeDir.replace(/\\/g, '/')].filter((home) => home.length > 1));
  // Longest first: a home nested in another must not leave a tail behind.
  for (const home of [...homes].sort((a, b) => b.length - a.length)) {
    patterns.push(new RegExp(`(?<![\\w.\\-/\\\\])${escapeRegExp(home)}(?![\\w.-])`, 'g'));
  }
  patterns.push(/\/(?:home|Users)\/[^/\\\s"'`:;,)]+/g, /[A-Za-z]:[\\/]+Users[\\/]+[^/\\\s"'`:;,)]+/gi);
  return (text) => patterns.reduce((out, pattern) => out.replace(pattern, '~'), text);
}

/** Drops secret-named keys (see `SECRET_KEY`) from a config value, recursively. */
export function dropSecretKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropSecretKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // Numbers and booleans (max_tokens, auth_required) carry no secret; a string, list or table may.
      if (SECRET_KEY.test(key) && typeof item !== 'number' && typeof item !== 'boolean') continue;
      out[key] = dropSecretKeys(item);
    }
    return out;
  }
  return value;
}

/**
 * Sanitizes a report (or any JSON value): every string goes through core's `redactJson` (API keys,
 * tokens, private keys ... become `[REDACTED:<kind>]`) and home paths become `~` (object keys too: log
 * file names may carry them).
 */
export function sanitizeReport<T>(value: T, { homeDir = os.homedir() }: { homeDir?: string } = {}): T {
  const anonymize = createHomePathAnonymizer(homeDir);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return anonymize(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[anonymize(key)] = walk(item);
      return out;
    }
    return node;
  };
  // Redact first: an anonymized path can no longer split a secret the scanner would have matched.
  const { value: redacted } = redactJson(value, { maxChars: Number.POSITIVE_INFINITY });
  return walk(redacted) as T;
}

/** The last `lines` lines of a file, reading at most its last `LOG_TAIL_BYTES`. */
export function tailLines(file: string, lines: number): string[] {
  const descriptor = openSync(file, 'r');
  try {
    const size = fstatSync(descriptor).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(descriptor, buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split(/\r?\n/);
    if (all.at(-1) === '') all.pop();
    // A read that started mid-file starts mid-line: drop the partial first line.
    if (length < size) all.shift();
    return all.slice(-lines);
  } finally {
    closeSync(descriptor);
  }
}

function readLogs(paths: FleetPaths, lines: number): Record<string, string[]> {
  if (!existsSync(paths.logs)) return {};
  const logs: Record<string, string[]> = {};
  const files = readdirSync(paths.logs, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort()
    .slice(0, MAX_LOG_FILES);
  for (const name of files) {
    try {
      logs[name] = tailLines(path.join(paths.logs, name), lines);
    } catch (error) {
      logs[name] = [`(unreadable: ${toError(error).message})`];
    }
  }
  return logs;
}

function readHwState(paths: FleetPaths): unknown {
  try {
    return JSON.parse(readFileSync(paths.hwState, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

function readFleetState(home: string, paths: FleetPaths): DebugReport['fleet_state'] {
  const state = readSupervisorState(home);
  const running = state !== undefined && isProcessAlive(state.pid);
  const supervisor = {
    running,
    pid: running ? state.pid : null,
    ready: running && state.ready === true,
    workers: running ? state.workers.length : 0,
  };
  try {
    const { config } = loadConfig({ file: paths.config });
    const options = queueOptionsFromConfig(config, home);
    // Never create a database just to report that it is empty.
    if (!existsSync(options.file)) return { supervisor, tasks: null, agents: [], error: 'no fleet.db yet' };
    const queue = createQueue(options);
    try {
      return {
        supervisor,
        tasks: queue.counts(),
        agents: queue.listAgents().map((agent) => ({
          name: agent.name,
          role: agent.role,
          status: agent.status,
          last_heartbeat: agent.lastHeartbeat ?? null,
        })),
      };
    } finally {
      queue.close();
    }
  } catch (error) {
    return { supervisor, tasks: null, agents: [], error: toError(error).message };
  }
}

function readConfigSnapshot(paths: FleetPaths): unknown {
  try {
    return dropSecretKeys(loadConfig({ file: paths.config }).config);
  } catch (error) {
    return { error: toError(error).message };
  }
}

const errorText = (error: unknown): string | null => {
  if (error === undefined || error === null) return null;
  if (typeof error === 'string') return error;
  const asError = toError(error);
  return asError.stack ?? `${asError.name}: ${asError.message}`;
};

/**
 * Builds a sanitized debug report for a fleet home: platform, hardware (hw_state.json included), fleet
 * state (supervisor, task counts, agents), the error, log tails, the config and the reproduction steps.
 * Never throws for a part it cannot read (that part says why); fleet.db is never created.
 */
export function buildDebugReport({
  home,
  error,
  steps = [],
  component = 'cli',
  homeDir = os.homedir(),
  logLines = DEBUG_REPORT_LOG_LINES,
  now = Date.now,
}: BuildDebugReportOptions): DebugReport {
  const paths = fleetPaths(home);
  const cpus = os.cpus();
  const report: DebugReport = {
    created_at: new Date(now()).toISOString(),
    biged_version: VERSION,
    component,
    platform: { os: os.platform(), release: os.release(), arch: os.arch(), node: process.version },
    hardware: {
      cpu_count: cpus.length,
      cpu_model: cpus[0]?.model ?? null,
      ram_total_bytes: os.totalmem(),
      ram_free_bytes: os.freemem(),
      hw_state: readHwState(paths),
    },
    fleet_state: readFleetState(home, paths),
    error: errorText(error),
    logs: readLogs(paths, logLines),
    config_snapshot: readConfigSnapshot(paths),
    reproduction_steps: [...steps],
  };
  return sanitizeReport(report, { homeDir });
}

/** What `writeDebugReport` returns. */
export interface WrittenDebugReport {
  /** Absolute path of the report: `<home>/reports/debug/report_<YYYYMMDD_HHMMSS_mmm>.json`. */
  file: string;
  report: DebugReport;
}

/** `20261201_014200_123` (UTC) for a time. */
const stamp = (time: number) =>
  new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '_')
    .replace(/\.(\d{3})Z$/, '_$1');

/**
 * Builds a report (see `buildDebugReport`) and writes it atomically to
 * `<home>/reports/debug/report_<YYYYMMDD_HHMMSS_mmm>.json` (UTC; `_2`, `_3`... when the name is taken).
 */
export function writeDebugReport(options: BuildDebugReportOptions): WrittenDebugReport {
  const time = (options.now ?? Date.now)();
  const report = buildDebugReport({ ...options, now: () => time });
  const folder = fleetPaths(options.home).debugReports;
  const base = `report_${stamp(time)}`;
  let file = path.join(folder, `${base}.json`);
  for (let n = 2; existsSync(file); n += 1) file = path.join(folder, `${base}_${n}.json`);
  writeFileAtomicSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return { file, report };
}

/** Options for `installCrashReporter`. */
export interface InstallCrashReporterOptions {
  /** The fleet home the report goes to. */
  home: string;
  /** Who crashed: `supervisor`, `worker:<name>`, `hw_supervisor`. */
  component: string;
  /** Called after the report was written (or failed to be), before the process exits. Default: nothing. */
  onReport?: (file: string | undefined, error: unknown) => void;
  /** Exits the process. Default `process.exit`. */
  exit?: (code: number) => void;
}

/** The handle `installCrashReporter` returns. */
export interface CrashReporter {
  /** Writes a report for `error` now; returns its path, or undefined when it could not be written. */
  report(error: unknown): string | undefined;
  /** Removes the process handlers. */
  uninstall(): void;
}

/**
 * Makes an uncaught exception or unhandled rejection write a debug report (error = the stack) and end the
 * process with exit code 1, as the manual's "On unhandled exception, a report is auto-generated" says.
 * Writing the report never throws: a failure is printed to stderr and the process still exits.
 */
export function installCrashReporter({
  home,
  component,
  onReport,
  exit = (code) => process.exit(code),
}: InstallCrashReporterOptions): CrashReporter {
  const report = (error: unknown): string | undefined => {
    try {
      return writeDebugReport({ home, component, error }).file;
    } catch (reportError) {
      process.stderr.write(`could not write a debug report: ${toError(reportError).message}\n`);
      return undefined;
    }
  };
  let crashed = false;
  const onCrash = (error: unknown) => {
    // A second failure while reporting the first must not write a second report or loop.
    if (crashed) return;
    crashed = true;
    process.stderr.write(`${component} crashed: ${errorText(error)}\n`);
    const file = report(error);
    if (file) process.stderr.write(`debug report written to ${file}\n`);
    onReport?.(file, error);
    exit(1);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    report,
    uninstall: () => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}
