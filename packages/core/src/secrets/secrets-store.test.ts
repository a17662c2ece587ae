import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BigedError } from '../errors/biged-error';
import { SecretsError } from '../errors/secrets-error';
import { createSecretsStore, maskSecret, parseSecretsText, quoteSecretValue } from './secrets-store';

// Every fs function the store may call is a pass-through spy, so the air-gap test can prove that nothing
// touched the file system at all.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const spied: Record<string, unknown> = { ...actual };
  for (const name of [
    'closeSync',
    'existsSync',
    'fchmodSync',
    'fsyncSync',
    'lstatSync',
    'mkdirSync',
    'openSync',
    'readFileSync',
    'realpathSync',
    'renameSync',
    'statSync',
    'unlinkSync',
    'writeFileSync',
  ] as const) {
    spied[name] = vi.fn(actual[name]);
  }
  return { ...spied, default: spied };
});

const fsSpies = () =>
  [
    fs.closeSync,
    fs.existsSync,
    fs.fchmodSync,
    fs.fsyncSync,
    fs.lstatSync,
    fs.mkdirSync,
    fs.openSync,
    fs.readFileSync,
    fs.realpathSync,
    fs.renameSync,
    fs.statSync,
    fs.unlinkSync,
    fs.writeFileSync,
  ] as unknown as Array<ReturnType<typeof vi.fn>>;

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

/** What bash gets for `key` after `source file` (the real round trip the format exists for). */
const sourced = (file: string, key: string): string =>
  execFileSync('bash', ['-c', `source "$1" && printf %s "\${${key}}"`, 'bash', file], { encoding: 'utf8' });

