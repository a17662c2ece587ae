import type { Task } from '@biged/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStore } from './task-store';

// NOTE: the one suite every TaskStore passes (store.sqlite.test.ts, ../postgres/store.postgres.test.ts);
// packages/queue/README.md ("Stores: SQLite and PostgreSQL") says so. A behaviour worth keeping goes here,
// not into one dialect's tests.

/** What the contract's `open` returns: a store on a fresh, empty database. */
export interface OpenedTaskStore {
  store: TaskStore;
  /** Opens one more store on the same database (another host, another process). */
  another(): Promise<TaskStore>;
  /** Closes every store it opened and drops the database. */
  cleanup(): Promise<void>;
}

/** Options of `describeTaskStoreContract`. */
export interface TaskStoreContractOptions {
  /** The `dialect` the store reports. */
  dialect: TaskStore['dialect'];
  /**
   * Whether `waitForWork` wakes on a submit made through another store on the same database (PostgreSQL:
   * NOTIFY). SQLite wakes only on its own submits; it is tested with the same store. Default false.
   */
  wakesAcrossStores?: boolean;
}

/**
 * Registers one vitest suite that checks a `TaskStore` implementation method by method: `open` is called
 * for every test and must give a store on an empty database.
 */
export function describeTaskStoreContract(
  name: string,
  open: () => Promise<OpenedTaskStore>,
  { dialect, wakesAcrossStores = false }: TaskStoreContractOptions,
): void {
  describe(`TaskStore contract: ${name}`, () => {
    let opened: OpenedTaskStore;
    let store: TaskStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened?.cleanup();
    });

    const errorOf = async (promise: Promise<unknown>): Promise<{ code?: string; message: string }> => {
      try {
        await promise;
      } catch (error) {
        return error as { code?: string; message: string };
      }
      throw new Error('expected the call to reject');
    };

    describe('lifecycle', () => {
      it('names its dialect and a printable location', () => {
        expect(store.dialect).toBe(dialect);
        expect(store.location).toMatch(/\S/);
        expect(store.location).not.toMatch(/:[^:@/]+@/);
      });

      it('submits, claims, heartbeats and completes a task', async () => {
        const task = await store.enqueue({ skill: 'summarize', payload: { path: 'notes.md' }, priority: 7 });
        expect(task).toMatchObject({
          skill: 'summarize',
          payload: { path: 'notes.md' },
          priority: 7,
          status: 'PENDING',
          attempts: 0,
          maxAttempts: 3,
          timeoutMs: 600_000,
          claimedBy: null,
        });
        expect(await store.get(task.id)).toEqual(task);
        const [claimed] = await store.claimMany({ agent: 'worker_1' }, 1);
        expect(claimed).toMatchObject({ id: task.id, status: 'RUNNING', claimedBy: 'worker_1', attempts: 1 });
        expect(claimed?.claimedAt).not.toBeNull();
        expect(await store.heartbeat(task.id, 'worker_1')).toEqual({ cancelled: false, lost: false });
        expect(await store.heartbeat(task.id, 'worker_2')).toEqual({ cancelled: false, lost: true });
        const settled = await store.settle({
          agent: 'worker_1',
          completed: [{ taskId: task.id, result: { ok: 1 } }],
        });
        expect(settled).toEqual({ completed: 1, failed: [], released: 0, next: [] });
        const done = await store.getOrThrow(task.id);
        expect(done).toMatchObject({ status: 'DONE', result: { ok: 1 }, error: null });
        expect(done.finishedAt).not.toBeNull();
        expect(await store.heartbeat(task.id, 'worker_1')).toEqual({ cancelled: false, lost: true });
        expect(await store.claimMany({ agent: 'worker_1' }, 5)).toEqual([]);
      });

      it('lists newest first with filters, and counts every status', async () => {
        const a = await store.enqueue({ skill: 'alpha', payload: {} });
        const b = await store.enqueue({ skill: 'beta', payload: {} });
        const c = await store.enqueue({ skill: 'alpha', payload: {} });
        await store.claimMany({ agent: 'w', skills: ['beta'] }, 1);
        expect((await store.list()).map((task) => task.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.list({ skill: 'alpha' })).map((task) => task.id)).toEqual([c.id, a.id]);
        expect((await store.list({ status: 'RUNNING' })).map((task) => task.id)).toEqual([b.id]);
        expect((await store.list({ limit: 1 })).map((task) => task.id)).toEqual([c.id]);
        expect(await store.counts()).toEqual({
          PENDING: 2,
          RUNNING: 1,
          DONE: 0,
          FAILED: 0,
          CANCELLED: 0,
          WAITING_HUMAN: 0,
          BLOCKED: 0,
          SKIPPED: 0,
        });
        expect((await errorOf(store.list({ limit: 0 }))).code).toBe('QUEUE_INVALID_ARGUMENT');
      });

      it('waitForTask resolves once the task has finished', async () => {
        const task = await store.enqueue({ skill: 'echo', payload: {} });
        const waiting = store.waitForTask(task.id, { pollMs: 5 });
        await store.claimMany({ agent: 'w' }, 1);
        await store.settle({ agent: 'w', completed: [{ taskId: task.id, result: 'fine' }] });
        expect(await waiting).toMatchObject({ id: task.id, status: 'DONE', result: 'fine' });
        expect((await errorOf(store.waitForTask(999_999))).code).toBe('QUEUE_TASK_NOT_FOUND');
      });
    });

    describe('claims', () => {
      it('ranks tasks assigned to the agent, then preferred skills, then priority, then age', async () => {
        const low = await store.enqueue({ skill: 'any', payload: {}, priority: 2 });
        const high = await store.enqueue({ skill: 'any', payload: {}, priority: 9 });
        const highLater = await store.enqueue({ skill: 'any', payload: {}, priority: 9 });
        const preferred = await store.enqueue({ skill: 'web_search', payload: {}, priority: 1 });
        const assigned = await store.enqueue({ skill: 'any', payload: {}, priority: 1, assignedTo: 'me' });
        const otherAgent = await store.enqueue({
          skill: 'any',
          payload: {},
          priority: 10,
          assignedTo: 'you',
        });
        const claimed = await store.claimMany({ agent: 'me', preferredSkills: ['web_search'] }, 10);
        expect(claimed.map((task) => task.id)).toEqual([
          assigned.id,
          preferred.id,
          high.id,
          highLater.id,
          low.id,
        ]);
        expect(claimed.every((task) => task.status === 'RUNNING' && task.claimedBy === 'me')).toBe(true);
        expect((await store.getOrThrow(otherAgent.id)).status).toBe('PENDING');
        expect((await store.claimMany({ agent: 'you' }, 1))[0]?.id).toBe(otherAgent.id);
      });

      it('claims only listed skills, never excluded ones (not even assigned), and nothing for an empty list', async () => {
        const code = await store.enqueue({ skill: 'code_write', payload: {} });
        const gpu = await store.enqueue({ skill: 'image_gen', payload: {}, priority: 10 });
        const gpuAssigned = await store.enqueue({ skill: 'image_gen', payload: {}, assignedTo: 'w' });
        expect(await store.claimMany({ agent: 'w', skills: [] }, 5)).toEqual([]);
        expect(await store.claimMany({ agent: 'w', skills: ['other'] }, 5)).toEqual([]);
        const first = await store.claimMany({ agent: 'w', excludeSkills: ['image_gen'] }, 5);
        expect(first.map((task) => task.id)).toEqual([code.id]);
        expect(
          await store.claimMany({ agent: 'w', skills: ['image_gen'], excludeSkills: ['image_gen'] }, 5),
        ).toEqual([]);
        const rest = await store.claimMany({ agent: 'w', skills: ['image_gen'] }, 5);
        expect(rest.map((task) => task.id)).toEqual([gpuAssigned.id, gpu.id]);
      });

      it('claims up to the limit in claim order, and checks the limit', async () => {
        const tasks = await store.submitMany(
          Array.from({ length: 7 }, (_, index) => ({ skill: 'echo', payload: { index } })),
        );
        const batch = await store.claimMany({ agent: 'w' }, 5);
        expect(batch.map((task) => task.id)).toEqual(tasks.slice(0, 5).map(({ task }) => task.id));
        expect((await store.claimMany({ agent: 'w' }, 5)).length).toBe(2);
        expect((await errorOf(store.claimMany({ agent: 'w' }, 0))).code).toBe('QUEUE_INVALID_ARGUMENT');
        expect((await errorOf(store.claimMany({ agent: 'w' }, 1001))).code).toBe('QUEUE_INVALID_ARGUMENT');
      });

      it('settles completions, failures and releases and claims the next batch in one call', async () => {
        const [a, b, c, d, e] = (
          await store.submitMany([
            { skill: 'echo', payload: { n: 1 } },
            { skill: 'echo', payload: { n: 2 } },
            { skill: 'echo', payload: { n: 3 }, maxAttempts: 1 },
            { skill: 'echo', payload: { n: 4 } },
            { skill: 'echo', payload: { n: 5 } },
          ])
        ).map(({ task }) => task) as Task[];
        await store.claimMany({ agent: 'w' }, 4);
        const result = await store.settle({
          agent: 'w',
          completed: [
            { taskId: a!.id, result: { n: 1 } },
            { taskId: e!.id, result: 'not mine' },
          ],
          failed: [
            { taskId: b!.id, error: 'flaky' },
            { taskId: c!.id, error: 'fatal' },
          ],
          released: [d!.id],
          claim: {},
          limit: 3,
        });
        expect(result.completed).toBe(1);
        expect(result.released).toBe(1);
        expect(result.failed.map((task) => [task.id, task.status, task.error])).toEqual([
          [b!.id, 'PENDING', 'flaky'],
          [c!.id, 'FAILED', 'fatal'],
        ]);
        // b (retry) and d (released, attempt given back) are PENDING again and claimable, like e.
        expect(result.next.map((task) => task.id)).toEqual([b!.id, d!.id, e!.id]);
        expect(result.next.map((task) => task.attempts)).toEqual([2, 1, 1]);
        expect((await store.getOrThrow(a!.id)).status).toBe('DONE');
        expect(await store.settle({ agent: 'other', completed: [{ taskId: b!.id, result: null }] })).toEqual({
          completed: 0,
          failed: [],
          released: 0,
          next: [],
        });
        expect((await store.getOrThrow(b!.id)).status).toBe('RUNNING');
      });

      it('records what finished, then hands back everything else the agent holds without an attempt', async () => {
        const tasks = (
          await store.submitMany([1, 2, 3, 4].map((n) => ({ skill: 'echo', payload: { n } })))
        ).map(({ task }) => task);
        // w's claim answer was "lost": it ran the first task only; another agent holds the last one.
        const held = await store.claimMany({ agent: 'w' }, 3);
        const [theirs] = await store.claimMany({ agent: 'other' }, 1);
        const result = await store.settle({
          agent: 'w',
          completed: [{ taskId: held[0]!.id, result: 'ran' }],
          releaseHeld: true,
        });
        expect(result).toMatchObject({ completed: 1, released: 2, next: [] });
        expect((await store.getOrThrow(held[0]!.id)).status).toBe('DONE');
        for (const task of held.slice(1)) {
          // Never started: PENDING with its attempt given back, claimable again.
          expect(await store.getOrThrow(task.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
        }
        expect(await store.getOrThrow(theirs!.id)).toMatchObject({ status: 'RUNNING', claimedBy: 'other' });
        expect(tasks).toHaveLength(4);
        // Nothing held: a no-op.
        expect((await store.settle({ agent: 'w', releaseHeld: true })).released).toBe(0);
      });

      it('gives each task to exactly one of 4 stores claiming 2,000 tasks at once', async () => {
        const stores = [store, await opened.another(), await opened.another(), await opened.another()];
        const total = 2000;
        for (let start = 0; start < total; start += 500) {
          await store.submitMany(
            Array.from({ length: 500 }, (_, index) => ({ skill: 'echo', payload: { n: start + index } })),
          );
        }
        const claimedBy = new Map<number, number>();
        let duplicates = 0;
        const work = async (worker: TaskStore, index: number) => {
          const agent = `w_${index}`;
          let next = await worker.claimMany({ agent }, 25);
          while (next.length > 0) {
            for (const task of next) {
              if (claimedBy.has(task.id)) duplicates += 1;
              claimedBy.set(task.id, index);
            }
            const settled = await worker.settle({
              agent,
              completed: next.map((task) => ({ taskId: task.id, result: { by: agent } })),
              claim: {},
              limit: 25,
            });
            expect(settled.completed).toBe(next.length);
            next = settled.next;
          }
        };
        await Promise.all(stores.map((worker, index) => work(worker, index)));
        expect(duplicates).toBe(0);
        expect(claimedBy.size).toBe(total);
        const counts = await store.counts();
        expect(counts.DONE).toBe(total);
        expect(counts.PENDING + counts.RUNNING).toBe(0);
        const sample = await store.list({ status: 'DONE', limit: total });
        expect(sample.every((task) => task.attempts === 1)).toBe(true);
      }, 120_000);
    });

    describe('recovery', () => {
      it('recovers stale tasks once when two stores run recoverStale at the same moment', async () => {
        const other = await opened.another();
        const tasks = await store.submitMany(
          Array.from({ length: 200 }, (_, index) => ({
            skill: 'echo',
            payload: { index },
            maxAttempts: index % 4 === 0 ? 1 : 3,
          })),
        );
        await store.claimMany({ agent: 'dead' }, 200);
        const future = Date.now() + 3_600_000;
        const [left, right] = await Promise.all([
          store.recoverStale({ olderThanMs: 1000, now: future }),
          other.recoverStale({ olderThanMs: 1000, now: future }),
        ]);
        const requeued = [...left!.requeued, ...right!.requeued];
        const failed = [...left!.failed, ...right!.failed];
        expect(new Set(requeued).size).toBe(requeued.length);
        expect(new Set(failed).size).toBe(failed.length);
        expect(requeued.length).toBe(150);
        expect(failed.length).toBe(50);
        for (const { task } of tasks) {
          const now = await store.getOrThrow(task.id);
          expect(now.attempts).toBe(1);
          if (task.maxAttempts === 1) {
            expect(now).toMatchObject({
              status: 'FAILED',
              error: 'heartbeat timed out; max attempts reached',
            });
          } else {
            expect(now).toMatchObject({
              status: 'PENDING',
              claimedBy: null,
              error: 'heartbeat timed out; requeued',
            });
          }
        }
        expect(await store.recoverStale({ olderThanMs: 1000, now: future })).toEqual({
          requeued: [],
          failed: [],
        });
        expect((await errorOf(store.recoverStale({ olderThanMs: -1 }))).code).toBe('QUEUE_INVALID_ARGUMENT');
      });

      it('leaves fresh tasks alone and requeues a dead agent’s tasks', async () => {
        const [a, b] = (
          await store.submitMany([
            { skill: 'echo', payload: {} },
            { skill: 'echo', payload: {}, maxAttempts: 1 },
          ])
        ).map(({ task }) => task) as Task[];
        await store.claimMany({ agent: 'gone' }, 2);
        expect(await store.recoverStale({ olderThanMs: 60_000 })).toEqual({ requeued: [], failed: [] });
        expect(await store.requeueAgentTasks('gone')).toEqual({ requeued: [a!.id], failed: [b!.id] });
        expect(await store.getOrThrow(b!.id)).toMatchObject({
          status: 'FAILED',
          error: 'worker died; max attempts reached',
        });
        expect(await store.requeueAgentTasks('gone')).toEqual({ requeued: [], failed: [] });
      });
    });

    describe('dependencies', () => {
      it('blocks, promotes on completion and reports edges both ways', async () => {
        const [fetchA, fetchB, report] = await store.submitMany([
          { skill: 'web_search', payload: { q: 'a' }, ref: 'a' },
          { skill: 'web_search', payload: { q: 'b' }, ref: 'b' },
          { skill: 'synthesize', payload: {}, dependsOn: ['a', 'b'] },
        ]);
        expect(report!.task.status).toBe('BLOCKED');
        expect(await store.dependencies(report!.task.id)).toEqual({
          taskId: report!.task.id,
          dependsOn: [fetchA!.task.id, fetchB!.task.id],
          dependents: [],
          blockedCount: 2,
          onDependencyFailure: 'fail',
        });
        expect((await store.dependencies(fetchA!.task.id)).dependents).toEqual([report!.task.id]);
        const claimed = await store.claimMany({ agent: 'w' }, 5);
        expect(claimed.map((task) => task.id)).toEqual([fetchA!.task.id, fetchB!.task.id]);
        await store.settle({ agent: 'w', completed: [{ taskId: fetchA!.task.id, result: 1 }] });
        expect((await store.dependencies(report!.task.id)).blockedCount).toBe(1);
        const settled = await store.settle({
          agent: 'w',
          completed: [{ taskId: fetchB!.task.id, result: 2 }],
          claim: {},
        });
        expect(settled.next.map((task) => task.id)).toEqual([report!.task.id]);
        // A later task depending on a DONE task starts PENDING.
        const later = await store.submit({ skill: 'echo', payload: {}, dependsOn: [fetchA!.task.id] });
        expect(later.task.status).toBe('PENDING');
      });

      it('fails or skips dependents, transitively, when a dependency fails', async () => {
        const [root, failing, skipping, downstream] = await store.submitMany([
          { skill: 'echo', payload: {}, ref: 'root', maxAttempts: 1 },
          { skill: 'echo', payload: {}, ref: 'f', dependsOn: ['root'] },
          { skill: 'echo', payload: {}, ref: 's', dependsOn: ['root'], onDependencyFailure: 'skip' },
          { skill: 'echo', payload: {}, dependsOn: ['f'], onDependencyFailure: 'skip' },
        ]);
        await store.claimMany({ agent: 'w' }, 1);
        await store.settle({ agent: 'w', failed: [{ taskId: root!.task.id, error: 'boom' }] });
        expect(await store.getOrThrow(failing!.task.id)).toMatchObject({
          status: 'FAILED',
          error: `dependency ${root!.task.id} failed`,
        });
        expect(await store.getOrThrow(skipping!.task.id)).toMatchObject({ status: 'SKIPPED' });
        expect(await store.getOrThrow(downstream!.task.id)).toMatchObject({
          status: 'SKIPPED',
          error: `dependency ${failing!.task.id} failed`,
        });
        const late = await store.submit({ skill: 'echo', payload: {}, dependsOn: [root!.task.id] });
        expect(late.task).toMatchObject({ status: 'FAILED', error: `dependency ${root!.task.id} failed` });
      });

      it('refuses unknown dependencies and cycles, storing nothing', async () => {
        const missing = await errorOf(store.submit({ skill: 'echo', payload: {}, dependsOn: [424_242] }));
        expect(missing).toMatchObject({ code: 'QUEUE_DEPENDENCY_NOT_FOUND' });
        const cycle = await errorOf(
          store.submitMany([
            { skill: 'echo', payload: {}, ref: 'x', dependsOn: ['y'] },
            { skill: 'echo', payload: {}, ref: 'y', dependsOn: ['x'] },
          ]),
        );
        expect(cycle.code).toBe('QUEUE_DEPENDENCY_CYCLE');
        const half = await errorOf(
          store.submitMany([
            { skill: 'echo', payload: {} },
            { skill: 'echo', payload: {}, dependsOn: [424_242] },
          ]),
        );
        expect(half.code).toBe('QUEUE_DEPENDENCY_NOT_FOUND');
        expect(await store.list()).toEqual([]);
        expect((await errorOf(store.dependencies(424_242))).code).toBe('QUEUE_TASK_NOT_FOUND');
      });
    });

    describe('idempotency', () => {
      it('returns the holder of a key, and a new task once its debounce window has passed', async () => {
        const first = await store.submit({
          skill: 'digest',
          payload: { n: 1 },
          idempotencyKey: 'digest:inbox',
        });
        const again = await store.submit({
          skill: 'digest',
          payload: { n: 2 },
          idempotencyKey: 'digest:inbox',
        });
        expect(first.duplicate).toBe(false);
        expect(again).toEqual({ task: first.task, duplicate: true });
        const batch = await store.submitMany([
          { skill: 'digest', payload: {}, idempotencyKey: 'digest:inbox' },
          { skill: 'digest', payload: {}, idempotencyKey: 'other' },
          { skill: 'digest', payload: {}, idempotencyKey: 'other' },
        ]);
        expect(batch.map((result) => result.duplicate)).toEqual([true, false, true]);
        expect(batch[2]!.task.id).toBe(batch[1]!.task.id);

        const windowed = await store.submit({
          skill: 'digest',
          payload: {},
          idempotencyKey: 'w',
          debounceMs: 1,
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        const renewed = await store.submit({
          skill: 'digest',
          payload: {},
          idempotencyKey: 'w',
          debounceMs: 60_000,
        });
        expect(renewed.duplicate).toBe(false);
        expect(renewed.task.id).not.toBe(windowed.task.id);
        expect((await store.submit({ skill: 'digest', payload: {}, idempotencyKey: 'w' })).task.id).toBe(
          renewed.task.id,
        );
      });

      it('stores one task when several stores submit the same key at once', async () => {
        const stores = [store, await opened.another(), await opened.another()];
        const results = await Promise.all(
          stores.flatMap((each) =>
            [1, 2, 3].map(() => each.submit({ skill: 'digest', payload: {}, idempotencyKey: 'race' })),
          ),
        );
        expect(new Set(results.map((result) => result.task.id)).size).toBe(1);
        expect(results.filter((result) => !result.duplicate).length).toBe(1);
        expect((await store.counts()).PENDING).toBe(1);
      });
    });

    describe('human in the loop', () => {
      /** A task of `skill` claimed by `agent` and parked with `question`. */
      const parked = async (question = 'Ship it?', extra: { dependent?: boolean } = {}) => {
        const task = await store.enqueue({ skill: 'code_write', payload: {}, priority: 7 });
        const dependent = extra.dependent
          ? (await store.submit({ skill: 'after', payload: {}, dependsOn: [task.id] })).task
          : undefined;
        await store.claimMany({ agent: 'w' }, 1);
        const request = await store.parkForHuman(task.id, 'w', {
          question,
          context: { diff: '+1 line', token: 'ghp_0123456789abcdef0123456789abcdef0123' },
        });
        return { task, request, dependent };
      };

      it('parks a task, lists and pins its request, and an approval sends the task back with its attempt', async () => {
        const { task, request } = await parked();
        expect(request).toMatchObject({ taskId: task.id, agent: 'w', status: 'open', pinned: false });
        // Secrets in the context are redacted before they are stored.
        expect(JSON.stringify(request.context)).not.toContain('ghp_0123456789');
        expect(await store.getOrThrow(task.id)).toMatchObject({ status: 'WAITING_HUMAN', attempts: 0 });
        expect((await store.listHitl()).map((open) => open.id)).toEqual([request.id]);
        expect(await store.setHitlPinned(request.id, true)).toMatchObject({ id: request.id, pinned: true });
        expect(await store.getHitl(request.id)).toMatchObject({ pinned: true, status: 'open' });
        expect(await store.findHitlAnswer(task.id, 'Ship it?')).toBeUndefined();

        const answered = await store.answerHitl(request.id, {
          status: 'approved',
          response: 'go ahead',
          responder: 'cli:ana',
        });
        expect(answered.request).toMatchObject({
          status: 'approved',
          response: 'go ahead',
          responder: 'cli:ana',
        });
        expect(answered.request.answeredAt).not.toBeNull();
        expect(answered.task).toMatchObject({ id: task.id, status: 'PENDING' });
        expect(await store.listHitl()).toEqual([]);
        expect((await store.listHitl({ status: 'answered' })).map((done) => done.id)).toEqual([request.id]);
        expect(await store.findHitlAnswer(task.id, 'Ship it?')).toMatchObject({
          requestId: request.id,
          status: 'approved',
          response: 'go ahead',
        });
        // Claimed again, it runs with its first attempt: waiting did not use one.
        const [again] = await store.claimMany({ agent: 'w' }, 1);
        expect(again).toMatchObject({ id: task.id, attempts: 1 });
        const second = await errorOf(store.answerHitl(request.id, { status: 'rejected', responder: 'x' }));
        expect(second.code).toBe('QUEUE_HITL_NOT_OPEN');
      });

      it('a rejection fails the task and its dependents', async () => {
        const { task, request, dependent } = await parked('Delete prod?', { dependent: true });
        const { task: failed } = await store.answerHitl(request.id, {
          status: 'rejected',
          response: 'no',
          responder: 'dashboard',
        });
        expect(failed).toMatchObject({ id: task.id, status: 'FAILED', error: 'rejected by dashboard: no' });
        expect(await store.getOrThrow(dependent!.id)).toMatchObject({ status: 'FAILED' });
        expect(await store.findHitlAnswer(task.id, 'Delete prod?')).toBeUndefined();
      });

      it('more_info starts a follow-up the task waits for, and its result comes with the answer', async () => {
        const { task, request } = await parked('Which API?');
        const { followUp, task: blocked } = await store.answerHitl(request.id, {
          status: 'more_info',
          response: 'compare both',
          responder: 'ui',
        });
        expect(followUp).toMatchObject({
          skill: 'research_loop',
          parentId: task.id,
          priority: 7,
          status: 'PENDING',
        });
        expect(blocked).toMatchObject({ id: task.id, status: 'BLOCKED' });
        // Not usable before the follow-up is DONE.
        expect(await store.findHitlAnswer(task.id, 'Which API?')).toBeUndefined();
        const [research] = await store.claimMany({ agent: 'r', skills: ['research_loop'] }, 1);
        expect(research?.id).toBe(followUp!.id);
        await store.settle({ agent: 'r', completed: [{ taskId: followUp!.id, result: { pick: 'REST' } }] });
        expect(await store.getOrThrow(task.id)).toMatchObject({ status: 'PENDING' });
        expect(await store.findHitlAnswer(task.id, 'Which API?')).toMatchObject({
          status: 'more_info',
          followUpTaskId: followUp!.id,
          followUpResult: { pick: 'REST' },
        });
      });

      it('cancelling a waiting task closes its request; only a rejection may close one whose task is gone', async () => {
        const { task, request } = await parked();
        await store.cancel(task.id);
        expect(await store.getHitl(request.id)).toMatchObject({
          status: 'rejected',
          responder: 'system',
          response: 'task cancelled',
        });
        const other = await parked('Another?');
        await store.cancel(other.task.id);
        const refused = await errorOf(
          store.answerHitl(other.request.id, { status: 'approved', responder: 'x' }),
        );
        expect(refused.code).toBe('QUEUE_HITL_NOT_OPEN');
      });

      it('refuses bad requests and answers, storing nothing', async () => {
        const task = await store.enqueue({ skill: 'echo', payload: {} });
        expect((await errorOf(store.parkForHuman(task.id, 'w', { question: 'Q?' }))).code).toBe(
          'QUEUE_INVALID_TRANSITION',
        );
        expect((await errorOf(store.parkForHuman(424_242, 'w', { question: 'Q?' }))).code).toBe(
          'QUEUE_TASK_NOT_FOUND',
        );
        await store.claimMany({ agent: 'w' }, 1);
        expect((await errorOf(store.parkForHuman(task.id, 'w', { question: '  ' }))).code).toBe(
          'QUEUE_INVALID_ARGUMENT',
        );
        expect(
          (await errorOf(store.parkForHuman(task.id, 'w', { question: 'Q?', context: [] as never }))).code,
        ).toBe('QUEUE_INVALID_ARGUMENT');
        expect(await store.getOrThrow(task.id)).toMatchObject({ status: 'RUNNING' });
        expect(await store.listHitl({ status: 'all' })).toEqual([]);
        const request = await store.parkForHuman(task.id, 'w', { question: 'Q?' });
        expect(
          (await errorOf(store.answerHitl(request.id, { status: 'maybe' as never, responder: 'x' }))).code,
        ).toBe('QUEUE_INVALID_ARGUMENT');
        expect((await errorOf(store.answerHitl(424_242, { status: 'approved', responder: 'x' }))).code).toBe(
          'QUEUE_HITL_NOT_FOUND',
        );
        expect((await errorOf(store.setHitlPinned(424_242, true))).code).toBe('QUEUE_HITL_NOT_FOUND');
        expect((await errorOf(store.listHitl({ status: 'later' as never }))).code).toBe(
          'QUEUE_INVALID_ARGUMENT',
        );
        expect(await store.getHitl(request.id)).toMatchObject({ status: 'open' });
      });
    });

    describe('cancel', () => {
      it('cancels a task with its open children and blocked dependents, transitively', async () => {
        const parent = await store.enqueue({ skill: 'plan', payload: {} });
        const child = await store.enqueue({ skill: 'step', payload: {}, parentId: parent.id });
        const [dependent] = await store.submitMany([{ skill: 'after', payload: {}, dependsOn: [child.id] }]);
        const grandchild = await store.enqueue({ skill: 'step', payload: {}, parentId: child.id });
        const cancelled = await store.cancel(parent.id);
        expect(cancelled).toMatchObject({ id: parent.id, status: 'CANCELLED' });
        expect(await store.getOrThrow(child.id)).toMatchObject({
          status: 'CANCELLED',
          error: `parent ${parent.id} cancelled`,
        });
        expect(await store.getOrThrow(grandchild.id)).toMatchObject({ status: 'CANCELLED' });
        expect(await store.getOrThrow(dependent!.task.id)).toMatchObject({
          status: 'CANCELLED',
          error: `dependency ${child.id} cancelled`,
        });
        expect((await errorOf(store.cancel(parent.id))).code).toBe('QUEUE_INVALID_TRANSITION');
        expect((await errorOf(store.cancel(424_242))).code).toBe('QUEUE_TASK_NOT_FOUND');
      });

      it('tells the worker of a cancelled RUNNING task through its heartbeat', async () => {
        const task = await store.enqueue({ skill: 'echo', payload: {} });
        await store.claimMany({ agent: 'w' }, 1);
        await store.cancel(task.id);
        expect(await store.heartbeat(task.id, 'w')).toEqual({ cancelled: true, lost: true });
        expect(await store.settle({ agent: 'w', completed: [{ taskId: task.id, result: 1 }] })).toMatchObject(
          {
            completed: 0,
          },
        );
      });
    });

    describe('fleet pause', () => {
      it('stops every claim from every store until cleared', async () => {
        const other = await opened.another();
        await store.submitMany([
          { skill: 'echo', payload: {} },
          { skill: 'echo', payload: {} },
        ]);
        expect(await store.fleetPause()).toEqual({ paused: false, by: null, since: null });
        const paused = await store.setFleetPaused(true, 'cli');
        expect(paused).toMatchObject({ paused: true, by: 'cli' });
        expect(Date.parse(paused.since as string)).not.toBeNaN();
        expect(await other.setFleetPaused(true, 'dashboard')).toEqual(paused);
        expect(await other.claimMany({ agent: 'w' }, 2)).toEqual([]);
        expect((await store.settle({ agent: 'w', claim: {}, limit: 2 })).next).toEqual([]);
        expect(await other.setFleetPaused(false, 'cli')).toEqual({ paused: false, by: null, since: null });
        expect((await other.claimMany({ agent: 'w' }, 2)).length).toBe(2);
        expect((await errorOf(store.setFleetPaused(true, ''))).code).toBe('QUEUE_INVALID_ARGUMENT');
      });
    });

    describe('agents, locks, alerts', () => {
      it('registers agents and derives BUSY/IDLE from the tasks they hold', async () => {
        const agent = await store.registerAgent({ name: 'coder_1', role: 'coder', pid: 123, host: 'alpha' });
        expect(agent).toMatchObject({
          name: 'coder_1',
          role: 'coder',
          status: 'STARTING',
          pid: 123,
          host: 'alpha',
          restarts: 0,
        });
        expect(await store.agentHeartbeat('coder_1', { status: 'IDLE', currentTaskId: null })).toBe(true);
        expect(await store.agentHeartbeat('nobody', { status: 'IDLE', currentTaskId: null })).toBe(false);
        const task = await store.enqueue({ skill: 'echo', payload: {} });
        await store.claimMany({ agent: 'coder_1' }, 1);
        expect(await store.listAgents()).toMatchObject([
          { name: 'coder_1', status: 'BUSY', currentTaskId: task.id },
        ]);
        const again = await store.registerAgent({
          name: 'coder_1',
          role: 'coder',
          pid: 124,
          incrementRestarts: true,
        });
        expect(again).toMatchObject({ restarts: 1, pid: 124 });
        expect(await store.setAgentStatus('coder_1', 'OFFLINE')).toBe(true);
        expect(await store.setAgentStatus('nobody', 'OFFLINE')).toBe(false);
        expect((await store.listAgents())[0]).toMatchObject({ status: 'OFFLINE' });
      });

      it('takes, extends and releases named locks', async () => {
        expect(await store.acquireLock('training', 'a', 60_000)).toBe(true);
        expect(await store.acquireLock('training', 'b', 60_000)).toBe(false);
        const first = await store.getLock('training');
        expect(first).toMatchObject({ name: 'training', owner: 'a' });
        expect(await store.acquireLock('training', 'a', Number.POSITIVE_INFINITY)).toBe(true);
        expect(await store.getLock('training')).toEqual({ ...first, expiresAt: null });
        expect(await store.releaseLock('training', 'b')).toBe(false);
        expect(await store.releaseLock('training', 'a')).toBe(true);
        expect(await store.getLock('training')).toBeUndefined();
        expect(await store.acquireLock('short', 'a', 1)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await store.getLock('short')).toBeUndefined();
        expect(await store.acquireLock('short', 'b', 60_000)).toBe(true);
        expect((await store.listLocks()).map((lock) => [lock.name, lock.owner])).toEqual([['short', 'b']]);
        expect(await store.releaseLock('short')).toBe(true);
        expect((await errorOf(store.acquireLock('x', 'a', 0))).code).toBe('QUEUE_INVALID_ARGUMENT');
      });

      it('raises and lists alerts, refusing bad ones', async () => {
        const alert = await store.raiseAlert({
          type: 'thermal',
          severity: 'warning',
          message: 'hot',
          source: 'hw-monitor',
        });
        expect(alert).toMatchObject({
          type: 'thermal',
          severity: 'warning',
          message: 'hot',
          acknowledgedAt: null,
        });
        expect(await store.listAlerts({ activeOnly: true })).toEqual([alert]);
        expect(
          (await errorOf(store.raiseAlert({ type: 'Bad Type', severity: 'info', message: 'x', source: 'y' })))
            .code,
        ).toBe('QUEUE_INVALID_ARGUMENT');
        expect(
          (
            await errorOf(
              store.raiseAlert({ type: 'x', severity: 'loud' as 'info', message: 'x', source: 'y' }),
            )
          ).code,
        ).toBe('QUEUE_INVALID_ARGUMENT');
        expect(await store.listAlerts()).toHaveLength(1);
      });
    });

    describe('messages', () => {
      it('delivers direct messages and broadcasts once per agent, and keeps notes', async () => {
        const direct = await store.sendMessage({ to: 'coder_1', from: 'operator', body: { text: 'hi' } });
        const broadcast = await store.broadcast({ from: 'operator', body: '{"type":"pause"}' });
        expect(direct).toMatchObject({
          kind: 'direct',
          channel: 'agent',
          from: 'operator',
          to: 'coder_1',
          readAt: null,
        });
        const unread = await store.inbox('coder_1', { markRead: true });
        expect(unread.map((message) => message.id)).toEqual([direct.id, broadcast.id]);
        expect(unread.every((message) => message.readAt !== null)).toBe(true);
        expect(await store.inbox('coder_1')).toEqual([]);
        expect((await store.inbox('coder_2')).map((message) => message.id)).toEqual([broadcast.id]);
        expect((await store.inbox('coder_1', { all: true })).map((message) => message.id)).toEqual([
          direct.id,
          broadcast.id,
        ]);
        const note = await store.postNote('research', { from: 'coder_1', body: { finding: 1 } });
        const second = await store.postNote('research', { from: 'coder_2', body: { finding: 2 } });
        expect((await store.notes('research')).map((message) => message.id)).toEqual([note.id, second.id]);
        expect((await store.notes('research', { since: note.id })).map((message) => message.id)).toEqual([
          second.id,
        ]);
        expect(await store.notes('research', { since: new Date(Date.now() + 60_000).toISOString() })).toEqual(
          [],
        );
      });

      it('gives each unread message to one of two readers marking the same inbox read at once', async () => {
        const other = await opened.another();
        for (let index = 0; index < 20; index++) {
          await store.sendMessage({ to: 'coder_1', from: 'operator', body: { index } });
        }
        await store.broadcast({ from: 'operator', body: { type: 'pause' } });
        const [left, right] = await Promise.all([
          store.inbox('coder_1', { markRead: true, limit: 15 }),
          other.inbox('coder_1', { markRead: true, limit: 15 }),
        ]);
        const ids = [...left!, ...right!].map((message) => message.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(21);
        expect(await store.inbox('coder_1')).toEqual([]);
      });

      it('redacts secrets with a dlp_alert, and refuses bad bodies and names, storing nothing', async () => {
        const sent = await store.sendMessage({
          to: 'coder_1',
          from: 'operator',
          body: { key: 'AKIAIOSFODNN7EXAMPLE', text: 'ok' },
        });
        expect(JSON.stringify(sent.body)).not.toContain('AKIAIOSFODNN7EXAMPLE');
        expect((await store.listAlerts()).map((alert) => alert.type)).toEqual(['dlp_alert']);
        expect(
          (await errorOf(store.sendMessage({ to: 'coder_1', from: 'operator', body: '{not json' }))).code,
        ).toBe('QUEUE_INVALID_MESSAGE');
        expect((await errorOf(store.sendMessage({ to: 'Bad Name', from: 'operator', body: {} }))).code).toBe(
          'QUEUE_INVALID_ARGUMENT',
        );
        expect((await errorOf(store.postNote('Bad Channel', { from: 'operator', body: {} }))).code).toBe(
          'QUEUE_INVALID_ARGUMENT',
        );
        expect(await store.inbox('coder_1', { all: true })).toHaveLength(1);
      });
    });

    describe('bad input', () => {
      it('rejects unknown tasks, bad skills, oversized and malformed payloads, storing nothing', async () => {
        expect((await errorOf(store.getOrThrow(424_242))).code).toBe('QUEUE_TASK_NOT_FOUND');
        expect(await store.get(424_242)).toBeUndefined();
        expect((await errorOf(store.submit({ skill: 'Bad Skill', payload: {} }))).code).toBe(
          'QUEUE_INVALID_SKILL',
        );
        expect((await errorOf(store.submit({ skill: 'echo', payload: {}, priority: 11 }))).code).toBe(
          'QUEUE_INVALID_PRIORITY',
        );
        expect((await errorOf(store.submit({ skill: 'echo', payload: '{"a": ' }))).code).toBe(
          'PAYLOAD_INVALID_JSON',
        );
        expect(
          (await errorOf(store.submit({ skill: 'echo', payload: { text: 'x'.repeat(2 * 1024 * 1024) } })))
            .code,
        ).toBe('PAYLOAD_TOO_LARGE');
        expect((await errorOf(store.submit({ skill: 'echo', payload: {}, parentId: 424_242 }))).code).toBe(
          'QUEUE_TASK_NOT_FOUND',
        );
        expect((await errorOf(store.submit({ skill: 'echo', payload: {}, debounceMs: 5 }))).code).toBe(
          'QUEUE_INVALID_ARGUMENT',
        );
        const batch = await errorOf(
          store.submitMany([
            { skill: 'echo', payload: {} },
            { skill: 'echo', payload: '[1, 2]' },
          ]),
        );
        expect(batch.code).toBe('PAYLOAD_NOT_OBJECT');
        expect(await store.list()).toEqual([]);
      });
    });

    describe('waitForWork', () => {
      it('resolves after its timeout when nothing arrives, and at once on an aborted signal', async () => {
        await expect(store.waitForWork({ timeoutMs: 20 })).resolves.toBeUndefined();
        const controller = new AbortController();
        controller.abort();
        await expect(
          store.waitForWork({ timeoutMs: 60_000, signal: controller.signal }),
        ).resolves.toBeUndefined();
      });

      it(`wakes on a submit made through ${wakesAcrossStores ? 'another store' : 'the same store'}`, async () => {
        const submitter = wakesAcrossStores ? await opened.another() : store;
        // Start listening first (PostgreSQL opens its LISTEN connection on the first wait).
        await store.waitForWork({ timeoutMs: 200 });
        let woke = false;
        const waiting = store.waitForWork({ timeoutMs: 60_000 }).then(() => {
          woke = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(woke).toBe(false);
        await submitter.enqueue({ skill: 'echo', payload: {} });
        await waiting;
        expect(woke).toBe(true);
      }, 30_000);
    });

    describe('close', () => {
      it('rejects calls after close with QUEUE_CLOSED; closing twice is harmless', async () => {
        const other = await opened.another();
        await other.close();
        await other.close();
        expect((await errorOf(other.counts())).code).toBe('QUEUE_CLOSED');
        await expect(other.waitForWork({ timeoutMs: 60_000 })).resolves.toBeUndefined();
      });
    });
  });
}
