import { fleetPaths } from '@biged/core';
import type { TempHome } from '@biged/core/test';
import { createQueue, createSqliteStore, type TaskQueue } from '@biged/queue';
import type { Skill } from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../context';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { initHome } from '../test-utils';
import { enqueueTask } from './submit-task';

describe('enqueueTask --wait', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  const contextFor = (json: boolean) => {
    let stdout = '';
    let stderr = '';
    const codes: ExitCode[] = [];
    const context: CommandContext = {
      io: { stdout: { write: () => {} }, stderr: { write: () => {} }, env: {}, cwd: home.home },
      binPath: '/nonexistent/bin.js',
      setExitCode: (code) => codes.push(code),
      home: home.home,
      paths: fleetPaths(home.home),
      json,
      print: (text) => {
        stdout += text;
      },
      printJson: (value) => {
        stdout += `${JSON.stringify(value)}\n`;
      },
      warn: (message) => {
        stderr += `warning: ${message}\n`;
      },
    };
    return { context, codes, output: () => ({ stdout, stderr }) };
  };

  it.each([false, true])('treats SKIPPED as not-success (exit 4) and says why (json: %s)', async (json) => {
    const queue = createQueue({ file: home.db });
    const blocker = queue.enqueue({ skill: 'noop', payload: {} });
    // The queue the command gets: the real one, with the waited task made to depend on `blocker`.
    const dependent: TaskQueue = Object.create(queue, {
      enqueue: {
        value: (request: Parameters<TaskQueue['enqueue']>[0]) =>
          queue.enqueue({ ...request, dependsOn: [blocker.id], onDependencyFailure: 'skip' }),
      },
    });
    const other = createQueue({ file: home.db });
    const timer = setInterval(() => {
      if (!other.get(blocker.id + 1)) return;
      clearInterval(timer);
      // Cancelling the blocker would cancel what waits on it; failing it skips the dependent.
      const claimed = other.claim({ agent: 'tester' });
      if (claimed) other.fail(claimed.id, 'tester', 'boom', { retry: false });
    }, 20);
    const noop = builtinSkills.find(({ name }) => name === 'noop') as Skill;
    const { context, codes, output } = contextFor(json);
    try {
      await enqueueTask(
        context,
        createSqliteStore(dependent),
        { skill: noop, payload: {} },
        { priority: 5, wait: true },
      );
    } finally {
      clearInterval(timer);
      other.close();
      queue.close();
    }
    expect(codes).toEqual([EXIT_CODES.TASK_FAILED]);
    const { stdout, stderr } = output();
    expect(stderr).toContain(`warning: task ${blocker.id + 1} was SKIPPED: dependency ${blocker.id} failed`);
    if (json)
      expect(JSON.parse(stdout)).toMatchObject({
        status: 'SKIPPED',
        error: `dependency ${blocker.id} failed`,
      });
    else expect(stdout).toMatch(/status\s+SKIPPED/);
  });
});
