import { existsSync } from 'node:fs';
import { loadConfig, toError } from '@biged/core';
import { type AuditAppendRequest, createAuditTrail, type TaskQueue } from '@biged/queue';
import { type CommandContext, withHostQueue } from './context';

/** The audit row's actor for everything the CLI does. */
export const CLI_AUDIT_ACTOR = 'cli';

/**
 * Appends an audit row (actor `cli` unless given) on an open queue. An audit write that fails is a
 * warning on stderr, never the command's failure: the action itself already happened.
 */
export function appendAudit(
  context: Pick<CommandContext, 'warn'>,
  queue: TaskQueue,
  request: Omit<AuditAppendRequest, 'actor'> & { actor?: string },
): void {
  try {
    createAuditTrail(queue).append({ actor: CLI_AUDIT_ACTOR, ...request });
  } catch (error) {
    context.warn(`could not write the ${request.action} audit row: ${toError(error).message}`);
  }
}

/**
 * Appends an audit row to the fleet home's queue, opening it for the purpose. Does nothing when the home
 * does not exist (e.g. `biged secret get` on a machine without a fleet); warns when the row cannot be written.
 */
export async function recordAudit(
  context: CommandContext,
  request: Omit<AuditAppendRequest, 'actor'> & { actor?: string },
): Promise<void> {
  if (!existsSync(context.home)) return;
  try {
    // Quietly: the command already printed fleet.toml's warnings once, if it loaded it.
    const { config } = loadConfig({ file: context.paths.config });
    await withHostQueue(context, config, (queue) => appendAudit(context, queue, request));
  } catch (error) {
    context.warn(`could not write the ${request.action} audit row: ${toError(error).message}`);
  }
}