const hasBash = (() => {
  try {
    execFileSync('bash', ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
})();

describe('createSecretsStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmpdir(), 'biged-secrets-'));
    file = path.join(dir, '.secrets');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    vi.clearAllMocks();
  });

  it('defaults to ~/.secrets without reading it', () => {
    const store = createSecretsStore();
    expect(store.file).toBe(path.join(process.env.HOME ?? '', '.secrets'));
    expect(store.airGap).toBe(false);
  });

  it('treats a missing file as empty, and creates it 0600 on the first set', () => {
    const store = createSecretsStore({ file });
    expect(store.get('ANTHROPIC_API_KEY')).toBeUndefined();
    expect(store.list()).toEqual([]);
    expect(store.has('ANTHROPIC_API_KEY')).toBe(false);
    const result = store.set('ANTHROPIC_API_KEY', 'sk-ant-123');
    expect(result).toEqual({ existed: false, created: true, warnings: [] });
    expect(fs.readFileSync(file, 'utf8')).toBe("export ANTHROPIC_API_KEY='sk-ant-123'\n");
    expect(modeOf(file)).toBe(0o600);
    expect(store.get('ANTHROPIC_API_KEY')).toBe('sk-ant-123');
    expect(store.has('ANTHROPIC_API_KEY')).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['.secrets']); // no temp file left behind
  });

  it('creates a missing parent directory', () => {
    const nested = path.join(dir, 'a', 'b', 'secrets');
    createSecretsStore({ file: nested }).set('K', 'v');
    expect(fs.readFileSync(nested, 'utf8')).toBe("export K='v'\n");
  });

  it('parses the shell forms tolerantly and keeps unrelated lines on write', () => {
    const original = [
      '#!/bin/sh',
      '# API keys for the fleet',
      '',
      "export ANTHROPIC_API_KEY='sk-ant-old'   # rotated 2025-01",
      'export GEMINI_API_KEY="gm-\\"quoted\\" \\$HOME"',
      '  OTHER=bare\\ word',
      "QUOTE='it'\\''s'",
      'lower_case=ignored',
      'export A=1 B=2',
      'set -a',
      "MULTI='line one",
      "line two'",
      'SEMI=x;  # trailing semicolon',
      'EMPTY=',
      'DUP=first',
      'DUP=second',
      'LAST=no-newline',
    ].join('\n');
    fs.writeFileSync(file, original, { mode: 0o600 });
    const store = createSecretsStore({ file });
    expect(Object.fromEntries(store.entries().map(({ key, value }) => [key, value]))).toEqual({
      ANTHROPIC_API_KEY: 'sk-ant-old',
      GEMINI_API_KEY: 'gm-"quoted" $HOME',
      OTHER: 'bare word',
      QUOTE: "it's",
      MULTI: 'line one\nline two',
      SEMI: 'x',
      EMPTY: '',
      DUP: 'second',
      LAST: 'no-newline',
    });
    expect(store.list()).toEqual([
      'ANTHROPIC_API_KEY',
      'GEMINI_API_KEY',
      'OTHER',
      'QUOTE',
      'MULTI',
      'SEMI',
      'EMPTY',
      'DUP',
      'LAST',
    ]);

    expect(store.set('ANTHROPIC_API_KEY', 'sk-ant-new').existed).toBe(true);
    expect(store.set('DUP', 'third').existed).toBe(true);
    expect(store.set('NEW_KEY', "o'brien").existed).toBe(false);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toBe(
      [
        '#!/bin/sh',
        '# API keys for the fleet',
        '',
        "export ANTHROPIC_API_KEY='sk-ant-new'   # rotated 2025-01",
        'export GEMINI_API_KEY="gm-\\"quoted\\" \\$HOME"',
        '  OTHER=bare\\ word',
        "QUOTE='it'\\''s'",
        'lower_case=ignored',
        'export A=1 B=2',
        'set -a',
        "MULTI='line one",
        "line two'",
        'SEMI=x;  # trailing semicolon',
        'EMPTY=',
        "export DUP='third'",
        'LAST=no-newline',
        "export NEW_KEY='o'\\''brien'",
        '',
      ].join('\n'),
    );
    expect(store.get('NEW_KEY')).toBe("o'brien");
  });

  it('keeps CRLF line endings', () => {
    fs.writeFileSync(file, "# keys\r\nexport A='1'\r\n");
    const store = createSecretsStore({ file });
    expect(store.get('A')).toBe('1');
    store.set('A', '2');
    store.set('B', '3');
    expect(fs.readFileSync(file, 'utf8')).toBe("# keys\r\nexport A='2'\r\nexport B='3'\r\n");
  });

  it.skipIf(!hasBash)('writes values that `source` reads back unchanged', () => {
    const store = createSecretsStore({ file });
    const values = {
      PLAIN: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789',
      QUOTES: `it's "quoted" 'twice''`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} that the shell must not expand
      SHELL: '$(rm -rf /) `id` $HOME ${PATH} \\ ; & | > # !',
      UNICODE: 'clé-🔑-ключ',
      SPACES: '  leading and trailing  ',
    };
    for (const [key, value] of Object.entries(values)) store.set(key, value);
    for (const [key, value] of Object.entries(values)) {
      expect(sourced(file, key)).toBe(value);
      expect(store.get(key)).toBe(value);
    }
  });

  it('deletes every assignment of a key, and writes nothing for a missing one', () => {
    fs.writeFileSync(file, "# c\nexport A='1'\nexport B='2'\nA=3\n", { mode: 0o600 });
    const store = createSecretsStore({ file });
    const before = fs.statSync(file).mtimeMs;
    expect(store.delete('MISSING')).toEqual({ existed: false, created: false, warnings: [] });
    expect(fs.statSync(file).mtimeMs).toBe(before);
    expect(store.delete('A')).toEqual({ existed: true, created: false, warnings: [] });
    expect(fs.readFileSync(file, 'utf8')).toBe("# c\nexport B='2'\n");
    expect(store.list()).toEqual(['B']);
  });

  it('lets a non-empty environment variable win in resolve()', () => {
    fs.writeFileSync(file, "export ANTHROPIC_API_KEY='from-file'\n", { mode: 0o600 });
    const store = createSecretsStore({ file });
    expect(store.resolve('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: 'from-env' })).toBe('from-env');
    expect(store.resolve('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: '' })).toBe('from-file');
    expect(store.resolve('ANTHROPIC_API_KEY', {})).toBe('from-file');
    expect(store.resolve('GEMINI_API_KEY', {})).toBeUndefined();
  });

  it('fixes a group/world-readable file to 0600 and says so', () => {
    fs.writeFileSync(file, "export A='1'\n");
    fs.chmodSync(file, 0o644);
    const store = createSecretsStore({ file });
    const result = store.set('B', '2');
    expect(result.created).toBe(false);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('mode 0644');
    expect(result.warnings[0]).toContain('now 0600');
    expect(modeOf(file)).toBe(0o600);
    expect(store.set('B', '3').warnings).toEqual([]);
  });

  it('writes through a symlink, keeping the link', () => {
    const target = path.join(dir, 'dotfiles-secrets');
    fs.writeFileSync(target, "export A='1'\n", { mode: 0o600 });
    fs.symlinkSync(target, file);
    createSecretsStore({ file }).set('A', '2');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe("export A='2'\n");
  });

  it('rejects invalid keys and values without ever echoing the value', () => {
    const store = createSecretsStore({ file });
    for (const key of ['lower', '1ABC', 'A-B', '', 'A B', 'ÄPI']) {
      const error = catchError(() => store.set(key, 'v'));
      expect(SecretsError.isInstance(error) && error.code).toBe('SECRETS_INVALID_KEY');
      expect(catchError(() => store.get(key))).toMatchObject({ code: 'SECRETS_INVALID_KEY' });
    }
    for (const [value, problem] of [
      ['sk-secret-one\n', 'contains a line break'],
      ['sk-secret-two\r', 'contains a line break'],
      ['sk-secret\0three', 'contains a NUL character'],
      ['', 'is empty'],
    ] as const) {
      const error = catchError(() => store.set('KEY', value));
      expect(error).toMatchObject({ code: 'SECRETS_INVALID_VALUE', key: 'KEY' });
      expect((error as Error).message).toContain(problem);
      expect((error as Error).message).not.toContain('sk-secret');
    }
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reports a file it cannot read as SECRETS_READ_FAILED with the cause', () => {
    fs.mkdirSync(file); // a directory where the file should be
    const error = catchError(() => createSecretsStore({ file }).list());
    expect(error).toMatchObject({ code: 'SECRETS_READ_FAILED', file });
    expect((error as SecretsError).cause).toBeInstanceOf(Error);
  });

  it('reports a failed write as SECRETS_WRITE_FAILED, leaving the old file and no temp file', () => {
    fs.writeFileSync(file, "export A='1'\n", { mode: 0o600 });
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
    });
    const error = catchError(() => createSecretsStore({ file }).set('A', '2'));
    expect(error).toMatchObject({ code: 'SECRETS_WRITE_FAILED', file });
    expect((error as Error).message).toContain('EXDEV');
    expect(fs.readFileSync(file, 'utf8')).toBe("export A='1'\n");
    expect(fs.readdirSync(dir)).toEqual(['.secrets']);
  });

  it('reports a path under a file as SECRETS_READ_FAILED', () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, '');
    const error = catchError(() => createSecretsStore({ file: path.join(blocker, '.secrets') }).list());
    expect(error).toMatchObject({ code: 'SECRETS_READ_FAILED' });
  });

  it('in air-gap mode refuses every read and write without touching the file system', () => {
    // A real file with a secret, and a path in a directory that does not exist.
    fs.writeFileSync(file, "export A='1'\n", { mode: 0o600 });
    const missingDir = path.join(dir, 'missing');
    vi.clearAllMocks();
    for (const target of [file, path.join(missingDir, '.secrets')]) {
      const store = createSecretsStore({ file: target, airGap: true });
      expect(store.airGap).toBe(true);
      const calls: Array<() => unknown> = [
        () => store.get('A'),
        () => store.has('A'),
        () => store.list(),
        () => store.entries(),
        () => store.set('A', '2'),
        () => store.delete('A'),
        () => store.resolve('A', { A: 'from-env' }),
        () => store.get('not valid'), // the air-gap refusal comes before any other check
      ];
      for (const call of calls) {
        const error = catchError(call);
        expect(SecretsError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({ code: 'SECRETS_AIR_GAP', file: target });
      }
    }
    for (const spy of fsSpies()) expect(spy).not.toHaveBeenCalled();
    // Control: the same spies do see the reads of a store that is not air-gapped.
    expect(createSecretsStore({ file }).get('A')).toBe('1');
    expect(fs.readFileSync).toHaveBeenCalledWith(file, 'utf8');
    vi.clearAllMocks();
    expect(fs.readFileSync(file, 'utf8')).toBe("export A='1'\n");
    expect(fs.existsSync(missingDir)).toBe(false);
  });
});

describe('SecretsError', () => {
  it('is recognised by marker and carries key and file', () => {
    const error = new SecretsError({ code: 'SECRETS_NOT_FOUND', message: 'no X', key: 'X', file: '/f' });
    expect(SecretsError.isInstance(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    expect(SecretsError.isInstance(new BigedError({ code: 'X', message: 'x' }))).toBe(false);
    expect(error).toMatchObject({ name: 'SecretsError', key: 'X', file: '/f' });
  });
});

describe('helpers', () => {
  it('quotes for the shell and masks for display', () => {
    expect(quoteSecretValue("a'b")).toBe("'a'\\''b'");
    expect(maskSecret(`sk-a${'x'.repeat(36)}`)).toBe('sk-a…(40 chars)');
    expect(maskSecret('x'.repeat(20))).toBe('xxxx…(20 chars)');
    expect(maskSecret('x'.repeat(19))).toBe('****');
  });

  it('keeps an unterminated quote as raw text', () => {
    expect(parseSecretsText("A='open\nB=2\n")).toEqual([
      { kind: 'raw', text: "A='open\n" },
      expect.objectContaining({ kind: 'assignment', key: 'B', value: '2' }),
    ]);
  });
});

function catchError(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}
