import type { Lock } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withStore } from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';

/** A lock as `biged locks --json` prints it. */
export interface LockJson {
  name: string;
  owner: string;
  acquired_at: string;
  expires_at: string | null;
}

const lockToJson = (lock: Lock): LockJson => ({
  name: lock.name,
  owner: lock.owner,
  acquired_at: lock.acquiredAt,
  expires_at: lock.expiresAt,
});

/**
 * `biged locks` lists held named locks; `biged locks release <name>` frees one whoever holds it
 * (the manual's recovery for a training lock left behind by a crashed run).
 */
export function registerLocks(program: Command, session: ProgramSession): void {
  const locks = program
    .command('locks')
    .description('list held named locks; `locks release <name>` frees one')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const held = await withStore(context, config, (store) => store.listLocks());
      if (context.json) {
        context.printJson({ locks: held.map(lockToJson) });
        return;
      }
      if (held.length === 0) {
        context.print('no locks held\n');
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'OWNER', 'ACQUIRED', 'EXPIRES'],
          held.map((lock) => [lock.name, lock.owner, lock.acquiredAt, lock.expiresAt ?? 'never']),
        ),
      );
    });

  locks
    .command('release')
    .description('release a lock whoever holds it (use when its owner crashed)')
    .argument('<name>', 'lock name, e.g. training')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const released = await withStore(context, config, async (store) => {
        const lock = await store.getLock(name);
        return lock && (await store.releaseLock(name)) ? lock : undefined;
      });
      if (!released) {
        throw new CliError({
          code: 'CLI_LOCK_NOT_FOUND',
          message: `no lock named "${name}" is held`,
          hint: 'list held locks with `biged locks`',
        });
      }
      if (context.json) context.printJson({ released: lockToJson(released) });
      else context.print(`released lock "${released.name}" (was held by ${released.owner})\n`);
    });
}
