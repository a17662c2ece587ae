import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { AGENT_NAME_PATTERN, createAuditTrail, type TaskQueue } from '@biged/queue';
import { getQueueConnection } from '@biged/queue/internal';

// NOTE: packages/cli/README.md ("biged gdpr-erase") says what is erased and what is kept; keep the two in sync.

/** What `biged gdpr-erase <agent>` erases (or would erase). */
export interface GdprErasePlan {
  agent: string;
  /** Direct messages and broadcasts the agent sent or received (the rows are deleted). */
  messages: number;
  /** Notes the agent posted to a channel (deleted). */
  notes: number;
  /** The agent's read receipts of broadcasts (deleted). */
  messageReads: number;
  /** Tasks claimed by or assigned to the agent that hold a result or an error (both set to NULL). */
  taskResults: number;
  /** Knowledge files written by the agent, absolute (deleted). */
  knowledgeFiles: string[];
}

/** What `gdprErase` returns. */
export interface GdprEraseResult extends GdprErasePlan {
  /** The id of the audit row that records the erasure. */
  auditId: number;
}

/** Options for `planGdprErase` and `gdprErase`. */
export interface GdprEraseOptions {
  /** The queue of the fleet (an open `createQueue`). */
  queue: TaskQueue;
  /** The agent whose data goes; must match `AGENT_NAME_PATTERN`. */
  agent: string;
  /** The fleet's knowledge folder (`<home>/knowledge`). */
  knowledgeDir: string;
  /** Who asked, for the audit row. Default `cli`. */
  actor?: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const SQL = {
  countMessages: `SELECT
      SUM(CASE WHEN kind <> 'note' THEN 1 ELSE 0 END) AS messages,
      SUM(CASE WHEN kind = 'note' THEN 1 ELSE 0 END) AS notes
    FROM messages WHERE sender = @agent OR recipient = @agent`,
  countReads: 'SELECT COUNT(*) AS n FROM message_reads WHERE agent = @agent',
  taskResults: `SELECT result_json AS resultJson FROM tasks
    WHERE (claimed_by = @agent OR assigned_to = @agent) AND (result_json IS NOT NULL OR error IS NOT NULL)`,
  deleteReads: `DELETE FROM message_reads WHERE agent = @agent
    OR message_id IN (SELECT id FROM messages WHERE sender = @agent OR recipient = @agent)`,
  deleteMessages: 'DELETE FROM messages WHERE sender = @agent OR recipient = @agent',
  clearResults: `UPDATE tasks SET result_json = NULL, error = NULL
    WHERE (claimed_by = @agent OR assigned_to = @agent) AND (result_json IS NOT NULL OR error IS NOT NULL)`,
} as const;

/** Every regular file under `dir`, absolute. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(at));
    else if (entry.isFile()) out.push(at);
  }
  return out;
}

/** Every string inside a JSON value. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, out);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) stringsIn(item, out);
  return out;
}

/**
 * The knowledge files an agent wrote. Two sources, since files carry no owner column: the naming rule of
 * the knowledge skills (`<name>_<YYYYMMDD>_<agent>.<ext>`, see @biged/skills), and the paths under
 * knowledge/ that the agent's task results name (e.g. `file` of code_review).
 */
function knowledgeFilesOf(agent: string, knowledgeDir: string, results: string[]): string[] {
  const root = path.resolve(knowledgeDir);
  const byName = new RegExp(`_\\d{8}_${escapeRegExp(agent)}\\.[A-Za-z0-9]+$`);
  const files = new Set(filesUnder(root).filter((file) => byName.test(path.basename(file))));
  for (const text of results) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    for (const candidate of stringsIn(parsed)) {
      if (!path.isAbsolute(candidate)) continue;
      const resolved = path.resolve(candidate);
      if (resolved.startsWith(`${root}${path.sep}`) && existsSync(resolved)) files.add(resolved);
    }
  }
  return [...files].sort();
}

const assertAgent = (agent: string) => {
  if (!AGENT_NAME_PATTERN.test(agent)) {
    throw new TypeError(`not an agent name: ${JSON.stringify(agent)} (expected ${AGENT_NAME_PATTERN})`);
  }
};

/** What `gdprErase` would erase for the agent; reads only. */
export function planGdprErase({ queue, agent, knowledgeDir }: GdprEraseOptions): GdprErasePlan {
  assertAgent(agent);
  const { sqlite, retry } = getQueueConnection(queue);
  return retry(() => {
    const counts = sqlite.prepare(SQL.countMessages).get({ agent }) as {
      messages: number | null;
      notes: number | null;
    };
    const reads = sqlite.prepare(SQL.countReads).get({ agent }) as { n: number };
    const results = sqlite.prepare(SQL.taskResults).all({ agent }) as { resultJson: string | null }[];
    return {
      agent,
      messages: counts.messages ?? 0,
      notes: counts.notes ?? 0,
      messageReads: reads.n,
      taskResults: results.length,
      knowledgeFiles: knowledgeFilesOf(
        agent,
        knowledgeDir,
        results.flatMap((row) => (row.resultJson === null ? [] : [row.resultJson])),
      ),
    };
  });
}

/**
 * Erases an agent's data (GDPR Art. 17, the manual's incident step `gdpr-erase <agent> --confirm`): in one
 * write transaction it deletes the messages and notes the agent sent or received and its read receipts, and
 * sets `result_json` and `error` to NULL on the tasks it claimed or was assigned (the task rows stay, so
 * counts, dependencies and the usage ledger keep adding up); then deletes its knowledge files and appends an
 * audit row (`gdpr_erase`, decision `log`, counts only: no erased content). Kept: the agent's row, task
 * payloads (they are the submitter's), usage rows and log files (delete logs/<agent>.log by hand if needed).
 */
export function gdprErase(options: GdprEraseOptions): GdprEraseResult {
  const { queue, agent, actor = 'cli' } = options;
  assertAgent(agent);
  const { sqlite, retry } = getQueueConnection(queue);
  const erase = sqlite.transaction(() => {
    const plan = planGdprErase(options);
    sqlite.prepare(SQL.deleteReads).run({ agent });
    sqlite.prepare(SQL.deleteMessages).run({ agent });
    sqlite.prepare(SQL.clearResults).run({ agent });
    return plan;
  });
  const plan = retry(() => erase.immediate());
  for (const file of plan.knowledgeFiles) rmSync(file, { force: true });
  const entry = createAuditTrail(queue).append({
    actor,
    action: 'gdpr_erase',
    resource: agent,
    decision: 'log',
    reason: 'gdpr-erase --confirm',
    detail: {
      messages: plan.messages,
      notes: plan.notes,
      message_reads: plan.messageReads,
      task_results: plan.taskResults,
      knowledge_files: plan.knowledgeFiles.length,
    },
  });
  return { ...plan, auditId: entry.id };
}
