import type { Agent, TaskStatus } from '@biged/core';
import type { Alert, HitlRequest, TaskQueue } from '@biged/queue';
import { getQueueDatabase } from '@biged/queue/internal';
import type { TaskSummary } from './api-types';
import { redactSecrets } from './redact-secrets';

/** The kinds of events `/api/stream` sends (the SSE `event:` field). */
export type StreamEventType = 'task' | 'alert' | 'agent' | 'hitl';

/** One event of the live stream. */
export interface StreamEvent {
  /** `<boot>-<sequence>`: the boot part changes every time a dashboard starts. */
  id: string;
  type: StreamEventType;
  data: TaskSummary | Alert | Agent | HitlRequest;
}

/** Options of `createEventHub`. */
export interface EventHubOptions {
  queue: TaskQueue;
  /** Milliseconds between polls of the fleet DB. Default 500. */
  pollMs?: number;
  /** Events kept for `Last-Event-ID` resume. Default 10000. */
  historySize?: number;
  /**
   * How far (in events) a client may fall behind before it is disconnected; at most `historySize`.
   * Default 5000.
   */
  clientBufferSize?: number;
  /** Boot identifier used in event ids. Default: the start time in base 36. */
  boot?: string;
}

/** A subscriber: the events waiting for it, and a way to wait for more. */
export interface HubClient {
  /** Takes the next events waiting (up to 500), advancing the client's cursor. */
  take(): StreamEvent[];
  /** Resolves when events arrive or the client is closed. */
  wait(): Promise<void>;
  /** True once the hub dropped it (buffer overflow, hub closed) or it unsubscribed. */
  readonly closed: boolean;
  /** Why it was closed, if it was. */
  readonly closeReason: 'overflow' | 'hub-closed' | 'unsubscribed' | undefined;
  /** Called by the hub when it drops the client, so the transport can cut the connection. */
  onClose(listener: () => void): void;
  /** Leaves the hub. */
  unsubscribe(): void;
}

/** What `subscribe` returns. */
export interface Subscription {
  client: HubClient;
  /**
   * True when the `Last-Event-ID` could not be honoured (another dashboard run, or older than the kept
   * history): the client should refetch its state.
   */
  reset: boolean;
}

/** The shared poller and fan-out behind `/api/stream`. */
export interface EventHub {
  /** Subscribes; replays the kept events after `lastEventId` when it names one of this run. */
  subscribe(lastEventId?: string): Subscription;
  /** Connected clients and clients dropped for overflowing. */
  stats(): { clients: number; dropped: number; lastEventId: string | null };
  /** Polls once now (tests; the timer does it every `pollMs` while clients are connected). */
  pollNow(): void;
  /** Stops the poller and closes every client. */
  close(): void;
}

/** Event id format: boot (base 36) dash sequence. */
export const EVENT_ID_PATTERN = /^([0-9a-z]{1,16})-(\d{1,15})$/;

const OPEN: readonly TaskStatus[] = ['PENDING', 'BLOCKED', 'RUNNING', 'WAITING_HUMAN'];
/** Most new tasks (and alerts) read in one poll. */
const BATCH = 1000;
/** Most events a client takes at once. */
const TAKE = 500;
/** The task columns a stream event carries, from the table or alias `t`. */
const taskColumns = (
  t: string,
) => `${t}.id, ${t}.skill, ${t}.status, ${t}.priority, ${t}.claimed_by AS claimedBy,
  ${t}.attempts, ${t}.max_attempts AS maxAttempts, ${t}.error, ${t}.parent_id AS parentId,
  ${t}.created_at AS createdAt, ${t}.claimed_at AS claimedAt, ${t}.finished_at AS finishedAt`;
/** What of a task, when it changes, makes a `task` event: computed in SQL only, so there is one formula. */
const taskSignature = (t: string) =>
  `${t}.status || '|' || coalesce(${t}.claimed_by, '') || '|' || ${t}.attempts || '|' || coalesce(${t}.finished_at, '')`;
const OPEN_SQL = OPEN.map((status) => `'${status}'`).join(', ');
/** Each hub keeps its open tasks in a TEMP table of its own (TEMP tables belong to one connection). */
let hubTables = 0;

