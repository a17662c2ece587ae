import { closeSync, openSync, writeSync } from 'node:fs';

/** Options for {@link createLogFileStream}. */
export interface LogFileStreamOptions {
  /** The log file, opened for appending (created when missing). */
  file: string;
  /** Writes bytes to a descriptor and returns how many were written. Default `fs.writeSync` (tests inject a full disk that recovers). */
  write?: (fd: number, buffer: Uint8Array) => number;
}

/** An append-only log file that never throws from `write`. */
export interface LogFileStream {
  /** Appends one line synchronously; a line the file system refuses is dropped and counted. */
  write(line: string): void;
  /** Nothing is buffered: a no-op, for pino's `flushSync`. */
  flushSync(): void;
  /** Lines dropped since the last successful write (0 once a notice about them has been written). */
  readonly dropped: number;
  /** Closes the file. */
  close(): void;
}

/**
 * The destination of `createLogger`'s file: each line is appended with one synchronous write, so a
 * crashing process's last lines reach the file. A write the file system refuses (ENOSPC on a full disk,
 * EIO, EFBIG, ...) drops that line instead of throwing: logging must never crash a worker or fail its task.
 * The first line written after drops is preceded by a warning line saying how many were lost and why.
 * (pino's own sync destination throws the error out of `log.info()` and keeps the refused bytes buffered
 * for ever.)
 */
export function createLogFileStream({ file, write = writeSync }: LogFileStreamOptions): LogFileStream {
  const fd = openSync(file, 'a');
  let dropped = 0;
  let lastError = '';

  /** Writes all of `buffer`; false (the rest dropped) when the file system refuses. */
  const writeAll = (buffer: Uint8Array): boolean => {
    let offset = 0;
    try {
      while (offset < buffer.length) offset += write(fd, buffer.subarray(offset));
      return true;
    } catch (error) {
      lastError = (error as NodeJS.ErrnoException).code ?? String(error);
      // A partial line would corrupt the JSON lines: end it so the next line stays parseable.
      if (offset > 0) writeAllQuietly(Buffer.from('\n'));
      return false;
    }
  };
  const writeAllQuietly = (buffer: Uint8Array) => {
    try {
      write(fd, buffer);
    } catch {
      // Still refused: nothing more to do.
    }
  };

  return {
    write(line) {
      if (dropped > 0) {
        const notice = `${JSON.stringify({
          level: 40,
          time: new Date().toISOString(),
          pid: process.pid,
          msg: `${dropped} log line(s) dropped: the file could not be written (${lastError})`,
          dropped,
          error: lastError,
        })}\n`;
        if (!writeAll(Buffer.from(notice))) {
          dropped += 1;
          return;
        }
        dropped = 0;
      }
      if (!writeAll(Buffer.from(line))) dropped += 1;
    },
    flushSync() {},
    get dropped() {
      return dropped;
    },
    close() {
      closeSync(fd);
    },
  };
}
