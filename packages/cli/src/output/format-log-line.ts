// pino's numeric levels (the fleet's logs are pino JSON lines, see @biged/core createLogger).
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
// Fields every line carries; they add noise to a per-agent view.
const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'role', 'v']);

const renderValue = (value: unknown): string => {
  if (typeof value === 'string') return /\s|=|"/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
};

/**
 * One JSON log line as `time LEVEL msg key=value ...`. Lines that are not JSON objects (a crash
 * dump, output of a child process) come back unchanged.
 */
export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return line;
  const record = entry as Record<string, unknown>;
  const time =
    typeof record.time === 'number' ? new Date(record.time).toISOString() : String(record.time ?? '-');
  const level =
    typeof record.level === 'number'
      ? (LEVELS[record.level] ?? String(record.level))
      : String(record.level ?? '-');
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  return [time, level.padEnd(5), String(record.msg ?? ''), ...fields].join(' ').trimEnd();
}
