import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { SecretsError } from '../errors/secrets-error';

// NOTE: packages/cli/README.md ("biged secret") describes the file format and the rules below; keep the
// two in sync. The format is the operations manual's: `export KEY='value'` lines that `source ~/.secrets`
// loads into the shell.

/** What a secret's key must look like: an upper-case shell variable name (`ANTHROPIC_API_KEY`). */
export const SECRET_KEY_PATTERN: RegExp = /^[A-Z_][A-Z0-9_]*$/;

/** The mode the secrets file is written with: read and write for its owner only. */
export const SECRETS_FILE_MODE = 0o600;

/** Options for `createSecretsStore`. */
export interface CreateSecretsStoreOptions {
  /** Path of the secrets file (resolved to an absolute path). Default: `~/.secrets` (`os.homedir()`). */
  file?: string;
  /**
   * Air-gap mode (`[fleet] air_gap_mode = true`): every read and write throws `SecretsError`
   * `SECRETS_AIR_GAP` before the file is opened. Default: `false`.
   */
  airGap?: boolean;
}

/** One key and its value, as `entries()` returns them. */
export interface SecretEntry {
  key: string;
  value: string;
}

/** What `set` and `delete` report. */
export interface SecretsWriteResult {
  /** Whether the key was in the file before. `delete` of a missing key writes nothing. */
  existed: boolean;
  /** Whether this call created the file. */
  created: boolean;
  /**
   * Problems found and fixed while writing, e.g. an existing file that group or others could read,
   * which is now 0600. Show them to the operator: the secrets may have been read already.
   */
  warnings: string[];
}

/**
 * The secrets file: API keys as shell-sourceable `export KEY='value'` lines (default `~/.secrets`).
 *
 * Every call reads the file afresh (nothing is cached). Writes keep unrelated lines and comments, replace
 * the key's line in place (or append one), and are atomic: a temp file in the same directory, fsync,
 * rename, always mode 0600. Two processes writing at the same moment can lose one update (last rename
 * wins); the file is never left half-written.
 *
 * In air-gap mode every method except `file` / `airGap` throws `SECRETS_AIR_GAP` without touching the file.
 */
export interface SecretsStore {
  /** The absolute path of the secrets file. */
  readonly file: string;
  /** Whether the store refuses every read and write (air-gap mode). */
  readonly airGap: boolean;
  /** The value of `key`, or `undefined` when the file (or the key) does not exist. Last assignment wins, as with `source`. */
  get(key: string): string | undefined;
  /** Whether the file assigns `key`. */
  has(key: string): boolean;
  /** The keys the file assigns, in file order, each once. */
  list(): string[];
  /** Keys and values, in file order, each key once with the value `source` would give it. */
  entries(): SecretEntry[];
  /**
   * Sets `key` to `value`: replaces the key's line in place (keeping its trailing comment and dropping later
   * duplicates), or appends `export KEY='value'`. Throws `SECRETS_INVALID_VALUE` for an empty value or one
   * holding a NUL or a line break (it could not survive `source`).
   */
  set(key: string, value: string): SecretsWriteResult;
  /** Removes every assignment of `key`. Writes nothing (and `existed` is false) when there is none. */
  delete(key: string): SecretsWriteResult;
  /**
   * The key a provider should use: the environment variable `key` when it is set and non-empty, else the
   * file's value, else `undefined`. The environment wins because the operations manual's providers read the
   * environment after `source ~/.secrets`, so an exported variable is what they would have seen.
   * In air-gap mode it throws like every other read, even when the variable is set: air-gap loads no secrets.
   * @param env Default: `process.env`.
   */
  resolve(key: string, env?: NodeJS.ProcessEnv): string | undefined;
}

