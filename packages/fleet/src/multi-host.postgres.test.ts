import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskStore } from '@biged/queue';
import { createPostgresStore } from '@biged/queue/postgres';
import { startTestPostgres, type TestPostgres } from '@biged/queue/postgres-testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSupervisor, type TestSupervisor } from './test-helpers';

// Two fleet homes on one machine with different [naming] device_name values behave as two hosts sharing
// one PostgreSQL queue (issue 10). Real supervisors, real worker processes, a real PostgreSQL server.

let server: TestPostgres;
let store: TaskStore;
const fleets: TestSupervisor[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const fleet of fleets.splice(0)) {
    await fleet.stop();
    fleet.home.cleanup();
  }
  await store?.close();
});

const hostToml = (url: string, device: string, coders: number) => `
[fleet]
hw_monitor = false
heartbeat_interval_secs = 0.2
stale_check_interval_secs = 1
status_interval_secs = 0.5
[workers]
roles = ["coder"]
coder_count = ${coders}
shutdown_grace_secs = 2
[queue]
url = ${JSON.stringify(url)}
[naming]
device_name = ${JSON.stringify(device)}
`;

/** Polls an async check until it is truthy. */
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('two hosts on one PostgreSQL queue', () => {
  it('share the work: every task DONE exactly once, agents qualified by host, status sees both', async () => {
    const url = await server.createDatabase('two_hosts');
    store = await createPostgresStore({ url });
    fleets.push(await startTestSupervisor(hostToml(url, 'alpha', 2)));
    fleets.push(await startTestSupervisor(hostToml(url, 'beta', 2)));
    const runs = path.join(fleets[0]!.home.home, 'runs.txt');
    const submitted = await store.submitMany(
      Array.from({ length: 600 }, () => ({ skill: 'test_record', payload: { file: runs } })),
    );
    const ids = submitted.map((result) => result.task.id);
    await until(async () => (await store.counts()).DONE === 600, 60_000, '600 tasks DONE');

    const recorded = readFileSync(runs, 'utf8').trim().split('\n').map(Number);
    expect(new Set(recorded).size).toBe(600);
    expect(recorded).toHaveLength(600);
    const hosts = new Set<string>();
    for (const id of ids) {
      const task = await store.getOrThrow(id);
      expect(task.attempts).toBe(1);
      hosts.add(task.claimedBy!.split('@')[1]!);
    }
    // Both hosts claimed work (LISTEN/NOTIFY wakes both).
    expect([...hosts].sort()).toEqual(['alpha', 'beta']);
    const agents = await store.listAgents();
    expect(agents.map((agent) => `${agent.name} ${agent.host}`).sort()).toEqual([
      'coder_1@alpha alpha',
      'coder_1@beta beta',
      'coder_2@alpha alpha',
      'coder_2@beta beta',
    ]);
  }, 120_000);

  it('a fleet-wide pause stops both hosts; a supervisor booting does not recover the other host’s tasks', async () => {
    const url = await server.createDatabase('pause_and_boot');
    store = await createPostgresStore({ url });
    fleets.push(await startTestSupervisor(hostToml(url, 'alpha', 1)));
    // A task held by a busy agent of another host, as the database shows it.
    await store.submit({ skill: 'test_sleep', payload: { ms: 1 }, assignedTo: 'coder_1@gamma' });
    const [held] = await store.claimMany({ agent: 'coder_1@gamma' }, 1);
    expect(held).toBeDefined();

    await store.setFleetPaused(true, 'test');
    const { task } = await store.submit({ skill: 'test_sleep', payload: { ms: 1 } });
    // A second host starts while the fleet is paused: it claims nothing, and boot recovery leaves gamma's
    // RUNNING task alone (it requeues only its own agents' tasks).
    fleets.push(await startTestSupervisor(hostToml(url, 'beta', 1)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await store.getOrThrow(task.id)).status).toBe('PENDING');
    expect(await store.getOrThrow(held!.id)).toMatchObject({ status: 'RUNNING', claimedBy: 'coder_1@gamma' });

    await store.setFleetPaused(false, 'test');
    await until(
      async () => (await store.getOrThrow(task.id)).status === 'DONE',
      20_000,
      'the paused task DONE after resume',
    );
    expect((await store.getOrThrow(task.id)).claimedBy).toMatch(/^coder_1@(alpha|beta)$/);
  }, 90_000);
});
