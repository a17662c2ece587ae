import { createHash } from 'node:crypto';
import { DlpError, redactJson, redactSecrets } from '@biged/core';
import type Database from 'better-sqlite3';
import { QueueError } from './errors/queue-error';
import { getQueueConnection } from './queue-database';
import type { TaskQueue } from './task-queue';

// NOTE: docs/security.md ("Audit trail") and packages/queue/README.md ("Audit trail") describe the chain
// and its limits; keep them in sync with AUDIT_HASH_VERSION and hashAuditRow.

/** What a control decided about the audited action. */
export type AuditDecision = 'allow' | 'deny' | 'log';

/** The decisions an audit row may carry. */
export const AUDIT_DECISIONS: readonly AuditDecision[] = ['allow', 'deny', 'log'];

/** `prev_hash` of the first row: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** First element of the hashed array; a new canonical form gets a new tag. */
export const AUDIT_HASH_VERSION = 'biged-audit-v1';

/** Longest `actor` accepted, in characters. */
export const AUDIT_MAX_ACTOR_LENGTH = 128;
/** Longest `resource` accepted, in characters (a path up to PATH_MAX fits). */
export const AUDIT_MAX_RESOURCE_LENGTH = 4096;
/** Longest `reason` accepted, in characters. */
export const AUDIT_MAX_REASON_LENGTH = 2048;
/**
 * Largest `detail` stored, in characters of compact JSON. A larger detail is not refused (the event is
 * still recorded) but replaced by `{ "truncated": true, "chars": <its size> }`.
 */
export const AUDIT_MAX_DETAIL_CHARS = 16 * 1024;

/** `action` names: a lowercase letter, then a-z 0-9 _ . - (at most 64 characters). */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Default and largest `limit` of `list`. */
const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

/** What `AuditTrail.append` records. */
export interface AuditAppendRequest {
  /** Who: an agent name, `cli`, `dashboard`, `supervisor`, `module-hub` (1-128 characters). */
  actor: string;
  /**
   * What kind of event, e.g. `file_access`, `secret_read`, `dispatch`, `hitl_answer`, `module_install`,
   * `gdpr_erase` (matches {@link AUDIT_ACTION_PATTERN}).
   */
  action: string;
  /** The path, secret name, task id, module name ... the event is about (at most 4096 characters). Default none. */
  resource?: string;
  /** What the control decided. */
  decision: AuditDecision;
  /** One line saying why (DLP-redacted, at most 2048 characters). Default none. */
  reason?: string;
  /**
   * A JSON object with details. It is DLP-redacted (`redactJson`) before it is stored and hashed; over
   * {@link AUDIT_MAX_DETAIL_CHARS} it is replaced by a truncation marker. Default none.
   */
  detail?: Record<string, unknown>;
}

/** One row of the audit trail. */
export interface AuditEntry {
  /** Row id: 1, 2, 3, ... without gaps (ids are assigned by `append`, never reused). */
  id: number;
  /** When, as an ISO 8601 time. */
  at: string;
  actor: string;
  action: string;
  resource: string | null;
  decision: AuditDecision;
  reason: string | null;
  /** The stored (redacted) detail object, or null. */
  detail: Record<string, unknown> | null;
  /** The previous row's `hash` ({@link AUDIT_GENESIS_HASH} for row 1). */
  prevHash: string;
  /** SHA-256 (hex) of this row's canonical form (see `hashAuditRow`). */
  hash: string;
}

/** Options of `AuditTrail.list`. */
export interface ListAuditOptions {
  /** Only rows with this action. Default: all. */
  action?: string;
  /** Only rows by this actor. Default: all. */
  actor?: string;
  /** Most rows returned, 1 to 10000. Default 100. */
  limit?: number;
  /** Only rows with an id below this one (paging backwards). Default: none. */
  beforeId?: number;
}

