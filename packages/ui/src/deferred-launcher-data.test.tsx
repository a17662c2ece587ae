import { writeFileSync } from 'node:fs';
import { fleetPaths } from '@biged/core';
import { createUsageLedger, QueueError } from '@biged/queue';
import { openQueueReader, type QueueReader } from '@biged/queue/read';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeferredLauncherData } from './deferred-launcher-data';
import { LauncherError } from './errors/launcher-error';
import { LauncherApp } from './launcher-app';
import { createLauncherData, type LauncherData } from './launcher-data';
import { KEYS, press, type TestHome, testHome, type, waitForFrame } from './test-support';

let fleet: TestHome;
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
  fleet?.cleanup();
});

/** A promise with its resolve/reject in hand (the full data "still loading" until the test says so). */
function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const fullData = (): LauncherData =>
  createLauncherData({
    queue: fleet.queue,
    ledger: createUsageLedger({ queue: fleet.queue }),
    paths: fleetPaths(fleet.home),
  });

function readerOf(): QueueReader {
  const reader = openQueueReader({ file: fleetPaths(fleet.home).db });
  if (!reader) throw new Error('openQueueReader returned undefined on a current fleet.db');
  cleanups.push(() => {
    try {
      reader.close();
    } catch {}
  });
  return reader;
}

/** Whether better-sqlite3 still has the reader's connection open. */
const isOpen = (reader: QueueReader) => {
  try {
    reader.counts();
    return true;
  } catch {
    return false;
  }
};

const expectOpening = (call: () => unknown) => {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(LauncherError.isInstance(thrown), String(thrown)).toBe(true);
  expect(thrown).toMatchObject({
    code: 'UI_QUEUE_OPENING',
    message: 'the queue is still opening; try again in a moment',
  });
};

