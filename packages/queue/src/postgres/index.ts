// `@biged/queue/postgres`: the PostgreSQL store. A separate entry so that only PostgreSQL users load `pg`.

export type { CopySqliteToPostgresOptions, CopySqliteToPostgresResult } from './copy-from-sqlite';
export { copySqliteToPostgres, SHARED_TABLES } from './copy-from-sqlite';
export type { CreatePostgresStoreOptions } from './create-postgres-store';
export { createPostgresStore, WORK_CHANNEL } from './create-postgres-store';
export { MIGRATION_LOCK_KEY, migratePostgres, postgresMigrationsFolder } from './migrate-postgres';
export {
  pgAgents,
  pgAlerts,
  pgFleetFlags,
  pgLocks,
  pgMessageReads,
  pgMessages,
  pgSchema,
  pgTaskDependencies,
  pgTasks,
} from './schema';
