import {
  type AuditEntry,
  createAuditTrail,
  createWorkflowStore,
  HITL_ANSWER_STATUSES,
  type HitlRequest,
  type TaskQueue,
  type WorkflowRun,
} from '@biged/queue';
import type { Hono } from 'hono';
import { z } from 'zod';
import { DashboardError } from './errors/dashboard-error';
import { intParam, parseQuery } from './query-params';
import { redactSecrets } from './redact-secrets';

/** What `GET /api/hitl` answers. */
export interface HitlListResponse {
  requests: HitlRequest[];
}

/** What `POST /api/hitl/:id/answer` answers. */
export interface HitlAnswerResponse {
  /** The request, answered. */
  request: HitlRequest;
  /** The waiting task's id and its status after the answer (PENDING, FAILED or BLOCKED). */
  task: { id: number; status: string };
  /** The research_loop / code_discuss task a `more_info` / `discuss` answer created, or null. */
  followUpTaskId: number | null;
}

/** What `GET /api/audit` answers. */
export interface AuditResponse {
  entries: AuditEntry[];
}

/** What `GET /api/workflows` answers. */
export interface WorkflowsResponse {
  runs: WorkflowRun[];
}

/** Largest `POST /api/hitl/:id/answer` body, bytes. */
export const MAX_ANSWER_BODY_BYTES = 16 * 1024;
/** Longest answer text (the queue's own limit is 8 KiB of UTF-8). */
const MAX_RESPONSE_CHARS = 8192;

const hitlQuery = z.strictObject({
  status: z
    .enum(['open', ...HITL_ANSWER_STATUSES, 'answered', 'all'] as [string, ...string[]])
    .default('open'),
  limit: intParam(1, 1000, 50),
});
const answerBody = z.strictObject({
  status: z.enum(HITL_ANSWER_STATUSES as [string, ...string[]], {
    message: `must be one of ${HITL_ANSWER_STATUSES.join(', ')}`,
  }),
  response: z.string().max(MAX_RESPONSE_CHARS, `must be at most ${MAX_RESPONSE_CHARS} characters`).optional(),
});
const auditQuery = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be an audit action like file_access or hitl_answer')
    .optional(),
  limit: intParam(1, 1000, 100),
});
const workflowsQuery = z.strictObject({
  status: z.enum(['RUNNING', 'DONE', 'FAILED', 'CANCELLED']).optional(),
  limit: intParam(1, 1000, 20),
});

function badRequest(parameter: string, message: string): never {
  throw new DashboardError({ code: 'DASHBOARD_BAD_REQUEST', message, parameter });
}

/**
 * @internal The routes over the queue's human-in-the-loop requests, audit trail and workflow runs:
 * `GET /api/hitl`, `POST /api/hitl/:id/answer` (answered as `dashboard`), `GET /api/audit` and
 * `GET /api/workflows`. Everything they return goes through `redactSecrets`.
 */
export function registerRecordRoutes(app: Hono, queue: TaskQueue): void {
  const audit = createAuditTrail(queue);
  const workflows = createWorkflowStore({ queue });

  app.get('/api/hitl', (c) => {
    const query = parseQuery(c.req.query(), hitlQuery);
    const requests = queue.listHitl({
      status: query.status as NonNullable<Parameters<TaskQueue['listHitl']>[0]>['status'],
      limit: query.limit,
    });
    return c.json<HitlListResponse>({ requests: redactSecrets(requests) });
  });

  app.post('/api/hitl/:id/answer', async (c) => {
    const id = c.req.param('id');
    if (!/^\d{1,15}$/.test(id) || Number(id) < 1)
      badRequest('id', 'request id must be a positive whole number');
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type))
      badRequest('body', 'the body must be JSON (Content-Type: application/json)');
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > MAX_ANSWER_BODY_BYTES)
      badRequest('body', `the body must be at most ${MAX_ANSWER_BODY_BYTES} bytes`);
    const text = await c.req.text();
    if (Buffer.byteLength(text, 'utf8') > MAX_ANSWER_BODY_BYTES)
      badRequest('body', `the body must be at most ${MAX_ANSWER_BODY_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      badRequest('body', 'the body is not valid JSON');
    }
    const parsed = answerBody.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      badRequest(
        field || 'body',
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')} (allowed: status, response)`
          : field
            ? `"${field}" ${issue.message.replace(/^Invalid input: /, '')}`
            : 'the body must be a JSON object {"status", "response"?}',
      );
    }
    const result = queue.answerHitl(Number(id), {
      status: parsed.data.status as Parameters<TaskQueue['answerHitl']>[1]['status'],
      ...(parsed.data.response !== undefined ? { response: parsed.data.response } : {}),
      responder: 'dashboard',
    });
    return c.json<HitlAnswerResponse>({
      request: redactSecrets(result.request),
      task: { id: result.task.id, status: result.task.status },
      followUpTaskId: result.followUp?.id ?? null,
    });
  });

  app.get('/api/audit', (c) => {
    const query = parseQuery(c.req.query(), auditQuery);
    const entries = audit.list({ limit: query.limit, ...(query.type ? { action: query.type } : {}) });
    return c.json<AuditResponse>({ entries: redactSecrets(entries) });
  });

  app.get('/api/workflows', (c) => {
    const query = parseQuery(c.req.query(), workflowsQuery);
    const runs = workflows.listRuns({
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
    });
    return c.json<WorkflowsResponse>({ runs: redactSecrets(runs) });
  });
}
