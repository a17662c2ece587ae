import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

const taskCount = (home: TempHome): number => {
  const queue = createQueue({ file: home.db });
  try {
    return Object.values(queue.counts()).reduce((sum, count) => sum + count, 0);
  } finally {
    queue.close();
  }
};

describe('biged dispatch', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  const dispatch = (...args: string[]) => runCli(['dispatch', ...args, '--home', home.home]);

  it('queues a task and prints {id, skill, status, priority} with --json', async () => {
    const result = await dispatch('code_index', '{"path": "."}', '--json');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.json()).toEqual({ id: 1, skill: 'code_index', status: 'PENDING', priority: 9 });
    expect(taskCount(home)).toBe(1);

    const human = await dispatch('noop', '{}', '--priority', '3', '--assigned-to', 'coder_1');
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('queued task 2 (noop, priority 3)\n');
    const queue = createQueue({ file: home.db });
    expect(queue.getOrThrow(2)).toMatchObject({ priority: 3, assignedTo: 'coder_1', payload: {} });
    queue.close();
  });

  it('resolves relative paths in the payload against the caller, not the worker', async () => {
    const result = await runCli(
      ['dispatch', 'code_index', '{"path": "src/.."}', '--json', '--home', home.home],
      { cwd: '/work/repo' },
    );
    expect(result.code).toBe(0);
    const queue = createQueue({ file: home.db });
    expect(queue.getOrThrow(1).payload).toEqual({ path: '/work/repo' });
    queue.close();
  });

  it('decodes --b64 payloads', async () => {
    const encoded = Buffer.from('{"query": "thermal", "limit": 2}').toString('base64');
    const result = await dispatch('knowledge_search', encoded, '--b64', '--json');
    expect(result.code).toBe(0);
    const queue = createQueue({ file: home.db });
    expect(queue.getOrThrow(1).payload).toEqual({ query: 'thermal', limit: 2 });
    queue.close();

    const bad = await dispatch('noop', '%%% not base64', '--b64');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not base64');
  });

  it.each([
    ['malformed JSON', ['code_index', '{"path": '], /payload is not valid JSON/],
    ['a JSON array', ['code_index', '[1, 2]'], /must be a JSON object, got an array/],
    ['an unknown skill', ['web_serch', '{}'], /no skill named "web_serch"; available skills: .*code_index/],
    [
      'a payload failing the schema',
      ['code_index', '{"path": 42}'],
      /does not match[\s\S]*path: expected string/,
    ],
    ['a missing required field', ['knowledge_search', '{}'], /query/],
    [
      'priority above 10',
      ['noop', '{}', '--priority', '11'],
      /--priority must be a whole number from 1 to 10/,
    ],
    ['a non-numeric priority', ['noop', '{}', '--priority', 'high'], /got "high"/],
  ])('rejects %s with exit 1, a hint, and no task stored', async (_name, args, message) => {
    const result = await dispatch(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace for the operator's mistakes
    expect(result.stdout).toBe('');
    expect(taskCount(home)).toBe(0);
  });

  it('rejects an oversized payload using [queue] max_payload_bytes', async () => {
    home.cleanup();
    home = await initHome('[queue]\nmax_payload_bytes = 64\n');
    const result = await dispatch('noop', JSON.stringify({ echo: 'x'.repeat(100) }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/payload is \d+ bytes; the limit is 64 bytes/);
    expect(result.stderr).toContain('try: ');
    expect(taskCount(home)).toBe(0);
  });

  it('prints errors as {"error": {code, message, hint}} on stdout with --json', async () => {
    const result = await dispatch('web_serch', '{}', '--json');
    expect(result.code).toBe(1);
    const { error } = result.json<{ error: { code: string; message: string; hint?: string } }>();
    expect(error.code).toBe('SKILL_NOT_FOUND');
    expect(error.message).toContain('web_serch');
    expect(error.hint).toBeTypeOf('string');
  });

  it('names the file and key of a wrong-typed fleet.toml (exit 1)', async () => {
    home.cleanup();
    home = await initHome('[workers]\ncoder_count = "three"\n\n[queue]\nmax_attempts = 0\n');
    const result = await dispatch('noop', '{}');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(home.config);
    expect(result.stderr).toContain('workers.coder_count');
    expect(result.stderr).toContain('queue.max_attempts');
    expect(taskCount(home)).toBe(0);
  });

  it('fails with a hint to run init when the home does not exist', async () => {
    const result = await runCli(['dispatch', 'noop', '{}', '--home', `${home.home}/missing`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no fleet home at');
    expect(result.stderr).toContain('try: create it with `biged init');
  });

  it('is a usage error (exit 2) without its arguments', async () => {
    const result = await runCli(['dispatch', 'noop', '--home', home.home]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'payload'");
  });
});

describe('biged dispatch --wait', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  // Plays the worker: claims the task from a second connection and finishes it.
  const finishSoon = (finish: (queue: ReturnType<typeof createQueue>, id: number) => void) => {
    const queue = createQueue({ file: home.db });
    const timer = setInterval(() => {
      const task = queue.claim({ agent: 'tester' });
      if (!task) return;
      clearInterval(timer);
      finish(queue, task.id);
      queue.close();
    }, 20);
  };

  it('blocks until the task is DONE and prints the full result with --json', async () => {
    finishSoon((queue, id) => queue.complete(id, 'tester', { files: 3 }));
    const result = await runCli([
      'dispatch',
      'noop',
      '{"echo": "hi"}',
      '--wait',
      '--json',
      '--home',
      home.home,
    ]);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({
      id: 1,
      skill: 'noop',
      status: 'DONE',
      priority: 9,
      result: { files: 3 },
      error: null,
      attempts: 1,
      claimed_by: 'tester',
    });
    expect(result.stderr).toContain('the fleet is not running');
  });

  it('exits 4 when the waited task FAILED, printing the error', async () => {
    finishSoon((queue, id) => queue.fail(id, 'tester', 'boom', { retry: false }));
    const result = await runCli(['task', '{"skill": "noop"}', '--wait', '--home', home.home]);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('queued task 1 (noop, priority 5)');
    expect(result.stdout).toMatch(/status\s+FAILED/);
    expect(result.stdout).toMatch(/error\n\s+boom/);
  });

  it('exits 5 when --timeout runs out, leaving the task queued', async () => {
    const result = await runCli(['dispatch', 'noop', '{}', '--wait', '--timeout', '1', '--home', home.home]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('task 1 did not finish within 1s; it stays queued');
    const queue = createQueue({ file: home.db });
    expect(queue.getOrThrow(1).status).toBe('PENDING');
    queue.close();
  });
});
