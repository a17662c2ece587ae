import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub } from './event-hub';

// The hub's change detection against a real fleet DB written by another connection (as a worker process
// would): a large backlog, a few changes, exactly those events.

let dir: string | undefined;
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function open(): { reader: TaskQueue; writer: TaskQueue } {
  dir = mkdtempSync(path.join(tmpdir(), 'biged-hub-'));
  const file = path.join(dir, 'fleet.db');
  const writer = createQueue({ file });
  const reader = createQueue({ file });
  closers.push(
    () => writer.close(),
    () => reader.close(),
  );
  return { reader, writer };
}

function hubOn(queue: TaskQueue): EventHub {
  const hub = createEventHub({ queue, pollMs: 1_000_000 });
  closers.push(() => hub.close());
  return hub;
}

const taskEvents = (hub: EventHub, client: ReturnType<EventHub['subscribe']>['client']) => {
  hub.pollNow();
  return client
    .take()
    .filter((event) => event.type === 'task')
    .map((event) => {
      const task = event.data as { id: number; status: string };
      return [task.id, task.status];
    });
};

describe('the event hub', () => {
  it('among 3,000 open tasks, emits exactly the ones another process changed, once each', () => {
    const { reader, writer } = open();
    const ids = writer
      .submitMany(Array.from({ length: 3000 }, (_, n) => ({ skill: 'echo', payload: { n } })))
      .map(({ task }) => task.id);
    const hub = hubOn(reader);
    const { client } = hub.subscribe();
    hub.pollNow(); // the baseline: records, emits nothing
    expect(client.take()).toEqual([]);

    const claimed = writer.claimMany({ agent: 'w' }, 2).map((task) => task.id);
    writer.cancel(ids[2999]!);
    expect(taskEvents(hub, client)).toEqual([
      [claimed[0], 'RUNNING'],
      [claimed[1], 'RUNNING'],
      [ids[2999], 'CANCELLED'],
    ]);
    // Nothing changed since: nothing sent again.
    expect(taskEvents(hub, client)).toEqual([]);

    // A finished task leaves the tracked set; a retried one comes back; a new task is sent once.
    writer.settle({
      agent: 'w',
      completed: [{ taskId: claimed[0]!, result: 1 }],
      failed: [{ taskId: claimed[1]!, error: 'flaky' }],
    });
    const added = writer.enqueue({ skill: 'echo', payload: {} });
    expect(taskEvents(hub, client)).toEqual([
      [claimed[0], 'DONE'],
      [claimed[1], 'PENDING'],
      [added.id, 'PENDING'],
    ]);
    expect(taskEvents(hub, client)).toEqual([]);
  });

  it('two hubs on one connection keep their own view, and a closed hub leaves the other working', () => {
    const { reader, writer } = open();
    writer.enqueue({ skill: 'echo', payload: {} });
    const first = hubOn(reader);
    const second = hubOn(reader);
    const one = first.subscribe().client;
    const two = second.subscribe().client;
    first.pollNow();
    second.pollNow();
    const [claimed] = writer.claimMany({ agent: 'w' }, 1);
    expect(taskEvents(first, one)).toEqual([[claimed!.id, 'RUNNING']]);
    first.close();
    expect(taskEvents(second, two)).toEqual([[claimed!.id, 'RUNNING']]);
  });
});
