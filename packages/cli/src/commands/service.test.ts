import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../service/find-executable';
import { windowsQuoteArgument } from '../service/service-templates';
import { runCli } from '../test-utils';

// Paths with spaces, quotes, %, $ and a backslash: each format must carry them unchanged.
const AWKWARD = `it's "my" 100% $HOME\\x`;

let root: string;
let userHome: string;
let fleetHome: string;
let bin: string;
let binPath: string;

const env = () => ({ HOME: userHome, PATH: bin });
const cli = (argv: string[]) => runCli([...argv, '--home', fleetHome], { env: env(), binPath });

/** A fake tool on PATH that appends its argv (one line, tab-separated) to <root>/<name>.log. */
function fakeTool(name: string, exitCode = 0, stderr = '') {
  const script = `#!/bin/sh\nprintf '%s\\t' "$@" >> "${root}/${name}.log"\necho >> "${root}/${name}.log"\n${stderr ? `echo "${stderr}" >&2\n` : ''}exit ${exitCode}\n`;
  const file = path.join(bin, name);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
}
const calls = (name: string): string[][] =>
  existsSync(path.join(root, `${name}.log`))
    ? readFileSync(path.join(root, `${name}.log`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.replace(/\t$/, '').split('\t'))
    : [];

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'biged-service-'));
  userHome = path.join(root, 'user home');
  fleetHome = path.join(root, `fleet ${AWKWARD}`);
  bin = path.join(root, 'bin');
  binPath = path.join(root, `cli ${AWKWARD}`, 'bin.js');
  for (const dir of [userHome, fleetHome, bin]) mkdirSync(dir, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const unitFile = () => path.join(userHome, '.config', 'systemd', 'user', 'biged-fleet.service');

describe('biged install-service --platform systemd', () => {
  it('--dry-run prints the unit and the commands and writes or runs nothing', async () => {
    fakeTool('systemctl');
    const result = await cli(['install-service', '--platform', 'systemd', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`# ${unitFile()}\n`);
    expect(result.stdout).toContain('ExecStart=');
    expect(result.stdout).toContain('run    systemctl --user daemon-reload');
    expect(result.stdout).toContain('run    systemctl --user enable --now biged-fleet.service');
    expect(existsSync(unitFile())).toBe(false);
    expect(calls('systemctl')).toEqual([]);
  });

  it('writes a unit with quoted, escaped paths, then reloads and enables it', async () => {
    fakeTool('systemctl');
    const result = await cli(['install-service', '--platform', 'systemd']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('check it with: systemctl --user status biged-fleet');
    const unit = readFileSync(unitFile(), 'utf8');
    const systemdEscape = (text: string) =>
      text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
    expect(unit).toContain(`Environment="BIGED_HOME=${systemdEscape(fleetHome)}"\n`);
    expect(unit).toContain(
      `ExecStart="${systemdEscape(process.execPath)}" "${systemdEscape(binPath).replace(/\$/g, '$$$$')}" "up"\n`,
    );
    expect(unit).toContain('Restart=on-failure\n');
    expect(unit).toContain('WantedBy=default.target\n');
    expect(calls('systemctl')).toEqual([
      ['--user', 'daemon-reload'],
      ['--user', 'enable', '--now', 'biged-fleet.service'],
    ]);
  });

  it('passes `systemd-analyze verify` when systemd-analyze exists', async (context) => {
    const analyze = findExecutable({ name: 'systemd-analyze', env: process.env });
    if (!analyze) {
      context.skip('systemd-analyze is not installed here');
      return;
    }
    fakeTool('systemctl');
    expect((await cli(['install-service', '--platform', 'systemd'])).code).toBe(0);
    // The bin script must exist for verify's ExecStart check of the command it runs (node) to be the only one.
    mkdirSync(path.dirname(binPath), { recursive: true });
    writeFileSync(binPath, '');
    const verify = spawnSync(analyze, ['verify', unitFile()], { encoding: 'utf8' });
    const aboutUs = verify.stderr
      .split('\n')
      .filter((line) => line.includes('biged-fleet') || line.includes(unitFile()));
    expect(aboutUs).toEqual([]);
    expect(verify.status).toBe(0);
  });

  it('fails with exit 1 when systemctl fails or is missing, naming the command', async () => {
    fakeTool('systemctl', 1, 'Failed to connect to bus');
    const failed = await cli(['install-service', '--platform', 'systemd', '--json']);
    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ error: { code: 'SERVICE_COMMAND_FAILED' } });
    expect(failed.stdout).toContain('Failed to connect to bus');
    rmSync(path.join(bin, 'systemctl'));
    const missing = await cli(['install-service', '--platform', 'systemd']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('`systemctl` is not on PATH');
  });

  it('refuses an unknown --platform, a missing home and a path with a line break', async () => {
    const bogus = await cli(['install-service', '--platform', 'upstart']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain('--platform must be one of systemd, launchd, schtasks');
    const noHome = await runCli(
      ['install-service', '--platform', 'systemd', '--home', path.join(root, 'nope')],
      {
        env: env(),
        binPath,
      },
    );
    expect(noHome.code).toBe(1);
    expect(noHome.stderr).toContain('no fleet home');
    const newline = await runCli(
      ['install-service', '--platform', 'systemd', '--dry-run', '--home', fleetHome],
      {
        env: env(),
        binPath: '/opt/biged\n[Service]\nExecStartPre=/bin/rm -rf ~/bin.js',
      },
    );
    expect(newline.code).toBe(1);
    expect(newline.stderr).toContain('holds a line break or control character');
    expect(existsSync(unitFile())).toBe(false);
  });
});

describe('biged uninstall-service --platform systemd', () => {
  it('disables, removes and reloads; says so when nothing is installed', async () => {
    fakeTool('systemctl');
    const none = await cli(['uninstall-service', '--platform', 'systemd']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no systemd service installed');
    expect(calls('systemctl')).toEqual([]);

    await cli(['install-service', '--platform', 'systemd']);
    const dry = await cli(['uninstall-service', '--platform', 'systemd', '--dry-run', '--json']);
    expect(dry.json()).toMatchObject({
      dry_run: true,
      steps: [
        { action: 'run', argv: ['systemctl', '--user', 'disable', '--now', 'biged-fleet.service'] },
        { action: 'remove', file: unitFile() },
        { action: 'run', argv: ['systemctl', '--user', 'daemon-reload'] },
      ],
    });
    expect(existsSync(unitFile())).toBe(true);
    const removed = await cli(['uninstall-service', '--platform', 'systemd']);
    expect(removed.code).toBe(0);
    expect(existsSync(unitFile())).toBe(false);
    expect(calls('systemctl').slice(2)).toEqual([
      ['--user', 'disable', '--now', 'biged-fleet.service'],
      ['--user', 'daemon-reload'],
    ]);
  });
});

/** Reads a plist with python3's plistlib when python3 exists (a real plist parser), else undefined. */
function parsePlist(file: string): Record<string, unknown> | undefined {
  const python = findExecutable({ name: 'python3', env: process.env });
  if (!python) return undefined;
  const script = 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))';
  const result = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('biged install-service --platform launchd', () => {
  it('writes a plist that parses back to the exact paths, and bootstraps it', async () => {
    fakeTool('launchctl');
    const result = await cli(['install-service', '--platform', 'launchd']);
    expect(result.code).toBe(0);
    const file = path.join(userHome, 'Library', 'LaunchAgents', 'com.biged.fleet.plist');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('<key>RunAtLoad</key>\n  <true/>');
    expect(text).toContain('&quot;my&quot;');
    expect(text).toContain('it&apos;s');
    const uid = String(process.getuid?.() ?? 501);
    expect(calls('launchctl')).toEqual([
      ['bootout', `gui/${uid}`, file],
      ['bootstrap', `gui/${uid}`, file],
    ]);
    const plutil = findExecutable({ name: 'plutil', env: process.env });
    if (plutil) expect(spawnSync(plutil, ['-lint', file]).status).toBe(0);
    const parsed = parsePlist(file);
    if (parsed) {
      expect(parsed).toMatchObject({
        Label: 'com.biged.fleet',
        ProgramArguments: [process.execPath, binPath, 'up'],
        EnvironmentVariables: { BIGED_HOME: fleetHome },
        RunAtLoad: true,
        KeepAlive: { SuccessfulExit: false },
      });
    }
  });
});

/** CommandLineToArgvW's rules (as node on Windows reads its arguments). */
function parseWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index] as string;
    if (character === '\\') {
      let count = 0;
      while (line[index] === '\\') {
        count += 1;
        index += 1;
      }
      if (line[index] === '"') {
        current += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) current += '"';
        else inQuotes = !inQuotes;
      } else {
        current += '\\'.repeat(count);
        index -= 1;
      }
      started = true;
    } else if (character === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if (/\s/.test(character) && !inQuotes) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += character;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

describe('biged install-service --platform schtasks', () => {
  it('writes UTF-16 Task Scheduler XML whose arguments read back exactly, and creates the task', async () => {
    fakeTool('schtasks');
    const result = await cli(['install-service', '--platform', 'schtasks']);
    expect(result.code).toBe(0);
    const file = path.join(fleetHome, 'run', 'BigEdFleet.xml');
    const bytes = readFileSync(file);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xfe]);
    const text = bytes.toString('utf16le').slice(1);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    expect(text).toContain('<LogonTrigger>');
    const argumentsText = /<Arguments>(.*)<\/Arguments>/.exec(text)?.[1] ?? '';
    const unescaped = argumentsText
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(parseWindowsCommandLine(unescaped)).toEqual([binPath, 'up', '--home', fleetHome]);
    expect(calls('schtasks')).toEqual([['/create', '/tn', 'BigEdFleet', '/xml', file, '/f']]);

    const removed = await cli(['uninstall-service', '--platform', 'schtasks']);
    expect(removed.code).toBe(0);
    expect(calls('schtasks')[1]).toEqual(['/delete', '/tn', 'BigEdFleet', '/f']);
    expect(existsSync(file)).toBe(false);
  });

  it('quotes Windows arguments so they read back unchanged', () => {
    for (const argument of ['plain', '', 'a b', 'C:\\Program Files\\', 'say "hi"', 'x\\"y', 'tail\\\\']) {
      expect(parseWindowsCommandLine(`prog ${windowsQuoteArgument(argument)}`)).toEqual(['prog', argument]);
    }
  });
});
