import type { TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { parseSkillPayload } from '@biged/skill-sdk';
import { codeDiscuss, researchLoop } from '@biged/skills';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { defaultResponder, type HitlAnswerJson, type HitlRequestJson } from './hitl';

let home: TempHome;
let queue: TaskQueue;
beforeEach(async () => {
  home = await initHome();
  queue = createQueue({ file: home.db });
});
afterEach(() => {
  queue.close();
  home.cleanup();
});

/** A task that ran, asked `question` and now waits: returns the request id and the task id. */
function ask(question: string, context?: Record<string, unknown>): { requestId: number; taskId: number } {
  const task = queue.enqueue({ skill: 'deploy', payload: { target: 'staging' } });
  expect(queue.claim({ agent: 'coder_1', skills: ['deploy'] })?.id).toBe(task.id);
  const request = queue.parkForHuman(task.id, 'coder_1', { question, ...(context ? { context } : {}) });
  return { requestId: request.id, taskId: task.id };
}

const cli = (...args: string[]) => runCli([...args, '--home', home.home]);

describe('biged hitl list', () => {
  it('lists open requests oldest first; --all adds answered ones; --json has the snake_case shape', async () => {
    const empty = await cli('hitl', 'list');
    expect(empty).toMatchObject({ code: 0, stdout: 'no open requests\n' });
    const first = ask('Deploy to staging?', { diff: '+1 line' });
    const second = ask('Rotate the keys?');
    queue.setHitlPinned(second.requestId, true);

    const human = await cli('hitl', 'list');
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^#${first.requestId} {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}task ${first.taskId} \\(coder_1\\) {2}\\[open\\] {2}Deploy to staging\\?$`,
      ),
    );
    expect(lines[1]).toContain('[open] (pinned)  Rotate the keys?');

    const json = await cli('hitl', 'list', '--json');
    const listed = json.json<{ all: boolean; requests: HitlRequestJson[] }>();
    expect(listed.all).toBe(false);
    expect(listed.requests[0]).toEqual({
      id: first.requestId,
      task_id: first.taskId,
      agent: 'coder_1',
      question: 'Deploy to staging?',
      context: { diff: '+1 line' },
      status: 'open',
      response: null,
      responder: null,
      follow_up_task_id: null,
      pinned: false,
      created_at: expect.any(String),
      answered_at: null,
    });

    await cli('hitl', 'approve', String(first.requestId), '--note', 'fine', '--as', 'cli:alice');
    expect((await cli('hitl', 'list', '--json')).json<{ requests: unknown[] }>().requests).toHaveLength(1);
    const all = await cli('hitl', 'list', '--all');
    expect(all.stdout.trimEnd().split('\n')[1]).toContain(
      '[approved]  Deploy to staging?  -> cli:alice: fine',
    );
    expect(
      (await cli('hitl', 'list', '--all', '--limit', '1', '--json')).json<{ requests: unknown[] }>().requests,
    ).toHaveLength(1);

    const badLimit = await cli('hitl', 'list', '--limit', '0');
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('--limit must be a whole number above 0');
  });
});

