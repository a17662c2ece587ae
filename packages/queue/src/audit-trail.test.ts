import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkers } from './__fixtures__/fork-workers';
import {
  AUDIT_GENESIS_HASH,
  AUDIT_MAX_DETAIL_CHARS,
  type AuditTrail,
  buildAuditListSql,
  createAuditTrail,
  hashAuditRow,
} from './audit-trail';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

const worker = fileURLToPath(new URL('./__fixtures__/audit-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const opened: TaskQueue[] = [];
const children: ChildProcess[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  for (const queue of opened.splice(0)) queue.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

let now = Date.parse('2026-12-01T00:00:00Z');
function file(): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'biged-audit-'));
  return path.join(dir, 'fleet.db');
}
function open(): { queue: TaskQueue; audit: AuditTrail } {
  const queue = createQueue({ file: file(), clock: () => now });
  opened.push(queue);
  return { queue, audit: createAuditTrail(queue) };
}
function errorOf(call: () => unknown): QueueError {
  try {
    call();
  } catch (error) {
    if (QueueError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a QueueError');
}
function fill(audit: AuditTrail, count: number): void {
  for (let index = 1; index <= count; index++) {
    now += 1000;
    audit.append({
      actor: index % 2 ? 'cli' : 'coder_1',
      action: index % 3 ? 'dispatch' : 'file_access',
      resource: `r${index}`,
      decision: index % 4 ? 'allow' : 'deny',
      reason: index % 4 ? undefined : 'outside every zone',
      detail: { index },
    });
  }
}

describe('audit trail: append and list', () => {
  it('chains rows from the genesis hash, each hash over its canonical content', () => {
    const { audit } = open();
    const first = audit.append({
      actor: 'cli',
      action: 'secret_read',
      resource: 'ANTHROPIC_API_KEY',
      decision: 'allow',
    });
    const second = audit.append({
      actor: 'coder_1',
      action: 'file_access',
      resource: '/etc/passwd',
      decision: 'deny',
      reason: 'path is outside every zone',
      detail: { access: 'read' },
    });
    expect(first).toMatchObject({
      id: 1,
      prevHash: AUDIT_GENESIS_HASH,
      resource: 'ANTHROPIC_API_KEY',
      reason: null,
      detail: null,
    });
    expect(first.at).toBe('2026-12-01T00:00:00.000Z');
    expect(second).toMatchObject({
      id: 2,
      prevHash: first.hash,
      decision: 'deny',
      detail: { access: 'read' },
    });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.hash).toBe(
      hashAuditRow({
        id: 2,
        at: now,
        actor: 'coder_1',
        action: 'file_access',
        resource: '/etc/passwd',
        decision: 'deny',
        reason: 'path is outside every zone',
        detail_json: '{"access":"read"}',
        prev_hash: first.hash,
      }),
    );
    expect(audit.verify()).toEqual({ ok: true, rows: 2, head: second.hash });
  });

  it('appendMany writes rows in order in one transaction, chained like single appends', () => {
    const { audit } = open();
    audit.append({ actor: 'cli', action: 'dispatch', resource: 'task:1', decision: 'allow' });
    const batch = audit.appendMany(
      ['/a', '/b', '/c'].map((resource) => ({
        actor: 'coder_1',
        action: 'file_access',
        resource,
        decision: 'allow' as const,
      })),
    );
    expect(batch.map((entry) => entry.id)).toEqual([2, 3, 4]);
    expect(batch[1]!.prevHash).toBe(batch[0]!.hash);
    audit.append({ actor: 'cli', action: 'dispatch', resource: 'task:2', decision: 'allow' });
    expect(audit.verify()).toMatchObject({ ok: true, rows: 5 });
    expect(audit.appendMany([])).toEqual([]);
  });

  it('appendMany stores nothing when one row is invalid', () => {
    const { audit } = open();
    const error = errorOf(() =>
      audit.appendMany([
        { actor: 'coder_1', action: 'file_access', resource: '/a', decision: 'allow' },
        { actor: 'coder_1', action: 'NOT VALID', resource: '/b', decision: 'allow' },
      ]),
    );
    expect(error.code).toBe('QUEUE_INVALID_ARGUMENT');
    expect(audit.list()).toEqual([]);
  });

  it('verifies an empty trail', () => {
    expect(open().audit.verify()).toEqual({ ok: true, rows: 0, head: AUDIT_GENESIS_HASH });
  });

  it('lists newest first, filtered by action and actor, paged with beforeId', () => {
    const { audit } = open();
    fill(audit, 12);
    expect(audit.list().map((entry) => entry.id)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(audit.list({ action: 'file_access' }).map((entry) => entry.id)).toEqual([12, 9, 6, 3]);
    expect(audit.list({ actor: 'cli', limit: 2 }).map((entry) => entry.id)).toEqual([11, 9]);
    expect(audit.list({ beforeId: 4 }).map((entry) => entry.id)).toEqual([3, 2, 1]);
    expect(audit.list({ action: 'file_access', actor: 'coder_1' }).map((entry) => entry.id)).toEqual([12, 6]);
    expect(audit.list({ action: 'gdpr_erase' })).toEqual([]);
  });

  it('reads a filtered list through audit_log_action_idx and the rest through the primary key (no sort)', () => {
    const { queue } = open();
    const plan = (sql: string) =>
      (
        getQueueDatabase(queue)
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all({ action: 'x', actor: 'y', beforeId: 9, limit: 5 }) as Array<{ detail: string }>
      )
        .map((row) => row.detail)
        .join('\n');
    for (const actor of [false, true]) {
      for (const beforeId of [false, true]) {
        const filtered = plan(buildAuditListSql({ action: true, actor, beforeId }));
        expect(filtered).toContain('audit_log_action_idx');
        expect(filtered).not.toContain('TEMP B-TREE');
        const unfiltered = plan(buildAuditListSql({ action: false, actor, beforeId }));
        expect(unfiltered).not.toContain('TEMP B-TREE');
      }
    }
  });

  it('redacts secrets in the detail and the reason before they are stored and hashed', () => {
    const { audit, queue } = open();
    const key = 'sk-ant-api03-' + 'A1b2C3d4E5f6G7h8'.repeat(6);
    const entry = audit.append({
      actor: 'cli',
      action: 'dispatch',
      decision: 'allow',
      reason: `payload had ${key}`,
      detail: { payload: { token: key, nested: [key] } },
    });
    const stored = getQueueDatabase(queue).prepare('SELECT detail_json, reason FROM audit_log').get() as {
      detail_json: string;
      reason: string;
    };
    expect(stored.detail_json).not.toContain(key.slice(0, 24));
    expect(stored.reason).not.toContain(key.slice(0, 24));
    expect(stored.detail_json).toContain('[REDACTED:');
    expect(entry.detail).toEqual({
      payload: {
        token: expect.stringContaining('[REDACTED:'),
        nested: [expect.stringContaining('[REDACTED:')],
      },
    });
    expect(audit.verify().ok).toBe(true);
  });

  it('replaces an oversized detail with a truncation marker instead of losing the event', () => {
    const { audit } = open();
    const entry = audit.append({
      actor: 'cli',
      action: 'dispatch',
      decision: 'allow',
      detail: { text: 'x'.repeat(AUDIT_MAX_DETAIL_CHARS) },
    });
    expect(entry.detail).toEqual({ truncated: true, chars: AUDIT_MAX_DETAIL_CHARS + 11 });
  });

  it.each([
    ['an empty actor', { actor: '', action: 'dispatch', decision: 'allow' }, /actor/],
    ['an oversized actor', { actor: 'a'.repeat(129), action: 'dispatch', decision: 'allow' }, /actor/],
    ['a bad action', { actor: 'cli', action: 'DROP TABLE', decision: 'allow' }, /action/],
    ['an unknown decision', { actor: 'cli', action: 'dispatch', decision: 'maybe' }, /decision/],
    [
      'an oversized resource',
      { actor: 'cli', action: 'dispatch', decision: 'allow', resource: 'r'.repeat(4097) },
      /resource/,
    ],
    [
      'an oversized reason',
      { actor: 'cli', action: 'dispatch', decision: 'allow', reason: 'r'.repeat(2049) },
      /reason/,
    ],
    [
      'an array detail',
      { actor: 'cli', action: 'dispatch', decision: 'allow', detail: [1] },
      /detail must be a JSON object/,
    ],
    [
      'a bigint detail',
      { actor: 'cli', action: 'dispatch', decision: 'allow', detail: { n: 1n } },
      /not JSON-serialisable/,
    ],
  ])('refuses %s with QUEUE_INVALID_ARGUMENT and writes nothing', (_name, request, message) => {
    const { audit } = open();
    const error = errorOf(() => audit.append(request as never));
    expect(error.code).toBe('QUEUE_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(audit.list()).toEqual([]);
  });

  it('refuses a cyclic detail and a detail too deep to scan', () => {
    const { audit } = open();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      errorOf(() => audit.append({ actor: 'cli', action: 'x', decision: 'log', detail: cyclic })).message,
    ).toMatch(/not JSON-serialisable/);
    let deep: Record<string, unknown> = {};
    for (let index = 0; index < 100; index++) deep = { deep };
    expect(
      errorOf(() => audit.append({ actor: 'cli', action: 'x', decision: 'log', detail: deep })).message,
    ).toMatch(/could not be scanned/);
  });

  it.each([
    [{ limit: 0 }, /limit/],
    [{ limit: 10_001 }, /limit/],
    [{ limit: 1.5 }, /limit/],
    [{ beforeId: 0 }, /beforeId/],
    [{ beforeId: -3 }, /beforeId/],
  ])('list refuses %o', (options, message) => {
    const { audit } = open();
    expect(errorOf(() => audit.list(options)).message).toMatch(message);
  });
});

describe('audit trail: tampering', () => {
  const setup = (rows = 6) => {
    const { audit, queue } = open();
    fill(audit, rows);
    expect(audit.verify()).toMatchObject({ ok: true, rows });
    return { audit, database: getQueueDatabase(queue) };
  };

  it('detects an edited row (content changed, hash left as it was)', () => {
    const { audit, database } = setup();
    database.prepare("UPDATE audit_log SET decision = 'allow', reason = NULL WHERE id = 4").run();
    expect(audit.verify()).toEqual({
      ok: false,
      brokenAt: 4,
      reason: 'row 4 was changed after it was written (hash differs)',
    });
  });

  it('detects an edited row whose own hash was recomputed (the next row no longer links)', () => {
    const { audit, database } = setup();
    const row = database.prepare('SELECT * FROM audit_log WHERE id = 3').get() as Parameters<
      typeof hashAuditRow
    >[0];
    const edited = { ...row, resource: 'something-else' };
    database
      .prepare('UPDATE audit_log SET resource = ?, hash = ? WHERE id = 3')
      .run(edited.resource, hashAuditRow(edited));
    expect(audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringContaining('does not link'),
    });
  });

  it('detects a deleted middle row', () => {
    const { audit, database } = setup();
    database.prepare('DELETE FROM audit_log WHERE id = 3').run();
    expect(audit.verify()).toEqual({ ok: false, brokenAt: 3, reason: 'row 3 is missing (next row is 4)' });
  });

  it('detects a deleted middle row even when the later ids are shifted down to close the gap', () => {
    const { audit, database } = setup();
    database.prepare('DELETE FROM audit_log WHERE id = 3').run();
    database.prepare('UPDATE audit_log SET id = id - 1 WHERE id > 3').run();
    expect(audit.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('detects the first row deleted', () => {
    const { audit, database } = setup();
    database.prepare('DELETE FROM audit_log WHERE id = 1').run();
    expect(audit.verify()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it("detects two rows swapped (their content moved to each other's id)", () => {
    const { audit, database } = setup();
    database.exec(`
      UPDATE audit_log SET id = -2 WHERE id = 2;
      UPDATE audit_log SET id = 2 WHERE id = 5;
      UPDATE audit_log SET id = 5 WHERE id = -2;`);
    expect(audit.verify()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('detects deleted last rows through the AUTOINCREMENT counter, and a later append does not hide it', () => {
    const { audit, database } = setup();
    database.prepare('DELETE FROM audit_log WHERE id >= 5').run();
    expect(audit.verify()).toEqual({
      ok: false,
      brokenAt: 5,
      reason: 'rows 5..6 were removed from the end (ids up to 6 were handed out)',
    });
    // The next row gets id 7 and links to row 4: the gap stays visible.
    expect(audit.append({ actor: 'cli', action: 'dispatch', decision: 'allow' }).id).toBe(7);
    expect(audit.verify()).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: 'rows 5..6 are missing (next row is 7)',
    });
  });

  it('cannot detect the last row deleted together with the counter (documented limit)', () => {
    const { audit, database } = setup();
    database.exec(
      `DELETE FROM audit_log WHERE id = 6; UPDATE sqlite_sequence SET seq = 5 WHERE name = 'audit_log';`,
    );
    // A chain alone proves nothing about rows after its head: compare `head` with a copy kept elsewhere.
    const result = audit.verify();
    expect(result).toMatchObject({ ok: true, rows: 5 });
    expect(result.ok && result.head).toBe(audit.list({ limit: 1 })[0]?.hash);
  });
});

describe('audit trail: several processes', () => {
  it('4 processes appending 150 rows each at once keep one valid chain', async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/queue first`);
    const target = file();
    // Create and migrate the file first, with one row so the chain does not start empty.
    const { audit } = open();
    audit.append({ actor: 'cli', action: 'dispatch', decision: 'allow' });
    const COUNT = 150;
    const PROCESSES = 4;
    const workers = forkWorkers(
      worker,
      Array.from({ length: PROCESSES }, (_, index) => [target, `agent_${index}`]),
    );
    children.push(...workers.children);
    await workers.ready;
    for (const child of children) child.send({ type: 'go', count: COUNT });
    await workers.reports;
    expect(audit.verify()).toMatchObject({ ok: true, rows: 1 + COUNT * PROCESSES });
    for (let index = 0; index < PROCESSES; index++)
      expect(audit.list({ actor: `agent_${index}`, limit: 10_000 })).toHaveLength(COUNT);
  });
});
