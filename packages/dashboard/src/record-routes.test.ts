import { createAuditTrail, createWorkflowStore, parseWorkflowToml } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestFleet, TEST_TOKEN, type TestFleet } from './__fixtures__/test-fleet';
import type { ErrorResponse } from './api-types';
import type { AuditResponse, HitlAnswerResponse, HitlListResponse, WorkflowsResponse } from './record-routes';

let fleet: TestFleet | undefined;
afterEach(() => {
  fleet?.cleanup();
  fleet = undefined;
});

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
const json = { ...auth, 'Content-Type': 'application/json' };

/** A task parked for a human by `coder_1`, as a skill's `askHuman` does. */
function park(target: TestFleet, question: string, context?: Record<string, unknown>) {
  const task = target.queue.enqueue({ skill: 'code_review', payload: { path: 'a.ts' } });
  const [claimed] = target.queue.claimMany({ agent: 'coder_1' }, 1);
  expect(claimed?.id).toBe(task.id);
  return target.queue.parkForHuman(task.id, 'coder_1', { question, ...(context ? { context } : {}) });
}

async function get<T>(target: TestFleet, url: string) {
  const response = await target.dashboard.app.request(url);
  return { status: response.status, body: (await response.json()) as T };
}

function answer(
  target: TestFleet,
  id: number | string,
  body: unknown,
  headers: Record<string, string> = json,
) {
  return target.dashboard.app.request(`/api/hitl/${id}/answer`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('agent requests (HITL)', () => {
  it('lists open requests and approves or rejects them with the token, as "dashboard"', async () => {
    fleet = createTestFleet();
    const first = park(fleet, 'Apply this refactor?', { diff: '+a', api_key: 'sk-should-not-leak' });
    const second = park(fleet, 'Delete the old module?');

    const open = await get<HitlListResponse>(fleet, '/api/hitl');
    expect(open.status).toBe(200);
    expect(open.body.requests.map((request) => [request.id, request.status])).toEqual([
      [first.id, 'open'],
      [second.id, 'open'],
    ]);
    expect(JSON.stringify(open.body)).not.toContain('sk-should-not-leak');

    const approved = await answer(fleet, first.id, { status: 'approved', response: 'go ahead' });
    expect(approved.status).toBe(200);
    const approvedBody = (await approved.json()) as HitlAnswerResponse;
    expect(approvedBody.request).toMatchObject({
      status: 'approved',
      response: 'go ahead',
      responder: 'dashboard',
    });
    expect(approvedBody.task).toEqual({ id: first.taskId, status: 'PENDING' });

    const rejected = await answer(fleet, second.id, { status: 'rejected', response: 'keep it' });
    expect(rejected.status).toBe(200);
    expect(((await rejected.json()) as HitlAnswerResponse).task).toEqual({
      id: second.taskId,
      status: 'FAILED',
    });
    expect(fleet.queue.getOrThrow(second.taskId).error).toContain('rejected by dashboard: keep it');

    expect((await get<HitlListResponse>(fleet, '/api/hitl')).body.requests).toEqual([]);
    const answered = await get<HitlListResponse>(fleet, '/api/hitl?status=answered&limit=10');
    expect(answered.body.requests.map((request) => request.status)).toEqual(['rejected', 'approved']);

    // Answered twice: 409; unknown: 404.
    const again = await answer(fleet, first.id, { status: 'rejected' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorResponse).error.code).toBe('QUEUE_HITL_NOT_OPEN');
    const unknown = await answer(fleet, 999, { status: 'approved' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorResponse).error.code).toBe('QUEUE_HITL_NOT_FOUND');
  });

  it('refuses a bad answer with a 400 naming the problem, and changes nothing', async () => {
    fleet = createTestFleet();
    const request = park(fleet, 'Ship it?');
    const cases: Array<[unknown, Record<string, string> | undefined, RegExp]> = [
      [{ status: 'maybe' }, undefined, /"status" must be one of approved, rejected/],
      [{}, undefined, /"status"/],
      [{ status: 'approved', extra: 1 }, undefined, /unknown field "extra"/],
      [{ status: 'approved', response: 7 }, undefined, /"response"/],
      [{ status: 'approved', response: 'x'.repeat(8193) }, undefined, /at most 8192 characters/],
      ['{"status": "approved"', undefined, /not valid JSON/],
      [['approved'], undefined, /JSON object/],
      [{ status: 'approved', response: 'x'.repeat(20_000) }, undefined, /at most 16384 bytes/],
      [{ status: 'approved' }, { ...auth, 'Content-Type': 'text/plain' }, /must be JSON/],
    ];
    for (const [body, headers, message] of cases) {
      const response = await answer(fleet, request.id, body, headers);
      expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(((await response.json()) as ErrorResponse).error.message).toMatch(message);
    }
    const badId = await answer(fleet, 'abc', { status: 'approved' });
    expect(badId.status).toBe(400);
    // Without the token: 401; from another origin: 403 even with it.
    expect(
      (await answer(fleet, request.id, { status: 'approved' }, { 'Content-Type': 'application/json' }))
        .status,
    ).toBe(401);
    const foreign = await fleet.dashboard.app.request(`http://127.0.0.1:5555/api/hitl/${request.id}/answer`, {
      method: 'POST',
      headers: { ...json, Host: '127.0.0.1:5555', Origin: 'http://evil.example' },
      body: JSON.stringify({ status: 'approved' }),
    });
    expect(foreign.status).toBe(403);
    expect(fleet.queue.getHitl(request.id)?.status).toBe('open');
    for (const url of [
      '/api/hitl?status=pending',
      '/api/hitl?limit=0',
      '/api/hitl?limit=1001',
      '/api/hitl?x=1',
    ])
      expect((await fleet.dashboard.app.request(url)).status, url).toBe(400);
  });
});

describe('/api/audit and /api/workflows', () => {
  it('/api/audit lists the trail newest first, filtered by type, with validated parameters', async () => {
    fleet = createTestFleet();
    const trail = createAuditTrail(fleet.queue);
    trail.append({ actor: 'coder_1', action: 'file_access', resource: '/tmp/a', decision: 'allow' });
    trail.append({ actor: 'cli', action: 'secret_read', resource: 'OPENAI_KEY', decision: 'allow' });
    trail.append({ actor: 'coder_1', action: 'file_access', resource: '/etc/shadow', decision: 'deny' });

    const all = await get<AuditResponse>(fleet, '/api/audit');
    expect(all.status).toBe(200);
    expect(all.body.entries.map((entry) => entry.id)).toEqual([3, 2, 1]);
    const files = await get<AuditResponse>(fleet, '/api/audit?type=file_access&limit=1');
    expect(files.body.entries.map((entry) => [entry.id, entry.decision])).toEqual([[3, 'deny']]);
    expect(files.body.entries[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const url of [
      '/api/audit?type=Bad Type',
      '/api/audit?limit=0',
      '/api/audit?limit=abc',
      '/api/audit?action=x',
    ]) {
      const response = await get<ErrorResponse>(fleet, url);
      expect(response.status, url).toBe(400);
      expect(response.body.error.code).toBe('DASHBOARD_BAD_REQUEST');
    }
  });

  it('/api/workflows lists runs with their step states', async () => {
    fleet = createTestFleet();
    const store = createWorkflowStore({ queue: fleet.queue });
    const definition = parseWorkflowToml(
      '[workflow]\nname = "pair"\n[[steps]]\nname = "a"\nskill = "noop"\n[[steps]]\nname = "b"\nskill = "noop"\ndepends_on = ["a"]\n',
    );
    const run = store.startRun({ definition });
    const response = await get<WorkflowsResponse>(fleet, '/api/workflows');
    expect(response.status).toBe(200);
    expect(response.body.runs).toHaveLength(1);
    expect(response.body.runs[0]).toMatchObject({ run: run.run, name: 'pair', status: 'RUNNING' });
    expect(response.body.runs[0]!.steps.map((step) => [step.name, step.status])).toEqual([
      ['a', 'PENDING'],
      ['b', 'BLOCKED'],
    ]);
    expect((await get<WorkflowsResponse>(fleet, '/api/workflows?status=DONE')).body.runs).toEqual([]);
    expect((await fleet.dashboard.app.request('/api/workflows?status=done')).status).toBe(400);
  });
});
