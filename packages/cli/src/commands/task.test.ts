import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { isJsonTask, parseRawTask } from './task';

describe('parseRawTask', () => {
  it('reads the manual forms', () => {
    expect(parseRawTask('{"skill":"knowledge_search","query":"q"}')).toEqual({
      skill: 'knowledge_search',
      payload: { query: 'q' },
    });
    expect(parseRawTask(' {"type": "noop", "payload": {"echo": "x"}} ')).toEqual({
      skill: 'noop',
      payload: { echo: 'x' },
    });
  });

  it('tells sentences from the JSON form, and explains missing skills', () => {
    expect(isJsonTask(' {"skill": "noop"}')).toBe(true);
    expect(isJsonTask('[1]')).toBe(true);
    expect(isJsonTask('re-index all knowledge documents')).toBe(false);
    expect(() => parseRawTask('re-index all knowledge documents')).toThrow(/goes to the conductor model/);
    expect(() => parseRawTask('{"query": "x"}')).toThrow(/needs a "skill"/);
    expect(() => parseRawTask('{"skill": "noop", "payload": [1]}')).toThrow(/must be a JSON object/);
  });
});

describe('biged task', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('queues a raw JSON task at priority 5 by default', async () => {
    const result = await runCli(
      ['task', '{"skill":"code_index","path":"."}', '--json', '--home', home.home],
      {
        cwd: '/srv/project',
      },
    );
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ id: 1, skill: 'code_index', status: 'PENDING', priority: 5 });
    const queue = createQueue({ file: home.db });
    // Relative paths are resolved against the caller's directory before the task is stored.
    expect(queue.getOrThrow(1).payload).toEqual({ path: '/srv/project' });
    queue.close();
  });

  it('validates the payload against the skill before storing anything', async () => {
    const result = await runCli(['task', '{"skill":"code_index"}', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('path');
    const queue = createQueue({ file: home.db });
    expect(queue.list()).toEqual([]);
    queue.close();
  });
});
