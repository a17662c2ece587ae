import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createLogFileStream } from './log-file-stream';
import { redactLogFields, redactLogMessage } from './redact-log-line';

/** The logging interface skills, workers and the supervisor use. */
export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
  /** Writes out anything buffered. Call before exit. */
  flush(): void;
}

/** Options for `createLogger`. */
export interface CreateLoggerOptions {
  /** Directory of log files, usually `<home>/logs`. Omit to log to stderr only. */
  logsDir?: string;
  /** Role or component name; the file is `<logsDir>/<role>.log`. */
  role: string;
  /** Minimum level. Default `info`. */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Also write to stderr (human-readable lines are not attempted; JSON lines). Default false. */
  stderr?: boolean;
}

type PinoLike = pino.Logger;

function wrap(instance: PinoLike): Logger {
  // DLP (issue 9): the message and every field are redacted before pino sees them, so no secret reaches a
  // log file. Lines below the level are dropped before the (comparatively costly) scan.
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>) => {
      if (!instance.isLevelEnabled(level)) return;
      const text = redactLogMessage(message);
      if (fields) instance[level](redactLogFields(fields), text);
      else instance[level](text);
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(instance.child(redactLogFields(fields))),
    flush: () => instance.flush(),
  };
}

/**
 * A structured (JSON lines) logger writing `<logsDir>/<role>.log`, one file per role as the manual
 * describes. Writes are synchronous so a crashing worker's last lines reach the file; a write the file system
 * refuses (a full disk: ENOSPC) drops the line instead of throwing, and the next line that can be written is
 * preceded by a warning saying how many were lost. Messages and fields
 * are DLP-redacted (`redactSecrets`) before they are written: a secret becomes `[REDACTED:<kind>]`.
 */
export function createLogger({ logsDir, role, level = 'info', stderr = false }: CreateLoggerOptions): Logger {
  if (level === 'silent') return createSilentLogger();
  const streams: pino.StreamEntry[] = [];
  if (logsDir) {
    mkdirSync(logsDir, { recursive: true });
    // Never throws on a full disk (or any refused write): the line is dropped and counted, see
    // createLogFileStream. pino.destination would throw ENOSPC out of log.info() and crash the worker.
    streams.push({ level, stream: createLogFileStream({ file: path.join(logsDir, `${role}.log`) }) });
  }
  if (stderr || !logsDir) streams.push({ level, stream: pino.destination({ dest: 2, sync: true }) });
  const instance = pino(
    { level, base: { role, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
  return wrap(instance);
}

/** A logger that drops everything (for tests and library defaults). */
export function createSilentLogger(): Logger {
  const silent: Logger = {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => silent,
    flush: () => {},
  };
  return silent;
}
