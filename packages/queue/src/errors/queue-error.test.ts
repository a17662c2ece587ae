import { BigedError, PayloadError } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { QueueError } from './queue-error';

describe('QueueError', () => {
  it('is a BigedError recognised by marker, with typed context', () => {
    const cause = new Error('root');
    const error = new QueueError({
      code: 'QUEUE_TASK_NOT_FOUND',
      taskId: 7,
      message: 'task 7 does not exist',
      cause,
    });
    expect(QueueError.isInstance(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    expect(PayloadError.isInstance(error)).toBe(false);
    expect(QueueError.isInstance(new PayloadError({ code: 'PAYLOAD_TOO_LARGE', message: 'x' }))).toBe(false);
    expect(error).toMatchObject({ name: 'QueueError', code: 'QUEUE_TASK_NOT_FOUND', taskId: 7, cause });
    expect(error.toJSON()).toEqual({
      name: 'QueueError',
      code: 'QUEUE_TASK_NOT_FOUND',
      message: 'task 7 does not exist',
    });
  });
});
