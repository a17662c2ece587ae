export type { QueueErrorCode, QueueErrorOptions } from './queue-error';
export { QueueError } from './queue-error';
