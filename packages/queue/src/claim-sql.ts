import { TASK_COLUMNS } from './task-row';

/** The `fleet_flags` row whose presence pauses every claim on every host. */
export const FLEET_PAUSED_FLAG = 'paused';

// NOTE: packages/queue/README.md ("How claim works") explains this statement; keep both in sync.

/** Which variant of the claim statement to build. */
export interface ClaimSqlShape {
  /** The claim is limited to `@skills` (a JSON array of skill names). */
  skills: boolean;
  /** Unassigned tasks of `@preferred` (a JSON array) go before the rest. */
  preferred: boolean;
  /**
   * Tasks of `@exclude` (a JSON array) are never claimed. Only needed without `skills`: with a skill list
   * the caller removes the excluded skills from it instead.
   */
  exclude?: boolean;
}

/**
 * The best unassigned PENDING task among a JSON list of skills: one seek per skill on
 * `tasks_pending_skill_idx (skill, priority DESC, id) WHERE PENDING and unassigned`, then the best of those few rows. Its cost
 * does not depend on how many tasks of other skills wait.
 */
function bestOfSkills(parameter: string, rank: number): string {
  return `SELECT id, ${rank} AS claim_rank FROM tasks WHERE id IN (
        SELECT (SELECT candidate.id FROM tasks AS candidate
                WHERE candidate.status = 'PENDING' AND candidate.skill = wanted.value
                  AND candidate.assigned_to IS NULL
                ORDER BY candidate.priority DESC, candidate.id ASC LIMIT 1)
        FROM json_each(${parameter}) AS wanted)
      ORDER BY priority DESC, id ASC LIMIT 1`;
}

/**
 * Builds the single-statement atomic claim. Parameters: `@agent`, `@now` (epoch ms), and `@skills` /
 * `@preferred` / `@exclude` (JSON arrays) when the shape has them.
 *
 * The inner SELECT ranks at most three candidates, each found by its own LIMIT 1 index lookup:
 * rank 0 the best task assigned to this agent, rank 1 the best unassigned task of a preferred skill,
 * rank 2 the best unassigned task of any (allowed) skill: it walks
 * `tasks_pending_idx (priority DESC, id) WHERE PENDING and unassigned` in order and stops at the first
 * task whose skill is allowed.
 * `AND status = 'PENDING'` on the UPDATE re-checks the row, so the statement never returns a task
 * it did not move to RUNNING. While the fleet is paused (a `fleet_flags` row named `paused`) it moves
 * nothing: one primary-key probe per claim.
 */
export function buildClaimSql(shape: ClaimSqlShape): string {
  const skillFilter = shape.skills
    ? `AND skill IN (SELECT value FROM json_each(@skills))`
    : shape.exclude
      ? `AND skill NOT IN (SELECT value FROM json_each(@exclude))`
      : '';
  const assigned = `SELECT id, 0 AS claim_rank FROM tasks
      WHERE assigned_to = @agent AND status = 'PENDING' ${skillFilter}
      ORDER BY priority DESC, id ASC LIMIT 1`;
  // Walk tasks_pending_idx in claim order; the first runnable row wins. `+skill` keeps the planner from
  // switching to per-skill lookups plus a sort over every pending task of those skills. In a fleet whose
  // workers all run the same skills the first row is the answer; only tasks no worker here can run are
  // stepped over.
  const anyTask = `SELECT id, 2 AS claim_rank FROM tasks
      WHERE status = 'PENDING' AND assigned_to IS NULL
        ${shape.skills ? 'AND +skill IN (SELECT value FROM json_each(@skills))' : shape.exclude ? 'AND +skill NOT IN (SELECT value FROM json_each(@exclude))' : ''}
      ORDER BY priority DESC, id ASC LIMIT 1`;
  const candidates = [assigned, ...(shape.preferred ? [bestOfSkills('@preferred', 1)] : []), anyTask]
    .map((candidate) => `SELECT * FROM (${candidate})`)
    .join('\n    UNION ALL ');
  return `UPDATE tasks
  SET status = 'RUNNING', claimed_by = @agent, claimed_at = @now, heartbeat_at = @now,
      attempts = attempts + 1
  WHERE id = (SELECT id FROM (${candidates}) ORDER BY claim_rank ASC LIMIT 1)
    AND status = 'PENDING'
    AND NOT EXISTS (SELECT 1 FROM fleet_flags WHERE name = '${FLEET_PAUSED_FLAG}')
  RETURNING ${TASK_COLUMNS}`;
}
