import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@biged/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditTrail } from './audit-trail';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { HITL_MAX_QUESTION_LENGTH, HITL_MAX_RESPONSE_BYTES } from './hitl';
import { getQueueConnection } from './queue-database';
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

/** A real SQLite file (not :memory:), so the partial indexes and foreign keys of the migration apply. */
function open(): TaskQueue {
  dir ??= mkdtempSync(join(tmpdir(), 'biged-hitl-'));
  const queue = createQueue({ file: join(dir, 'fleet.db'), clock: () => now });
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

// A GitHub token as core's scanner knows it (ghp_ + 36 characters), built so no scanner flags this file.
const TOKEN = `ghp_${'aB3cD5eF7gH9jK2mN4pQ6rS8tU1vW0xYz123'}`;

/** Enqueues a task and claims it for `agent` (RUNNING, attempt 1). */
function running(queue: TaskQueue, agent = 'coder_1', extra: { priority?: number } = {}): Task {
  const task = queue.enqueue({ skill: 'deploy', payload: { target: 'staging' }, ...extra });
  const claimed = queue.claim({ agent, skills: ['deploy'] });
  expect(claimed?.id).toBe(task.id);
  return claimed as Task;
}

describe('parkForHuman', () => {
  it('moves the RUNNING task to WAITING_HUMAN, gives the attempt back and stores an open request', () => {
    const queue = open();
    const task = running(queue);
    expect(task.attempts).toBe(1);
    now += 1000;
    const request = queue.parkForHuman(task.id, 'coder_1', {
      question: 'Deploy to staging?',
      context: { diff: '+ one line', files: 2 },
    });
    expect(request).toEqual({
      id: request.id,
      taskId: task.id,
      agent: 'coder_1',
      question: 'Deploy to staging?',
      context: { diff: '+ one line', files: 2 },
      status: 'open',
      response: null,
      responder: null,
      followUpTaskId: null,
      pinned: false,
      createdAt: '2026-12-01T00:00:01.000Z',
      answeredAt: null,
    });
    const waiting = queue.getOrThrow(task.id);
    expect(waiting).toMatchObject({ status: 'WAITING_HUMAN', attempts: 0, claimedBy: null, claimedAt: null });
    // Not claimable, and not recovered as a stale RUNNING task.
    expect(queue.claim({ agent: 'coder_2' })).toBeUndefined();
    expect(queue.recoverStale({ olderThanMs: 0, now: now + 60_000 })).toEqual({ requeued: [], failed: [] });
    expect(queue.getHitl(request.id)).toEqual(request);
    expect(queue.counts().WAITING_HUMAN).toBe(1);
  });

  it('redacts secrets in the question and the context before storing them', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', {
      question: `Push with token ${TOKEN}?`,
      context: { env: { GITHUB_TOKEN: TOKEN }, list: [TOKEN] },
    });
    expect(request.question).toBe('Push with token [REDACTED:github_token]?');
    expect(JSON.stringify(request.context)).not.toContain(TOKEN);
    expect(request.context).toEqual({
      env: { GITHUB_TOKEN: '[REDACTED:github_token]' },
      list: ['[REDACTED:github_token]'],
    });
  });

  it('refuses a task that is not the agent’s RUNNING task, and bad questions or contexts; nothing is stored', () => {
    const queue = open();
    const task = running(queue);
    const pending = queue.enqueue({ skill: 'other', payload: {} });
    const cases: Array<[() => unknown, string, RegExp]> = [
      [
        () => queue.parkForHuman(999, 'coder_1', { question: 'q' }),
        'QUEUE_TASK_NOT_FOUND',
        /999 does not exist/,
      ],
      [
        () => queue.parkForHuman(task.id, 'coder_2', { question: 'q' }),
        'QUEUE_INVALID_TRANSITION',
        /not a RUNNING task of coder_2/,
      ],
      [
        () => queue.parkForHuman(pending.id, 'coder_1', { question: 'q' }),
        'QUEUE_INVALID_TRANSITION',
        /is PENDING/,
      ],
      [
        () => queue.parkForHuman(task.id, 'coder_1', { question: '  ' }),
        'QUEUE_INVALID_ARGUMENT',
        /non-empty/,
      ],
      [
        () => queue.parkForHuman(task.id, 'coder_1', { question: 'x'.repeat(HITL_MAX_QUESTION_LENGTH + 1) }),
        'QUEUE_INVALID_ARGUMENT',
        /at most 4000/,
      ],
      [
        () =>
          queue.parkForHuman(task.id, 'coder_1', {
            question: 'q',
            context: ['not', 'an', 'object'] as unknown as Record<string, unknown>,
          }),
        'QUEUE_INVALID_ARGUMENT',
        /context must be a JSON object/,
      ],
      [
        () =>
          queue.parkForHuman(task.id, 'coder_1', { question: 'q', context: { blob: 'x'.repeat(70_000) } }),
        'QUEUE_INVALID_ARGUMENT',
        /context .*65536/,
      ],
      [
        () => queue.parkForHuman(1.5, 'coder_1', { question: 'q' }),
        'QUEUE_INVALID_ARGUMENT',
        /taskId must be a whole number/,
      ],
    ];
    for (const [call, code, message] of cases) {
      const error = errorOf(call);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
    expect(queue.listHitl({ status: 'all' })).toEqual([]);
    expect(queue.getOrThrow(task.id)).toMatchObject({ status: 'RUNNING', attempts: 1, claimedBy: 'coder_1' });
  });
});

