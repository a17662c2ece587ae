import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from './supervisor-state';
import { startTestFleet, type TestFleet, waitFor, waitForStatus } from './test-helpers';

let fleet: TestFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet?.home.cleanup();
  fleet = undefined;
});

const FAST = `
[fleet]
hw_monitor = false
heartbeat_interval_secs = 0.2
stale_check_interval_secs = 1
status_interval_secs = 0.5
[workers]
roles = ["coder"]
shutdown_grace_secs = 2
`;

describe('supervisor + workers (real processes, one SQLite file)', () => {
  it('4 worker processes run 2,000 tasks: every task DONE exactly once, none lost', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 4\n`);
    const runs = path.join(fleet.home.home, 'runs.txt');
    const ids: number[] = [];
    for (let index = 0; index < 2000; index++) {
      ids.push(fleet.queue.enqueue({ skill: 'test_record', payload: { file: runs } }).id);
    }
    await waitFor(() => fleet!.queue.counts().DONE === 2000, 60_000, '2000 tasks DONE');
    const recorded = readFileSync(runs, 'utf8').trim().split('\n').map(Number);
    expect(recorded).toHaveLength(2000);
    expect(new Set(recorded).size).toBe(2000);
    expect([...recorded].sort((a, b) => a - b)).toEqual(ids);
    const counts = fleet.queue.counts();
    expect(counts).toMatchObject({ PENDING: 0, RUNNING: 0, DONE: 2000, FAILED: 0 });
    const byAgent = new Map<string, number>();
    for (const id of ids) {
      const task = fleet.queue.getOrThrow(id);
      expect(task.attempts).toBe(1);
      byAgent.set(task.claimedBy!, (byAgent.get(task.claimedBy!) ?? 0) + 1);
    }
    expect([...byAgent.keys()].sort()).toEqual(['coder_1', 'coder_2', 'coder_3', 'coder_4']);
  }, 90_000);

  it('a worker killed with SIGKILL mid-task: its task is requeued at once and completes; the worker respawns', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 2\n`);
    const started = path.join(fleet.home.home, 'started.txt');
    const task = fleet.queue.enqueue({ skill: 'test_sleep', payload: { ms: 1500, started } });
    const running = await waitForStatus(fleet.queue, task.id, 'RUNNING', 10_000);
    // RUNNING comes with the claim; wait until the skill itself has started, so the kill lands mid-task.
    await waitFor(
      () => existsSync(started) && readFileSync(started, 'utf8').includes('\n'),
      10_000,
      'task started',
    );
    const victim = fleet.queue.listAgents().find((agent) => agent.name === running.claimedBy)!;
    expect(isProcessAlive(victim.pid)).toBe(true);
    process.kill(victim.pid!, 'SIGKILL');
    // Requeued on exit, not after the 120 s stale timeout.
    const done = await waitForStatus(fleet.queue, task.id, 'DONE', 15_000);
    expect(done.attempts).toBe(2);
    expect(readFileSync(started, 'utf8').trim().split('\n')).toHaveLength(2);
    const respawned = await waitFor(
      () =>
        fleet!.supervisor
          .workers()
          .find((worker) => worker.name === victim.name && worker.pid && worker.pid !== victim.pid),
      15_000,
      'respawned worker',
    );
    expect(respawned.restarts).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('a worker that crashes inside a skill is respawned and the task completes on retry', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 1\n`);
    const marker = path.join(fleet.home.home, 'crashed.pid');
    const task = fleet.queue.enqueue({ skill: 'test_crash_once', payload: { marker } });
    const done = await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
    expect(done.result).toEqual({ survived: true });
    expect(done.attempts).toBe(2);
    const crashedPid = Number(readFileSync(marker, 'utf8'));
    expect(isProcessAlive(crashedPid)).toBe(false);
    expect(fleet.supervisor.workers()[0]!.restarts).toBe(1);
  }, 30_000);

  it('enforces the skill timeout with cancellation and records the error', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 1\n`);
    const task = fleet.queue.enqueue({
      skill: 'test_sleep',
      payload: { ms: 10_000, ignoreSignal: true },
      timeoutMs: 300,
      maxAttempts: 1,
    });
    const failed = await waitForStatus(fleet.queue, task.id, 'FAILED', 10_000);
    expect(failed.error).toContain('SKILL_TIMEOUT');
    // The worker is free again: a new task runs.
    const next = fleet.queue.enqueue({ skill: 'noop', payload: { echo: 1 } });
    await waitFor(() => fleet!.queue.get(next.id)?.status === 'DONE', 10_000, 'next task DONE');
  }, 30_000);

  it('a task cancelled while running is aborted and stays CANCELLED', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 1\n`);
    const task = fleet.queue.enqueue({ skill: 'test_sleep', payload: { ms: 20_000 } });
    await waitFor(() => fleet!.queue.get(task.id)?.status === 'RUNNING', 10_000, 'task RUNNING');
    fleet.queue.cancel(task.id);
    const agent = await waitFor(
      () => fleet!.queue.listAgents().find((candidate) => candidate.status === 'IDLE'),
      10_000,
      'worker idle after cancel',
    );
    expect(agent.currentTaskId).toBeNull();
    expect(fleet.queue.get(task.id)?.status).toBe('CANCELLED');
  }, 30_000);

  it('payloads failing the skill schema fail at once, without retries', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 1\n`);
    const task = fleet.queue.enqueue({ skill: 'test_sleep', payload: { ms: 'soon' } });
    const failed = await waitForStatus(fleet.queue, task.id, 'FAILED', 10_000);
    expect(failed.attempts).toBe(1);
    expect(failed.error).toContain('PAYLOAD_SCHEMA_MISMATCH');
    expect(failed.error).toContain('ms');
  }, 30_000);

  it('on stop, a running task that outlives the grace time goes back to PENDING', async () => {
    fleet = await startTestFleet(`${FAST}\ncoder_count = 1\n`);
    const task = fleet.queue.enqueue({ skill: 'test_sleep', payload: { ms: 30_000 } });
    await waitFor(() => fleet!.queue.get(task.id)?.status === 'RUNNING', 10_000, 'task RUNNING');
    const pids = fleet.supervisor.workers().map((worker) => worker.pid);
    const { queue } = fleet;
    await fleet.stop();
    const home = fleet.home;
    fleet = undefined;
    try {
      expect(pids.every((pid) => !isProcessAlive(pid))).toBe(true);
      const { createQueue } = await import('@biged/queue');
      const reopened = createQueue({ file: home.db });
      expect(reopened.get(task.id)?.status).toBe('PENDING');
      expect(reopened.listAgents().every((agent) => agent.status === 'OFFLINE')).toBe(true);
      reopened.close();
      expect(readFileSync(home.status, 'utf8')).toContain('| PENDING | 1 |');
    } finally {
      void queue;
      home.cleanup();
    }
  }, 30_000);
});
