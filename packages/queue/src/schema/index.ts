export type { AgentRow } from './agents';
export { agents } from './agents';
export type { LockRow } from './locks';
export { locks } from './locks';
export type { TaskRow } from './tasks';
export { tasks } from './tasks';
export type { UsageRow } from './usage';
export { usage } from './usage';