describe('listHitl / getHitl / setHitlPinned', () => {
  it('lists open requests oldest first, answered ones newest first, by status and by task', () => {
    const queue = open();
    const ids: number[] = [];
    const tasks: Task[] = [];
    for (const question of ['first?', 'second?', 'third?']) {
      const task = running(queue);
      tasks.push(task);
      ids.push(queue.parkForHuman(task.id, 'coder_1', { question }).id);
      now += 1000;
    }
    expect(queue.listHitl().map((request) => request.question)).toEqual(['first?', 'second?', 'third?']);
    expect(queue.listHitl({ limit: 2 }).map((request) => request.id)).toEqual(ids.slice(0, 2));
    queue.answerHitl(ids[0] as number, { status: 'approved', responder: 'cli:alice' });
    queue.answerHitl(ids[2] as number, { status: 'rejected', response: 'no', responder: 'cli:alice' });
    expect(queue.listHitl().map((request) => request.id)).toEqual([ids[1]]);
    expect(queue.listHitl({ status: 'answered' }).map((request) => request.id)).toEqual([ids[2], ids[0]]);
    expect(queue.listHitl({ status: 'all' }).map((request) => request.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(queue.listHitl({ status: 'rejected' }).map((request) => request.id)).toEqual([ids[2]]);
    expect(queue.listHitl({ status: 'all', taskId: tasks[1]?.id }).map((request) => request.id)).toEqual([
      ids[1],
    ]);
    expect(queue.listHitl({ taskId: tasks[0]?.id })).toEqual([]);
    expect(queue.getHitl(12345)).toBeUndefined();
  });

  it('refuses an unknown status and a bad limit', () => {
    const queue = open();
    const status = errorOf(() => queue.listHitl({ status: 'maybe' as never }));
    expect(status.code).toBe('QUEUE_INVALID_ARGUMENT');
    expect(status.message).toContain('status must be open, answered, all or one of approved');
    expect(errorOf(() => queue.listHitl({ limit: 0 })).message).toContain('limit must be a whole number');
    expect(errorOf(() => queue.listHitl({ limit: 10_001 })).code).toBe('QUEUE_INVALID_ARGUMENT');
  });

  it('pins and unpins; an unknown id is QUEUE_HITL_NOT_FOUND', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'ok?' });
    expect(queue.setHitlPinned(request.id, true).pinned).toBe(true);
    expect(queue.getHitl(request.id)?.pinned).toBe(true);
    expect(queue.setHitlPinned(request.id, false).pinned).toBe(false);
    const missing = errorOf(() => queue.setHitlPinned(404, true));
    expect(missing.code).toBe('QUEUE_HITL_NOT_FOUND');
    expect(missing.hitlRequestId).toBe(404);
    expect(errorOf(() => queue.setHitlPinned(request.id, 'yes' as never)).code).toBe(
      'QUEUE_INVALID_ARGUMENT',
    );
  });
});

