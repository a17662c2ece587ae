import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent, FleetConfig, FleetPaths, Task, TaskStatus } from '@biged/core';
import { BigedError } from '@biged/core';
import { type HwState, readHwState } from '@biged/hw-monitor';
import { budgetsFromConfig, QueueError, type TaskQueue, type UsageLedger } from '@biged/queue';
import { getQueueDatabase } from '@biged/queue/internal';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type {
  ActivityResponse,
  AlertsResponse,
  ControlResponse,
  ErrorResponse,
  HealthResponse,
  IdleResponse,
  KnowledgeResponse,
  SkillStats,
  SkillsResponse,
  StatusResponse,
  TaskSummary,
  ThermalResponse,
  ThermalSample,
  TimelineResponse,
  UptimeResponse,
  UsageTimeseriesResponse,
  WorkersResponse,
} from './api-types';
import { tokensMatch } from './dashboard-token';
import { DashboardError, type DashboardErrorCode } from './errors/dashboard-error';
import { createEventHub, EVENT_ID_PATTERN } from './event-hub';
import type { FleetControl } from './fleet-control';
import { boolParam, intParam, numberParam, parseQuery, timeParam } from './query-params';
import { registerRecordRoutes } from './record-routes';
import { redactSecrets } from './redact-secrets';

/** Options of `createDashboard`. */
export interface CreateDashboardOptions {
  /** The fleet's queue (`createQueue({ file: paths.db })`); tasks, agents and alerts come from it. */
  queue: TaskQueue;
  /** The usage ledger on the same queue (`createUsageLedger({ queue })`); cost routes read it. */
  ledger: UsageLedger;
  /** The fleet home's paths (`fleetPaths(home)`): knowledge folder, hw_state.json, rag.db. */
  paths: FleetPaths;
  /** The loaded fleet.toml. Air-gap mode or `[dashboard] enabled = false` make `createDashboard` throw. */
  config: FleetConfig;
  /** The dashboard token (`ensureDashboardToken(paths)`); every POST must send it as a Bearer token. */
  token: string;
  /** Start/stop/restart through the supervisor. Default none: those routes answer 503. */
  control?: FleetControl;
  /**
   * Host names (without port) the dashboard answers to in the `Host` header, besides the loopback names
   * `localhost`, `127.0.0.1` and `[::1]`, `[dashboard] bind_address` and `[dashboard] allowed_hosts`; a
   * request naming another host is refused (DNS rebinding). Pass the address actually bound when it is
   * not the configured one (`biged dashboard --host`). Default none.
   */
  hosts?: readonly string[];
  /**
   * Origins (`http://host:port`) other than the dashboard's own whose pages may read the API: GET and HEAD
   * answer them with `Access-Control-Allow-Origin`, a preflight allows GET only. Requests from any other
   * origin, and every cross-origin POST, are refused (403). Default `[dashboard] cors_origins` (none).
   */
  corsOrigins?: readonly string[];
  /** Wall clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /**
   * How long `/api/status` may reuse its snapshot while other processes (the workers) commit to the
   * fleet DB, ms; an unchanged DB reuses it for ever, this dashboard's own writes rebuild it at once.
   * `0` rebuilds on every change. Default 250.
   */
  statusCacheMs?: number;
  /** The live stream (`/api/stream`). Defaults: poll every 500 ms, keep 10000 events, 5000 behind per client. */
  stream?: DashboardStreamOptions;
}

/** Options of the live stream. */
export interface DashboardStreamOptions {
  /** Milliseconds between polls of the fleet DB (one poller for all clients). Default 500. */
  pollMs?: number;
  /** Events kept for `Last-Event-ID` resume. Default 10000. */
  historySize?: number;
  /** Events one client may fall behind; a client past it is disconnected (it resumes on reconnect). Default 5000. */
  clientBufferSize?: number;
  /** Milliseconds between keep-alive comments on an idle stream. Default 15000. */
  keepAliveMs?: number;
}

/** What `createDashboard` returns. */
export interface Dashboard {
  /** The Hono app: serve it with `serveDashboard`, or call `app.request()` in tests. */
  readonly app: Hono;
  /** Live stream clients connected, clients dropped for falling behind, and the last event id. */
  streamStats(): { clients: number; dropped: number; lastEventId: string | null };
  /** Stops the dashboard's timers and streams (the queue and ledger are the caller's to close). */
  close(): void;
}

/** Most entries `GET /api/knowledge` walks before it stops (and reports `truncated`). */
const MAX_KNOWLEDGE_ENTRIES = 5000;
/** Deepest folder level `GET /api/knowledge` descends to. */
const MAX_KNOWLEDGE_DEPTH = 8;
/** Thermal samples kept in memory (one per hw_state.json rewrite: an hour at the 5 s default). */
const THERMAL_HISTORY = 720;
/** hw_state.json is read at most this often (ms); routes in between reuse the last read. */
const HW_STATE_TTL_MS = 1000;
/** Most buckets `GET /api/usage/timeseries` answers with. */
const MAX_BUCKETS = 2000;
const HOUR_MS = 3_600_000;
const BUCKET_MS = { minute: 60_000, hour: HOUR_MS, day: 24 * HOUR_MS } as const;
const AGENT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
/** Skills whose tasks `/api/reviews` lists. */
const REVIEW_SKILLS = ['code_review', 'fma_review', 'security_review', 'review'];
/** Skills whose open tasks `/api/discussions` lists. */
const DISCUSSION_SKILLS = ['code_discuss'];
const OPEN_STATUSES: TaskStatus[] = ['PENDING', 'BLOCKED', 'RUNNING', 'WAITING_HUMAN'];
/**
 * The query schema of routes without parameters, built once: zod compiles an object schema on its first
 * parse, so a schema built per request costs milliseconds.
 */