describe('createDeferredLauncherData (real fleet.db)', () => {
  it('before the switch: Fleet from the reader, empty lists and usage, writes refused with nothing stored', () => {
    fleet = testHome();
    fleet.queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    const queued = fleet.queue.enqueue({ skill: 'summarize', payload: {} });
    const task = fleet.queue.enqueue({ skill: 'code_write', payload: {} });
    fleet.queue.claim({ agent: 'coder_1' });
    fleet.queue.claim({ agent: 'coder_1' });
    const request = fleet.queue.parkForHuman(task.id, 'coder_1', { question: 'ok?' });
    writeFileSync(fleetPaths(fleet.home).hwState, '{"status":"ok"}');
    const data = createDeferredLauncherData({
      full: later<LauncherData>().promise,
      reader: readerOf(),
      paths: fleetPaths(fleet.home),
    });

    expect(data.ready).toBe(false);
    expect(data.fleet()).toEqual(fullData().fleet());
    expect(data.fleet().agents.map((agent) => agent.name)).toEqual(['coder_1']);
    expect(data.tasks()).toEqual([]);
    expect(data.task(queued.id)).toBeUndefined();
    expect(data.hitl()).toEqual([]);
    expect(data.usage()).toEqual({ rows: [], totalUsd: 0, totalCalls: 0, hourly: Array(24).fill(0) });
    expect(data.thermal()).toEqual({ found: true, state: { status: 'ok' } });
    expectOpening(() => data.submit('summarize', '{}'));
    expectOpening(() => data.graph(queued.id));
    expectOpening(() => data.answerHitl(request.id, 'approved', 'yes'));
    expectOpening(() => data.pinHitl(request.id, true));
    expect(fleet.queue.list()).toHaveLength(2);
    expect(fleet.queue.getHitl(request.id)).toMatchObject({ status: 'open', pinned: false });
  });

  it('after the switch: every call is the full data, and the reader is closed', async () => {
    fleet = testHome();
    const reader = readerOf();
    const full = later<LauncherData>();
    const data = createDeferredLauncherData({ full: full.promise, reader, paths: fleetPaths(fleet.home) });
    expectOpening(() => data.submit('summarize', '{}'));
    full.resolve(fullData());
    await full.promise;
    await Promise.resolve();

    expect(data.ready).toBe(true);
    expect(isOpen(reader)).toBe(false);
    const task = data.submit('summarize', '{"text": "hi"}');
    expect(data.tasks().map((each) => each.id)).toEqual([task.id]);
    expect(data.task(task.id)).toMatchObject({ skill: 'summarize', payload: { text: 'hi' } });
    expect(data.graph(task.id).inGraph).toBe(false);
    expect(data.fleet().counts.PENDING).toBe(1);
    // The queue's own refusals come through unchanged.
    expect(() => data.submit('Not A Skill!', '{}')).toThrow(/skill/i);
  });

  it('without a reader (no current fleet.db yet) Fleet says the queue is opening until the switch', async () => {
    fleet = testHome();
    const full = later<LauncherData>();
    const data = createDeferredLauncherData({ full: full.promise, paths: fleetPaths(fleet.home) });
    expectOpening(() => data.fleet());
    expect(data.thermal()).toMatchObject({ found: false, reason: expect.stringContaining('not running') });
    full.resolve(fullData());
    await full.promise;
    await Promise.resolve();
    expect(data.fleet().agents).toEqual([]);
  });

  it('when the queue fails to open, every queue call throws that error, thermal still reads', async () => {
    fleet = testHome();
    const reader = readerOf();
    const full = later<LauncherData>();
    const data = createDeferredLauncherData({ full: full.promise, reader, paths: fleetPaths(fleet.home) });
    const failure = new QueueError({ code: 'QUEUE_DB_CORRUPT', message: 'fleet.db is damaged' });
    full.reject(failure);
    await full.promise.catch(() => {});
    await Promise.resolve();

    expect(data.ready).toBe(false);
    expect(isOpen(reader)).toBe(false);
    for (const call of [
      () => data.fleet(),
      () => data.tasks(),
      () => data.hitl(),
      () => data.usage(),
      () => data.submit('summarize', '{}'),
      () => data.pinHitl(1, true),
    ]) {
      expect(call).toThrow(failure);
    }
    expect(data.thermal()).toMatchObject({ found: false });
  });

  it('close() closes the reader before the switch; the switch later is harmless', async () => {
    fleet = testHome();
    const reader = readerOf();
    const full = later<LauncherData>();
    const data = createDeferredLauncherData({ full: full.promise, reader, paths: fleetPaths(fleet.home) });
    data.close();
    expect(isOpen(reader)).toBe(false);
    expectOpening(() => data.fleet());
    full.resolve(fullData());
    await full.promise;
    await Promise.resolve();
    expect(data.ready).toBe(true);
    expect(data.tasks()).toEqual([]);
  });

  it('LauncherError.isInstance tells it from other errors', () => {
    const error = new LauncherError({ code: 'UI_QUEUE_OPENING', message: 'x' });
    expect(LauncherError.isInstance(error)).toBe(true);
    expect(error.name).toBe('LauncherError');
    expect(LauncherError.isInstance(new Error('x'))).toBe(false);
    expect(LauncherError.isInstance(new QueueError({ code: 'QUEUE_CLOSED', message: 'x' }))).toBe(false);
  });
});

describe('LauncherApp on deferred data', () => {
  it('draws Fleet from the reader at once, refuses a submit while opening, then works after the switch', async () => {
    fleet = testHome();
    fleet.queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    const full = later<LauncherData>();
    const data = createDeferredLauncherData({
      full: full.promise,
      reader: readerOf(),
      paths: fleetPaths(fleet.home),
    });
    const first = render(<LauncherApp data={data} refreshMs={50} columns={80} rows={24} />);
    cleanups.push(() => first.unmount());
    await waitForFrame(first.lastFrame, /coder_1\s+coder\s+IDLE/);
    first.unmount();

    const app = render(<LauncherApp data={data} refreshMs={50} columns={80} rows={24} initialTab="tasks" />);
    cleanups.push(() => app.unmount());
    await waitForFrame(app.lastFrame, 'the queue is empty');
    await press(app.stdin, 'n');
    await waitForFrame(app.lastFrame, 'skill:');
    await type(app.stdin, 'summarize');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'payload (JSON): {}');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'the queue is still opening; try again in a moment');
    expect(fleet.queue.list()).toHaveLength(0);

    full.resolve(fullData());
    await full.promise;
    expect(data.ready).toBe(true);
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, /queued #\d+ summarize/);
    expect(fleet.queue.list()).toHaveLength(1);
  });
});