/** What `AuditTrail.verify` found. */
export type AuditVerifyResult =
  | {
      ok: true;
      /** Rows checked. */
      rows: number;
      /** The last row's hash ({@link AUDIT_GENESIS_HASH} when empty): record it elsewhere to detect later truncation. */
      head: string;
    }
  | {
      ok: false;
      /** The id of the first row (or the first missing id) where the chain breaks. */
      brokenAt: number;
      /** What is wrong there. */
      reason: string;
    };

/** The audit trail returned by `createAuditTrail`. */
export interface AuditTrail {
  /**
   * Appends one row in a single `BEGIN IMMEDIATE` transaction (the previous hash is read and the row
   * written under the write lock, so concurrent processes keep one chain). Throws `QueueError`
   * (`QUEUE_INVALID_ARGUMENT`) for a bad actor, action, decision, resource, reason or detail;
   * `QUEUE_DB_LOCKED` when the lock could not be had in time.
   */
  append(request: AuditAppendRequest): AuditEntry;
  /**
   * Appends several rows, in order, in ONE write transaction (all or nothing): what a worker that logs every
   * allowed file access uses, so a skill's reads cost one commit per batch instead of one each. Throws as
   * `append` does (nothing is written when any row is invalid).
   */
  appendMany(requests: readonly AuditAppendRequest[]): AuditEntry[];
  /** Rows newest first. Throws `QUEUE_INVALID_ARGUMENT` for a bad limit or beforeId. */
  list(options?: ListAuditOptions): AuditEntry[];
  /**
   * Recomputes the chain from row 1: every row's hash, its link to the previous row, id continuity, and
   * that no rows were removed after the last one (SQLite's AUTOINCREMENT counter). See docs/security.md
   * for what a chain cannot detect.
   */
  verify(): AuditVerifyResult;
}

interface RawAuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  resource: string | null;
  decision: AuditDecision;
  reason: string | null;
  detail_json: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The hash of an audit row: SHA-256 (hex) of the compact JSON array `[AUDIT_HASH_VERSION, id, at, actor,
 * action, resource, decision, reason, detail_json, prev_hash]`, with `at` in epoch ms, absent values as
 * `null` and `detail_json` as the stored text. The id is inside, so moving a row's content to another id
 * (reordering) breaks the chain as an edit does.
 */
