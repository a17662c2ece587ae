import { TASK_STATUSES } from '@biged/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from '../create-queue';
import { getQueueDatabase } from '../queue-database';
import type { TaskQueue } from '../task-queue';
import { tasks } from './tasks';

let queue: TaskQueue | undefined;
afterEach(() => queue?.close());

describe('tasks.status', () => {
  it("accepts exactly core's TASK_STATUSES, in the schema and in the database CHECK", () => {
    expect([...tasks.status.enumValues]).toEqual([...TASK_STATUSES]);
    queue = createQueue({ file: ':memory:' });
    const database = getQueueDatabase(queue);
    const insert = database.prepare(
      "INSERT INTO tasks (skill, payload_json, status, created_at) VALUES ('s', '{}', ?, 0)",
    );
    for (const status of TASK_STATUSES) expect(insert.run(status).changes).toBe(1);
    for (const status of ['pending', 'PAUSED', '', null]) {
      expect(() => insert.run(status), String(status)).toThrow(/CHECK constraint failed|NOT NULL/);
    }
    const update = database.prepare("UPDATE tasks SET status = 'ARCHIVED' WHERE id = 1");
    expect(() => update.run()).toThrow(/CHECK constraint failed: tasks_status_valid/);
  });
});