interface RawTask extends Omit<TaskSummary, 'createdAt' | 'claimedAt' | 'finishedAt'> {
  createdAt: number;
  claimedAt: number | null;
  finishedAt: number | null;
}

interface RawAlert {
  id: number;
  type: string;
  severity: Alert['severity'];
  message: string;
  source: string;
  createdAt: number;
  acknowledgedAt: number | null;
}

/**
 * One poller for every `/api/stream` client: every `pollMs` it reads what changed in the fleet DB (new
 * tasks, at most 1000 a poll, and status changes of open ones; new and acknowledged alerts; agent rows) and
 * appends one event per change to a bounded shared history. Each client reads the history through its own
 * cursor; its buffer is the events between its cursor and the newest, bounded by `clientBufferSize`. A
 * client that falls further behind is dropped (it reconnects with `Last-Event-ID` and resumes from the
 * history when it still can), so a slow client never holds the others back. The poller runs only while
 * clients are connected.
 */
export function createEventHub({
  queue,
  pollMs = 500,
  historySize = 10_000,
  clientBufferSize = 5000,
  boot = Date.now().toString(36),
}: EventHubOptions): EventHub {
  const sqlite = getQueueDatabase(queue);
  // The open tasks the last poll saw, with their signatures, live in SQLite beside the tasks, so a poll
  // finds the changed ones with one join in SQLite instead of reading every open task into JavaScript: with
  // 100,000 PENDING tasks that took ~370 ms a poll (every 500 ms), the join takes a fraction of it.
  hubTables += 1;
  const openTable = `biged_stream_open_${process.pid}_${hubTables}`;
  sqlite.exec(`CREATE TEMP TABLE ${openTable} (id INTEGER PRIMARY KEY, signature TEXT NOT NULL)`);
  const statements = {
    maxTaskId: sqlite.prepare('SELECT COALESCE(MAX(id), 0) FROM tasks').pluck(),
    seedOpen: sqlite.prepare(
      `INSERT INTO temp.${openTable} (id, signature)
       SELECT id, ${taskSignature('tasks')} FROM tasks WHERE status IN (${OPEN_SQL})`,
    ),
    changedOpen: sqlite.prepare(
      `SELECT ${taskColumns('t')} FROM temp.${openTable} AS o JOIN tasks AS t ON t.id = o.id
       WHERE ${taskSignature('t')} <> o.signature ORDER BY t.id`,
    ),
    trackOpen: sqlite.prepare(
      `INSERT INTO temp.${openTable} (id, signature) SELECT id, ${taskSignature('tasks')} FROM tasks WHERE id = ?
       ON CONFLICT (id) DO UPDATE SET signature = excluded.signature`,
    ),
    untrackOpen: sqlite.prepare(`DELETE FROM temp.${openTable} WHERE id = ?`),
    newTasks: sqlite.prepare(
      `SELECT ${taskColumns('tasks')} FROM tasks WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
    ),
    maxAlertId: sqlite.prepare('SELECT COALESCE(MAX(id), 0) FROM alerts').pluck(),
    activeAlerts: sqlite.prepare(
      `SELECT id, type, severity, message, source, created_at AS createdAt, acknowledged_at AS acknowledgedAt
       FROM alerts WHERE acknowledged_at IS NULL`,
    ),
    newAlerts: sqlite.prepare(
      `SELECT id, type, severity, message, source, created_at AS createdAt, acknowledged_at AS acknowledgedAt
       FROM alerts WHERE id > ? ORDER BY id LIMIT ${BATCH}`,
    ),
    maxHitlId: sqlite.prepare('SELECT COALESCE(MAX(id), 0) FROM hitl_requests').pluck(),
    openHitl: sqlite.prepare("SELECT id FROM hitl_requests WHERE status = 'open'").pluck(),
    newHitl: sqlite.prepare(`SELECT id FROM hitl_requests WHERE id > ? ORDER BY id LIMIT ${BATCH}`).pluck(),
    answeredHitl: sqlite
      .prepare(
        "SELECT id FROM hitl_requests WHERE id IN (SELECT value FROM json_each(?)) AND status <> 'open' ORDER BY id",
      )
      .pluck(),
    alertsById: sqlite.prepare(
      `SELECT id, type, severity, message, source, created_at AS createdAt, acknowledged_at AS acknowledgedAt
       FROM alerts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ),
  };

  let sequence = 0;
  const history: StreamEvent[] = [];
  const clients = new Set<ClientState>();
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  // What the last poll saw. `baseline` is false until the first poll, which records without emitting.
  let baseline = false;
  let maxTaskId = 0;
  let maxAlertId = 0;
  const activeAlerts = new Set<number>();
  let maxHitlId = 0;
  const openHitl = new Set<number>();
  const agents = new Map<string, string>(); // name -> signature

  // The shared history: events `firstSequence .. sequence`. Clients keep only a cursor into it, so an event
  // is stored once however many clients there are; trimming is amortised (down to historySize once it
  // reaches 1.5 times that).
  let firstSequence = 1;
  const maxLag = Math.min(clientBufferSize, historySize);
  const emit = (type: StreamEventType, data: StreamEvent['data']) => {
    sequence += 1;
    history.push({ id: `${boot}-${sequence}`, type, data });
    if (history.length > historySize * 1.5) {
      const excess = history.length - historySize;
      history.splice(0, excess);
      firstSequence += excess;
    }
    for (const client of clients) client.notify();
  };

  /** Records `task` as the stream has now seen it: tracked while open, forgotten once it ended. */
  const track = (task: RawTask) => {
    if (OPEN.includes(task.status)) statements.trackOpen.run(task.id);
    else statements.untrackOpen.run(task.id);
  };
  // One snapshot for the task reads and the signatures recorded from them: a change committed by another
  // process between the two would otherwise be recorded without being emitted.
  const pollTasks = sqlite.transaction((emitting: boolean) => {
    // Open tasks first (their changes happened before the new tasks were seen), then new ones.
    for (const task of statements.changedOpen.all() as RawTask[]) {
      track(task);
      if (emitting) emit('task', summary(task));
    }
    // At most BATCH new tasks per poll: a burst of submissions is spread over several polls, so clients
    // that keep up are never more than about one batch behind.
    for (const task of statements.newTasks.all(maxTaskId) as RawTask[]) {
      maxTaskId = task.id;
      track(task);
      if (emitting) emit('task', summary(task));
    }
  });
  const agentSignature = (agent: Agent) =>
    `${agent.status}|${agent.currentTaskId}|${agent.pid}|${agent.restarts}|${agent.lastHeartbeat}|${agent.startedAt}`;

  const poll = () => {
    if (closed || !sqlite.open) return;
    const emitting = baseline;
    if (!baseline) {
      sqlite
        .transaction(() => {
          maxTaskId = statements.maxTaskId.get() as number;
          statements.seedOpen.run();
        })
        .deferred();
      maxAlertId = statements.maxAlertId.get() as number;
      for (const alert of statements.activeAlerts.all() as RawAlert[]) activeAlerts.add(alert.id);
      for (const agent of queue.listAgents()) agents.set(agent.name, agentSignature(agent));
      maxHitlId = statements.maxHitlId.get() as number;
      for (const id of statements.openHitl.all() as number[]) openHitl.add(id);
      baseline = true;
      return;
    }
    pollTasks.deferred(emitting);
    if (activeAlerts.size > 0) {
      for (const alert of statements.alertsById.all(JSON.stringify([...activeAlerts])) as RawAlert[]) {
        if (alert.acknowledgedAt !== null) {
          activeAlerts.delete(alert.id);
          emit('alert', toAlert(alert));
        }
      }
    }
    for (const alert of statements.newAlerts.all(maxAlertId) as RawAlert[]) {
      maxAlertId = alert.id;
      if (alert.acknowledgedAt === null) activeAlerts.add(alert.id);
      emit('alert', toAlert(alert));
    }
    // Agent requests (HITL): answers to open ones, then new ones (each once, answered or not).
    const emitHitl = (id: number) => {
      const request = queue.getHitl(id);
      if (request) emit('hitl', redactSecrets(request));
    };
    if (openHitl.size > 0) {
      for (const id of statements.answeredHitl.all(JSON.stringify([...openHitl])) as number[]) {
        openHitl.delete(id);
        emitHitl(id);
      }
    }
    for (const id of statements.newHitl.all(maxHitlId) as number[]) {
      maxHitlId = id;
      const request = queue.getHitl(id);
      if (!request) continue;
      if (request.status === 'open') openHitl.add(id);
      emit('hitl', redactSecrets(request));
    }
    const seen = new Set<string>();
    for (const agent of queue.listAgents()) {
      seen.add(agent.name);
      const signature = agentSignature(agent);
      if (agents.get(agent.name) !== signature) {
        agents.set(agent.name, signature);
        emit('agent', agent);
      }
    }
    for (const name of agents.keys()) if (!seen.has(name)) agents.delete(name);
  };

  const safePoll = () => {
    try {
      poll();
    } catch {
      // A locked or closing DB: try again next tick rather than kill the stream.
    }
  };

  const ensureTimer = () => {
    if (timer || closed) return;
    timer = setInterval(safePoll, pollMs);
    timer.unref();
  };
  const stopTimerIfIdle = () => {
    if (clients.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  class ClientState implements HubClient {
    /** The sequence number of the last event handed to this client. */
    cursor = sequence;
    closed = false;
    closeReason: HubClient['closeReason'];
    private waiter: (() => void) | undefined;
    private closeListeners: Array<() => void> = [];

    notify() {
      if (this.closed) return;
      if (sequence - this.cursor > maxLag) {
        dropped += 1;
        this.close('overflow');
        return;
      }
      this.wake();
    }
    take(): StreamEvent[] {
      if (this.closed || this.cursor >= sequence) return [];
      const from = Math.max(this.cursor + 1, firstSequence);
      const to = Math.min(sequence, from + TAKE - 1);
      this.cursor = to;
      return history.slice(from - firstSequence, to - firstSequence + 1);
    }
    wait(): Promise<void> {
      if (this.closed || this.cursor < sequence) return Promise.resolve();
      return new Promise((resolve) => {
        this.waiter = resolve;
      });
    }
    onClose(listener: () => void) {
      if (this.closed) listener();
      else this.closeListeners.push(listener);
    }
    unsubscribe() {
      this.close('unsubscribed');
    }
    close(reason: NonNullable<HubClient['closeReason']>) {
      if (this.closed) return;
      this.closed = true;
      this.closeReason = reason;
      clients.delete(this);
      this.wake();
      for (const listener of this.closeListeners) listener();
      stopTimerIfIdle();
    }
    private wake() {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.();
    }
  }

  return {
    subscribe(lastEventId) {
      if (!baseline) safePoll(); // the first subscriber sets the baseline, so it misses nothing after
      const client = new ClientState();
      let reset = false;
      if (lastEventId !== undefined) {
        const match = EVENT_ID_PATTERN.exec(lastEventId);
        const last = match && match[1] === boot ? Number(match[2]) : undefined;
        // Resumable when the id is of this run and nothing after it was trimmed from the history.
        if (last === undefined || last > sequence || last < firstSequence - 1) reset = true;
        else client.cursor = last; // a replay may exceed the lag limit once: it is bounded by the history
      }
      clients.add(client);
      ensureTimer();
      return { client, reset };
    },
    stats() {
      return { clients: clients.size, dropped, lastEventId: sequence > 0 ? `${boot}-${sequence}` : null };
    },
    pollNow: safePoll,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const client of [...clients]) client.close('hub-closed');
      try {
        if (sqlite.open) sqlite.exec(`DROP TABLE IF EXISTS temp.${openTable}`);
      } catch {
        // Dropped with the connection anyway: a TEMP table lives no longer than it.
      }
    },
  };
}

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

function summary(row: RawTask): TaskSummary {
  return {
    ...row,
    createdAt: new Date(row.createdAt).toISOString(),
    claimedAt: iso(row.claimedAt),
    finishedAt: iso(row.finishedAt),
  };
}

function toAlert(row: RawAlert): Alert {
  return {
    ...row,
    createdAt: new Date(row.createdAt).toISOString(),
    acknowledgedAt: iso(row.acknowledgedAt),
  };
}
