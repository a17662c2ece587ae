import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestFleet, type TestFleet } from './__fixtures__/test-fleet';
import { type DashboardServer, serveDashboard } from './serve-dashboard';

// Real HTTP on 127.0.0.1: fetch with a streaming reader, and a raw socket that stops reading.

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

interface StreamReader {
  events: SseEvent[];
  /** Task events received per task status (kept as events arrive, so waiting stays cheap). */
  taskStatuses: Map<string, number>;
  /** Resolves when `predicate` holds for the events received so far. */
  until(predicate: (events: SseEvent[]) => boolean, what: string, timeoutMs?: number): Promise<SseEvent[]>;
  close(): Promise<void>;
  ended: Promise<void>;
}

async function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  const taskStatuses = new Map<string, number>();
  const waiters = new Set<() => void>();
  let pending = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        pending += decoder.decode(value, { stream: true });
        let end = pending.indexOf('\n\n');
        while (end !== -1) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          end = pending.indexOf('\n\n');
          if (block.startsWith(':')) continue;
          const event: SseEvent = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const colon = line.indexOf(': ');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 2);
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') event.data += value;
          }
          events.push(event);
          if (event.event === 'task') {
            const { status } = JSON.parse(event.data) as { status: string };
            taskStatuses.set(status, (taskStatuses.get(status) ?? 0) + 1);
          }
        }
        for (const waiter of waiters) waiter();
      }
    } catch {
      // aborted
    } finally {
      for (const waiter of waiters) waiter();
    }
  })();
  return {
    events,
    taskStatuses,
    ended,
    until(predicate, what, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; got ${events.length} events`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      controller.abort();
      await ended;
    },
  };
}

const tasksWith = (events: SseEvent[], status: string) =>
  events.filter(
    (event) => event.event === 'task' && (JSON.parse(event.data) as { status: string }).status === status,
  );

let fleet: TestFleet | undefined;
let server: DashboardServer | undefined;
const readers: StreamReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.close();
  await server?.close();
  server = undefined;
  fleet?.cleanup();
  fleet = undefined;
});

async function start(stream: { pollMs?: number; clientBufferSize?: number; historySize?: number } = {}) {
  fleet = createTestFleet({ stream: { pollMs: 25, ...stream } });
  server = await serveDashboard({ dashboard: fleet.dashboard, port: 0 });
  return { fleet, url: `${server.url}/api/stream` };
}

async function connect(url: string, headers?: Record<string, string>) {
  const reader = await openStream(url, headers);
  readers.push(reader);
  await reader.until((events) => events.some((event) => event.event === 'hello'), 'hello');
  return reader;
}

describe('/api/stream', () => {
  it('sends task, alert and agent changes with increasing event ids', async () => {
    const { fleet, url } = await start();
    const reader = await connect(url);
    const { queue } = fleet;

    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    await reader.until((events) => tasksWith(events, 'PENDING').length === 1, 'PENDING');
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 1, status: 'IDLE' });
    await reader.until((events) => events.some((event) => event.event === 'agent'), 'agent');
    queue.claim({ agent: 'coder_1' });
    await reader.until((events) => tasksWith(events, 'RUNNING').length === 1, 'RUNNING');
    queue.complete(task.id, 'coder_1', { ok: true });
    await reader.until((events) => tasksWith(events, 'DONE').length === 1, 'DONE');
    const alert = queue.raiseAlert({ type: 'thermal', severity: 'critical', message: 'hot', source: 'hw' });
    await reader.until((events) => events.filter((event) => event.event === 'alert').length === 1, 'alert');
    queue.acknowledgeAlert(alert.id);
    const events = await reader.until(
      (all) => all.some((event) => event.event === 'alert' && JSON.parse(event.data).acknowledgedAt !== null),
      'acknowledged alert',
    );

    const done = JSON.parse(tasksWith(events, 'DONE')[0]!.data) as Record<string, unknown>;
    expect(done).toMatchObject({ id: task.id, skill: 'summarize', claimedBy: 'coder_1' });
    expect(done).not.toHaveProperty('payload');
    const sequence = events.filter((event) => event.id).map((event) => Number(event.id!.split('-')[1]));
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    expect(new Set(sequence).size).toBe(sequence.length);
  });

  it('sends hitl events for new agent requests and their answers, secrets redacted', async () => {
    const { fleet, url } = await start();
    const reader = await connect(url);
    const { queue } = fleet;
    const task = queue.enqueue({ skill: 'code_review', payload: {} });
    queue.claimMany({ agent: 'coder_1' }, 1);
    const asked = queue.parkForHuman(task.id, 'coder_1', {
      question: 'Merge?',
      context: { token: 'do-not-send', diff: '+x' },
    });
    const hitl = (events: SseEvent[]) =>
      events.filter((event) => event.event === 'hitl').map((event) => JSON.parse(event.data));
    await reader.until((events) => hitl(events).length === 1, 'open request');
    queue.answerHitl(asked.id, { status: 'approved', responder: 'cli:alice' });
    const events = await reader.until((all) => hitl(all).length === 2, 'answered request');
    expect(hitl(events).map((request) => [request.id, request.status, request.responder])).toEqual([
      [asked.id, 'open', null],
      [asked.id, 'approved', 'cli:alice'],
    ]);
    expect(hitl(events)[0].context).toEqual({ token: '[redacted]', diff: '+x' });
    expect(JSON.stringify(events)).not.toContain('do-not-send');
  });

  it('resumes after Last-Event-ID without gaps or repeats, and asks for a reset on a foreign id', async () => {
    const { fleet, url } = await start();
    const watcher = await connect(url);
    const first = await connect(url);
    const { queue } = fleet;

    queue.enqueue({ skill: 'noop', payload: { n: 1 } });
    await first.until((events) => tasksWith(events, 'PENDING').length === 1, 'first task');
    const lastSeen = tasksWith(first.events, 'PENDING')[0]!.id!;
    await first.close();

    const ids = queue
      .submitMany([1, 2, 3].map((n) => ({ skill: 'noop', payload: { n } })))
      .map((r) => r.task.id);
    await watcher.until((events) => tasksWith(events, 'PENDING').length === 4, 'watcher sees all four');

    const resumed = await connect(url, { 'Last-Event-ID': lastSeen });
    expect(JSON.parse(resumed.events[0]!.data)).toMatchObject({ reset: false });
    const events = await resumed.until((all) => tasksWith(all, 'PENDING').length === 3, 'replayed tasks');
    expect(tasksWith(events, 'PENDING').map((event) => JSON.parse(event.data).id)).toEqual(ids);
    // The replay continues exactly after the last id seen.
    expect(Number(tasksWith(events, 'PENDING')[0]!.id!.split('-')[1])).toBe(
      Number(lastSeen.split('-')[1]) + 1,
    );

    const foreign = await connect(url, { 'Last-Event-ID': 'zzzz-5' });
    expect(JSON.parse(foreign.events[0]!.data)).toMatchObject({ reset: true });
    const viaQuery = await connect(`${url}?last_event_id=${encodeURIComponent(lastSeen)}`);
    await viaQuery.until((all) => tasksWith(all, 'PENDING').length === 3, 'replay via query');

    const bad = await fetch(url, { headers: { 'Last-Event-ID': 'not an id' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('DASHBOARD_BAD_REQUEST');
    const unknown = await fetch(`${url}?since=1`);
    expect(unknown.status).toBe(400);
  });

  it('drops a client that stopped reading, while the others receive every event', async () => {
    const { fleet, url } = await start({ pollMs: 100, clientBufferSize: 3000, historySize: 30_000 });
    const healthy = await connect(url);

    // A raw client that reads the headers, then stops reading from its socket.
    const stalled = await new Promise<{ closed: Promise<void>; resume(): void }>((resolve, reject) => {
      const request = httpRequest(url, (response) => {
        expect(response.statusCode).toBe(200);
        response.socket.pause();
        response.pause();
        const closed = new Promise<void>((done) => response.socket.once('close', () => done()));
        resolve({
          closed,
          resume: () => {
            response.socket.resume();
            response.resume();
          },
        });
      });
      request.on('error', reject);
      request.end();
    });
    await healthy.until(() => fleet.dashboard.streamStats().clients === 2, 'two clients');

    const total = 20_000;
    for (let start = 0; start < total; start += 10_000)
      fleet.queue.submitMany(
        Array.from({ length: 10_000 }, (_, index) => ({ skill: 'noop', payload: { n: start + index } })),
      );

    const events = await healthy.until(
      () => healthy.taskStatuses.get('PENDING') === total,
      `${total} task events on the healthy client`,
      60_000,
    );
    expect(new Set(tasksWith(events, 'PENDING').map((event) => event.id)).size).toBe(total);
    expect(fleet.dashboard.streamStats()).toMatchObject({ clients: 1, dropped: 1 });
    stalled.resume();
    await stalled.closed; // the server cut the stalled connection
  }, 90_000);

  it('delivers every event of a 1000-task run to 200 concurrent clients', async () => {
    const { fleet, url } = await start({ pollMs: 100 });
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect(url)));
    const { queue } = fleet;
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 1, status: 'IDLE' });
    const ids = queue
      .submitMany(Array.from({ length: 1000 }, (_, n) => ({ skill: 'noop', payload: { n } })))
      .map((result) => result.task.id);
    // Work the queue in batches while the stream runs, as a worker would.
    let claimed = queue.claimMany({ agent: 'coder_1' }, 50);
    while (claimed.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      claimed = queue.settle({
        agent: 'coder_1',
        completed: claimed.map((task) => ({ taskId: task.id, result: null })),
        claim: {},
        limit: 50,
      }).next;
    }
    for (const client of clients)
      await client.until(() => client.taskStatuses.get('DONE') === 1000, 'all DONE events', 60_000);
    const reference = clients[0]!.events.filter((event) => event.id).map((event) => event.id);
    // Ids strictly increasing, without gaps: nothing lost, nothing repeated, in order.
    const sequence = reference.map((id) => Number(id!.split('-')[1]));
    expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, n) => sequence[0]! + n));
    for (const client of clients) {
      expect(client.events.filter((event) => event.id).map((event) => event.id)).toEqual(reference);
      expect(new Set(tasksWith(client.events, 'DONE').map((event) => JSON.parse(event.data).id))).toEqual(
        new Set(ids),
      );
    }
    expect(fleet.dashboard.streamStats()).toMatchObject({ clients: 200, dropped: 0 });
  }, 120_000);
});
