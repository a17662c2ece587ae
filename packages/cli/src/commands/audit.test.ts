import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { type AuditEntry, createAuditTrail, createQueue } from '@biged/queue';
import { getQueueDatabase } from '@biged/queue/internal';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildModuleBundle, sha256 } from '../test-support/module-bundles';
import { initHome, runCli } from '../test-utils';

interface ListJson {
  entries: Array<{
    id: number;
    actor: string;
    action: string;
    resource: string | null;
    decision: string;
    detail: unknown;
    hash: string;
    prev_hash: string;
  }>;
}

describe('biged audit', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  const audit = (...args: string[]) => runCli(['audit', ...args, '--home', home.home]);
  /** Appends rows straight through the queue, as a worker would. */
  const append = (rows: number) => {
    const queue = createQueue({ file: home.db });
    try {
      const trail = createAuditTrail(queue);
      for (let index = 1; index <= rows; index++) {
        trail.append({
          actor: index % 2 ? 'coder_1' : 'cli',
          action: index % 2 ? 'file_access' : 'dispatch',
          resource: `/data/file-${index}.txt`,
          decision: index % 3 ? 'allow' : 'deny',
          ...(index % 3 ? {} : { reason: 'outside every zone' }),
        });
      }
    } finally {
      queue.close();
    }
  };
  const tamper = (sql: string) => {
    const queue = createQueue({ file: home.db });
    try {
      getQueueDatabase(queue).exec(sql);
    } finally {
      queue.close();
    }
  };

  it('lists newest first as a table and as JSON, filtered by --type, --actor, --limit and --before', async () => {
    append(6);
    const table = await audit();
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+ACTOR\s+ACTION\s+DECISION\s+RESOURCE\s+REASON$/);
    expect(lines[1]).toMatch(/^6\s+\S+Z\s+cli\s+dispatch\s+DENY\s+\/data\/file-6\.txt\s+outside every zone$/);
    expect(lines).toHaveLength(7);

    const json = (await audit('--json')).json<ListJson>();
    expect(json.entries.map((entry) => entry.id)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(json.entries[5]).toMatchObject({
      actor: 'coder_1',
      action: 'file_access',
      prev_hash: '0'.repeat(64),
    });

    const typed = (await audit('--type', 'file_access', '--json')).json<ListJson>();
    expect(typed.entries.map((entry) => entry.id)).toEqual([5, 3, 1]);
    const byActor = (await audit('--actor', 'cli', '--limit', '2', '--json')).json<ListJson>();
    expect(byActor.entries.map((entry) => entry.id)).toEqual([6, 4]);
    const paged = (await audit('--before', '3', '--json')).json<ListJson>();
    expect(paged.entries.map((entry) => entry.id)).toEqual([2, 1]);
    expect((await audit('--type', 'gdpr_erase')).stdout).toBe('no audit rows\n');
  });

  it('--verify passes on an intact chain and exits 6 naming the row after tampering', async () => {
    append(5);
    const ok = await audit('--verify', '--json');
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ ok: true, rows: 5, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await audit('--verify')).stdout).toMatch(/^audit chain OK: 5 rows, head [0-9a-f]{64}\n$/);

    tamper("UPDATE audit_log SET decision = 'allow' WHERE id = 3");
    const edited = await audit('--verify');
    expect(edited.code).toBe(6);
    expect(edited.stdout).toBe(
      'audit chain BROKEN at row 3: row 3 was changed after it was written (hash differs)\n',
    );

    tamper("UPDATE audit_log SET decision = 'deny' WHERE id = 3; DELETE FROM audit_log WHERE id = 2");
    const deleted = await audit('--verify', '--json');
    expect(deleted.code).toBe(6);
    expect(deleted.json()).toEqual({ ok: false, broken_at: 2, reason: 'row 2 is missing (next row is 3)' });
  });

  it.each([
    [['--limit', '0'], /--limit must be a whole number above 0/],
    [['--limit', '10001'], /--limit must be at most 10000/],
    [['--limit', 'lots'], /--limit must be a whole number above 0/],
    [['--before', '-1'], /--before must be a whole number above 0/],
    [['--type', 'DROP TABLE'], /--type must be an action name/],
  ])('refuses %j with exit 1', async (args, message) => {
    const result = await audit(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('needs a fleet home', async () => {
    const result = await runCli(['audit', '--home', path.join(home.home, 'missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no fleet home');
  });
});

describe('audit rows written by CLI commands', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());
  const rows = async (type: string): Promise<AuditEntry[]> => {
    const queue = createQueue({ file: home.db });
    try {
      return createAuditTrail(queue).list({ action: type }).reverse();
    } finally {
      queue.close();
    }
  };

  it('dispatch and task: one dispatch row per queued task', async () => {
    home = await initHome();
    expect((await runCli(['dispatch', 'noop', '{}', '--home', home.home])).code).toBe(0);
    expect((await runCli(['task', '{"skill": "noop", "payload": {}}', '--home', home.home])).code).toBe(0);
    const dispatched = await rows('dispatch');
    expect(dispatched.map((row) => [row.actor, row.resource, row.decision, row.detail?.skill])).toEqual([
      ['cli', 'task:1', 'allow', 'noop'],
      ['cli', 'task:2', 'allow', 'noop'],
    ]);
  });

  it('secret get: a secret_read row naming the key, never the value; a missing key is a log row', async () => {
    home = await initHome();
    const file = path.join(home.home, 'secrets');
    const value = 'sk-ant-api03-0123456789abcdefghijklmnopqrstuvwxyz';
    const secret = (...args: string[]) =>
      runCli(['secret', ...args, '--secrets-file', file, '--home', home.home]);
    expect((await secret('set', 'ANTHROPIC_API_KEY', value)).code).toBe(0);
    expect((await secret('get', 'ANTHROPIC_API_KEY')).stdout).toBe(`${value}\n`);
    expect((await secret('get', 'NOT_THERE')).code).toBe(3);
    const reads = await rows('secret_read');
    expect(reads.map((row) => [row.resource, row.decision, row.detail])).toEqual([
      ['ANTHROPIC_API_KEY', 'allow', { method: 'get', found: true }],
      ['NOT_THERE', 'log', { method: 'get', found: false }],
    ]);
    expect(JSON.stringify(reads)).not.toContain('0123456789abcdef');
  });

  it('secret get in air-gap mode: refused, and recorded as deny', async () => {
    home = await initHome('[fleet]\nair_gap_mode = true\n');
    const result = await runCli([
      'secret',
      'get',
      'ANTHROPIC_API_KEY',
      '--secrets-file',
      path.join(home.home, 's'),
      '--home',
      home.home,
    ]);
    expect(result.code).not.toBe(0);
    expect((await rows('secret_read')).map((row) => [row.resource, row.decision])).toEqual([
      ['ANTHROPIC_API_KEY', 'deny'],
    ]);
  });

  it('module install / uninstall: allow rows with the verified SHA-256, a refused bundle is a deny row', async () => {
    home = await initHome('[fleet]\noffline_mode = true\n');
    const bundle = buildModuleBundle('crm', '2.0.0');
    const file = path.join(home.home, 'crm-2.0.0.tgz');
    writeFileSync(file, bundle);
    const module = (...args: string[]) => runCli(['module', ...args, '--home', home.home]);
    expect((await module('install', 'crm', '--file', file, '--sha256', sha256(Buffer.from('x')))).code).toBe(
      6,
    );
    expect((await module('install', 'crm', '--file', file, '--sha256', sha256(bundle))).code).toBe(0);
    expect((await module('uninstall', 'crm')).code).toBe(0);
    const installs = await rows('module_install');
    expect(installs.map((row) => [row.resource, row.decision])).toEqual([
      ['crm', 'deny'],
      ['crm', 'allow'],
    ]);
    expect(installs[0]?.reason).toMatch(/SHA-256|checksum/i);
    expect(installs[1]?.detail).toMatchObject({ version: '2.0.0', sha256: sha256(bundle) });
    expect((await rows('module_uninstall')).map((row) => [row.resource, row.decision])).toEqual([
      ['crm', 'allow'],
    ]);
  });
});
