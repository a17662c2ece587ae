import type { Agent, AgentStatus, Task, TaskStatus } from '@biged/core';
import type { QueueHitl } from './hitl-types';
import type { QueueMessaging } from './message-types';

/** The fleet-wide pause flag (`biged pause --fleet`): every host's workers stop claiming while it is set. */
export interface FleetPause {
  paused: boolean;
  /** Who set it (an agent, `cli`, `dashboard`), or null when it is not set. */
  by: string | null;
  /** When it was set (ISO 8601), or null. */
  since: string | null;
}

/** Options of `createQueue`. */
export interface CreateQueueOptions {
  /** The SQLite file (created if missing), e.g. `<home>/fleet.db`, or `':memory:'` for tests. */
  file: string;
  /** Largest accepted payload, in bytes of UTF-8 JSON. Default 1 MiB (`DEFAULT_MAX_PAYLOAD_BYTES`). */
  maxPayloadBytes?: number;
  /** `maxAttempts` of tasks enqueued without one. Default 3. */
  defaultMaxAttempts?: number;
  /** `timeoutMs` of tasks enqueued without one. Default 600000 (10 minutes). */
  defaultTimeoutMs?: number;
  /**
   * How long a call waits for another connection's write lock before it throws `QUEUE_DB_LOCKED`.
   * The queue retries with short jittered sleeps itself (SQLite's own busy_timeout is 0). Default 10000.
   */
  busyTimeoutMs?: number;
  /** Host recorded for agents registered without one. Default `os.hostname()`. */
  host?: string;
  /** Wall clock in epoch milliseconds, for timestamps and lock expiry. Default `Date.now` (fake timers apply). */
  clock?: () => number;
}

/** What `enqueue` takes. */
export interface EnqueueRequest {
  /** Skill name: lowercase, starting with a letter, then `a-z 0-9 _ . -`. */
  skill: string;
  /** A JSON object, or JSON text of one. Checked by core's `parsePayload`; nothing is stored when it fails. */
  payload: Record<string, unknown> | string;
  /** 1 (lowest) to 10 (most urgent). Default 5. */
  priority?: number;
  /** Only this agent may claim the task. Default: any agent. */
  assignedTo?: string | null;
  /** Attempts before the task fails for good. Default `defaultMaxAttempts` (3). */
  maxAttempts?: number;
  /** Milliseconds the skill may run. Default `defaultTimeoutMs` (600000). */
  timeoutMs?: number;
  /** The task that spawned this one. Must exist. Default none. */
  parentId?: number | null;
  /**
   * Deduplication key. While a task holding this key exists (and its `debounceMs` window, if it had one,
   * has not passed), submitting again returns that task (`duplicate: true` from `submit`) and inserts
   * nothing: payload, dependencies and the other fields of the repeated request are ignored. Default none.
   */
  idempotencyKey?: string | null;
  /**
   * With `idempotencyKey`: the key dedupes only for this many milliseconds after this task was created
   * (by the queue's clock); the first submit after the window creates a new task, which takes the key
   * over, whatever state the old task is in. Without it the key holds for ever. Default none (for ever).
   */
  debounceMs?: number | null;
  /**
   * Ids of existing tasks that must all be DONE before this task can be claimed (at most 10000;
   * repeats are ignored). While any is unfinished the task is BLOCKED; dependencies already DONE do not
   * block. An unknown id throws `QUEUE_DEPENDENCY_NOT_FOUND`. Default none.
   */
  dependsOn?: readonly number[];
  /**
   * What happens to this task when a dependency ends FAILED (after its last attempt) or SKIPPED, or was
   * already FAILED, SKIPPED or CANCELLED when this task was submitted: `fail` marks it FAILED, `skip`
   * marks it SKIPPED; either way with `error` = `dependency <id> failed|skipped|cancelled`, and its own
   * dependents follow by their policies. (`cancel` of a dependency cancels its dependents instead.)
   * Default `fail`.
   */
  onDependencyFailure?: DependencyFailurePolicy;
}

/** What a dependency that ends without being DONE does to its dependents; see `EnqueueRequest`. */
export type DependencyFailurePolicy = 'fail' | 'skip';

