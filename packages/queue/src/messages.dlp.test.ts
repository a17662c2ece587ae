import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

const opened: TaskQueue[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const queue of opened.splice(0)) queue.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function open(): TaskQueue {
  dir ??= mkdtempSync(join(tmpdir(), 'biged-messages-dlp-'));
  const queue = createQueue({ file: join(dir, 'fleet.db') });
  opened.push(queue);
  return queue;
}
const GITHUB = `ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5'}`;
const AWS = 'AKIAQ7RZ2M4X6P8T3V5N';

/** Every stored body and alert message, as raw text. */
function storedText(queue: TaskQueue): string {
  const database = getQueueDatabase(queue);
  const bodies = database.prepare('SELECT body FROM messages').pluck().all() as string[];
  const alerts = database.prepare('SELECT message FROM alerts').pluck().all() as string[];
  return [...bodies, ...alerts].join('\n');
}

describe('messaging: DLP', () => {
  it.each([
    [
      'a direct message',
      (queue: TaskQueue, body: Record<string, unknown>) =>
        queue.sendMessage({ to: 'coder_1', from: 'cli', body }),
    ],
    [
      'a broadcast',
      (queue: TaskQueue, body: Record<string, unknown>) => queue.broadcast({ from: 'cli', body }),
    ],
    [
      'a note',
      (queue: TaskQueue, body: Record<string, unknown>) => queue.postNote('fleet', { from: 'coder_1', body }),
    ],
  ])('redacts secrets in %s before storing it and raises one dlp_alert', (_name, send) => {
    const queue = open();
    const message = send(queue, { text: `use ${GITHUB} please`, nested: { keys: [AWS] } });
    expect(message.body).toEqual({
      text: 'use [REDACTED:github_token] please',
      nested: { keys: ['[REDACTED:aws_access_key_id]'] },
    });
    const text = storedText(queue);
    expect(text).not.toContain(GITHUB.slice(4, 20));
    expect(text).not.toContain(AWS.slice(4));
    const alerts = queue.listAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'dlp_alert', severity: 'warning' });
    expect(alerts[0]?.message).toMatch(/2 secret\(s\) redacted .*aws_access_key_id|github_token/);
  });

  it('stores a clean body unchanged (byte for byte) and raises no alert', () => {
    const queue = open();
    queue.sendMessage({ to: 'coder_1', from: 'cli', body: '{"text":  "hello"}' });
    expect(getQueueDatabase(queue).prepare('SELECT body FROM messages').pluck().get()).toBe(
      '{"text":"hello"}',
    );
    expect(queue.listAlerts()).toEqual([]);
  });

  it('refuses a body nested too deep to scan, storing nothing', () => {
    const queue = open();
    let body: Record<string, unknown> = { text: 'x' };
    for (let index = 0; index < 80; index++) body = { body };
    let error: unknown;
    try {
      queue.postNote('fleet', { from: 'cli', body });
    } catch (caught) {
      error = caught;
    }
    expect(QueueError.isInstance(error) && error.code).toBe('QUEUE_INVALID_MESSAGE');
    expect((error as Error).message).toMatch(/could not be scanned for secrets/);
    expect(storedText(queue)).toBe('');
  });
});
