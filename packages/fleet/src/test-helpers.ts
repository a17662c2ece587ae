import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Task, TaskStatus } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { runSupervisor } from './run-supervisor';
import type { Supervisor } from './supervisor';

/** The test skills directory, loaded as a third-party `[skills] dirs` entry. */
export const testSkillsDir = fileURLToPath(new URL('./__fixtures__/skills', import.meta.url));

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | null,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until task `id` has `status` and returns it. */
export function waitForStatus(
  queue: TaskQueue,
  id: number,
  status: TaskStatus,
  timeoutMs = 20_000,
): Promise<Task> {
  return waitFor(
    () => {
      const task = queue.get(id);
      return task?.status === status ? task : undefined;
    },
    timeoutMs,
    `task ${id} ${status}`,
  );
}

/** A fleet running in the test process (workers are real child processes). */
export interface TestFleet {
  home: TempHome;
  queue: TaskQueue;
  supervisor: Supervisor;
  /** Stops the fleet gracefully and waits for it. */
  stop(): Promise<void>;
}

/** Starts a fleet on a temp home with the given fleet.toml body (the test skills dir is added). */
export async function startTestFleet(fleetToml: string): Promise<TestFleet> {
  const home = createTempHome({
    fleetToml: `${fleetToml}\n[skills]\ndirs = [${JSON.stringify(testSkillsDir)}]\n`,
  });
  const controller = new AbortController();
  let supervisor: Supervisor | undefined;
  const running = runSupervisor({
    home: home.home,
    signal: controller.signal,
    onReady: (ready) => {
      supervisor = ready;
    },
  });
  running.catch(() => {});
  await Promise.race([waitFor(() => supervisor, 30_000, 'fleet ready'), running]);
  const queue = createQueue({ file: home.db });
  return {
    home,
    queue,
    supervisor: supervisor!,
    async stop() {
      controller.abort();
      await running;
      queue.close();
    },
  };
}
