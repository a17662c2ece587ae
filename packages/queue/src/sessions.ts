import type { Statement } from 'better-sqlite3';
import { SessionError } from './errors/session-error';
import { getQueueConnection } from './queue-database';
import type { TaskQueue } from './task-queue';

// NOTE: packages/queue/README.md ("Marathon sessions") describes these tables and this store; keep both in sync.

/**
 * Session names: a letter first, then letters, digits, `_ . -` (at most 100). A name never is all digits,
 * so `get("12")` means the id 12.
 */
export const SESSION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
/** Largest `meta` or snapshot `data` accepted, in bytes of JSON text. */
export const SESSION_MAX_DATA_BYTES = 64 * 1024;
/** Longest snapshot label, in characters. */
export const SESSION_MAX_LABEL_LENGTH = 200;
/** Default `limit` of `list` (the manual: "last 5"). */
export const SESSION_DEFAULT_LIST_LIMIT = 5;
/** Default number of snapshots `get` returns (the manual: "last 3 snapshots"). */
export const SESSION_DEFAULT_SNAPSHOTS = 3;

/** A marathon session. */
export interface Session {
  id: number;
  name: string;
  status: 'active' | 'ended';
  /** Free-form JSON object (goal, owner, notes). */
  meta: Record<string, unknown>;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601; null while active. */
  endedAt: string | null;
  /** How many snapshots the session has. */
  snapshotCount: number;
}

/** A point-in-time snapshot of a session. */
export interface Snapshot {
  id: number;
  sessionId: number;
  label: string | null;
  /** JSON object. */
  data: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
}

/** What `start` takes. */
export interface StartSessionRequest {
  /** Unique name, see `SESSION_NAME_PATTERN`. */
  name: string;
  /** A JSON object (or its text). Default `{}`. */
  meta?: Record<string, unknown> | string;
}

/** What `snapshot` takes. */
export interface SnapshotRequest {
  /** Short label (at most `SESSION_MAX_LABEL_LENGTH` characters). Default none. */
  label?: string;
  /** A JSON object (or its text), at most `SESSION_MAX_DATA_BYTES`. Default `{}`. */
  data?: Record<string, unknown> | string;
}

/** Options of `list`. */
export interface ListSessionsOptions {
  /** Most sessions, newest first. Default `SESSION_DEFAULT_LIST_LIMIT` (5). */
  limit?: number;
}

/** Options of `get`. */
export interface GetSessionOptions {
  /** Most snapshots, newest first. Default `SESSION_DEFAULT_SNAPSHOTS` (3). */
  snapshots?: number;
}

/** A session with its latest snapshots. */
export interface SessionDetail {
  session: Session;
  /** Newest first. */
  snapshots: Snapshot[];
}

/** Options of `createSessionStore`. */
export interface CreateSessionStoreOptions {
  /** A queue made by `createQueue`; the store uses its connection. */
  queue: TaskQueue;
}

/**
 * Marathon sessions on the queue's database (tables `sessions`, `snapshots`). A session is named by its
 * id (a number or all-digit text) or its name.
 */
export interface SessionStore {
  /** Starts an `active` session. Throws `QUEUE_SESSION_INVALID` or `QUEUE_SESSION_EXISTS`. */
  start(request: StartSessionRequest): Session;
  /** Ends an active session. Throws `QUEUE_SESSION_NOT_FOUND`, or `QUEUE_SESSION_ENDED` when it already ended. */
  end(session: number | string): Session;
  /** Adds a snapshot to an active session. Throws `QUEUE_SESSION_INVALID`, `_NOT_FOUND` or `_ENDED`. */
  snapshot(session: number | string, request?: SnapshotRequest): Snapshot;
  /** The latest sessions (by start time), newest first. */
  list(options?: ListSessionsOptions): Session[];
  /** One session and its latest snapshots. Throws `QUEUE_SESSION_NOT_FOUND`. */
  get(session: number | string, options?: GetSessionOptions): SessionDetail;
}

interface SessionRowRaw {
  id: number;
  name: string;
  status: 'active' | 'ended';
  metaJson: string;
  startedAt: number;
  endedAt: number | null;
  snapshotCount: number;
}

interface SnapshotRowRaw {
  id: number;
  sessionId: number;
  label: string | null;
  dataJson: string;
  createdAt: number;
}

const SESSION_COLUMNS = `s.id, s.name, s.status, s.meta_json AS metaJson, s.started_at AS startedAt,
  s.ended_at AS endedAt, (SELECT count(*) FROM snapshots n WHERE n.session_id = s.id) AS snapshotCount`;

/** The statements of the store (exported for plan tests). */
export const SESSION_SQL = {
  byId: `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`,
  byName: `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.name = ?`,
  latest: `SELECT ${SESSION_COLUMNS} FROM sessions s ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
  insert: `INSERT INTO sessions (name, status, meta_json, started_at) VALUES (@name, 'active', @metaJson, @now)
    ON CONFLICT (name) DO NOTHING`,
  end: `UPDATE sessions SET status = 'ended', ended_at = @now WHERE id = @id AND status = 'active'`,
  insertSnapshot: `INSERT INTO snapshots (session_id, label, data_json, created_at)
    VALUES (@sessionId, @label, @dataJson, @now)`,
  snapshotById: `SELECT id, session_id AS sessionId, label, data_json AS dataJson, created_at AS createdAt
    FROM snapshots WHERE id = ?`,
  latestSnapshots: `SELECT id, session_id AS sessionId, label, data_json AS dataJson, created_at AS createdAt
    FROM snapshots WHERE session_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
} as const;