/** One request of a `submitMany` batch: an `EnqueueRequest` that may name, and depend on, others of the batch. */
export interface SubmitManyRequest extends Omit<EnqueueRequest, 'dependsOn'> {
  /** A name other requests of the same batch use in their `dependsOn` (unique in the batch). Default none. */
  ref?: string;
  /**
   * Task ids (numbers: existing tasks) and refs (strings: requests of this batch) that must be DONE
   * first. An unknown ref throws `QUEUE_DEPENDENCY_NOT_FOUND`; refs that form a cycle throw
   * `QUEUE_DEPENDENCY_CYCLE`. Default none.
   */
  dependsOn?: readonly (number | string)[];
}

/** What `submit` returns (and `submitMany`, one per request). */
export interface SubmitResult {
  /** The task inserted, or the existing task holding the same `idempotencyKey`. */
  task: Task;
  /** True when nothing was inserted because `task` already held the key. */
  duplicate: boolean;
}

/** A task's place in the dependency graph, as `dependencies` reports it. */
export interface TaskDependencies {
  /** The task. */
  taskId: number;
  /** The tasks it waits for (or waited for), by id. */
  dependsOn: number[];
  /** The tasks that wait (or waited) for it, by id. */
  dependents: number[];
  /** How many of `dependsOn` are not yet DONE while the task is BLOCKED (0 once it is not). */
  blockedCount: number;
  /** Its policy for a dependency that does not succeed. */
  onDependencyFailure: DependencyFailurePolicy;
}

/** Which tasks a claim may take, besides the agent. */
export interface ClaimOptions {
  /** Only tasks of these skills (the skills the worker can run). Default: any skill. Empty: none. */
  skills?: readonly string[];
  /** Role affinity: among unassigned tasks, these skills go first. Default: none. */
  preferredSkills?: readonly string[];
  /**
   * Never tasks of these skills, not even ones assigned to the agent; they stay PENDING for a later
   * claim (the fleet's workers pass the GPU-heavy skills here while the GPU cools down). Default: none.
   */
  excludeSkills?: readonly string[];
}

/** What `claim` takes. */
export interface ClaimRequest extends ClaimOptions {
  /** The claiming agent; tasks assigned to it come first, tasks assigned to others are skipped. */
  agent: string;
}

/** Options of `fail`. */
export interface FailOptions {
  /** Put the task back to PENDING when attempts remain. Default true. */
  retry?: boolean;
}

/** What `heartbeat` reports. */
export interface HeartbeatResult {
  /** The task was cancelled: stop working on it. */
  cancelled: boolean;
  /** The task is no longer this agent's RUNNING task (cancelled, recovered, finished or missing). */
  lost: boolean;
}

/** What `completeAndClaim` returns. */
export interface CompleteAndClaimResult {
  /** Whether the finished task was recorded DONE (false when it was no longer this agent's). */
  completed: boolean;
  /** The next task, already claimed, if one was waiting. */
  next: Task | undefined;
}

/** What `failAndClaim` returns. */
export interface FailAndClaimResult {
  /** The failed task after the change (PENDING again or FAILED); undefined when it was not this agent's. */
  failed: Task | undefined;
  /** The next task, already claimed, if one was waiting. */
  next: Task | undefined;
}

/** What `settle` does in one transaction. */
export interface SettleRequest {
  agent: string;
  /** Tasks to mark DONE with their results. Default none. */
  completed?: readonly { taskId: number; result: unknown }[];
  /** Tasks to fail (`retry` default true: back to PENDING while attempts remain). Default none. */
  failed?: readonly { taskId: number; error: string; retry?: boolean }[];
  /** Claimed tasks never started (e.g. on shutdown): back to PENDING, attempt not counted. Default none. */
  released?: readonly number[];
  /**
   * After `completed` and `failed`: every other task still RUNNING under `agent` goes back as `released`
   * does. For a worker that lost track of what it claimed (a claim whose answer never arrived) and holds
   * nothing it started. Default false.
   */
  releaseHeld?: boolean;
  /** Claim afterwards with these options; omit to claim nothing. */
  claim?: ClaimOptions;
  /** Most tasks to claim. Default 1. */
  limit?: number;
}

