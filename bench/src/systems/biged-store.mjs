// Opens a BigEd store the way a fleet does: SQLite through `createSqliteStore({ file })` (@biged/queue),
// PostgreSQL through `createPostgresStore({ url })` (@biged/queue/postgres).

/** Skill name of the benchmark's no-op tasks. */
export const NOOP_SKILL = 'noop';

/**
 * The store for `dialect` ('sqlite' with `file`, 'postgres' with `url`). Throws when the PostgreSQL store is not
 * built into @biged/queue (the message says so).
 */
export async function openBigedStore({ dialect, file, url }) {
  if (dialect === 'sqlite') {
    const { createSqliteStore } = await import('@biged/queue');
    return createSqliteStore({ file });
  }
  let module;
  try {
    module = await import('@biged/queue/postgres');
  } catch (error) {
    const missing = error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
    throw new Error(
      missing
        ? '@biged/queue/postgres is not built (no createPostgresStore yet)'
        : `@biged/queue/postgres did not load: ${String(error?.message ?? error).split('\n')[0]}`,
    );
  }
  return await module.createPostgresStore({ url });
}