const iso = (time: number): string => new Date(time).toISOString();

/** JSON text of an object, checked and bounded; `field` names it in errors. */
function objectJson(value: Record<string, unknown> | string | undefined, field: string): string {
  const invalid = (message: string, cause?: unknown) =>
    new SessionError({ code: 'QUEUE_SESSION_INVALID', field, message: `${field}: ${message}`, cause });
  if (value === undefined) return '{}';
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw invalid(`not valid JSON (${(error as Error).message})`, error);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('must be a JSON object');
  }
  const text = JSON.stringify(parsed);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SESSION_MAX_DATA_BYTES) {
    throw invalid(`${bytes} bytes of JSON, more than the ${SESSION_MAX_DATA_BYTES} allowed`);
  }
  return text;
}

function checkLimit(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new SessionError({
      code: 'QUEUE_SESSION_INVALID',
      field,
      message: `${field} must be a whole number above 0, got ${String(value)}`,
    });
  }
  return value;
}

/**
 * The marathon sessions of a queue: `biged marathon start|snapshot|end` write them, `biged marathon
 * [session]` reads them.
 */
export function createSessionStore({ queue }: CreateSessionStoreOptions): SessionStore {
  const { sqlite, retry, clock } = getQueueConnection(queue);
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const statements = Object.fromEntries(
    Object.entries(SESSION_SQL).map(([key, text]) => [key, sqlite.prepare(text)]),
  ) as Record<keyof typeof SESSION_SQL, Statement>;

  const toSession = (row: SessionRowRaw): Session => ({
    id: row.id,
    name: row.name,
    status: row.status,
    meta: JSON.parse(row.metaJson) as Record<string, unknown>,
    startedAt: iso(row.startedAt),
    endedAt: row.endedAt === null ? null : iso(row.endedAt),
    snapshotCount: row.snapshotCount,
  });
  const toSnapshot = (row: SnapshotRowRaw): Snapshot => ({
    id: row.id,
    sessionId: row.sessionId,
    label: row.label,
    data: JSON.parse(row.dataJson) as Record<string, unknown>,
    createdAt: iso(row.createdAt),
  });

  const find = (reference: number | string): SessionRowRaw => {
    const text = String(reference).trim();
    const row = (/^\d+$/.test(text) ? statements.byId.get(Number(text)) : statements.byName.get(text)) as
      | SessionRowRaw
      | undefined;
    if (!row) {
      throw new SessionError({
        code: 'QUEUE_SESSION_NOT_FOUND',
        session: text,
        message: `no marathon session ${JSON.stringify(text)}`,
        hint: 'list the latest sessions with `biged marathon`',
      });
    }
    return row;
  };
  const ended = (row: SessionRowRaw, what: string) =>
    new SessionError({
      code: 'QUEUE_SESSION_ENDED',
      session: row.name,
      message: `marathon session "${row.name}" ended at ${iso(row.endedAt ?? 0)}; cannot ${what}`,
      hint: 'start a new session with `biged marathon start <name>`',
    });

  return {
    start({ name, meta }) {
      if (typeof name !== 'string' || !SESSION_NAME_PATTERN.test(name)) {
        throw new SessionError({
          code: 'QUEUE_SESSION_INVALID',
          field: 'name',
          session: String(name),
          message: `session name ${JSON.stringify(name)} must start with a letter, then letters, digits, _ . - (at most 100)`,
        });
      }
      const metaJson = objectJson(meta, 'meta');
      return write(() => {
        const result = statements.insert.run({ name, metaJson, now: clock() });
        if (result.changes === 0) {
          throw new SessionError({
            code: 'QUEUE_SESSION_EXISTS',
            session: name,
            message: `a marathon session named "${name}" already exists`,
            hint: `see it with \`biged marathon ${name}\`, or pick another name`,
          });
        }
        return toSession(statements.byId.get(Number(result.lastInsertRowid)) as SessionRowRaw);
      });
    },

    end(reference) {
      return write(() => {
        const row = find(reference);
        if (row.status === 'ended') throw ended(row, 'end it again');
        statements.end.run({ id: row.id, now: clock() });
        return toSession(statements.byId.get(row.id) as SessionRowRaw);
      });
    },

    snapshot(reference, request = {}) {
      const { label } = request;
      if (label !== undefined && (typeof label !== 'string' || label.length > SESSION_MAX_LABEL_LENGTH)) {
        throw new SessionError({
          code: 'QUEUE_SESSION_INVALID',
          field: 'label',
          message: `label must be text of at most ${SESSION_MAX_LABEL_LENGTH} characters`,
        });
      }
      const dataJson = objectJson(request.data, 'data');
      return write(() => {
        const row = find(reference);
        if (row.status === 'ended') throw ended(row, 'add a snapshot');
        const result = statements.insertSnapshot.run({
          sessionId: row.id,
          label: label ?? null,
          dataJson,
          now: clock(),
        });
        return toSnapshot(statements.snapshotById.get(Number(result.lastInsertRowid)) as SnapshotRowRaw);
      });
    },

    list({ limit = SESSION_DEFAULT_LIST_LIMIT } = {}) {
      checkLimit(limit, 'limit');
      return (statements.latest.all(limit) as SessionRowRaw[]).map(toSession);
    },

    get(reference, { snapshots = SESSION_DEFAULT_SNAPSHOTS } = {}) {
      checkLimit(snapshots, 'snapshots');
      const row = find(reference);
      return {
        session: toSession(row),
        snapshots: (statements.latestSnapshots.all(row.id, snapshots) as SnapshotRowRaw[]).map(toSnapshot),
      };
    },
  };
}