const NO_QUERY = z.strictObject({});

const STATUS_BY_CODE: Record<DashboardErrorCode, ContentfulStatusCode> = {
  DASHBOARD_BAD_REQUEST: 400,
  DASHBOARD_UNAUTHORIZED: 401,
  DASHBOARD_FORBIDDEN: 403,
  DASHBOARD_NOT_FOUND: 404,
  DASHBOARD_NOT_IMPLEMENTED: 501,
  DASHBOARD_CONTROL_UNAVAILABLE: 503,
  DASHBOARD_FLEET_NOT_RUNNING: 503,
  DASHBOARD_CONTROL_TIMEOUT: 504,
  DASHBOARD_AIR_GAP: 503,
  DASHBOARD_DISABLED: 503,
  DASHBOARD_TOKEN_INVALID: 500,
};

const QUEUE_STATUS: Partial<Record<string, ContentfulStatusCode>> = {
  QUEUE_TASK_NOT_FOUND: 404,
  QUEUE_ALERT_NOT_FOUND: 404,
  QUEUE_HITL_NOT_FOUND: 404,
  QUEUE_HITL_NOT_OPEN: 409,
  QUEUE_INVALID_ARGUMENT: 400,
  QUEUE_INVALID_PRIORITY: 400,
  QUEUE_INVALID_SKILL: 400,
  QUEUE_INVALID_TRANSITION: 409,
  QUEUE_DB_LOCKED: 503,
};

/**
 * Builds the dashboard: the manual's Monitoring API as a Hono app over the fleet's queue, usage ledger,
 * hw_state.json and knowledge folder.
 *
 * ```ts
 * const queue = createQueue({ file: paths.db });
 * const dashboard = createDashboard({ queue, ledger: createUsageLedger({ queue }), paths, config,
 *   token: ensureDashboardToken(paths) });
 * const server = await serveDashboard({ dashboard, port: 5555 });
 * ```
 *
 * Every request is refused (403) when its `Origin` is not the dashboard's own origin or its `Host` is
 * not one the dashboard serves; every POST needs `Authorization: Bearer <token>` (401). Throws
 * `DashboardError` with `DASHBOARD_AIR_GAP` in air-gap mode and `DASHBOARD_DISABLED` when
 * `[dashboard] enabled = false`.
 */
