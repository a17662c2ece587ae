import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendJson, startTestServer, type TestServer } from './internal/http-test-server';
import { securityAudit } from './security-audit';

let home: TempHome;
let project: string;
let registry: TestServer | undefined;
const savedEnv = { ...process.env };

// A GitHub token shape the core scanner knows (not a real token).
const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;

// The answer of the npm registry's bulk advisory endpoint (POST /-/npm/v1/security/advisories/bulk).
const ADVISORIES = {
  'left-pad': [
    {
      id: 1001,
      url: 'https://github.com/advisories/GHSA-test-0001',
      title: 'Prototype pollution in left-pad',
      severity: 'high',
      vulnerable_versions: '<2.0.0',
      cwe: ['CWE-1321'],
      cvss: { score: 7.5, vectorString: null },
    },
  ],
};

const write = (relative: string, text: string) => {
  const file = path.join(project, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

const useRegistry = (url: string) => {
  process.env.npm_config_registry = `${url}/`;
  process.env.npm_config_fetch_retries = '0';
  process.env.npm_config_cache = path.join(home.home, 'npm-cache');
  process.env.npm_config_update_notifier = 'false';
  process.env.npm_config_audit_level = 'none';
};

beforeEach(() => {
  home = createTempHome();
  project = `${home.home}-project`;
  write(
    'package.json',
    JSON.stringify({ name: 'demo', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }),
  );
  write(
    'package-lock.json',
    JSON.stringify({
      name: 'demo',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'demo', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } },
        'node_modules/left-pad': {
          version: '1.3.0',
          resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
          integrity:
            'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEUsw/rfDeJVYkEq6d8TBzAMvnh+Sgv/DFtm4GCr5AetgXbW9aA==',
        },
      },
    }),
  );
  write(
    'src/app.js',
    [
      "const { exec } = require('node:child_process');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source code with a template string in it
      'exports.list = (dir) => exec(`ls ${dir}`);',
      'exports.calc = (text) => eval(text);',
      'const agent = new https.Agent({ rejectUnauthorized: false });',
      "fs.chmodSync('/tmp/x', 0o777);",
      'const safe = evaluate(x); // not eval',
    ].join('\n'),
  );
  write('config/settings.env', `PORT=8080\nGITHUB_TOKEN=${TOKEN}\n`);
  write('scripts/fetch.py', 'import requests\nrequests.get(url, verify=False)\n');
  write('node_modules/bad/index.js', 'eval("skipped: dependencies are not scanned")\n');
});

afterEach(async () => {
  process.env = { ...savedEnv };
  await registry?.close();
  registry = undefined;
  home.cleanup();
  rmSync(project, { recursive: true, force: true });
});

const run = (payload: Record<string, unknown>, config = parseFleetConfig({}).config) =>
  runSkill(securityAudit, { path: project, ...payload } as never, {
    home: home.home,
    readRoots: [project],
    config,
    task: { agent: 'security' },
  });

describe('security_audit', () => {
  it('finds secrets and risky patterns with file:line, and audits dependencies through npm against a registry', async () => {
    registry = await startTestServer((request, response) => {
      if (request.method === 'POST' && request.url.pathname === '/-/npm/v1/security/advisories/bulk') {
        sendJson(response, ADVISORIES);
      } else {
        sendJson(response, { error: 'not found' }, 404);
      }
    });
    useRegistry(registry.baseUrl);
    const { result } = await run({});

    expect(result.files).toBe(5);
    expect(result.secrets).toEqual([
      {
        file: 'config/settings.env',
        line: 2,
        kind: 'github_token',
        preview: expect.stringMatching(/^ghp_…\(\d+ chars\)$/),
      },
    ]);
    expect(result.risky.map((finding) => `${finding.file}:${finding.line} ${finding.rule}`)).toEqual([
      'scripts/fetch.py:2 tls-verify-false',
      'src/app.js:2 exec-template',
      'src/app.js:3 eval',
      'src/app.js:4 tls-reject-unauthorized',
      'src/app.js:5 chmod-777',
    ]);
    expect(result.audit).toEqual({
      status: 'ok',
      tool: 'npm audit',
      counts: { info: 0, low: 0, moderate: 0, high: 1, critical: 0, total: 1 },
      vulnerabilities: [
        {
          name: 'left-pad',
          severity: 'high',
          advisories: ['Prototype pollution in left-pad'],
          urls: ['https://github.com/advisories/GHSA-test-0001'],
        },
      ],
    });
    expect(registry.requests.some((request) => request.url.pathname.endsWith('/advisories/bulk'))).toBe(true);

    expect(result.file).toMatch(/knowledge\/security\/audits\/[a-z0-9-]+-project_audit_\d{8}_security\.md$/);
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).toContain('npm audit: 1 vulnerable (0 critical, 1 high');
    expect(markdown).toContain('| config/settings.env | 2 | github_token |');
    expect(markdown).toContain('`src/app.js:3` eval');
    expect(markdown).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('reports the audit as unavailable, not a failure, when the registry cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    useRegistry(`http://127.0.0.1:${port}`);
    const { result } = await run({});
    expect(result.audit.status).toBe('unavailable');
    expect(result.audit).toMatchObject({ reason: expect.stringContaining('npm audit failed') });
    expect(result.secrets).toHaveLength(1);
    expect(readFileSync(result.file, 'utf8')).toContain('audit: unavailable (npm audit failed');
  });

  it('does not run npm in offline mode, or without a lockfile, or when told not to', async () => {
    registry = await startTestServer((_, response) => sendJson(response, {}));
    useRegistry(registry.baseUrl);
    const offline = await run({}, parseFleetConfig({ fleet: { offline_mode: true } }).config);
    expect(offline.result.audit).toEqual({
      status: 'unavailable',
      reason: 'the fleet is in offline mode; npm audit needs the registry',
    });
    const skipped = await run({ dependency_audit: false });
    expect(skipped.result.audit).toEqual({ status: 'skipped', reason: 'dependency_audit is false' });
    rmSync(path.join(project, 'package-lock.json'));
    const noLock = await run({});
    expect(noLock.result.audit).toMatchObject({
      status: 'unavailable',
      reason: expect.stringContaining('no package-lock.json'),
    });
    expect(registry.requests).toHaveLength(0);
  });

  it('scans a single file, without a dependency audit', async () => {
    const { result } = await run({ path: path.join(project, 'config', 'settings.env') });
    expect(result.files).toBe(1);
    expect(result.secrets).toMatchObject([{ file: 'settings.env', line: 2, kind: 'github_token' }]);
    expect(result.audit).toEqual({
      status: 'skipped',
      reason: 'a single file was given, not a project folder',
    });
  });

  it('stops at max_files and says so', async () => {
    const { result } = await run({ max_files: 2, dependency_audit: false });
    expect(result.files).toBe(2);
    expect(result.truncated).toBe(true);
  });

  it('refuses a path outside the read roots, a missing path and a bad payload', async () => {
    await expect(runSkill(securityAudit, { path: project }, { home: home.home })).rejects.toMatchObject({
      code: 'FS_ACCESS_DENIED',
    });
    await expect(run({ path: path.join(project, 'missing') })).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(run({ max_files: 0 })).rejects.toMatchObject({ code: 'PAYLOAD_SCHEMA_MISMATCH' });
    await expect(run({ registry: 'http://x' })).rejects.toMatchObject({ code: 'PAYLOAD_SCHEMA_MISMATCH' });
  });
});
