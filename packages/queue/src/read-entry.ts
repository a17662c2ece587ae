// `@biged/queue/read`: drizzle-free reads of an existing queue for fast-starting commands (`biged status`).
export type { OpenQueueReaderOptions, QueueReader } from './queue-reader';
export { openQueueReader } from './queue-reader';
export type { WorkflowRun, WorkflowRunStatus, WorkflowRunStep } from './workflow-run';