describe('biged hitl answers', () => {
  it('approve: the task is PENDING again; the answer, note and responder are stored', async () => {
    const { requestId, taskId } = ask('Deploy?');
    const result = await cli('hitl', 'approve', String(requestId), '--note', 'go', '--as', 'cli:alice');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `approved request ${requestId}: task ${taskId} (deploy) is PENDING again and re-runs with the answer\n`,
    );
    expect(queue.getHitl(requestId)).toMatchObject({
      status: 'approved',
      response: 'go',
      responder: 'cli:alice',
    });
    expect(queue.findHitlAnswer(taskId, 'Deploy?')).toMatchObject({ status: 'approved', response: 'go' });
  });

  it('approve without --as answers as cli:<user>', async () => {
    const { requestId } = ask('Deploy?');
    const result = await cli('hitl', 'approve', String(requestId), '--json');
    expect(result.code).toBe(0);
    const json = result.json<HitlAnswerJson>();
    expect(json.request.responder).toMatch(/^cli:.+/);
    expect(json.request.response).toBeNull();
    expect(json.task.status).toBe('PENDING');
    expect(json.follow_up).toBeNull();
    expect(defaultResponder({ USER: 'bob' })).toBe('cli:bob');
  });

  it('reject: the task FAILED with the reason; --reason is required', async () => {
    const { requestId, taskId } = ask('Drop the table?');
    const missing = await cli('hitl', 'reject', String(requestId));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--reason <text>' not specified");
    const blank = await cli('hitl', 'reject', String(requestId), '--reason', ' ');
    expect(blank.code).toBe(1);
    expect(blank.stderr).toContain('--reason must not be empty');
    const result = await cli(
      'hitl',
      'reject',
      String(requestId),
      '--reason',
      'not in prod',
      '--as',
      'cli:bob',
      '--json',
    );
    expect(result.code).toBe(0);
    const json = result.json<HitlAnswerJson>();
    expect(json.task).toMatchObject({
      id: taskId,
      status: 'FAILED',
      error: 'rejected by cli:bob: not in prod',
    });
    expect(json.request).toMatchObject({ status: 'rejected', response: 'not in prod' });
  });

  it('more-info: creates a research_loop task the waiting task is BLOCKED on', async () => {
    const { requestId, taskId } = ask('Which region?', { options: ['eu', 'us'] });
    const result = await cli(
      'hitl',
      'more-info',
      String(requestId),
      '--question',
      'latency per region',
      '--json',
    );
    expect(result.code).toBe(0);
    const json = result.json<HitlAnswerJson>();
    expect(json.task).toMatchObject({ id: taskId, status: 'BLOCKED' });
    expect(json.follow_up).toMatchObject({
      skill: 'research_loop',
      status: 'PENDING',
      parent_id: taskId,
      payload: {
        question: 'Which region?',
        context: { options: ['eu', 'us'] },
        response: 'latency per region',
        hitl_request_id: requestId,
      },
    });
    expect(json.request.follow_up_task_id).toBe(json.follow_up?.id);
    // The research_loop skill accepts the payload the queue builds, as it is.
    expect(parseSkillPayload(researchLoop, json.follow_up?.payload)).toMatchObject({
      question: 'Which region?',
      response: 'latency per region',
      hitl_request_id: requestId,
      max_rounds: 2,
    });
    const bare = ask('Which disk?');
    await cli('hitl', 'more-info', String(bare.requestId), '--question', 'sizes');
    const bareFollowUp = queue.getOrThrow(queue.getHitl(bare.requestId)?.followUpTaskId as number);
    expect(parseSkillPayload(researchLoop, bareFollowUp.payload)).toMatchObject({ context: null });
    const missing = await cli('hitl', 'more-info', String(requestId));
    expect(missing.code).toBe(2);
  });

  it('feedback: the task re-runs with the text; --text is required', async () => {
    const { requestId, taskId } = ask('Good plan?');
    expect((await cli('hitl', 'feedback', String(requestId))).code).toBe(2);
    const result = await cli('hitl', 'feedback', String(requestId), '--text', 'shorter steps please');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `feedback request ${requestId}: task ${taskId} (deploy) is PENDING again`,
    );
    expect(queue.getHitl(requestId)).toMatchObject({ status: 'feedback', response: 'shorter steps please' });
  });

  it('discuss: creates a code_discuss task whose payload the code_discuss skill accepts', async () => {
    const { requestId, taskId } = ask('Split src/big.ts?', { path: 'src/big.ts' });
    const result = await cli('hitl', 'discuss', String(requestId), '--topic', 'module boundaries');
    expect(result.code).toBe(0);
    const request = queue.getHitl(requestId);
    const followUp = queue.getOrThrow(request?.followUpTaskId as number);
    expect(result.stdout).toBe(
      `discuss request ${requestId}: created code_discuss task ${followUp.id}; task ${taskId} (deploy) is BLOCKED until it is DONE\n`,
    );
    expect(followUp.skill).toBe('code_discuss');
    expect(parseSkillPayload(codeDiscuss, followUp.payload)).toMatchObject({
      topic: 'module boundaries',
      question: 'Split src/big.ts?',
      path: 'src/big.ts',
    });
    // Without --topic the question is the topic.
    const second = ask('Rename the queue module?');
    expect((await cli('hitl', 'discuss', String(second.requestId))).code).toBe(0);
    const bare = queue.getOrThrow(queue.getHitl(second.requestId)?.followUpTaskId as number);
    expect(parseSkillPayload(codeDiscuss, bare.payload)).toMatchObject({ topic: 'Rename the queue module?' });
  });

  it('an unknown id exits 3, an answered request and a bad id exit 1, with clear messages', async () => {
    const unknown = await cli('hitl', 'approve', '999');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no human-in-the-loop request with id 999');
    expect(unknown.stderr).toContain('biged hitl list');
    const unknownJson = await cli('hitl', 'reject', '999', '--reason', 'x', '--json');
    expect(unknownJson.code).toBe(3);
    expect(unknownJson.json()).toMatchObject({ error: { code: 'QUEUE_HITL_NOT_FOUND' } });

    const { requestId } = ask('Deploy?');
    const other = ask('Big answer?');
    expect((await cli('hitl', 'approve', String(requestId))).code).toBe(0);
    const again = await cli('hitl', 'feedback', String(requestId), '--text', 'late');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`request ${requestId} was already answered (approved by cli:`);

    const badId = await cli('hitl', 'approve', 'abc');
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('request id must be a whole number above 0');

    const big = await cli('hitl', 'feedback', String(other.requestId), '--text', 'x'.repeat(9000));
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('response is 9000 bytes; at most 8192');
    expect(queue.getHitl(other.requestId)?.status).toBe('open');
  });

  it('cancelling a waiting task closes its request: it is no longer listed and cannot be answered', async () => {
    const { requestId, taskId } = ask('Deploy?');
    queue.cancel(taskId);
    expect((await cli('hitl', 'list')).stdout).toBe('no open requests\n');
    const all = await cli('hitl', 'list', '--all');
    expect(all.stdout).toContain(`#${requestId} `);
    expect(all.stdout).toContain('[rejected]  Deploy?  -> system: task cancelled');
    const approve = await cli('hitl', 'approve', String(requestId));
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain(`request ${requestId} was already answered (rejected by system)`);
  });
});

