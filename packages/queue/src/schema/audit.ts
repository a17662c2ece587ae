import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Audit trail") and docs/security.md describe this table; keep them in sync.

/** What a control decided about the audited action. */
export const AUDIT_DECISION_VALUES = ['allow', 'deny', 'log'] as const;

/**
 * The `audit_log` table: append-only (no UPDATE or DELETE is ever issued by BigEd). Each row carries the
 * SHA-256 `hash` of its own canonical content plus `prev_hash` (the previous row's hash; 64 zeros for the
 * first row), so an edited, deleted or reordered row breaks the chain that `biged doctor` verifies.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Epoch ms. */
    at: integer('at').notNull(),
    /** Who: an agent name, `cli`, `dashboard`, `supervisor`, `module-hub`. */
    actor: text('actor').notNull(),
    /** What kind of event: `file_access`, `secret_read`, `dispatch`, `hitl_answer`, `module_install`, `gdpr_erase`, ... */
    action: text('action').notNull(),
    /** The path, secret name, task id, module name ... the event is about; null if none. */
    resource: text('resource'),
    decision: text('decision', { enum: AUDIT_DECISION_VALUES }).notNull(),
    reason: text('reason'),
    /** A JSON object with details (already DLP-redacted); null if none. */
    detailJson: text('detail_json'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    check('audit_log_decision_valid', sql`${table.decision} IN ('allow', 'deny', 'log')`),
    index('audit_log_action_idx').on(table.action, table.id),
  ],
);

/** An `audit_log` row as stored (times in epoch milliseconds). */
export type AuditLogRow = typeof auditLog.$inferSelect;
