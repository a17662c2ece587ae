import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { decodeBase64Secret } from './secret';

const KEY_VALUE = 'sk-ant-api03-0123456789abcdefghijklmnopqrstuvwxyz'; // 49 characters

describe('biged secret', () => {
  let dir: string;
  let file: string;
  // No fleet home there: secrets are per user and must work without one.
  let noHome: string;
  /** Runs `biged secret ...` against the temp secrets file, never the real ~/.secrets. */
  const secret = (...args: string[]) => runCli(['secret', ...args, '--secrets-file', file, '--home', noHome]);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'biged-secret-cli-'));
    file = path.join(dir, '.secrets');
    noHome = path.join(dir, 'no-fleet-home');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sets, gets, lists (masked) and deletes, without a fleet home', async () => {
    const set = await secret('set', 'ANTHROPIC_API_KEY', KEY_VALUE);
    expect(set).toMatchObject({ code: 0, stdout: `added ANTHROPIC_API_KEY in ${file}\n`, stderr: '' });
    expect(readFileSync(file, 'utf8')).toBe(`export ANTHROPIC_API_KEY='${KEY_VALUE}'\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(noHome)).toBe(false);

    expect((await secret('set', 'SHORT', 'abc')).code).toBe(0);
    const again = await secret('set', 'ANTHROPIC_API_KEY', `${KEY_VALUE}x`);
    expect(again.stdout).toBe(`updated ANTHROPIC_API_KEY in ${file}\n`);

    // Just the value, so `$(biged secret get KEY)` works.
    expect(await secret('get', 'ANTHROPIC_API_KEY')).toMatchObject({ code: 0, stdout: `${KEY_VALUE}x\n` });

    const list = await secret('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(
      'KEY                VALUE\nANTHROPIC_API_KEY  sk-a…(50 chars)\nSHORT              ****\n',
    );
    expect(list.stdout).not.toContain('0123456789');

    const json = await secret('list', '--json');
    expect(json.json()).toEqual({
      file,
      secrets: [
        { key: 'ANTHROPIC_API_KEY', masked: 'sk-a…(50 chars)' },
        { key: 'SHORT', masked: '****' },
      ],
    });

    expect(await secret('delete', 'SHORT')).toMatchObject({
      code: 0,
      stdout: `deleted SHORT from ${file}\n`,
    });
    expect((await secret('list', '--json')).json()).toMatchObject({
      secrets: [{ key: 'ANTHROPIC_API_KEY' }],
    });
  });

  it('prints JSON for set, get and delete', async () => {
    expect((await secret('set', 'K', KEY_VALUE, '--json')).json()).toEqual({
      key: 'K',
      file,
      created: true,
      masked: 'sk-a…(49 chars)',
    });
    expect((await secret('get', 'K', '--json')).json()).toEqual({ key: 'K', value: KEY_VALUE });
    expect((await secret('delete', 'K', '--json')).json()).toEqual({ key: 'K', file, deleted: true });
  });

  it('says "no secrets" for a missing or empty file', async () => {
    expect(await secret('list')).toMatchObject({ code: 0, stdout: `no secrets in ${file}\n` });
    expect((await secret('list', '--json')).json()).toEqual({ file, secrets: [] });
    expect(existsSync(file)).toBe(false);
  });

  it('exits 3 for a key that is not there', async () => {
    const get = await secret('get', 'MISSING');
    expect(get).toMatchObject({ code: 3, stdout: '' });
    expect(get.stderr).toBe(
      `error: no secret named MISSING in ${file}\ntry: list the stored keys with \`biged secret list\`\n`,
    );
    expect((await secret('delete', 'MISSING')).code).toBe(3);
    expect((await secret('get', 'MISSING', '--json')).json()).toMatchObject({
      error: { code: 'SECRETS_NOT_FOUND' },
    });
  });

  it('decodes --b64 values and rejects bad ones', async () => {
    const encoded = Buffer.from("it's a $ecret").toString('base64');
    expect((await secret('set', 'B64', encoded, '--b64')).code).toBe(0);
    expect((await secret('get', 'B64')).stdout).toBe("it's a $ecret\n");

    const bad = await secret('set', 'B64', '%%% not base64', '--b64');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the value is not base64');
    // `echo KEY | base64` keeps the newline; the store refuses it rather than storing a broken key.
    const newline = await secret('set', 'B64', Buffer.from('sk-value\n').toString('base64'), '--b64');
    expect(newline.code).toBe(1);
    expect(newline.stderr).toContain('contains a line break');
    expect(newline.stderr).not.toContain('sk-value');
    expect((await secret('get', 'B64')).stdout).toBe("it's a $ecret\n");
  });

  it('rejects bad keys and values with exit 1, never echoing the value', async () => {
    const key = await secret('set', 'lower_case', 'v');
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('"lower_case" is not a valid secret name');
    const empty = await secret('set', 'K', '', '--json');
    expect(empty.code).toBe(1);
    expect(empty.json()).toMatchObject({ error: { code: 'SECRETS_INVALID_VALUE' } });
    expect(existsSync(file)).toBe(false);
  });

  it('takes the file from BIGED_SECRETS_FILE, with --secrets-file winning, relative to the cwd', async () => {
    const other = path.join(dir, 'other');
    const env = { BIGED_SECRETS_FILE: other };
    expect((await runCli(['secret', 'set', 'A', '1', '--home', noHome], { env })).code).toBe(0);
    expect(readFileSync(other, 'utf8')).toBe("export A='1'\n");
    const relative = await runCli(['secret', '--secrets-file', 'rel', 'set', 'B', '2', '--home', noHome], {
      env,
      cwd: dir,
    });
    expect(relative.code).toBe(0);
    expect(readFileSync(path.join(dir, 'rel'), 'utf8')).toBe("export B='2'\n");
  });

  it('warns when the file was readable by others, and fixes it', async () => {
    writeFileSync(file, "export A='1'\n");
    chmodSync(file, 0o644);
    const result = await secret('set', 'B', '2');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: ');
    expect(result.stderr).toContain('mode 0644');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses every subcommand in air-gap mode (exit 1) and leaves the file alone', async () => {
    const home = await initHome('[fleet]\nair_gap_mode = true\n');
    try {
      writeFileSync(file, "export A='1'\n", { mode: 0o600 });
      const before = readFileSync(file, 'utf8');
      for (const args of [
        ['set', 'A', '2'],
        ['set', 'A', '%%%', '--b64'],
        ['get', 'A'],
        ['list'],
        ['delete', 'A'],
        ['get', 'not-a-key'],
      ]) {
        const result = await runCli(['secret', ...args, '--secrets-file', file, '--home', home.home]);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain('air-gap mode is on');
        expect(result.stderr).toContain('try: set [fleet] air_gap_mode = false');
      }
      const json = await runCli(['secret', 'list', '--json', '--secrets-file', file, '--home', home.home]);
      expect(json.json()).toMatchObject({ error: { code: 'SECRETS_AIR_GAP' } });
      expect(readFileSync(file, 'utf8')).toBe(before);

      // The same home without air-gap lets secrets through.
      writeFileSync(home.config, '[fleet]\nair_gap_mode = false\n');
      const get = await runCli(['secret', 'get', 'A', '--secrets-file', file, '--home', home.home]);
      expect(get).toMatchObject({ code: 0, stdout: '1\n' });
    } finally {
      home.cleanup();
    }
  });

  it('is listed in help, and `secret` alone is a usage error', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/^ {2}secret\b/m);
    const sub = await runCli(['secret', '--help']);
    expect(sub.code).toBe(0);
    for (const command of ['set', 'get', 'list', 'delete'])
      expect(sub.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(sub.stdout).toContain('--secrets-file <path>');
    expect((await runCli(['secret', '--home', noHome])).code).toBe(2);
  });
});

describe('decodeBase64Secret', () => {
  it('accepts standard and URL-safe base64 and refuses the rest', () => {
    expect(decodeBase64Secret(Buffer.from('a?b>c').toString('base64'))).toBe('a?b>c');
    expect(decodeBase64Secret(Buffer.from('a?b>c').toString('base64url'))).toBe('a?b>c');
    expect(decodeBase64Secret(' c2stYWJj\n')).toBe('sk-abc');
    for (const bad of ['', '!!!!', 'abcde', Buffer.from([0xff, 0xfe]).toString('base64')]) {
      expect(() => decodeBase64Secret(bad)).toThrow(/base64|UTF-8/);
    }
  });
});
