import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetError } from './errors/fleet-error';
import { createSupervisorControlClient, SUPERVISOR_CONTROL_CHANNEL } from './supervisor-control';
import { supervisorStatePath } from './supervisor-state';
import { startTestFleet, type TestFleet, waitFor, waitForStatus } from './test-helpers';

const FAST = `
[fleet]
hw_monitor = false
heartbeat_interval_secs = 0.2
stale_check_interval_secs = 1
status_interval_secs = 0.5
[workers]
roles = ["coder"]
coder_count = 2
shutdown_grace_secs = 2
`;

let fleet: TestFleet | undefined;
let home: TempHome | undefined;
let queue: TaskQueue | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet?.home.cleanup();
  fleet = undefined;
  queue?.close();
  queue = undefined;
  home?.cleanup();
  home = undefined;
});

async function expectFleetError(promise: Promise<unknown>, code: string): Promise<FleetError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(FleetError.isInstance(error)).toBe(true);
  expect((error as FleetError).code).toBe(code);
  return error as FleetError;
}

describe('process control through the supervisor (a real fleet, requests on the sup channel)', () => {
  it('stop holds the workers down while the supervisor runs; start brings them back and tasks run again', async () => {
    fleet = await startTestFleet(FAST);
    const control = createSupervisorControlClient({ queue: fleet.queue, home: fleet.home.home });
    const before = fleet.supervisor.workers().map((worker) => worker.pid);
    expect(before.every((pid) => pid !== null)).toBe(true);

    await expect(control.stop()).resolves.toEqual({ ok: true, message: 'stopped 2 workers' });
    expect(fleet.supervisor.workers().map((worker) => worker.pid)).toEqual([null, null]);
    expect(fleet.queue.listAgents().map((agent) => agent.status)).toEqual(['OFFLINE', 'OFFLINE']);
    // Not respawned: a task stays PENDING while the workers are stopped.
    const task = fleet.queue.enqueue({
      skill: 'test_record',
      payload: { file: path.join(fleet.home.home, 'runs.txt') },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fleet.queue.getOrThrow(task.id).status).toBe('PENDING');
    expect(fleet.supervisor.workers().map((worker) => worker.pid)).toEqual([null, null]);
    await expect(control.stop()).resolves.toEqual({ ok: true, message: 'no worker was running' });

    await expect(control.start()).resolves.toEqual({ ok: true, message: 'started 2 workers' });
    await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
    const after = fleet.supervisor.workers().map((worker) => worker.pid);
    expect(after.every((pid) => pid !== null && !before.includes(pid))).toBe(true);
    await expect(control.start()).resolves.toEqual({
      ok: true,
      message: 'every worker was already running',
    });

    // Every request has its reply on the channel, in order.
    const notes = fleet.queue.notes(SUPERVISOR_CONTROL_CHANNEL, { limit: 100 });
    expect(notes.map((note) => `${note.from}:${note.body.type}`)).toEqual([
      'dashboard:control',
      'supervisor:control-reply',
      'dashboard:control',
      'supervisor:control-reply',
      'dashboard:control',
      'supervisor:control-reply',
      'dashboard:control',
      'supervisor:control-reply',
    ]);
  }, 60_000);

  it('restart replaces one worker process (or all), and refuses an unknown worker', async () => {
    fleet = await startTestFleet(FAST);
    const control = createSupervisorControlClient({ queue: fleet.queue, home: fleet.home.home });
    const pidOf = (name: string) => fleet!.supervisor.workers().find((worker) => worker.name === name)?.pid;
    const coder1 = pidOf('coder_1');
    const coder2 = pidOf('coder_2');
    await expect(control.restart('coder_1')).resolves.toEqual({ ok: true, message: 'restarted coder_1' });
    expect(pidOf('coder_1')).not.toBe(coder1);
    expect(pidOf('coder_1')).not.toBeNull();
    expect(pidOf('coder_2')).toBe(coder2);
    await waitFor(
      () =>
        fleet!.queue.listAgents().find((agent) => agent.name === 'coder_1' && agent.pid === pidOf('coder_1')),
      10_000,
      'coder_1 registered again',
    );

    const unknown = await control.restart('coder_9');
    expect(unknown.ok).toBe(false);
    expect(unknown.message).toContain('no worker named "coder_9"');

    await expect(control.restart()).resolves.toEqual({ ok: true, message: 'restarted 2 workers' });
    expect(pidOf('coder_2')).not.toBe(coder2);
    const task = fleet.queue.enqueue({
      skill: 'test_record',
      payload: { file: path.join(fleet.home.home, 'runs.txt') },
    });
    await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
  }, 60_000);

  it('answers a malformed request with ok: false, and ignores one without a request id', async () => {
    fleet = await startTestFleet(FAST);
    fleet.queue.postNote(SUPERVISOR_CONTROL_CHANNEL, {
      from: 'operator',
      body: { type: 'control', action: 'explode', request_id: 'bad-1' },
    });
    fleet.queue.postNote(SUPERVISOR_CONTROL_CHANNEL, {
      from: 'operator',
      body: { type: 'control', action: 'stop', agent: 'coder_1', request_id: 'bad-2' },
    });
    fleet.queue.postNote(SUPERVISOR_CONTROL_CHANNEL, {
      from: 'operator',
      body: { type: 'control', action: 'stop' },
    });
    const replies = await waitFor(
      () => {
        const found = fleet!.queue
          .notes(SUPERVISOR_CONTROL_CHANNEL, { limit: 100 })
          .filter((note) => note.body.type === 'control-reply');
        return found.length >= 2 ? found : undefined;
      },
      10_000,
      'two replies',
    );
    expect(replies.map((note) => note.body)).toEqual([
      {
        type: 'control-reply',
        request_id: 'bad-1',
        ok: false,
        message: 'action must be start, stop or restart',
      },
      {
        type: 'control-reply',
        request_id: 'bad-2',
        ok: false,
        message: 'agent must be an agent name, and only with restart',
      },
    ]);
    // None of them stopped anything.
    expect(fleet.supervisor.workers().every((worker) => worker.pid !== null)).toBe(true);
  }, 40_000);

  it('FLEET_NOT_RUNNING without a live supervisor: nothing is posted', async () => {
    home = createTempHome({ fleetToml: FAST });
    queue = createQueue({ file: home.db });
    const control = createSupervisorControlClient({ queue, home: home.home, timeoutMs: 500 });
    const error = await expectFleetError(control.stop(), 'FLEET_NOT_RUNNING');
    expect(error.message).toContain('fleet not running');
    // A state file left behind by a dead supervisor does not count.
    mkdirSync(home.run, { recursive: true });
    writeFileSync(
      supervisorStatePath(home.home),
      JSON.stringify({ pid: 2 ** 22 + 1, host: 'x', startedAt: '', ready: true, workers: [] }),
    );
    await expectFleetError(control.restart('coder_1'), 'FLEET_NOT_RUNNING');
    expect(queue.notes(SUPERVISOR_CONTROL_CHANNEL)).toEqual([]);
  });

  it('FLEET_CONTROL_TIMEOUT when a live supervisor does not answer in time', async () => {
    home = createTempHome({ fleetToml: FAST });
    queue = createQueue({ file: home.db });
    // A "supervisor" that is alive (this test process) but reads no control requests.
    mkdirSync(home.run, { recursive: true });
    writeFileSync(
      supervisorStatePath(home.home),
      JSON.stringify({ pid: process.pid, host: 'x', startedAt: '', ready: true, workers: [] }),
    );
    const control = createSupervisorControlClient({ queue, home: home.home, timeoutMs: 300 });
    const error = await expectFleetError(control.start(), 'FLEET_CONTROL_TIMEOUT');
    expect(error.message).toContain('within 300 ms');
    expect(queue.notes(SUPERVISOR_CONTROL_CHANNEL).map((note) => note.body.action)).toEqual(['start']);
  });
});