describe('answerHitl', () => {
  it('approved: the same task goes back to PENDING and its re-run finds the answer to the same question only', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'Deploy?' });
    expect(queue.findHitlAnswer(task.id, 'Deploy?')).toBeUndefined();
    now += 5000;
    const answered = queue.answerHitl(request.id, {
      status: 'approved',
      response: 'go',
      responder: 'cli:alice',
    });
    expect(answered.request).toMatchObject({
      status: 'approved',
      response: 'go',
      responder: 'cli:alice',
      answeredAt: '2026-12-01T00:00:05.000Z',
      followUpTaskId: null,
    });
    expect(answered.task).toMatchObject({ id: task.id, status: 'PENDING', attempts: 0 });
    expect(answered.followUp).toBeUndefined();
    const again = queue.claim({ agent: 'coder_2' });
    expect(again).toMatchObject({ id: task.id, attempts: 1 });
    expect(queue.findHitlAnswer(task.id, 'Deploy?')).toEqual({
      requestId: request.id,
      status: 'approved',
      response: 'go',
      followUpTaskId: null,
    });
    // A second, different question is not answered by the first answer.
    expect(queue.findHitlAnswer(task.id, 'Also migrate the database?')).toBeUndefined();
    // Nor is the same question of another task.
    expect(queue.findHitlAnswer(task.id + 1, 'Deploy?')).toBeUndefined();
  });

  it('feedback: back to PENDING with the feedback; secrets in it are redacted', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: `Use ${TOKEN}?` });
    const answered = queue.answerHitl(request.id, {
      status: 'feedback',
      response: `use the other one, not ${TOKEN}`,
      responder: 'dashboard',
    });
    expect(answered.request.response).toBe('use the other one, not [REDACTED:github_token]');
    expect(answered.task.status).toBe('PENDING');
    // The skill asks with the raw question; the stored one was redacted, and still matches.
    expect(queue.findHitlAnswer(task.id, `Use ${TOKEN}?`)).toMatchObject({
      status: 'feedback',
      response: 'use the other one, not [REDACTED:github_token]',
    });
  });

  it('rejected: the task ends FAILED with who and why, and its dependents follow their policy', () => {
    const queue = open();
    const task = running(queue);
    const failing = queue.enqueue({ skill: 'after', payload: {}, dependsOn: [task.id] });
    const skipping = queue.enqueue({
      skill: 'after',
      payload: {},
      dependsOn: [task.id],
      onDependencyFailure: 'skip',
    });
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'Drop the table?' });
    const answered = queue.answerHitl(request.id, {
      status: 'rejected',
      response: 'never in prod',
      responder: 'cli:bob',
    });
    expect(answered.task).toMatchObject({ status: 'FAILED', error: 'rejected by cli:bob: never in prod' });
    expect(answered.task.finishedAt).not.toBeNull();
    expect(queue.getOrThrow(failing.id)).toMatchObject({
      status: 'FAILED',
      error: `dependency ${task.id} failed`,
    });
    expect(queue.getOrThrow(skipping.id)).toMatchObject({
      status: 'SKIPPED',
      error: `dependency ${task.id} failed`,
    });
    expect(queue.findHitlAnswer(task.id, 'Drop the table?')).toBeUndefined();

    const bare = running(queue);
    const second = queue.parkForHuman(bare.id, 'coder_1', { question: 'Sure?' });
    expect(queue.answerHitl(second.id, { status: 'rejected', responder: 'ui' }).task.error).toBe(
      'rejected by ui',
    );
  });

  it('more_info: a research_loop child blocks the task, which re-runs with its result once it is DONE', () => {
    const queue = open();
    const task = running(queue, 'coder_1', { priority: 8 });
    const request = queue.parkForHuman(task.id, 'coder_1', {
      question: 'Which region?',
      context: { options: ['eu', 'us'] },
    });
    const answered = queue.answerHitl(request.id, {
      status: 'more_info',
      response: 'compare latency of eu and us',
      responder: 'cli:alice',
    });
    const followUp = answered.followUp as Task;
    expect(followUp).toMatchObject({
      skill: 'research_loop',
      status: 'PENDING',
      parentId: task.id,
      priority: 8,
      payload: {
        question: 'Which region?',
        context: { options: ['eu', 'us'] },
        response: 'compare latency of eu and us',
        hitl_request_id: request.id,
      },
    });
    expect(answered.request.followUpTaskId).toBe(followUp.id);
    expect(answered.task.status).toBe('BLOCKED');
    expect(queue.dependencies(task.id)).toMatchObject({ dependsOn: [followUp.id], blockedCount: 1 });
    // Not usable while the research runs.
    expect(queue.findHitlAnswer(task.id, 'Which region?')).toBeUndefined();

    const research = queue.claim({ agent: 'researcher', skills: ['research_loop'] });
    expect(research?.id).toBe(followUp.id);
    expect(queue.complete(followUp.id, 'researcher', { answer: 'eu is 12 ms faster' })).toBe(true);
    expect(queue.getOrThrow(task.id).status).toBe('PENDING');
    expect(queue.findHitlAnswer(task.id, 'Which region?')).toEqual({
      requestId: request.id,
      status: 'more_info',
      response: 'compare latency of eu and us',
      followUpTaskId: followUp.id,
      followUpResult: { answer: 'eu is 12 ms faster' },
    });
  });

  it('discuss: a code_discuss child with a payload its schema takes; a failed discussion fails the task', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', {
      question: 'Split this module?',
      context: { path: 'src/big.ts', lines: 900 },
    });
    const answered = queue.answerHitl(request.id, {
      status: 'discuss',
      response: 'module boundaries of src/big.ts',
      responder: 'cli:alice',
    });
    expect(answered.followUp).toMatchObject({
      skill: 'code_discuss',
      payload: {
        topic: 'module boundaries of src/big.ts',
        question: 'Split this module?',
        path: 'src/big.ts',
      },
    });
    expect(Object.keys(answered.followUp?.payload ?? {}).sort()).toEqual(['path', 'question', 'topic']);
    const followUp = answered.followUp as Task;
    queue.claim({ agent: 'coder_2', skills: ['code_discuss'] });
    queue.fail(followUp.id, 'coder_2', 'model down', { retry: false });
    expect(queue.getOrThrow(task.id)).toMatchObject({
      status: 'FAILED',
      error: `dependency ${followUp.id} failed`,
    });

    // Without a topic, the question is the topic.
    const other = running(queue);
    const second = queue.parkForHuman(other.id, 'coder_1', { question: 'Rename it?' });
    const bare = queue.answerHitl(second.id, { status: 'discuss', responder: 'cli:alice' });
    expect(bare.followUp?.payload).toEqual({ topic: 'Rename it?', question: 'Rename it?' });
  });

  it('refuses unknown ids, answered requests, bad answers and oversized responses; nothing changes', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'ok?' });
    const missing = errorOf(() => queue.answerHitl(77, { status: 'approved', responder: 'cli:a' }));
    expect(missing).toMatchObject({ code: 'QUEUE_HITL_NOT_FOUND', hitlRequestId: 77 });
    expect(missing.message).toBe('no human-in-the-loop request with id 77');
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => queue.answerHitl(request.id, { status: 'maybe' as never, responder: 'cli:a' }),
        /status must be one of/,
      ],
      [
        () => queue.answerHitl(request.id, { status: 'approved', responder: ' ' }),
        /responder must be non-empty/,
      ],
      [
        () =>
          queue.answerHitl(request.id, {
            status: 'feedback',
            response: 'é'.repeat(HITL_MAX_RESPONSE_BYTES / 2 + 1),
            responder: 'cli:a',
          }),
        /response is 8194 bytes; at most 8192/,
      ],
      [
        () => queue.answerHitl(request.id, { status: 'approved', response: 42 as never, responder: 'cli:a' }),
        /response must be text/,
      ],
      [
        () => queue.answerHitl(0, { status: 'approved', responder: 'cli:a' }),
        /requestId must be a whole number/,
      ],
    ];
    for (const [call, message] of cases) {
      const error = errorOf(call);
      expect(error.code).toBe('QUEUE_INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
    expect(queue.getHitl(request.id)?.status).toBe('open');
    expect(queue.getOrThrow(task.id).status).toBe('WAITING_HUMAN');

    queue.answerHitl(request.id, { status: 'approved', responder: 'cli:a' });
    const twice = errorOf(() => queue.answerHitl(request.id, { status: 'rejected', responder: 'cli:b' }));
    expect(twice).toMatchObject({ code: 'QUEUE_HITL_NOT_OPEN', hitlRequestId: request.id, taskId: task.id });
    expect(twice.message).toContain('already answered (approved by cli:a)');
    expect(queue.getOrThrow(task.id).status).toBe('PENDING');
    // Only the answer that was stored left an audit row; the refused ones left none.
    expect(createAuditTrail(queue).list({ action: 'hitl_answer' })).toHaveLength(1);
  });

  it('writes one hitl_answer audit row per answer, by the responder, on a chain that verifies', () => {
    const queue = open();
    const first = queue.parkForHuman(running(queue).id, 'coder_1', { question: 'Deploy?' });
    const second = queue.parkForHuman(running(queue, 'coder_2').id, 'coder_2', { question: 'Drop table?' });
    const approved = queue.answerHitl(first.id, { status: 'approved', responder: 'cli:alice' });
    const moreInfo = queue.answerHitl(second.id, {
      status: 'more_info',
      response: 'why?',
      responder: 'dashboard',
    });
    const audit = createAuditTrail(queue);
    expect(audit.list({ action: 'hitl_answer' })).toMatchObject([
      {
        actor: 'dashboard',
        resource: `hitl:${second.id}`,
        decision: 'allow',
        reason: 'more_info',
        detail: { task_id: second.taskId, follow_up_task_id: moreInfo.followUp?.id },
      },
      {
        actor: 'cli:alice',
        resource: `hitl:${first.id}`,
        reason: 'approved',
        detail: { task_id: approved.task.id, follow_up_task_id: null },
      },
    ]);
    expect(audit.verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it('cancelling a WAITING_HUMAN task closes its open request as rejected by system, in the same write', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'ok?' });
    const other = running(queue, 'coder_2');
    const untouched = queue.parkForHuman(other.id, 'coder_2', { question: 'other?' });
    now += 5000;
    expect(queue.cancel(task.id).status).toBe('CANCELLED');
    expect(queue.getHitl(request.id)).toMatchObject({
      status: 'rejected',
      responder: 'system',
      response: 'task cancelled',
      answeredAt: '2026-12-01T00:00:05.000Z',
    });
    expect(queue.getHitl(untouched.id)?.status).toBe('open');
    expect(queue.listHitl().map((open) => open.id)).toEqual([untouched.id]);
    // Closed: a late human answer is refused as already answered, and creates nothing.
    const late = errorOf(() => queue.answerHitl(request.id, { status: 'more_info', responder: 'cli:a' }));
    expect(late).toMatchObject({ code: 'QUEUE_HITL_NOT_OPEN', hitlRequestId: request.id });
    expect(late.message).toContain('already answered (rejected by system)');
    expect(queue.list({ skill: 'research_loop' })).toEqual([]);
  });

  it('cancelling a parent closes the open request of its WAITING_HUMAN child too', () => {
    const queue = open();
    const parent = queue.enqueue({ skill: 'plan', payload: {} });
    const child = queue.enqueue({ skill: 'deploy', payload: {}, parentId: parent.id });
    expect(queue.claim({ agent: 'coder_1', skills: ['deploy'] })?.id).toBe(child.id);
    const request = queue.parkForHuman(child.id, 'coder_1', { question: 'ok?' });
    queue.cancel(parent.id);
    expect(queue.getOrThrow(child.id).status).toBe('CANCELLED');
    expect(queue.getHitl(request.id)).toMatchObject({ status: 'rejected', responder: 'system' });
    expect(queue.listHitl()).toEqual([]);
  });

  it('an open request whose task no longer waits (left by an older version) can only be rejected', () => {
    const queue = open();
    const task = running(queue);
    const request = queue.parkForHuman(task.id, 'coder_1', { question: 'ok?' });
    // Before cancel closed requests, a cancelled task's request stayed open: recreate that state.
    getQueueConnection(queue)
      .sqlite.prepare(`UPDATE tasks SET status = 'CANCELLED' WHERE id = ?`)
      .run(task.id);
    const approve = errorOf(() => queue.answerHitl(request.id, { status: 'approved', responder: 'cli:a' }));
    expect(approve.code).toBe('QUEUE_INVALID_TRANSITION');
    expect(approve.message).toContain('is CANCELLED, no longer waiting');
    expect(approve.hint).toContain(`biged hitl reject ${request.id}`);
    const more = errorOf(() => queue.answerHitl(request.id, { status: 'more_info', responder: 'cli:a' }));
    expect(more.code).toBe('QUEUE_INVALID_TRANSITION');
    expect(queue.list({ skill: 'research_loop' })).toEqual([]);
    const closed = queue.answerHitl(request.id, { status: 'rejected', responder: 'cli:a' });
    expect(closed.request.status).toBe('rejected');
    expect(closed.task).toMatchObject({ status: 'CANCELLED', error: null });
    expect(queue.listHitl()).toEqual([]);
  });
});
