// Unstable helpers for sibling packages, tests and benchmarks. Not part of the public API.

export type { ClaimSqlShape } from '../claim-sql';
export { buildClaimSql } from '../claim-sql';
export { MIGRATIONS_TABLE, migrationsFolder } from '../open-database';
export type { QueueConnection } from '../queue-database';
export { getQueueConnection, getQueueDatabase } from '../queue-database';
export type { AgentRow, LockRow, TaskRow, UsageRow } from '../schema';
export { agents, locks, tasks, usage } from '../schema';