describe('biged hitl pin / unpin', () => {
  it('pins and unpins a request, open or answered; --json prints the request', async () => {
    const { requestId } = ask('Deploy?');
    const pin = await cli('hitl', 'pin', String(requestId));
    expect(pin).toMatchObject({ code: 0, stdout: `pinned request ${requestId} [open]\n` });
    expect(queue.getHitl(requestId)?.pinned).toBe(true);
    expect((await cli('hitl', 'list')).stdout).toContain('[open] (pinned)  Deploy?');
    // Pinning twice is not an error: the request stays pinned.
    expect((await cli('hitl', 'pin', String(requestId))).code).toBe(0);
    expect(queue.getHitl(requestId)?.pinned).toBe(true);

    const unpin = await cli('hitl', 'unpin', String(requestId), '--json');
    expect(unpin.code).toBe(0);
    const json = unpin.json<{ request: HitlRequestJson }>();
    expect(json.request).toMatchObject({ id: requestId, status: 'open', pinned: false });
    expect(queue.getHitl(requestId)?.pinned).toBe(false);

    queue.answerHitl(requestId, { status: 'approved', responder: 'cli:a' });
    const answered = await cli('hitl', 'pin', String(requestId), '--json');
    expect(answered.code).toBe(0);
    expect(answered.json<{ request: HitlRequestJson }>().request).toMatchObject({
      status: 'approved',
      pinned: true,
    });
  });

  it('an unknown id exits 3, a bad or missing id exits 1 or 2', async () => {
    const unknown = await cli('hitl', 'pin', '999');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no human-in-the-loop request with id 999');
    const unknownJson = await cli('hitl', 'unpin', '999', '--json');
    expect(unknownJson.code).toBe(3);
    expect(unknownJson.json()).toMatchObject({ error: { code: 'QUEUE_HITL_NOT_FOUND' } });
    const badId = await cli('hitl', 'unpin', '-1');
    expect(badId.code).not.toBe(0);
    const zero = await cli('hitl', 'pin', '0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('request id must be a whole number above 0');
    expect((await cli('hitl', 'pin')).code).toBe(2);
  });
});
