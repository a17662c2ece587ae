// Unstable helpers for sibling packages, tests and benchmarks. Not part of the public API.

export type { ClaimSqlShape } from '../claim-sql';
export { buildClaimSql } from '../claim-sql';
export { DEPENDENCY_SQL } from '../dependency-sql';
export { MESSAGE_SQL } from '../messages';
export { MIGRATIONS_TABLE, migrationsFolder } from '../open-database';
export type { QueueConnection } from '../queue-database';
export { getQueueConnection, getQueueDatabase } from '../queue-database';
export type {
  AgentRow,
  AlertRow,
  LockRow,
  MessageReadRow,
  MessageRow,
  TaskDependencyRow,
  TaskRow,
  UsageRow,
} from '../schema';
export { agents, alerts, locks, messageReads, messages, taskDependencies, tasks, usage } from '../schema';