export function hashAuditRow(row: Omit<RawAuditRow, 'hash'>): string {
  const canonical = JSON.stringify([
    AUDIT_HASH_VERSION,
    row.id,
    row.at,
    row.actor,
    row.action,
    row.resource,
    row.decision,
    row.reason,
    row.detail_json,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const COLUMNS = 'id, at, actor, action, resource, decision, reason, detail_json, prev_hash, hash';

/** @internal Which filters a `list` call uses. */
export interface AuditListFilters {
  action: boolean;
  actor: boolean;
  beforeId: boolean;
}

/**
 * @internal The SQL of `list` for a filter combination (named parameters `@action`, `@actor`, `@beforeId`,
 * `@limit`). With `action`, a range of `audit_log_action_idx (action, id)` read backwards; otherwise the
 * primary key read backwards. audit-trail.test.ts checks the plans.
 */
export function buildAuditListSql({ action, actor, beforeId }: AuditListFilters): string {
  const where = [
    ...(action ? ['action = @action'] : []),
    ...(actor ? ['actor = @actor'] : []),
    ...(beforeId ? ['id < @beforeId'] : []),
  ];
  return `SELECT ${COLUMNS} FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
}

/**
 * The tamper-evident audit trail on a queue's database (`audit_log`). Rows are only ever inserted; each
 * carries the hash of its canonical content and the previous row's hash, so `verify` finds an edited,
 * deleted or reordered row. It does not stop someone with write access from rewriting the whole chain.
 *
 * @param queue A queue made by `createQueue` (its connection, busy retry and clock are used).
 */
export function createAuditTrail(queue: TaskQueue): AuditTrail {
  const { sqlite, retry, clock } = getQueueConnection(queue);
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const readConsistent = <T>(body: () => T): T => retry(() => transaction.deferred(body) as T);
  const statements = {
    last: sqlite.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1'),
    sequence: sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"),
    insert: sqlite.prepare(
      `INSERT INTO audit_log (${COLUMNS})
       VALUES (@id, @at, @actor, @action, @resource, @decision, @reason, @detail_json, @prev_hash, @hash)`,
    ),
    all: sqlite.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY id`),
  };

  // One statement per filter combination, prepared on first use: `(@x IS NULL OR col = @x)` would keep
  // SQLite from using audit_log_action_idx for a filtered list.
  const listStatements = new Map<string, Database.Statement>();
  const listStatement = (filters: AuditListFilters) => {
    const sql = buildAuditListSql(filters);
    let statement = listStatements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      listStatements.set(sql, statement);
    }
    return statement;
  };

  const nextId = (): { id: number; prevHash: string } => {
    const last = statements.last.get() as { id: number; hash: string } | undefined;
    const sequence = statements.sequence.get() as { seq: number } | undefined;
    // Ids come from the AUTOINCREMENT counter, not max(id): a removed last row leaves a gap that verify
    // reports, instead of its id being handed out again.
    const id = Math.max(last?.id ?? 0, sequence?.seq ?? 0) + 1;
    return { id, prevHash: last?.hash ?? AUDIT_GENESIS_HASH };
  };

  return {
    append(request) {
      const row = validate(request);
      const stored = write(() => {
        const { id, prevHash } = nextId();
        const full = { ...row, id, at: clock(), prev_hash: prevHash };
        const entry: RawAuditRow = { ...full, hash: hashAuditRow(full) };
        statements.insert.run(entry);
        return entry;
      });
      return toEntry(stored);
    },

    appendMany(requests) {
      const rows = requests.map(validate);
      if (rows.length === 0) return [];
      const stored = write(() => {
        let { id, prevHash } = nextId();
        const entries: RawAuditRow[] = [];
        const at = clock();
        for (const row of rows) {
          const full = { ...row, id, at, prev_hash: prevHash };
          const entry: RawAuditRow = { ...full, hash: hashAuditRow(full) };
          statements.insert.run(entry);
          entries.push(entry);
          id += 1;
          prevHash = entry.hash;
        }
        return entries;
      });
      return stored.map(toEntry);
    },

    list({ action, actor, limit = DEFAULT_AUDIT_LIMIT, beforeId } = {}) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT)
        invalid(`limit must be a whole number from 1 to ${MAX_AUDIT_LIMIT}, got ${String(limit)}`);
      if (beforeId !== undefined && (!Number.isInteger(beforeId) || beforeId < 1))
        invalid(`beforeId must be a whole number from 1, got ${String(beforeId)}`);
      if (action !== undefined && typeof action !== 'string') invalid('action must be a string');
      if (actor !== undefined && typeof actor !== 'string') invalid('actor must be a string');
      const filters = {
        action: action !== undefined,
        actor: actor !== undefined,
        beforeId: beforeId !== undefined,
      };
      const parameters = {
        limit,
        ...(action !== undefined ? { action } : {}),
        ...(actor !== undefined ? { actor } : {}),
        ...(beforeId !== undefined ? { beforeId } : {}),
      };
      const rows = retry(() => listStatement(filters).all(parameters) as RawAuditRow[]);
      return rows.map(toEntry);
    },

    verify() {
      // One read transaction: appends by other processes after it began are not seen half-way.
      return readConsistent((): AuditVerifyResult => {
        let expectedId = 1;
        let prevHash = AUDIT_GENESIS_HASH;
        let rows = 0;
        for (const row of statements.all.iterate() as IterableIterator<RawAuditRow>) {
          if (row.id !== expectedId) {
            return {
              ok: false,
              brokenAt: expectedId,
              reason:
                row.id === expectedId + 1
                  ? `row ${expectedId} is missing (next row is ${row.id})`
                  : row.id > expectedId
                    ? `rows ${expectedId}..${row.id - 1} are missing (next row is ${row.id})`
                    : `row ${row.id} is out of order`,
            };
          }
          if (row.prev_hash !== prevHash) {
            return {
              ok: false,
              brokenAt: row.id,
              reason: `row ${row.id} does not link to the previous row (prev_hash differs)`,
            };
          }
          const { hash, ...content } = row;
          if (hashAuditRow(content) !== hash) {
            return {
              ok: false,
              brokenAt: row.id,
              reason: `row ${row.id} was changed after it was written (hash differs)`,
            };
          }
          prevHash = hash;
          expectedId += 1;
          rows += 1;
        }
        const sequence = (statements.sequence.get() as { seq: number } | undefined)?.seq ?? 0;
        if (sequence >= expectedId) {
          return {
            ok: false,
            brokenAt: expectedId,
            reason: `rows ${expectedId}..${sequence} were removed from the end (ids up to ${sequence} were handed out)`,
          };
        }
        return { ok: true, rows, head: prevHash };
      });
    },
  };
}