export function createDashboard({
  queue,
  ledger,
  paths,
  config,
  token,
  control,
  hosts = [],
  corsOrigins = config.dashboard.cors_origins,
  now = () => Date.now(),
  statusCacheMs = 250,
  stream: streamOptions = {},
}: CreateDashboardOptions): Dashboard {
  if (config.fleet.air_gap_mode)
    throw new DashboardError({
      code: 'DASHBOARD_AIR_GAP',
      message: 'the dashboard is disabled in air-gap mode ([fleet] air_gap_mode = true)',
      hint: 'use `biged status` instead, or turn air-gap mode off in fleet.toml',
    });
  if (!config.dashboard.enabled)
    throw new DashboardError({
      code: 'DASHBOARD_DISABLED',
      message: 'the dashboard is disabled ([dashboard] enabled = false)',
      hint: 'set [dashboard] enabled = true in fleet.toml',
    });
  if (typeof token !== 'string' || token.length < 32)
    throw new DashboardError({
      code: 'DASHBOARD_TOKEN_INVALID',
      message: 'the dashboard token must be a string of at least 32 characters',
    });

  const startedAt = now();
  const allowedHosts = new Set(
    [
      ...LOOPBACK_HOSTS,
      ...bindHost(config.dashboard.bind_address),
      ...config.dashboard.allowed_hosts,
      ...hosts,
    ].map((host) => host.toLowerCase()),
  );
  const readOrigins = new Set(corsOrigins.map((origin) => origin.toLowerCase()));
  const sqlite = getQueueDatabase(queue);
  const statements = {
    skillCounts: sqlite.prepare('SELECT skill, status, COUNT(*) AS n FROM tasks GROUP BY skill, status'),
    skillDurations: sqlite.prepare(
      `SELECT skill, AVG(finished_at - claimed_at) AS avgMs, MAX(finished_at) AS lastFinished
       FROM tasks WHERE status = 'DONE' AND claimed_at IS NOT NULL AND finished_at IS NOT NULL
       GROUP BY skill`,
    ),
    timeline: sqlite.prepare(
      `SELECT id, skill, status, priority, claimed_by AS claimedBy, attempts, max_attempts AS maxAttempts,
         error, parent_id AS parentId, created_at AS createdAt, claimed_at AS claimedAt, finished_at AS finishedAt
       FROM tasks WHERE created_at >= @from AND created_at < @to ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    failedSince: sqlite
      .prepare("SELECT COUNT(*) FROM tasks WHERE status = 'FAILED' AND finished_at >= ?")
      .pluck(),
    lastFinishedByAgent: sqlite.prepare(
      'SELECT claimed_by AS agent, MAX(finished_at) AS last FROM tasks WHERE claimed_by IS NOT NULL GROUP BY claimed_by',
    ),
    bySkills: (skills: readonly string[], statuses: readonly TaskStatus[] | null) =>
      sqlite.prepare(
        `SELECT id, skill, status, priority, claimed_by AS claimedBy, attempts, max_attempts AS maxAttempts,
           error, parent_id AS parentId, created_at AS createdAt, claimed_at AS claimedAt, finished_at AS finishedAt
         FROM tasks WHERE skill IN (${skills.map(() => '?').join(', ')})
         ${statuses ? `AND status IN (${statuses.map(() => '?').join(', ')})` : ''}
         ORDER BY id DESC LIMIT ?`,
      ),
    codeCounts: sqlite.prepare(
      "SELECT skill, status, COUNT(*) AS n FROM tasks WHERE skill LIKE 'code\\_%' ESCAPE '\\' GROUP BY skill, status",
    ),
    usageSeries: sqlite.prepare(
      `SELECT (created_at / @bucket) * @bucket AS at, COUNT(*) AS calls, SUM(cost_micro_usd) AS cost,
         SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens
       FROM usage WHERE status = 'SETTLED' AND created_at >= @from AND created_at < @to
       GROUP BY at ORDER BY at`,
    ),
    tableCount: (table: string) => sqlite.prepare(`SELECT COUNT(*) FROM ${table}`).pluck(),
  };

  // hw_state.json, read at most once a second, and a history of its readings while the dashboard runs.
  let hwCache: { readAt: number; state: HwState | undefined } | undefined;
  const history: ThermalSample[] = [];
  const readHw = (): HwState | undefined => {
    const time = now();
    if (hwCache && time - hwCache.readAt < HW_STATE_TTL_MS) return hwCache.state;
    const state = readHwState(paths.hwState);
    hwCache = { readAt: time, state };
    if (state && history.at(-1)?.at !== state.updated_at) {
      history.push({
        at: state.updated_at,
        gpuTempC: state.thermal.gpu_temp_c,
        cpuTempC: state.thermal.cpu_temp_c,
        vramUsedMb: state.thermal.vram_used_mb,
        powerW: state.thermal.power_w,
        status: state.status,
      });
      if (history.length > THERMAL_HISTORY) history.shift();
    }
    return state;
  };

  const hub = createEventHub({
    queue,
    boot: startedAt.toString(36),
    ...(streamOptions.pollMs !== undefined ? { pollMs: streamOptions.pollMs } : {}),
    ...(streamOptions.historySize !== undefined ? { historySize: streamOptions.historySize } : {}),
    ...(streamOptions.clientBufferSize !== undefined
      ? { clientBufferSize: streamOptions.clientBufferSize }
      : {}),
  });
  const keepAliveMs = streamOptions.keepAliveMs ?? 15_000;

  const app = new Hono();

  // --- security: Host and Origin on every request, the token on every POST ---
  app.use('*', async (c, next) => {
    // Set before the route runs, so the response is built with them. Setting them after `next()` made
    // Hono rebuild every response through undici's Response (extractBody, a transferable stream): about a
    // third of /api/status's cost under load. Error responses keep them too.
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-store');
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    if (!hostname || !allowedHosts.has(hostname))
      throw new DashboardError({
        code: 'DASHBOARD_FORBIDDEN',
        message: `requests for host "${host}" are refused (the dashboard answers to ${[...allowedHosts].join(', ')})`,
      });
    const origin = c.req.header('origin');
    const reading = c.req.method === 'GET' || c.req.method === 'HEAD';
    let corsOrigin: string | undefined;
    if (origin !== undefined) {
      const own = `${new URL(c.req.url).protocol}//${host}`;
      const lower = origin.toLowerCase();
      if (lower !== own) {
        const listed = readOrigins.has(lower);
        if (listed && c.req.method === 'OPTIONS') {
          // A CORS preflight from a listed origin: reads only, and no credentials.
          c.header('Access-Control-Allow-Origin', origin);
          c.header('Access-Control-Allow-Methods', 'GET, HEAD');
          c.header('Access-Control-Allow-Headers', 'Last-Event-ID');
          c.header('Access-Control-Max-Age', '600');
          c.header('Vary', 'Origin');
          return c.body(null, 204);
        }
        if (!listed || !reading)
          throw new DashboardError({
            code: 'DASHBOARD_FORBIDDEN',
            message: listed
              ? `cross-origin ${c.req.method} requests are refused, even with the token (origin ${JSON.stringify(origin.slice(0, 200))} may only read)`
              : `cross-origin requests are refused (origin ${JSON.stringify(origin.slice(0, 200))}; [dashboard] cors_origins lists the origins allowed to read)`,
          });
        corsOrigin = origin;
      }
    }
    if (corsOrigin !== undefined) {
      c.header('Access-Control-Allow-Origin', corsOrigin);
      c.header('Vary', 'Origin');
    }
    if (!reading) {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer ([^\s]+)$/.exec(header);
      if (!match?.[1] || !tokensMatch(match[1], token))
        throw new DashboardError({
          code: 'DASHBOARD_UNAUTHORIZED',
          message: header
            ? 'wrong dashboard token'
            : 'this request needs the dashboard token as "Authorization: Bearer <token>"',
          hint: 'print it with `biged dashboard --print-token`',
        });
    }
    await next();
  });

  // --- core status ---
  // The most-polled route keeps its snapshot while nothing changed: writes through this dashboard's own
  // connection (total_changes()) or a new hw_state.json reading rebuild it at once; other processes'
  // commits (SQLite's data_version: the workers) rebuild it once `statusCacheMs` has passed, so a busy
  // fleet plus many pollers cost one counts() scan per interval, not one per request.
  const dbVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const ownChanges = sqlite.prepare('SELECT total_changes()').pluck();
  let statusSnapshot: { own: string; version: unknown; builtAt: number; json: string } | undefined;
  app.get('/api/status', (c) => {
    // The hot route: only a URL with a query string can hold an unknown parameter (400).
    if (c.req.url.includes('?')) parseQuery(c.req.query(), NO_QUERY);
    const hw = readHw();
    const own = `${ownChanges.get()}:${hw?.updated_at ?? ''}`;
    const version = dbVersion.get();
    const builtAt = performance.now();
    if (
      statusSnapshot?.own !== own ||
      (statusSnapshot.version !== version && builtAt - statusSnapshot.builtAt >= statusCacheMs)
    ) {
      const counts = queue.counts();
      statusSnapshot = {
        own,
        version,
        builtAt,
        // Serialized once per snapshot, without `time`, which each response appends.
        json: JSON.stringify({
          agents: queue.listAgents(),
          counts,
          totalTasks: Object.values(counts).reduce((sum, n) => sum + n, 0),
          activeAlerts: queue.listAlerts({ activeOnly: true, limit: 10_000 }).length,
          thermal: hw
            ? { status: hw.status, tier: hw.tier, model: hw.model, updatedAt: hw.updated_at }
            : null,
        } satisfies Omit<StatusResponse, 'time'>),
      };
    }
    const time = new Date(now()).toISOString();
    return c.body(`${statusSnapshot.json.slice(0, -1)},"time":"${time}"}`, 200, {
      'Content-Type': 'application/json',
    });
  });

  const statusParam = z.enum([
    'PENDING',
    'BLOCKED',
    'RUNNING',
    'WAITING_HUMAN',
    'DONE',
    'FAILED',
    'CANCELLED',
    'SKIPPED',
  ]);
  /** The query schema of `GET /api/activity`, built once (zod compiles a schema on its first parse). */
  const activityQuery = z.strictObject({
    limit: intParam(1, 1000, 50),
    status: statusParam.optional(),
    skill: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,99}$/, 'must be a skill name')
      .optional(),
  });
  app.get('/api/activity', (c) => {
    const query = parseQuery(c.req.query(), activityQuery);
    const tasks = queue.list({
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.skill ? { skill: query.skill } : {}),
    });
    return c.json<ActivityResponse>({ tasks: tasks.map(summarize) });
  });

  app.get('/api/skills', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const bySkill = new Map<string, SkillStats>();
    for (const row of statements.skillCounts.all() as Array<{
      skill: string;
      status: TaskStatus;
      n: number;
    }>) {
      const stats = bySkill.get(row.skill) ?? {
        skill: row.skill,
        counts: {},
        total: 0,
        avgDurationMs: null,
        lastFinishedAt: null,
      };
      stats.counts[row.status] = row.n;
      stats.total += row.n;
      bySkill.set(row.skill, stats);
    }
    for (const row of statements.skillDurations.all() as Array<{
      skill: string;
      avgMs: number | null;
      lastFinished: number | null;
    }>) {
      const stats = bySkill.get(row.skill);
      if (!stats) continue;
      stats.avgDurationMs = row.avgMs === null ? null : Math.round(row.avgMs);
      stats.lastFinishedAt = iso(row.lastFinished);
    }
    return c.json<SkillsResponse>({ skills: [...bySkill.values()].sort((a, b) => b.total - a.total) });
  });

  /** The query schema of `GET /api/timeline`, built once (zod compiles a schema on its first parse). */
  const timelineQuery = z.strictObject({
    from: timeParam().optional(),
    to: timeParam().optional(),
    limit: intParam(1, 5000, 500),
  });
  app.get('/api/timeline', (c) => {
    const query = parseQuery(c.req.query(), timelineQuery);
    const to = query.to ?? now() + 1;
    const from = query.from ?? to - HOUR_MS;
    if (from >= to) badRequest('from', '"from" must be before "to"');
    const rows = statements.timeline.all({ from, to, limit: query.limit + 1 }) as RawTask[];
    const truncated = rows.length > query.limit;
    return c.json<TimelineResponse>({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      tasks: rows.slice(0, query.limit).map(rawSummary),
      truncated,
    });
  });

  const staleAfterSecs = config.fleet.stale_task_timeout_secs;
  const heartbeatAge = (agent: Agent): number | null =>
    agent.lastHeartbeat === null ? null : Math.max(0, (now() - Date.parse(agent.lastHeartbeat)) / 1000);
  const isStale = (agent: Agent): boolean => {
    if (agent.status === 'OFFLINE') return false;
    const age = heartbeatAge(agent);
    return age !== null && age > staleAfterSecs;
  };

  app.get('/api/fleet/health', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const agents = queue.listAgents();
    const counts = queue.counts();
    const active = queue.listAlerts({ activeOnly: true, limit: 10_000 });
    const alerts = { info: 0, warning: 0, critical: 0 };
    for (const alert of active) alerts[alert.severity] += 1;
    const hw = readHw();
    const offline = agents.filter((agent) => agent.status === 'OFFLINE').length;
    const stale = agents.filter(isStale).length;
    const failedLastHour = statements.failedSince.get(now() - HOUR_MS) as number;
    const issues: string[] = [];
    if (agents.length === 0) issues.push('no agents registered (is the fleet running?)');
    if (offline > 0) issues.push(`${offline} agent(s) offline`);
    if (stale > 0) issues.push(`${stale} agent(s) missed heartbeats for over ${staleAfterSecs} s`);
    if (alerts.critical > 0) issues.push(`${alerts.critical} critical alert(s) not acknowledged`);
    if (hw && (hw.status === 'hot' || hw.status === 'cooldown')) issues.push(`thermal status ${hw.status}`);
    return c.json<HealthResponse>({
      healthy: issues.length === 0,
      issues,
      agents: { total: agents.length, online: agents.length - offline, offline, staleHeartbeats: stale },
      tasks: { pending: counts.PENDING, running: counts.RUNNING, failedLastHour },
      alerts,
      thermalStatus: hw?.status ?? null,
      dashboardUptimeSecs: Math.round((now() - startedAt) / 1000),
    });
  });

  app.get('/api/fleet/uptime', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    return c.json<UptimeResponse>({
      dashboardStartedAt: new Date(startedAt).toISOString(),
      agents: queue.listAgents().map((agent) => ({
        name: agent.name,
        status: agent.status,
        startedAt: agent.startedAt,
        uptimeSecs:
          agent.startedAt === null || agent.status === 'OFFLINE'
            ? null
            : Math.max(0, Math.round((now() - Date.parse(agent.startedAt)) / 1000)),
        restarts: agent.restarts,
      })),
    });
  });

  /** The query schema of `GET /api/fleet/idle`, built once (zod compiles a schema on its first parse). */
  const fleetIdleQuery = z.strictObject({ min_idle_secs: intParam(0, 30 * 86_400, 60) });
  app.get('/api/fleet/idle', (c) => {
    const { min_idle_secs: minIdleSecs } = parseQuery(c.req.query(), fleetIdleQuery);
    const lastFinished = new Map(
      (statements.lastFinishedByAgent.all() as Array<{ agent: string; last: number | null }>).map((row) => [
        row.agent,
        row.last,
      ]),
    );
    const idle = queue
      .listAgents()
      .filter((agent) => agent.status === 'IDLE')
      .map((agent) => {
        const since = lastFinished.get(agent.name) ?? (agent.startedAt ? Date.parse(agent.startedAt) : null);
        return {
          name: agent.name,
          role: agent.role,
          idleSince: iso(since),
          idleSecs: since === null ? null : Math.max(0, Math.round((now() - since) / 1000)),
        };
      })
      .filter((agent) => agent.idleSecs === null || agent.idleSecs >= minIdleSecs);
    return c.json<IdleResponse>({ minIdleSecs, idle });
  });

  app.get('/api/fleet/workers', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    return c.json<WorkersResponse>({
      staleAfterSecs,
      workers: queue.listAgents().map((agent) => {
        const age = heartbeatAge(agent);
        return { ...agent, heartbeatAgeSecs: age === null ? null : Math.round(age), stale: isStale(agent) };
      }),
    });
  });

  // --- knowledge & RAG ---
  /** The query schema of `GET /api/knowledge`, built once (zod compiles a schema on its first parse). */
  const knowledgeQuery = z.strictObject({ limit: intParam(1, 5000, 500) });
  app.get('/api/knowledge', (c) => {
    const { limit } = parseQuery(c.req.query(), knowledgeQuery);
    return c.json<KnowledgeResponse>(listKnowledge(paths.knowledge, limit));
  });

  app.get('/api/code_stats', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const skills: Record<string, Partial<Record<TaskStatus, number>>> = {};
    for (const row of statements.codeCounts.all() as Array<{
      skill: string;
      status: TaskStatus;
      n: number;
    }>) {
      const counts = skills[row.skill] ?? {};
      counts[row.status] = row.n;
      skills[row.skill] = counts;
    }
    return c.json({ skills });
  });

  const listBySkills = (skills: readonly string[], statuses: readonly TaskStatus[] | null, limit: number) =>
    (statements.bySkills(skills, statuses).all(...skills, ...(statuses ?? []), limit) as RawTask[]).map(
      rawSummary,
    );

  /** The query schema of `GET /api/reviews`, built once (zod compiles a schema on its first parse). */
  const reviewsQuery = z.strictObject({ limit: intParam(1, 1000, 50) });
  app.get('/api/reviews', (c) => {
    const { limit } = parseQuery(c.req.query(), reviewsQuery);
    return c.json({ skills: REVIEW_SKILLS, tasks: listBySkills(REVIEW_SKILLS, null, limit) });
  });

  /** The query schema of `GET /api/discussions`, built once (zod compiles a schema on its first parse). */
  const discussionsQuery = z.strictObject({ limit: intParam(1, 1000, 50) });
  app.get('/api/discussions', (c) => {
    const { limit } = parseQuery(c.req.query(), discussionsQuery);
    return c.json({
      skills: DISCUSSION_SKILLS,
      tasks: listBySkills(DISCUSSION_SKILLS, OPEN_STATUSES, limit),
    });
  });

  app.get('/api/rag', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const stat = statOrUndefined(paths.ragDb);
    return c.json({
      available: stat !== undefined,
      sizeBytes: stat?.size ?? 0,
      modifiedAt: stat ? stat.mtime.toISOString() : null,
      // Chunk and source counts need the RAG store's schema, which comes with the RAG issue.
      chunks: null,
      sources: null,
    });
  });

  // --- hardware & thermal ---
  app.get('/api/thermal', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const state = readHw();
    const { thermal } = config;
    return c.json<ThermalResponse>({
      available: state !== undefined,
      reason: state ? null : `no readable hw_state.json in the fleet home (is the hardware monitor running?)`,
      state: state ? redactSecrets(state) : null,
      ageSecs: state ? Math.max(0, Math.round((now() - Date.parse(state.updated_at)) / 1000)) : null,
      limits: {
        gpuMaxSustainedC: thermal.gpu_max_sustained_c,
        gpuMaxBurstC: thermal.gpu_max_burst_c,
        cpuMaxSustainedC: thermal.cpu_max_sustained_c,
        cooldownTargetC: thermal.cooldown_target_c,
      },
      history: [...history],
    });
  });

  app.get('/api/training', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const state = readHw();
    return c.json({
      active: state?.training ?? false,
      evictGpuModels: state?.evict_gpu_models ?? false,
      lock: queue.getLock('training') ?? null,
      vram: state ? { usedMb: state.thermal.vram_used_mb, totalMb: state.thermal.vram_total_mb } : null,
      // Checkpoints come with the training issue.
      checkpoints: null,
    });
  });

  // --- cost intelligence ---
  const period = z.enum(['day', 'week', 'month']);
  const groupBy = z.enum(['skill', 'provider', 'model']);

  /** The query schema of `GET /api/usage`, built once (zod compiles a schema on its first parse). */
  const usageQuery = z.strictObject({
    period: period.optional(),
    group_by: groupBy.default('skill'),
    from: timeParam().optional(),
    to: timeParam().optional(),
  });
  app.get('/api/usage', (c) => {
    const query = parseQuery(c.req.query(), usageQuery);
    if (query.period && query.from !== undefined)
      badRequest('period', 'give "period" or "from"/"to", not both');
    if (query.to !== undefined && query.from === undefined) badRequest('to', '"to" needs "from"');
    if (query.from !== undefined && query.from >= (query.to ?? now() + 1))
      badRequest('from', '"from" must be before "to"');
    return c.json(
      ledger.usageSummary(
        query.from !== undefined
          ? { from: query.from, to: query.to ?? now() + 1, groupBy: query.group_by }
          : { period: query.period ?? 'day', groupBy: query.group_by, now: now() },
      ),
    );
  });

  const rangeSchema = z.strictObject({
    group_by: groupBy.default('skill'),
    window_hours: intParam(1, 24 * 366, 24),
    from_start: timeParam().optional(),
    from_end: timeParam().optional(),
    to_start: timeParam().optional(),
    to_end: timeParam().optional(),
  });
  /** Two ranges to compare: the four explicit bounds, or the last `window_hours` against the ones before. */
  const ranges = (query: z.output<typeof rangeSchema>) => {
    const bounds = [query.from_start, query.from_end, query.to_start, query.to_end];
    const given = bounds.filter((bound) => bound !== undefined).length;
    if (given !== 0 && given !== 4)
      badRequest('from_start', 'give all of from_start, from_end, to_start, to_end, or none of them');
    if (given === 4) {
      const [fromStart, fromEnd, toStart, toEnd] = bounds as number[];
      if (fromStart! >= fromEnd! || toStart! >= toEnd!)
        badRequest('from_start', 'each range must start before it ends');
      return { fromRange: { from: fromStart!, to: fromEnd! }, toRange: { from: toStart!, to: toEnd! } };
    }
    const end = now() + 1;
    const window = query.window_hours * HOUR_MS;
    return {
      fromRange: { from: end - 2 * window, to: end - window },
      toRange: { from: end - window, to: end },
    };
  };

  app.get('/api/usage/delta', (c) => {
    const query = parseQuery(c.req.query(), rangeSchema);
    const { fromRange, toRange } = ranges(query);
    return c.json(ledger.usageDelta(fromRange, toRange, { groupBy: query.group_by }));
  });

  /** The query schema of `GET /api/usage/regression`, built once. */
  const usageRegressionQuery = rangeSchema.extend({
    threshold_percent: numberParam(1_000_000, 25),
    min_cost_usd: numberParam(1_000_000, 0.01),
  });
  app.get('/api/usage/regression', (c) => {
    const query = parseQuery(c.req.query(), usageRegressionQuery);
    const { fromRange, toRange } = ranges(query);
    const delta = ledger.usageDelta(fromRange, toRange, { groupBy: query.group_by });
    const regressions = delta.rows.filter(
      (row) =>
        row.to.costUsd >= query.min_cost_usd &&
        (row.costDeltaPercent === null
          ? row.to.costUsd > 0
          : row.costDeltaPercent >= query.threshold_percent),
    );
    return c.json({
      thresholdPercent: query.threshold_percent,
      minCostUsd: query.min_cost_usd,
      fromRange: delta.fromRange,
      toRange: delta.toRange,
      regressions,
    });
  });

  app.get('/api/usage/budgets', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const time = now();
    return c.json({
      budgets: budgetsFromConfig(config).map(({ skill, budget }) =>
        ledger.budgetStatus({ skill, budget, now: time }),
      ),
    });
  });

  /** The query schema of `GET /api/usage/timeseries`, built once (zod compiles a schema on its first parse). */
  const usageTimeseriesQuery = z.strictObject({
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
    from: timeParam().optional(),
    to: timeParam().optional(),
  });
  app.get('/api/usage/timeseries', (c) => {
    const query = parseQuery(c.req.query(), usageTimeseriesQuery);
    const to = query.to ?? now() + 1;
    const from = query.from ?? to - 24 * HOUR_MS;
    if (from >= to) badRequest('from', '"from" must be before "to"');
    const bucket = BUCKET_MS[query.bucket];
    if ((to - from) / bucket > MAX_BUCKETS)
      badRequest(
        'bucket',
        `the range holds more than ${MAX_BUCKETS} ${query.bucket} buckets; use a larger bucket`,
      );
    const rows = statements.usageSeries.all({ from, to, bucket }) as Array<{
      at: number;
      calls: number;
      cost: number;
      inputTokens: number;
      outputTokens: number;
    }>;
    return c.json<UsageTimeseriesResponse>({
      bucket: query.bucket,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points: rows.map((row) => ({
        at: new Date(row.at).toISOString(),
        calls: row.calls,
        costUsd: row.cost / 1_000_000,
        inputTokens: row.inputTokens,
        outputTokens: row.outputTokens,
      })),
    });
  });

  // --- communications ---
  /** The query schema of `GET /api/alerts`, built once (zod compiles a schema on its first parse). */
  const alertsQuery = z.strictObject({ active: boolParam(true), limit: intParam(1, 1000, 100) });
  app.get('/api/alerts', (c) => {
    const query = parseQuery(c.req.query(), alertsQuery);
    return c.json<AlertsResponse>({
      alerts: queue.listAlerts({ activeOnly: query.active, limit: query.limit }),
    });
  });

  app.post('/api/alerts/ack/:id', (c) => {
    const id = c.req.param('id');
    if (!/^\d{1,15}$/.test(id) || Number(id) < 1)
      badRequest('id', 'alert id must be a positive whole number');
    return c.json({ alert: queue.acknowledgeAlert(Number(id)) });
  });

  app.get('/api/data_stats', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    const tables: Record<string, number> = {};
    for (const table of ['tasks', 'agents', 'usage', 'alerts', 'locks', 'task_dependencies'])
      tables[table] = statements.tableCount(table).get() as number;
    const knowledge = listKnowledge(paths.knowledge, 1);
    return c.json({
      fleetDb: { sizeBytes: statOrUndefined(paths.db)?.size ?? 0, tables },
      knowledge: { files: knowledge.totalFiles, bytes: knowledge.totalBytes, truncated: knowledge.truncated },
    });
  });

  const notYet = (route: string, comesWith: string) =>
    app.get(route, () => {
      throw new DashboardError({
        code: 'DASHBOARD_NOT_IMPLEMENTED',
        message: `${route} has no data source yet: it comes with ${comesWith}`,
      });
    });
  notYet('/api/comms', 'the inter-agent messaging issue (send/broadcast/inbox)');
  notYet('/api/resolutions', 'the issue-resolution tracking issue');
  notYet('/api/modules', 'the launcher modules issue (the dashboard does not read the module hub yet)');
  notYet('/api/fleet/marathon', 'the marathon issue');
  notYet('/api/fleet/checkpoints', 'the training issue');

  // --- agent requests (HITL), the audit trail and workflow runs ---
  registerRecordRoutes(app, queue);

  // --- live streaming ---
  /** The query schema of `GET /api/stream`, built once (zod compiles a schema on its first parse). */
  const streamQuery = z.strictObject({ last_event_id: z.string().max(40).optional() });
  app.get('/api/stream', (c) => {
    const query = parseQuery(c.req.query(), streamQuery);
    const lastEventId = c.req.header('last-event-id') ?? query.last_event_id;
    if (lastEventId !== undefined && !EVENT_ID_PATTERN.test(lastEventId))
      badRequest('Last-Event-ID', 'Last-Event-ID must be an event id this dashboard sent (<boot>-<number>)');
    const { client, reset } = hub.subscribe(lastEventId);
    // Under @hono/node-server the raw response is at c.env.outgoing: destroying it is the one way to drop a
    // client whose socket stopped reading (its pending write never settles).
    const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => client.unsubscribe());
      client.onClose(() => {
        if (client.closeReason !== 'overflow') return;
        outgoing?.destroy();
        stream.abort();
      });
      await stream.writeSSE({
        event: 'hello',
        data: JSON.stringify({ reset, lastEventId: hub.stats().lastEventId }),
        retry: 1000,
      });
      while (!client.closed && !stream.aborted) {
        const events = client.take();
        if (events.length === 0) {
          let keepAlive: NodeJS.Timeout | undefined;
          const idle = await Promise.race([
            client.wait().then(() => false),
            new Promise<boolean>((resolve) => {
              keepAlive = setTimeout(() => resolve(true), keepAliveMs);
            }),
          ]);
          clearTimeout(keepAlive);
          if (idle && !client.closed) await stream.write(': keep-alive\n\n');
          continue;
        }
        for (const event of events) {
          if (client.closed || stream.aborted) break;
          await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(event.data) });
        }
      }
    });
  });

  // --- process control ---
  const controlCall = async (c: Context, call: (control: FleetControl) => unknown) => {
    if (!control)
      throw new DashboardError({
        code: 'DASHBOARD_CONTROL_UNAVAILABLE',
        message: 'process control is not available: this dashboard was started without the supervisor',
        hint: 'the CLI wires it when the supervisor runs (`biged up`)',
      });
    const result = (await call(control)) as ControlResponse;
    return c.json<ControlResponse>({ ok: result.ok, message: result.message }, result.ok ? 200 : 409);
  };
  app.post('/api/fleet/start', (c) => controlCall(c, (fleet) => fleet.start()));
  app.post('/api/fleet/stop', (c) => controlCall(c, (fleet) => fleet.stop()));
  app.post('/api/fleet/worker/:name/restart', (c) => {
    const name = c.req.param('name');
    if (!AGENT_NAME.test(name)) badRequest('name', 'worker name must be an agent name like coder_2');
    return controlCall(c, (fleet) => fleet.restart(name));
  });

  // --- configuration, without secrets ---
  app.get('/api/config', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    return c.json({ config: redactSecrets(config) });
  });

  // --- the page: one HTML file, its script and style, and uPlot, all served from the package ---
  app.get('/', (c) => {
    parseQuery(c.req.query(), NO_QUERY);
    return sendAsset(c, 'index.html');
  });
  app.get('/assets/:name', (c) => sendAsset(c, c.req.param('name')));
  app.get('/favicon.ico', (c) => c.body(null, 204)); // browsers ask for it; answer without a 404

  app.notFound((c) =>
    c.json<ErrorResponse>(
      { error: { code: 'DASHBOARD_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );

  app.onError((error, c) => {
    c.header('Cache-Control', 'no-store');
    if (DashboardError.isInstance(error)) {
      const status = STATUS_BY_CODE[error.code];
      return c.json<ErrorResponse>(
        {
          error: {
            code: error.code,
            message: error.message,
            ...(error.parameter ? { parameter: error.parameter } : {}),
            ...(error.hint ? { hint: error.hint } : {}),
          },
        },
        status,
      );
    }
    if (QueueError.isInstance(error)) {
      const status = QUEUE_STATUS[error.code] ?? 500;
      return c.json<ErrorResponse>(
        { error: { code: error.code, message: status === 500 ? 'internal error' : error.message } },
        status,
      );
    }
    if (BigedError.isInstance(error))
      return c.json<ErrorResponse>({ error: { code: error.code, message: 'internal error' } }, 500);
    return c.json<ErrorResponse>({ error: { code: 'DASHBOARD_INTERNAL', message: 'internal error' } }, 500);
  });

  return {
    app,
    streamStats: () => hub.stats(),
    close() {
      hub.close();
    },
  };
}

/** The page's files: name -> [source, content type]. Nothing else is ever read from disk for a request. */
const requireFromHere = createRequire(import.meta.url);
const ASSETS: Record<string, () => [string, string]> = {
  'index.html': () => [
    fileURLToPath(new URL('../public/index.html', import.meta.url)),
    'text/html; charset=utf-8',
  ],
  'app.js': () => [
    fileURLToPath(new URL('../public/app.js', import.meta.url)),
    'text/javascript; charset=utf-8',
  ],
  'app.css': () => [fileURLToPath(new URL('../public/app.css', import.meta.url)), 'text/css; charset=utf-8'],
  'uplot.js': () => [
    requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'),
    'text/javascript; charset=utf-8',
  ],
  'uplot.css': () => [requireFromHere.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
};
const assetCache = new Map<string, { body: string; type: string }>();

/** Same-origin scripts and styles only; uPlot sets element styles from script, hence 'unsafe-inline' for style. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendAsset(c: Context, name: string): Response {
  const locate = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!locate)
    throw new DashboardError({
      code: 'DASHBOARD_NOT_FOUND',
      message: `no asset ${JSON.stringify(name.slice(0, 100))}`,
    });
  let asset = assetCache.get(name);
  if (!asset) {
    const [file, type] = locate();
    asset = { body: readFileSync(file, 'utf8'), type };
    assetCache.set(name, asset);
  }
  c.header('Content-Type', asset.type);
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  return c.body(asset.body);
}

/** A tasks row as the raw timeline queries select it. */
interface RawTask {
  id: number;
  skill: string;
  status: TaskStatus;
  priority: number;
  claimedBy: string | null;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  parentId: number | null;
  createdAt: number;
  claimedAt: number | null;
  finishedAt: number | null;
}

function rawSummary(row: RawTask): TaskSummary {
  return {
    ...row,
    createdAt: new Date(row.createdAt).toISOString(),
    claimedAt: iso(row.claimedAt),
    finishedAt: iso(row.finishedAt),
  };
}

function summarize(task: Task): TaskSummary {
  return {
    id: task.id,
    skill: task.skill,
    status: task.status,
    priority: task.priority,
    claimedBy: task.claimedBy,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    error: task.error,
    parentId: task.parentId,
    createdAt: task.createdAt,
    claimedAt: task.claimedAt,
    finishedAt: task.finishedAt,
  };
}

/** The bind address as a `Host` header names it, unless it is a wildcard address. */
function bindHost(address: string): string[] {
  if (address === '' || address === '0.0.0.0' || address === '::' || address === '[::]') return [];
  return [address.includes(':') && !address.startsWith('[') ? `[${address}]` : address];
}

function iso(time: number | null | undefined): string | null {
  return time === null || time === undefined ? null : new Date(time).toISOString();
}

function badRequest(parameter: string, message: string): never {
  throw new DashboardError({ code: 'DASHBOARD_BAD_REQUEST', message, parameter });
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Files under the knowledge folder, newest first, walked breadth-first without following symlinks
 * (a link cannot lead the listing outside the folder).
 */
function listKnowledge(root: string, limit: number): KnowledgeResponse {
  const files: KnowledgeResponse['files'] = [];
  let totalBytes = 0;
  let seen = 0;
  let truncated = false;
  const queue: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  while (queue.length > 0) {
    const { dir, depth } = queue.shift()!;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of entries) {
      if (seen >= MAX_KNOWLEDGE_ENTRIES) {
        truncated = true;
        break;
      }
      seen += 1;
      const full = path.join(dir, name);
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(full);
      } catch {
        continue;
      }
      if (stat.isDirectory()) {
        if (depth + 1 < MAX_KNOWLEDGE_DEPTH) queue.push({ dir: full, depth: depth + 1 });
        else truncated = true;
      } else if (stat.isFile()) {
        totalBytes += stat.size;
        files.push({
          path: path.relative(root, full).split(path.sep).join('/'),
          sizeBytes: stat.size,
          modifiedAt: stat.mtime.toISOString(),
        });
      }
    }
  }
  files.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : a.modifiedAt > b.modifiedAt ? -1 : 0));
  const totalFiles = files.length;
  if (files.length > limit) truncated = true;
  return { files: files.slice(0, limit), totalFiles, totalBytes, truncated };
}