/** One stretch of the file: a line we keep as written, or an assignment we manage. */
type Segment =
  | { kind: 'raw'; text: string }
  | {
      kind: 'assignment';
      key: string;
      value: string;
      /** The whole source text of the assignment, line break included. */
      text: string;
      /** Leading blanks, kept on rewrite. */
      indent: string;
      /** What followed the value on its line (blanks, `;`, a `# comment`), kept on rewrite. */
      tail: string;
      /** The line break that ended it: `\n`, `\r\n` or nothing at the end of the file. */
      lineBreak: string;
    };

const ASSIGNMENT_START = /^([ \t]*)(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=/;
// After the value only blanks, one `;` and a comment may follow; anything else (`A=1 B=2`, `A=1 && x`) is a
// command we do not understand, so the line is kept as raw text and not managed.
const TAIL = /^[ \t]*(?:;[ \t]*)?(?:#[^\n]*)?$/;
const WORD_END = /[\s;&|<>()]/;
const DOUBLE_QUOTE_ESCAPES = '$`"\\';

/**
 * Reads one shell word starting at `start`: single quotes (literal), double quotes (`\"`, `\\`, `\$`, `` \` ``
 * escapes), backslash escapes and bare characters, concatenated. `$` expansions and command substitutions are
 * not evaluated: their text is taken literally. Returns `undefined` for an unterminated quote.
 */
function scanWord(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let index = start;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close === -1) return undefined;
      value += text.slice(index + 1, close);
      index = close + 1;
    } else if (char === '"') {
      index += 1;
      let closed = false;
      while (index < text.length) {
        const inner = text.charAt(index);
        if (inner === '"') {
          closed = true;
          index += 1;
          break;
        }
        const next = text.charAt(index + 1);
        if (inner === '\\' && next === '\n') {
          index += 2;
        } else if (inner === '\\' && next !== '' && DOUBLE_QUOTE_ESCAPES.includes(next)) {
          value += next;
          index += 2;
        } else {
          value += inner;
          index += 1;
        }
      }
      if (!closed) return undefined;
    } else if (char === '\\') {
      const next = text.charAt(index + 1);
      if (next !== '\n') value += next === '' ? char : next;
      index += next === '' ? 1 : 2;
    } else if (WORD_END.test(char)) {
      break;
    } else {
      value += char;
      index += 1;
    }
  }
  return { value, end: index };
}

/**
 * Splits the file into raw text and the `KEY=value` / `export KEY=value` assignments of valid keys.
 * Tolerant: comments, blank lines, lower-case names, unterminated quotes and other commands stay raw.
 */
export function parseSecretsText(text: string): Segment[] {
  const segments: Segment[] = [];
  let position = 0;
  while (position < text.length) {
    const newline = text.indexOf('\n', position);
    const nextLine = newline === -1 ? text.length : newline + 1;
    const line = text.slice(position, nextLine);
    const match = ASSIGNMENT_START.exec(line);
    const key = match?.[2];
    const scanned =
      match && key !== undefined && SECRET_KEY_PATTERN.test(key)
        ? scanWord(text, position + match[0].length)
        : undefined;
    if (match && key !== undefined && scanned) {
      // The value may span lines (a quoted newline); its tail runs to the end of the line it ended on.
      const tailEnd = text.indexOf('\n', scanned.end);
      const stop = tailEnd === -1 ? text.length : tailEnd;
      const rawTail = text.slice(scanned.end, stop);
      if (TAIL.test(rawTail.replace(/\r$/, ''))) {
        const end = tailEnd === -1 ? text.length : tailEnd + 1;
        const crlf = rawTail.endsWith('\r');
        segments.push({
          kind: 'assignment',
          key,
          value: scanned.value,
          text: text.slice(position, end),
          indent: match[1] ?? '',
          tail: crlf ? rawTail.slice(0, -1) : rawTail,
          lineBreak: `${crlf ? '\r' : ''}${tailEnd === -1 ? '' : '\n'}`,
        });
        position = end;
        continue;
      }
    }
    segments.push({ kind: 'raw', text: line });
    position = nextLine;
  }
  return segments;
}