function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}

function validate(request: AuditAppendRequest): Omit<RawAuditRow, 'id' | 'at' | 'prev_hash' | 'hash'> {
  if (request === null || typeof request !== 'object') invalid('audit entry must be an object');
  const { actor, action, resource, decision, reason, detail } = request;
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > AUDIT_MAX_ACTOR_LENGTH)
    invalid(`audit actor must be 1 to ${AUDIT_MAX_ACTOR_LENGTH} characters, got ${preview(actor)}`);
  if (typeof action !== 'string' || !AUDIT_ACTION_PATTERN.test(action))
    invalid(`audit action must match ${AUDIT_ACTION_PATTERN}, got ${preview(action)}`);
  if (!AUDIT_DECISIONS.includes(decision))
    invalid(`audit decision must be one of ${AUDIT_DECISIONS.join(', ')}, got ${preview(decision)}`);
  if (resource !== undefined && (typeof resource !== 'string' || resource.length > AUDIT_MAX_RESOURCE_LENGTH))
    invalid(`audit resource must be a string of at most ${AUDIT_MAX_RESOURCE_LENGTH} characters`);
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > AUDIT_MAX_REASON_LENGTH))
    invalid(`audit reason must be a string of at most ${AUDIT_MAX_REASON_LENGTH} characters`);
  return {
    actor,
    action,
    resource: resource ?? null,
    decision,
    reason: reason === undefined ? null : redactSecrets(reason).text,
    detail_json: detail === undefined ? null : detailJson(detail),
  };
}

/** The detail as stored: compact JSON of the redacted object, or a truncation marker when too large. */
function detailJson(detail: unknown): string {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    invalid('audit detail must be a JSON object');
  let text: string;
  try {
    text = JSON.stringify(detail);
  } catch (error) {
    throw new QueueError({
      code: 'QUEUE_INVALID_ARGUMENT',
      message: 'audit detail is not JSON-serialisable (a cycle or a bigint?)',
      cause: error,
    });
  }
  if (text.length > AUDIT_MAX_DETAIL_CHARS) return JSON.stringify({ truncated: true, chars: text.length });
  try {
    // Round-trip first so what is scanned is exactly what is stored (toJSON, undefined members dropped).
    return JSON.stringify(redactJson(JSON.parse(text) as unknown).value);
  } catch (error) {
    if (!DlpError.isInstance(error)) throw error;
    throw new QueueError({
      code: 'QUEUE_INVALID_ARGUMENT',
      message: `audit detail could not be scanned for secrets: ${error.message}`,
      cause: error,
    });
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toEntry(row: RawAuditRow): AuditEntry {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    decision: row.decision,
    reason: row.reason,
    detail: row.detail_json === null ? null : (JSON.parse(row.detail_json) as Record<string, unknown>),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
