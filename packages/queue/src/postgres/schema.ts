import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

// NOTE: the PostgreSQL twin of the SQLite tables in ../schema/ that a TaskStore uses (same table and column
// names, the same partial indexes); schema-parity.test.ts holds the two to the same columns. Migrations are
// generated from this file into ./drizzle-postgres (drizzle.postgres.config.ts). packages/queue/README.md
// ("Stores: SQLite and PostgreSQL") describes it; keep all of them in sync.
//
// Times are epoch milliseconds in bigint columns (the SQLite integers), JSON is text (rows map the same way).

/** Epoch milliseconds (or another 64-bit count) read as a JavaScript number. */
const millis = (name: string) => bigint(name, { mode: 'number' });

const TASK_STATUS_VALUES = [
  'PENDING',
  'RUNNING',
  'DONE',
  'FAILED',
  'CANCELLED',
  'WAITING_HUMAN',
  'BLOCKED',
  'SKIPPED',
] as const;

/** `tasks` on PostgreSQL: see `../schema/tasks.ts`. */
export const pgTasks = pgTable(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    skill: text('skill').notNull(),
    payloadJson: text('payload_json').notNull(),
    priority: integer('priority').notNull().default(5),
    status: text('status', { enum: TASK_STATUS_VALUES }).notNull().default('PENDING'),
    assignedTo: text('assigned_to'),
    claimedBy: text('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    timeoutMs: millis('timeout_ms').notNull().default(600_000),
    resultJson: text('result_json'),
    error: text('error'),
    parentId: millis('parent_id').references((): AnyPgColumn => pgTasks.id, { onDelete: 'set null' }),
    idempotencyKey: text('idempotency_key'),
    idempotencyExpiresAt: millis('idempotency_expires_at'),
    idempotencyReleasedAt: millis('idempotency_released_at'),
    blockedCount: integer('blocked_count').notNull().default(0),
    onDependencyFailure: text('on_dependency_failure', { enum: ['fail', 'skip'] })
      .notNull()
      .default('fail'),
    createdAt: millis('created_at').notNull(),
    claimedAt: millis('claimed_at'),
    heartbeatAt: millis('heartbeat_at'),
    finishedAt: millis('finished_at'),
  },
  (table) => [
    // The same partial indexes as SQLite's: a task has claim/recovery entries only while PENDING or RUNNING.
    index('tasks_pending_idx')
      .on(table.priority.desc(), table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NULL`)),
    index('tasks_pending_skill_idx')
      .on(table.skill, table.priority.desc(), table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NULL`)),
    index('tasks_assigned_idx')
      .on(table.assignedTo, table.priority.desc(), table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NOT NULL`)),
    index('tasks_running_idx').on(table.claimedBy, table.heartbeatAt).where(sql.raw(`status = 'RUNNING'`)),
    uniqueIndex('tasks_idempotency_key_unique')
      .on(table.idempotencyKey)
      .where(sql.raw('idempotency_key IS NOT NULL AND idempotency_released_at IS NULL')),
    index('tasks_parent_idx').on(table.parentId).where(sql.raw('parent_id IS NOT NULL')),
    check('tasks_priority_range', sql`${table.priority} BETWEEN 1 AND 10`),
    check(
      'tasks_status_valid',
      sql.raw(`status IN (${TASK_STATUS_VALUES.map((status) => `'${status}'`).join(', ')})`),
    ),
    check('tasks_on_dependency_failure_valid', sql`${table.onDependencyFailure} IN ('fail', 'skip')`),
    check('tasks_blocked_count_valid', sql`${table.blockedCount} >= 0`),
    check('tasks_attempts_valid', sql`${table.attempts} >= 0 AND ${table.maxAttempts} >= 1`),
  ],
);

/** `task_dependencies` on PostgreSQL: see `../schema/task-dependencies.ts`. */
export const pgTaskDependencies = pgTable(
  'task_dependencies',
  {
    taskId: millis('task_id')
      .notNull()
      .references(() => pgTasks.id, { onDelete: 'cascade' }),
    dependsOnId: millis('depends_on_id')
      .notNull()
      .references(() => pgTasks.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.taskId, table.dependsOnId] }),
    index('task_dependencies_depends_on_idx').on(table.dependsOnId, table.taskId),
  ],
);

/** `agents` on PostgreSQL: see `../schema/agents.ts`. */
export const pgAgents = pgTable(
  'agents',
  {
    name: text('name').primaryKey(),
    role: text('role').notNull(),
    status: text('status', { enum: ['STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING'] })
      .notNull()
      .default('STARTING'),
    pid: integer('pid'),
    host: text('host').notNull(),
    lastHeartbeat: millis('last_heartbeat'),
    currentTaskId: millis('current_task_id'),
    startedAt: millis('started_at'),
    restarts: integer('restarts').notNull().default(0),
  },
  (table) => [
    check('agents_status_valid', sql`${table.status} IN ('STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING')`),
  ],
);

/** `locks` on PostgreSQL: see `../schema/locks.ts`. */
export const pgLocks = pgTable('locks', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  acquiredAt: millis('acquired_at').notNull(),
  expiresAt: millis('expires_at'),
});

/** `alerts` on PostgreSQL: see `../schema/alerts.ts`. */
export const pgAlerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    message: text('message').notNull(),
    source: text('source').notNull(),
    createdAt: millis('created_at').notNull(),
    acknowledgedAt: millis('acknowledged_at'),
  },
  (table) => [
    check('alerts_severity_valid', sql`${table.severity} IN ('info', 'warning', 'critical')`),
    index('alerts_active_idx').on(table.createdAt).where(sql`${table.acknowledgedAt} IS NULL`),
  ],
);

/** `messages` on PostgreSQL: see `../schema/messages.ts`. */
export const pgMessages = pgTable(
  'messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind', { enum: ['direct', 'broadcast', 'note'] }).notNull(),
    channel: text('channel').notNull(),
    sender: text('sender').notNull(),
    recipient: text('recipient'),
    body: text('body').notNull(),
    createdAt: millis('created_at').notNull(),
    readAt: millis('read_at'),
  },
  (table) => [
    check('messages_kind_valid', sql`${table.kind} IN ('direct', 'broadcast', 'note')`),
    check('messages_recipient_valid', sql`(${table.kind} = 'direct') = (${table.recipient} IS NOT NULL)`),
    index('messages_inbox_idx')
      .on(table.recipient, table.readAt, table.id)
      .where(sql`${table.recipient} IS NOT NULL`),
    index('messages_channel_idx').on(table.channel, table.createdAt),
    index('messages_broadcast_idx').on(table.id).where(sql`${table.kind} = 'broadcast'`),
  ],
);

/** `message_reads` on PostgreSQL: see `../schema/messages.ts`. */
export const pgMessageReads = pgTable(
  'message_reads',
  {
    agent: text('agent').notNull(),
    messageId: millis('message_id')
      .notNull()
      .references(() => pgMessages.id, { onDelete: 'cascade' }),
    readAt: millis('read_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.agent, table.messageId] })],
);

/** `fleet_flags` on PostgreSQL: see `../schema/fleet-flags.ts`. */
export const pgFleetFlags = pgTable('fleet_flags', {
  name: text('name').primaryKey(),
  setBy: text('set_by').notNull(),
  setAt: millis('set_at').notNull(),
});

const HITL_STATUS_VALUES = ['open', 'approved', 'rejected', 'more_info', 'feedback', 'discuss'] as const;

/** `hitl_requests` on PostgreSQL: see `../schema/hitl.ts` (`pinned` is 0 or 1, as in SQLite). */
export const pgHitlRequests = pgTable(
  'hitl_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    taskId: millis('task_id')
      .notNull()
      .references(() => pgTasks.id, { onDelete: 'cascade' }),
    agent: text('agent').notNull(),
    question: text('question').notNull(),
    contextJson: text('context_json'),
    status: text('status', { enum: HITL_STATUS_VALUES }).notNull().default('open'),
    response: text('response'),
    responder: text('responder'),
    followUpTaskId: millis('follow_up_task_id'),
    pinned: integer('pinned').notNull().default(0),
    createdAt: millis('created_at').notNull(),
    answeredAt: millis('answered_at'),
  },
  (table) => [
    check(
      'hitl_requests_status_valid',
      sql.raw(`status IN (${HITL_STATUS_VALUES.map((status) => `'${status}'`).join(', ')})`),
    ),
    index('hitl_requests_open_idx').on(table.createdAt).where(sql`${table.status} = 'open'`),
    index('hitl_requests_task_idx').on(table.taskId),
  ],
);

/** Every PostgreSQL table, for drizzle-kit and `drizzle(client, { schema })`. */
export const pgSchema = {
  tasks: pgTasks,
  taskDependencies: pgTaskDependencies,
  agents: pgAgents,
  locks: pgLocks,
  alerts: pgAlerts,
  messages: pgMessages,
  messageReads: pgMessageReads,
  fleetFlags: pgFleetFlags,
  hitlRequests: pgHitlRequests,
};