/** What `settle` did. */
export interface SettleResult {
  /** How many of `completed` were still this agent's RUNNING tasks and are now DONE. */
  completed: number;
  /** The failed tasks as they are now (PENDING again, or FAILED). */
  failed: Task[];
  /** How many tasks went back to PENDING through `released` and `releaseHeld`. */
  released: number;
  /** Newly claimed tasks, in claim order. */
  next: Task[];
}

/** Options of `list`. */
export interface ListTasksOptions {
  /** Only tasks in this status. Default: all. */
  status?: TaskStatus;
  /** Only tasks of this skill. Default: all. */
  skill?: string;
  /** At most this many, newest first. Default 50, at most 10000. */
  limit?: number;
}

/** Tasks moved by `requeueAgentTasks` or `recoverStale`. */
export interface RecoveryResult {
  /** Ids put back to PENDING. */
  requeued: number[];
  /** Ids marked FAILED because they had used all their attempts. */
  failed: number[];
}

/** Options of `recoverStale`. */
export interface RecoverStaleOptions {
  /** RUNNING tasks whose last heartbeat is older than this many milliseconds are recovered. */
  olderThanMs: number;
  /** The current time (epoch ms or Date). Default: the queue's clock. */
  now?: number | Date;
}

/** What `registerAgent` takes. */
export interface RegisterAgentRequest {
  /** Unique agent name, e.g. `coder_2`. */
  name: string;
  /** Role, e.g. `coder`. */
  role: string;
  /** Process id of the worker. */
  pid: number | null;
  /** Host name. Default the queue's `host` option. */
  host?: string;
  /** Initial status. Default `STARTING`. */
  status?: AgentStatus;
  /** Count this registration as a restart (respawn after a crash). Default false. */
  incrementRestarts?: boolean;
}

/** What `agentHeartbeat` records. */
export interface AgentHeartbeatRequest {
  /** The agent's status now. */
  status: AgentStatus;
  /** The task it is running, or null. */
  currentTaskId: number | null;
  /** Its process id, when it changed. Default: unchanged. */
  pid?: number | null;
}

/** A named lock. */
export interface Lock {
  /** Lock name, e.g. `training`. */
  name: string;
  /** Who holds it. */
  owner: string;
  /** When it was first taken by this owner (ISO 8601). */
  acquiredAt: string;
  /** When it frees itself (ISO 8601), or null for never. */
  expiresAt: string | null;
}

/** Options of `waitForTask`. */
export interface WaitForTaskOptions {
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** First poll interval in ms; it grows by half each poll. Default 25. */
  pollMs?: number;
  /** Longest poll interval in ms. Default 500. */
  maxPollMs?: number;
}

/** How serious an alert is. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** The alert severities, mildest first. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

/** An alert as `raiseAlert` and `listAlerts` return it. */
export interface Alert {
  id: number;
  /** What kind of alert, e.g. `thermal`, `budget`, `worker_crash`. */
  type: string;
  severity: AlertSeverity;
  message: string;
  /** Who raised it, e.g. `hw-monitor`, `supervisor`, an agent name. */
  source: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null while the alert is active. */
  acknowledgedAt: string | null;
}

/** What `raiseAlert` takes. */
export interface RaiseAlertRequest {
  /** Lowercase, starting with a letter, then `a-z 0-9 _ . -`, at most 100 characters. */
  type: string;
  severity: AlertSeverity;
  /** Non-empty, at most 2000 characters. */
  message: string;
  /** Non-empty, at most 200 characters. */
  source: string;
}

/** Options of `listAlerts`. */
export interface ListAlertsOptions {
  /** Only alerts not yet acknowledged. Default false. */
  activeOnly?: boolean;
  /** At most this many, newest first. Default 100, at most 10000. */
  limit?: number;
}

/**
 * The durable task queue: tasks, agents and locks in one SQLite file shared by every worker process.
 * All methods except `waitForTask` are synchronous (better-sqlite3). Writes run in `BEGIN IMMEDIATE`
 * transactions and wait at most `busyTimeoutMs` for the write lock (then `QUEUE_DB_LOCKED`).
 */