/** Quotes `value` for `source`: single quotes, each `'` written as `'\''`. */
export function quoteSecretValue(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Masks a secret for display: values of 20 or more characters show their first 4 and their length
 * (`sk-a…(40 chars)`, enough to tell keys apart), shorter ones show `****`.
 */
export function maskSecret(value: string): string {
  return value.length >= 20 ? `${value.slice(0, 4)}…(${value.length} chars)` : '****';
}

const errorCode = (error: unknown): string | undefined =>
  error != null && typeof error === 'object' && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function assertKey(key: string, file: string): void {
  if (typeof key !== 'string' || !SECRET_KEY_PATTERN.test(key)) {
    throw new SecretsError({
      code: 'SECRETS_INVALID_KEY',
      // A mistyped key is not a secret, and naming it is what makes the error useful; keep it short.
      message: `"${String(key).slice(0, 60)}" is not a valid secret name: use upper-case letters, digits and underscores, not starting with a digit`,
      key: String(key),
      file,
      hint: 'e.g. ANTHROPIC_API_KEY or GEMINI_API_KEY',
    });
  }
}

function assertValue(key: string, value: string, file: string): void {
  // The value itself never goes into the message.
  const problem =
    typeof value !== 'string'
      ? 'is not a string'
      : value.length === 0
        ? 'is empty'
        : value.includes('\0')
          ? 'contains a NUL character'
          : /[\r\n]/.test(value)
            ? 'contains a line break'
            : undefined;
  if (problem) {
    throw new SecretsError({
      code: 'SECRETS_INVALID_VALUE',
      message: `the value for ${key} ${problem}; a secret must be one non-empty line so that \`source\` reads it back unchanged`,
      key,
      file,
      hint:
        value === ''
          ? `to remove ${key}, delete it instead of setting it empty`
          : 'strip the trailing newline (e.g. `printf %s "$VALUE"` instead of `echo`)',
    });
  }
}

/** Creates the secrets store. Nothing is read until a method is called. */
export function createSecretsStore({
  file = path.join(homedir(), '.secrets'),
  airGap = false,
}: CreateSecretsStoreOptions = {}): SecretsStore {
  const absolute = path.resolve(file);

  const guard = (): void => {
    if (airGap) {
      throw new SecretsError({
        code: 'SECRETS_AIR_GAP',
        message: `air-gap mode is on ([fleet] air_gap_mode = true): secrets are not loaded, so ${absolute} is never read or written`,
        file: absolute,
        hint: 'set [fleet] air_gap_mode = false in fleet.toml to manage secrets',
      });
    }
  };

  const read = (): string => {
    try {
      return readFileSync(absolute, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return '';
      throw new SecretsError({
        code: 'SECRETS_READ_FAILED',
        message: `cannot read the secrets file ${absolute}: ${reasonOf(error)}`,
        file: absolute,
        cause: error,
        hint: `check that ${absolute} is a file you own (mode 0600)`,
      });
    }
  };

  const assignments = (text: string) =>
    parseSecretsText(text).filter(
      (segment): segment is Extract<Segment, { kind: 'assignment' }> => segment.kind === 'assignment',
    );

  const valuesOf = (): Map<string, string> => {
    const values = new Map<string, string>();
    // A repeated key keeps its first position and takes its last value, as `source` would.
    for (const { key, value } of assignments(read())) values.set(key, value);
    return values;
  };

  const get = (key: string): string | undefined => {
    guard();
    assertKey(key, absolute);
    return valuesOf().get(key);
  };

  /** Replaces the file's content with `text` atomically; reports whether it was created and its old mode. */
  const commit = (text: string): Omit<SecretsWriteResult, 'existed'> => {
    // Follow a symlink (dotfile managers link ~/.secrets) so the link survives and its target is replaced.
    let target = absolute;
    let stats: Stats | undefined;
    try {
      target = realpathSync(absolute);
      stats = statSync(target);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        throw new SecretsError({
          code: 'SECRETS_READ_FAILED',
          message: `cannot inspect the secrets file ${absolute}: ${reasonOf(error)}`,
          file: absolute,
          cause: error,
        });
      }
    }
    const warnings: string[] = [];
    const mode = stats ? stats.mode & 0o777 : undefined;
    if (mode !== undefined && (mode & 0o077) !== 0 && process.platform !== 'win32') {
      warnings.push(
        `${absolute} was accessible to group or others (mode 0${mode.toString(8)}); it is now 0600. ` +
          'Consider rotating the keys it held.',
      );
    }
    writeAtomically(target, text, absolute);
    return { created: stats === undefined, warnings };
  };

  return {
    file: absolute,
    airGap,
    get,
    has: (key) => get(key) !== undefined,
    list: () => {
      guard();
      return [...valuesOf().keys()];
    },
    entries: () => {
      guard();
      return [...valuesOf()].map(([key, value]) => ({ key, value }));
    },
    set: (key, value) => {
      guard();
      assertKey(key, absolute);
      assertValue(key, value, absolute);
      const before = read();
      const line = `export ${key}=${quoteSecretValue(value)}`;
      let existed = false;
      let text = '';
      for (const segment of parseSecretsText(before)) {
        if (segment.kind === 'assignment' && segment.key === key) {
          // Replace the first assignment in place; later ones would override it when sourced, so drop them.
          if (!existed) text += `${segment.indent}${line}${segment.tail}${segment.lineBreak}`;
          existed = true;
        } else {
          text += segment.text;
        }
      }
      if (!existed) {
        const eol = before.includes('\r\n') ? '\r\n' : '\n';
        if (text.length > 0 && !text.endsWith('\n')) text += eol;
        text += `${line}${eol}`;
      }
      return { existed, ...commit(text) };
    },
    delete: (key) => {
      guard();
      assertKey(key, absolute);
      const segments = parseSecretsText(read());
      const kept = segments.filter((segment) => !(segment.kind === 'assignment' && segment.key === key));
      if (kept.length === segments.length) return { existed: false, created: false, warnings: [] };
      return { existed: true, ...commit(kept.map((segment) => segment.text).join('')) };
    },
    resolve: (key, env = process.env) => {
      guard();
      assertKey(key, absolute);
      const fromEnv = env[key];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
      return get(key);
    },
  };
}

/**
 * Replaces `target` with `text`: a temp file in the same directory (created 0600), fsync, rename, then an
 * fsync of the directory so the rename itself survives a crash. The temp file is removed on failure.
 */
function writeAtomically(target: string, text: string, shownAs: string): void {
  const directory = path.dirname(target);
  const temp = path.join(
    directory,
    // Short, so a long file name cannot push the temp name past the file system's limit.
    `.${path.basename(target).slice(0, 40)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let descriptor: number | undefined;
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    descriptor = openSync(temp, 'wx', SECRETS_FILE_MODE);
    // The umask may have narrowed the mode; make it exactly 0600 whatever it was.
    fchmodSync(descriptor, SECRETS_FILE_MODE);
    writeFileSync(descriptor, text, 'utf8');
    fsyncSync(descriptor);
    closeSync(descriptor);
    descriptor = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (descriptor !== undefined) {
      try {
        closeSync(descriptor);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or already renamed.
    }
    throw new SecretsError({
      code: 'SECRETS_WRITE_FAILED',
      message: `cannot write the secrets file ${shownAs}: ${reasonOf(error)}`,
      file: shownAs,
      cause: error,
      hint: `check that you can write to ${directory}`,
    });
  }
  try {
    const directoryDescriptor = openSync(directory, 'r');
    try {
      fsyncSync(directoryDescriptor);
    } finally {
      closeSync(directoryDescriptor);
    }
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename has happened either way.
  }
}
