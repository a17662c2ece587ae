import type { AuditEntry, AuditVerifyResult } from '@biged/queue';
import { createAuditTrail } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { parsePositiveInteger } from '../options';
import { renderTable } from '../output/table';

/** Largest `--limit` of `biged audit`. */
export const AUDIT_MAX_LIMIT = 10_000;

/** An audit row as `biged audit --json` prints it. */
export interface AuditEntryJson {
  id: number;
  at: string;
  actor: string;
  action: string;
  resource: string | null;
  decision: 'allow' | 'deny' | 'log';
  reason: string | null;
  detail: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

/** What `biged audit --verify --json` prints. */
export type AuditVerifyJson =
  | { ok: true; rows: number; head: string }
  | { ok: false; broken_at: number; reason: string };

const entryToJson = (entry: AuditEntry): AuditEntryJson => ({
  id: entry.id,
  at: entry.at,
  actor: entry.actor,
  action: entry.action,
  resource: entry.resource,
  decision: entry.decision,
  reason: entry.reason,
  detail: entry.detail,
  prev_hash: entry.prevHash,
  hash: entry.hash,
});

const verifyToJson = (result: AuditVerifyResult): AuditVerifyJson =>
  result.ok
    ? { ok: true, rows: result.rows, head: result.head }
    : { ok: false, broken_at: result.brokenAt, reason: result.reason };

const ACTION_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

const clip = (text: string | null, width: number) =>
  text === null ? '-' : text.length > width ? `…${text.slice(text.length - width + 1)}` : text;

interface AuditOptions {
  type?: string;
  actor?: string;
  limit?: number;
  before?: number;
  verify?: boolean;
}

/**
 * `biged audit [--type <action>] [--actor <name>] [--limit N] [--before <id>] [--verify]`: the audit trail
 * newest first, or, with `--verify`, the hash chain check (exit 6 when it is broken).
 */
export function registerAudit(program: Command, session: ProgramSession): void {
  program
    .command('audit')
    .description(
      'show the audit trail (file access, secret reads, dispatches, installs ...); --verify checks its hash chain',
    )
    .option('--type <action>', 'only this action, e.g. file_access, secret_read, dispatch, module_install')
    .option('--actor <name>', 'only rows by this actor (an agent name, cli, dashboard ...)')
    .option('--limit <n>', `most rows shown, 1 to ${AUDIT_MAX_LIMIT} (default 100)`, (text) =>
      parsePositiveInteger(text, '--limit'),
    )
    .option('--before <id>', 'only rows older than this id (paging)', (text) =>
      parsePositiveInteger(text, '--before'),
    )
    .option('--verify', 'recompute the hash chain; exit 6 when a row was edited, deleted or reordered')
    .action(async (options: AuditOptions, command: Command) => {
      const context = contextFor(session, command);
      if (options.limit !== undefined && options.limit > AUDIT_MAX_LIMIT) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `--limit must be at most ${AUDIT_MAX_LIMIT}, got ${options.limit}`,
          hint: 'page with --before <id> instead',
        });
      }
      if (options.type !== undefined && !ACTION_PATTERN.test(options.type)) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `--type must be an action name (a lowercase letter, then a-z 0-9 _ . -), got "${options.type}"`,
          hint: 'e.g. --type file_access',
        });
      }
      requireHome(context);
      const config = loadFleetConfig(context);
      if (options.verify) {
        const result = await withQueue(context, config, (queue) => createAuditTrail(queue).verify());
        if (!result.ok) session.setExitCode(EXIT_CODES.VERIFICATION_FAILED);
        if (context.json) {
          context.printJson(verifyToJson(result));
          return;
        }
        context.print(
          result.ok
            ? `audit chain OK: ${result.rows} rows, head ${result.head}\n`
            : `audit chain BROKEN at row ${result.brokenAt}: ${result.reason}\n`,
        );
        return;
      }
      const entries = await withQueue(context, config, (queue) =>
        createAuditTrail(queue).list({
          ...(options.type !== undefined ? { action: options.type } : {}),
          ...(options.actor !== undefined ? { actor: options.actor } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.before !== undefined ? { beforeId: options.before } : {}),
        }),
      );
      if (context.json) {
        context.printJson({ entries: entries.map(entryToJson) });
        return;
      }
      if (entries.length === 0) {
        context.print('no audit rows\n');
        return;
      }
      context.print(
        renderTable(
          ['ID', 'TIME', 'ACTOR', 'ACTION', 'DECISION', 'RESOURCE', 'REASON'],
          entries.map((entry) => [
            String(entry.id),
            entry.at,
            entry.actor,
            entry.action,
            entry.decision.toUpperCase(),
            clip(entry.resource, 60),
            clip(entry.reason, 60),
          ]),
        ),
      );
    });
}