export interface TaskQueue extends QueueMessaging, QueueHitl {
  /** The database file this queue was opened on. */
  readonly file: string;

  /**
   * `submit(request).task`: adds a task and returns it, or returns the task already holding
   * `request.idempotencyKey`.
   */
  enqueue(request: EnqueueRequest): Task;

  /**
   * Adds a task: PENDING, or BLOCKED while some of `dependsOn` are not DONE (FAILED or SKIPPED at once
   * when one of them already ended without DONE; see `onDependencyFailure`). With an `idempotencyKey`
   * held by an existing task (inside its debounce window), returns that task with `duplicate: true` and
   * inserts nothing. Throws `PayloadError` (bad payload) or `QueueError` (`QUEUE_INVALID_PRIORITY`,
   * `QUEUE_INVALID_SKILL`, `QUEUE_INVALID_ARGUMENT`, `QUEUE_TASK_NOT_FOUND` for a missing parent,
   * `QUEUE_DEPENDENCY_NOT_FOUND`); nothing is stored when it throws.
   */
  submit(request: EnqueueRequest): SubmitResult;

  /**
   * Submits several tasks in one write transaction (at most 10000), all or nothing. Requests may depend
   * on each other through `ref`s in any order; they are inserted dependencies first, and the results come
   * back in request order. Throws as `submit` does, and `QUEUE_DEPENDENCY_CYCLE` when refs form a cycle.
   */
  submitMany(requests: readonly SubmitManyRequest[]): SubmitResult[];

  /** The task's dependencies and dependents. Throws `QUEUE_TASK_NOT_FOUND`. */
  dependencies(taskId: number): TaskDependencies;

  /**
   * Atomically claims the next task for `agent` (status RUNNING, attempts + 1) and returns it, or
   * undefined when nothing claimable waits. Order: assigned to this agent, then preferred skills,
   * then priority (high first), then age (oldest first).
   */
  claim(request: ClaimRequest): Task | undefined;

  /** Records that `agent` still works on the task; tells it whether it was cancelled or lost. */
  heartbeat(taskId: number, agent: string): HeartbeatResult;

  /**
   * Marks the agent's RUNNING task DONE with `result` (JSON-serialised), and in the same transaction
   * counts one dependency off each BLOCKED dependent (the last one makes it PENDING). False when it is
   * not the agent's.
   */
  complete(taskId: number, agent: string, result?: unknown): boolean;

  /**
   * Records a failure of the agent's RUNNING task: back to PENDING while attempts remain and `retry`
   * is true, else FAILED (then its BLOCKED dependents fail or skip by their `onDependencyFailure`, in
   * the same transaction). Returns the task after the change, or undefined when it is not the agent's.
   */
  fail(taskId: number, agent: string, error: string, options?: FailOptions): Task | undefined;

  /** `complete` then `claim` for the same agent, in one write transaction. */
  completeAndClaim(
    taskId: number,
    agent: string,
    result: unknown,
    claim?: ClaimOptions,
  ): CompleteAndClaimResult;

  /** `fail` then `claim` for the same agent, in one write transaction. */
  failAndClaim(
    taskId: number,
    agent: string,
    error: string,
    claim?: ClaimOptions,
    options?: FailOptions,
  ): FailAndClaimResult;

  /**
   * Claims up to `limit` tasks (1..1000) in one write transaction, in claim order. Workers running many
   * short tasks use it to pay one commit for several claims.
   */
  claimMany(request: ClaimRequest, limit: number): Task[];

  /**
   * Finishes a batch in one write transaction: completes `completed` (promoting their dependents as
   * `complete` does, so the claim below can take them), fails `failed` (retrying as `fail` does), puts `released` (claimed but never started; with `releaseHeld`,
   * every other task the agent holds) back to PENDING without using an attempt, then claims up to `limit` tasks when `claim` is given. Only tasks RUNNING under `agent`
   * are touched.
   */
  settle(request: SettleRequest): SettleResult;

