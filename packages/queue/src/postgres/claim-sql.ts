import { FLEET_PAUSED_FLAG } from '../claim-sql';
import { TASK_COLUMNS } from '../task-row';

// NOTE: packages/queue/README.md ("Stores: SQLite and PostgreSQL") explains this statement, and
// claim-sql.test.ts checks its plan; keep the three in sync. The SQLite twin is ../claim-sql.ts.

/** Quotes the camelCase aliases of SQL written for SQLite (`AS payloadJson`), which PostgreSQL would fold. */
export function quoteAliases(sql: string): string {
  return sql.replace(/ AS ([A-Za-z_]\w*)/g, ' AS "$1"');
}

/** `TASK_COLUMNS` for PostgreSQL (quoted camelCase aliases), so rows map through the same `toTask`. */
export const PG_TASK_COLUMNS = quoteAliases(TASK_COLUMNS);

/** Which variant of the PostgreSQL claim statement to build. */
export interface PgClaimSqlShape {
  /**
   * Most tasks to claim, written into the statement (a whole number 1..1000): with `LIMIT $n` a cached
   * generic plan would not know it is small and could trade the ordered index walk for a sort.
   */
  limit: number;
  /** Only skills in the list parameter (a text[]). */
  skills: boolean;
  /** Unassigned tasks of the preferred skills (a text[], the last parameter) rank before other ones. */
  preferred: boolean;
  /** Never skills in the list parameter (a text[]); only without `skills` (the caller removes excluded skills from a list). */
  exclude?: boolean;
}

/**
 * Builds the claim statement: parameters `$1` agent, `$2` now (epoch ms), then the skill list or excluded
 * list (`$3`, a text[]) when the shape has one, then the preferred list (a text[]). It returns the claimed rows with
 * `pickRank` (0 assigned, 1 preferred, 2 other); claim order is rank, priority (high first), id.
 *
 * Three CTEs each walk one partial index in claim order (`tasks_assigned_idx`, `tasks_pending_skill_idx` /
 * `tasks_pending_idx`) with `LIMIT <limit> FOR UPDATE SKIP LOCKED`: rows another transaction holds are stepped
 * over, and a row that changed since the snapshot is re-checked against the WHERE before it is locked, so a
 * task is never claimed twice. The best `limit` of those candidates are moved to RUNNING. While the fleet is
 * paused (a `fleet_flags` row named `paused`) no candidate is read at all.
 */
export function buildPgClaimSql({ limit, skills, preferred, exclude = false }: PgClaimSqlShape): string {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError(`claim limit ${limit}`);
  const listParameter = skills || exclude ? '$3' : undefined;
  const preferredParameter = preferred ? (listParameter ? '$4' : '$3') : undefined;
  const filter = skills
    ? `AND skill = ANY(${listParameter}::text[])`
    : exclude
      ? `AND skill <> ALL(${listParameter}::text[])`
      : '';
  const candidates = (rank: number, where: string) =>
    `SELECT id AS pick_id, priority AS pick_priority, ${rank} AS pick_rank FROM tasks
       WHERE status = 'PENDING' AND ${where} ${filter} AND (SELECT open FROM gate)
       ORDER BY priority DESC NULLS LAST, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  const parts = [
    `assigned AS (${candidates(0, 'assigned_to = $1')})`,
    ...(preferredParameter
      ? [
          `preferred AS (${candidates(1, `assigned_to IS NULL AND skill = ANY(${preferredParameter}::text[])`)})`,
        ]
      : []),
    `others AS (${candidates(2, `assigned_to IS NULL${preferredParameter ? ` AND skill <> ALL(${preferredParameter}::text[])` : ''}`)})`,
  ];
  const union = ['assigned', ...(preferredParameter ? ['preferred'] : []), 'others']
    .map((name) => `SELECT * FROM ${name}`)
    .join(' UNION ALL ');
  return `WITH gate AS (SELECT NOT EXISTS (SELECT 1 FROM fleet_flags WHERE name = '${FLEET_PAUSED_FLAG}') AS open),
      ${parts.join(',\n      ')},
      picked AS (${union} ORDER BY pick_rank, pick_priority DESC, pick_id LIMIT ${limit})
    UPDATE tasks SET status = 'RUNNING', claimed_by = $1, claimed_at = $2, heartbeat_at = $2,
      attempts = attempts + 1
    FROM picked WHERE tasks.id = picked.pick_id
    RETURNING picked.pick_rank AS "pickRank", ${PG_TASK_COLUMNS}`;
}
