import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { MESSAGE_SQL } from './messages';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

const opened: TaskQueue[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const queue of opened.splice(0)) queue.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

let now = 0;
beforeEach(() => {
  now = Date.parse('2026-12-01T00:00:00Z');
});
function open(options: { maxPayloadBytes?: number } = {}): TaskQueue {
  dir ??= mkdtempSync(join(tmpdir(), 'biged-messages-'));
  const queue = createQueue({ file: join(dir, 'fleet.db'), clock: () => now, ...options });
  opened.push(queue);
  return queue;
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

describe('messaging', () => {
  it('sends a direct message that only its recipient sees, until marked read', () => {
    const queue = open();
    const sent = queue.sendMessage({ to: 'coder_1', from: 'operator', body: { text: 'hi' } });
    expect(sent).toEqual({
      id: sent.id,
      kind: 'direct',
      channel: 'agent',
      from: 'operator',
      to: 'coder_1',
      body: { text: 'hi' },
      createdAt: '2026-12-01T00:00:00.000Z',
      readAt: null,
    });
    expect(queue.inbox('coder_2')).toEqual([]);
    // Peeking (the operator's `biged inbox`) does not mark read.
    expect(queue.inbox('coder_1').map((message) => message.id)).toEqual([sent.id]);
    now += 1000;
    const read = queue.inbox('coder_1', { markRead: true });
    expect(read[0]?.readAt).toBe('2026-12-01T00:00:01.000Z');
    expect(queue.inbox('coder_1')).toEqual([]);
    expect(queue.inbox('coder_1', { all: true }).map((message) => message.readAt)).toEqual([
      '2026-12-01T00:00:01.000Z',
    ]);
  });

  it('stores JSON text as given and filters the inbox by channel and limit', () => {
    const queue = open();
    const first = queue.sendMessage({
      to: 'planner',
      from: 'operator',
      body: '{"type":"plan","n":1}',
      channel: 'sup',
    });
    const second = queue.sendMessage({ to: 'planner', from: 'coder_1', body: { n: 2 }, channel: 'pool' });
    const third = queue.sendMessage({ to: 'planner', from: 'coder_1', body: { n: 3 }, channel: 'pool' });
    expect(first.body).toEqual({ type: 'plan', n: 1 });
    expect(queue.inbox('planner', { channel: 'pool' }).map((message) => message.id)).toEqual([
      second.id,
      third.id,
    ]);
    expect(queue.inbox('planner', { limit: 2 }).map((message) => message.id)).toEqual([first.id, second.id]);
    queue.inbox('planner', { channel: 'pool', markRead: true });
    expect(queue.inbox('planner').map((message) => message.id)).toEqual([first.id]);
  });

  it('shows one broadcast row once to each of several readers, across connections', () => {
    const writer = open();
    const pause = writer.broadcast({ from: 'operator', body: { type: 'pause' } });
    expect(pause).toMatchObject({ kind: 'broadcast', channel: 'fleet', to: null });
    const readers = ['researcher', 'coder_1', 'coder_2', 'planner'];
    const connections = readers.map(() => open());
    readers.forEach((agent, index) => {
      const queue = connections[index] as TaskQueue;
      const first = queue.inbox(agent, { markRead: true });
      expect(first.map((message) => message.body)).toEqual([{ type: 'pause' }]);
      expect(queue.inbox(agent, { markRead: true })).toEqual([]);
    });
    const database = getQueueDatabase(writer);
    expect(database.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(1);
    expect(database.prepare('SELECT count(*) FROM message_reads').pluck().get()).toBe(4);
    // An agent that never read it (e.g. registered later) still sees it.
    expect(writer.inbox('archivist').map((message) => message.id)).toEqual([pause.id]);
    // --all shows it with this agent's read time.
    expect(connections[0]?.inbox('researcher', { all: true })[0]?.readAt).toBe('2026-12-01T00:00:00.000Z');
  });

  it('merges direct messages and broadcasts in id order', () => {
    const queue = open();
    const a = queue.sendMessage({ to: 'analyst', from: 'operator', body: { text: 'a' } });
    const b = queue.broadcast({ from: 'operator', body: { type: 'resume' } });
    const c = queue.sendMessage({ to: 'analyst', from: 'operator', body: { text: 'c' } });
    expect(queue.inbox('analyst').map((message) => message.id)).toEqual([a.id, b.id, c.id]);
    expect(queue.inbox('analyst', { all: true, limit: 2 }).map((message) => message.id)).toEqual([
      b.id,
      c.id,
    ]);
  });

  it('posts and reads notes by time or id, apart from inboxes', () => {
    const queue = open();
    const first = queue.postNote('research.plan', { from: 'researcher', body: { step: 1 } });
    now += 60_000;
    const second = queue.postNote('research.plan', { from: 'planner', body: { step: 2 } });
    queue.postNote('other', { from: 'planner', body: { step: 9 } });
    expect(queue.notes('research.plan').map((note) => note.id)).toEqual([first.id, second.id]);
    expect(queue.notes('research.plan', { since: first.id }).map((note) => note.id)).toEqual([second.id]);
    expect(queue.notes('research.plan', { since: '2026-12-01T00:00:30Z' }).map((note) => note.id)).toEqual([
      second.id,
    ]);
    expect(queue.notes('research.plan', { limit: 1 }).map((note) => note.id)).toEqual([second.id]);
    expect(queue.inbox('researcher')).toEqual([]);
    expect(queue.channelMessages('research.plan').map((message) => message.kind)).toEqual(['note', 'note']);
  });

  it('summarises channels, always listing the four standard ones', () => {
    const queue = open();
    expect(queue.channelSummary().map((row) => row.channel)).toEqual(['agent', 'fleet', 'pool', 'sup']);
    queue.sendMessage({ to: 'coder_1', from: 'operator', body: { text: 'x' } });
    queue.sendMessage({ to: 'coder_2', from: 'operator', body: { text: 'y' } });
    queue.inbox('coder_2', { markRead: true });
    queue.broadcast({ from: 'operator', body: { type: 'pause' } });
    queue.postNote('scratch', { from: 'planner', body: { idea: 1 } });
    const summary = queue.channelSummary();
    expect(summary.find((row) => row.channel === 'agent')).toEqual({
      channel: 'agent',
      direct: 2,
      unread: 1,
      broadcasts: 0,
      notes: 0,
      lastAt: '2026-12-01T00:00:00.000Z',
    });
    expect(summary.find((row) => row.channel === 'fleet')).toMatchObject({ broadcasts: 1 });
    expect(summary.find((row) => row.channel === 'scratch')).toMatchObject({ notes: 1 });
    expect(summary.find((row) => row.channel === 'pool')).toMatchObject({ direct: 0, lastAt: null });
  });

  it('refuses malformed and oversized bodies and stores nothing', () => {
    const queue = open({ maxPayloadBytes: 64 });
    const notJson = errorOf(() => queue.sendMessage({ to: 'coder_1', from: 'operator', body: '{oops' }));
    expect(notJson.code).toBe('QUEUE_INVALID_MESSAGE');
    expect(notJson.message).toMatch(/^message body is not valid JSON/);
    const array = errorOf(() => queue.broadcast({ from: 'operator', body: '[1,2]' }));
    expect(array.code).toBe('QUEUE_INVALID_MESSAGE');
    expect(array.message).toMatch(/must be a JSON object, got an array/);
    const big = errorOf(() => queue.postNote('fleet', { from: 'operator', body: { text: 'x'.repeat(100) } }));
    expect(big.code).toBe('QUEUE_INVALID_MESSAGE');
    expect(big.message).toMatch(/bytes; the limit is 64 bytes/);
    expect(getQueueDatabase(queue).prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
  });

  it('refuses bad names, channels, limits and since values', () => {
    const queue = open();
    for (const call of [
      () => queue.sendMessage({ to: '../etc', from: 'operator', body: {} }),
      () => queue.sendMessage({ to: 'Coder', from: 'operator', body: {} }),
      () => queue.sendMessage({ to: 'coder_1', from: '', body: {} }),
      () => queue.sendMessage({ to: 'coder_1', from: 'operator', body: {}, channel: 'Bad Channel' }),
      () => queue.inbox('coder_1', { limit: 0 }),
      () => queue.inbox('coder_1', { channel: '' }),
      () => queue.notes('fleet', { since: 'yesterday' }),
      () => queue.notes('fleet', { since: -1 }),
      () => queue.notes('fleet', { limit: 10_001 }),
    ]) {
      expect(errorOf(call).code).toBe('QUEUE_INVALID_ARGUMENT');
    }
  });

  it('reads the inbox through indexes (no table scan)', () => {
    const queue = open();
    const database = getQueueDatabase(queue);
    const plan = (sql: string) =>
      (
        database
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all({ agent: 'coder_1', channel: null, limit: 5 }) as Array<{
          detail: string;
        }>
      )
        .map((row) => row.detail)
        .join('\n');
    expect(plan(MESSAGE_SQL.unreadDirect)).toMatch(/USING INDEX messages_inbox_idx/);
    const broadcasts = plan(MESSAGE_SQL.unreadBroadcasts);
    expect(broadcasts).toMatch(/USING INDEX messages_broadcast_idx/);
    expect(broadcasts).toMatch(/SEARCH r USING COVERING INDEX sqlite_autoindex_message_reads_1/);
    expect(broadcasts).not.toMatch(/SCAN r\b/);
  });
});