  /**
   * Cancels a PENDING, BLOCKED, RUNNING or WAITING_HUMAN task and returns it. In the same transaction
   * it cancels, transitively, the task's open children (`parentId`; error `parent <id> cancelled`) and
   * the BLOCKED tasks that depend on it (error `dependency <id> cancelled`). A RUNNING task's worker
   * learns it from its next heartbeat. Throws `QUEUE_TASK_NOT_FOUND` or `QUEUE_INVALID_TRANSITION`
   * (already finished).
   */
  cancel(taskId: number): Task;

  /** The task, or undefined. */
  get(taskId: number): Task | undefined;

  /** The task; throws `QUEUE_TASK_NOT_FOUND`. */
  getOrThrow(taskId: number): Task;

  /** Tasks, newest first. */
  list(options?: ListTasksOptions): Task[];

  /** How many tasks are in each status (every status present, 0 when none). */
  counts(): Record<TaskStatus, number>;

  /**
   * Returns a dead agent's RUNNING tasks to PENDING, or FAILED (`worker died; max attempts reached`)
   * when they have used all their attempts; the dependents of those fail or skip by their policy.
   */
  requeueAgentTasks(agent: string): RecoveryResult;

  /** The same for RUNNING tasks whose last heartbeat is older than `olderThanMs` (dependents included). */
  recoverStale(options: RecoverStaleOptions): RecoveryResult;

  /**
   * Creates or updates an agent (keeping its restart count, plus one with `incrementRestarts`); sets its
   * start and heartbeat times to now and clears its current task.
   */
  registerAgent(request: RegisterAgentRequest): Agent;

  /** Records an agent's heartbeat. False when the agent is not registered. */
  agentHeartbeat(name: string, request: AgentHeartbeatRequest): boolean;

  /** Sets an agent's status. False when the agent is not registered. */
  setAgentStatus(name: string, status: AgentStatus): boolean;

  /**
   * Every registered agent, by name. An agent that is up (IDLE or BUSY) shows BUSY with
   * `currentTaskId` while it holds a RUNNING task and IDLE otherwise, derived from the tasks table, so
   * claiming and finishing tasks never writes the agent row.
   */
  listAgents(): Agent[];

  /**
   * Takes the named lock for `ttlMs` milliseconds (`Infinity`: no expiry). Succeeds when the lock is free,
   * expired, or already held by `owner` (then the expiry is extended).
   */
  acquireLock(name: string, owner: string, ttlMs: number): boolean;

  /** Releases the lock if `owner` holds it; without `owner`, releases it whoever holds it. */
  releaseLock(name: string, owner?: string): boolean;

  /** The lock if it is held and not expired. */
  getLock(name: string): Lock | undefined;

  /** Every held, unexpired lock, by name. */
  listLocks(): Lock[];

  /**
   * Resolves with the task once it is DONE, FAILED, CANCELLED or SKIPPED. Polls with a growing interval
   * (25 ms up to 500 ms by default). Rejects with `QUEUE_TASK_NOT_FOUND` or the signal's reason.
   */
  waitForTask(taskId: number, options?: WaitForTaskOptions): Promise<Task>;

  /**
   * Sets (`paused: true`) or clears the fleet-wide pause: while it is set, no claim on any host (any
   * process on this database) takes a task. Idempotent; the first setter stays recorded. Throws
   * `QUEUE_INVALID_ARGUMENT` when `by` is empty or over 200 characters.
   */
  setFleetPaused(paused: boolean, by: string): FleetPause;

  /** The fleet-wide pause flag as stored. */
  fleetPause(): FleetPause;

  /**
   * Records an alert (active until acknowledged) and returns it. Throws `QUEUE_INVALID_ARGUMENT` for a
   * bad type, severity, message or source; nothing is stored then.
   */
  raiseAlert(request: RaiseAlertRequest): Alert;

  /** Alerts, newest first. */
  listAlerts(options?: ListAlertsOptions): Alert[];

  /**
   * Marks the alert acknowledged and returns it; acknowledging it again keeps the first time.
   * Throws `QUEUE_ALERT_NOT_FOUND` (`alertId` is set).
   */
  acknowledgeAlert(alertId: number): Alert;

  /** Closes the connection. Further calls throw; calling it twice is harmless. */
  close(): void;
}
