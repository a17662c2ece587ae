import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

describe('biged result', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('prints the task with --json: id, skill, status, result, error, attempts and timestamps', async () => {
    const queue = createQueue({ file: home.db });
    const { id } = queue.enqueue({ skill: 'noop', payload: { echo: 'hi' }, priority: 7 });
    queue.claim({ agent: 'coder_1' });
    queue.complete(id, 'coder_1', { echoed: 'hi' });
    queue.close();

    const result = await runCli(['result', String(id), '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    const task = result.json();
    expect(task).toMatchObject({
      id,
      skill: 'noop',
      status: 'DONE',
      priority: 7,
      payload: { echo: 'hi' },
      result: { echoed: 'hi' },
      error: null,
      attempts: 1,
      claimed_by: 'coder_1',
      assigned_to: null,
      parent_id: null,
    });
    for (const key of ['created_at', 'claimed_at', 'finished_at']) expect(task[key]).toBeTypeOf('string');
    expect(Object.keys(task)).toEqual(expect.arrayContaining(['max_attempts', 'timeout_ms', 'heartbeat_at']));

    const human = await runCli(['result', String(id), '--home', home.home]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /^task 1 {2}noop\nstatus +DONE\npriority +7\nattempts +1\/3\nagent +coder_1\n/,
    );
    expect(human.stdout).toContain('result\n  {\n    "echoed": "hi"\n  }\n');
  });

  it('exits 3 for an unknown id, and 1 for an id that is not a number', async () => {
    const missing = await runCli(['result', '999', '--home', home.home]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error: .*999/);
    expect(missing.stderr).toContain('try: ');

    const json = await runCli(['result', '999', '--json', '--home', home.home]);
    expect(json.code).toBe(3);
    expect(json.json()).toMatchObject({ error: { code: 'QUEUE_TASK_NOT_FOUND' } });

    const notANumber = await runCli(['result', 'abc', '--home', home.home]);
    expect(notANumber.code).toBe(1);
    expect(notANumber.stderr).toContain('a task id is a whole number');
  });
});

describe('biged cancel', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('cancels a pending task; a finished one cannot be cancelled (exit 1); unknown id exits 3', async () => {
    await runCli(['dispatch', 'noop', '{}', '--home', home.home]);
    const cancelled = await runCli(['cancel', '1', '--json', '--home', home.home]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.json()).toMatchObject({ id: 1, status: 'CANCELLED' });

    const again = await runCli(['cancel', '1', '--home', home.home]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: /);
    expect(again.stderr).toContain(
      'try: only PENDING, BLOCKED, RUNNING or WAITING_HUMAN tasks can be cancelled',
    );

    expect((await runCli(['cancel', '42', '--home', home.home])).code).toBe(3);
  });
});
