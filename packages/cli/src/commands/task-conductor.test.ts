import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TempHome } from '@biged/core/test';
import { createQueue, createUsageLedger } from '@biged/queue';
import { builtinSkills } from '@biged/skills';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliPrompt } from '../io';
import {
  closedPort,
  type OllamaStub,
  type OllamaStubOptions,
  startOllamaStub,
} from '../test-support/ollama-stub';
import { initHome, runCli } from '../test-utils';

const fixtureSkills = fileURLToPath(new URL('../__fixtures__/skills', import.meta.url));

// The skills the conductor is offered: the built-ins plus the fixture directory's, sorted (never a fixed list).
const builtinNames = builtinSkills.map(({ name }) => name);
/** The built-ins offline mode keeps (web_search and the other network skills are left out). */
const localBuiltinNames = builtinSkills
  .filter(({ requiresNetwork }) => !requiresNetwork)
  .map(({ name }) => name)
  .sort();
const allSkills = [...builtinNames, 'test_web_fetch'].sort();

const answer = (skill: string, payload: Record<string, unknown>, confidence: string) =>
  JSON.stringify({ task: { skill, payload }, confidence });

const fleetToml = (host: string, extra = '') =>
  `[models]\nconductor_model = "qwen3:4b"\nollama_host = "${host}"\n\n[router]\nmax_retries = 0\n\n[skills]\ndirs = ["${fixtureSkills}"]\n${extra}`;

const storedTasks = (home: TempHome) => {
  const queue = createQueue({ file: home.db });
  try {
    return queue.list();
  } finally {
    queue.close();
  }
};

describe('biged task "<sentence>" (the conductor)', () => {
  let home: TempHome;
  let stub: OllamaStub | undefined;

  const start = async (options: OllamaStubOptions, extraToml = '') => {
    stub = await startOllamaStub(options);
    home = await initHome(fleetToml(stub.url, extraToml));
    return stub;
  };
  const task = (args: string[], prompt?: CliPrompt) =>
    runCli(['task', ...args, '--home', home.home], { cwd: '/srv/project', ...(prompt ? { prompt } : {}) });

  afterEach(async () => {
    await stub?.close();
    stub = undefined;
    home?.cleanup();
  });

  it('dispatches a high-confidence interpretation and books the call under skill "conductor"', async () => {
    const server = await start({ content: answer('code_index', { path: 'src' }, 'high') });
    const result = await task(['index the code in src', '--json']);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ id: 1, skill: 'code_index', status: 'PENDING', priority: 5 });
    expect(result.stderr).toContain(
      'conductor (local/qwen3:4b, confidence high): code_index {"path":"/srv/project/src"}',
    );
    expect(storedTasks(home)).toMatchObject([
      { id: 1, skill: 'code_index', status: 'PENDING', payload: { path: '/srv/project/src' } },
    ]);

    // What the model was asked: greedy, bounded, constrained to every registered skill's schema.
    expect(server.requests).toHaveLength(1);
    const { body } = server.requests[0]!;
    expect(body.model).toBe('qwen3:4b');
    expect(body.options).toMatchObject({ temperature: 0, num_predict: 1024 });
    const branches = (
      body.format as { properties: { task: { anyOf: Array<{ properties: { skill: { const: string } } }> } } }
    ).properties.task.anyOf;
    expect(branches.map((branch) => branch.properties.skill.const)).toEqual(allSkills);
    expect(body.messages?.[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('- code_index: '),
    });
    expect(body.messages?.[1]).toEqual({ role: 'user', content: 'index the code in src' });

    const queue = createQueue({ file: home.db });
    const usage = createUsageLedger({ queue }).listUsage();
    queue.close();
    expect(usage).toMatchObject([
      {
        skill: 'conductor',
        agent: 'cli',
        provider: 'local',
        model: 'qwen3:4b',
        inputTokens: 312,
        outputTokens: 24,
        ok: true,
      },
    ]);
  });

  it('refuses an unsure interpretation without a terminal or --yes, and dispatches nothing', async () => {
    await start({ content: answer('code_index', { path: 'src' }, 'low') });
    const result = await task(['maybe index something']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: the conductor is not sure (confidence low) that you meant code_index {"path":"/srv/project/src"}',
    );
    expect(result.stderr).toContain(
      `try: re-run with --yes to dispatch it anyway, or dispatch exactly what you mean: biged dispatch code_index '{"path":"/srv/project/src"}'`,
    );
    expect(storedTasks(home)).toEqual([]);

    const json = await task(['maybe index something', '--json']);
    expect(json.code).toBe(1);
    expect(json.json<{ error: { code: string } }>().error.code).toBe('CONDUCTOR_NOT_CONFIRMED');
    expect(storedTasks(home)).toEqual([]);
  });

  it('dispatches an unsure interpretation with --yes', async () => {
    await start({ content: answer('knowledge_search', { query: 'thermal policy' }, 'medium') });
    const result = await task(['what do we know about thermal policy', '--yes', '--priority', '8', '--json']);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ id: 1, skill: 'knowledge_search', status: 'PENDING', priority: 8 });
    expect(storedTasks(home)).toMatchObject([{ payload: { query: 'thermal policy' } }]);
  });

  it('asks on a terminal: "y" dispatches, anything else does not', async () => {
    await start({ content: answer('code_index', { path: '.' }, 'medium') });
    const questions: string[] = [];
    const answering =
      (reply: string): CliPrompt =>
      async (question) => {
        questions.push(question);
        return reply;
      };

    const declined = await task(['index here'], answering('n'));
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain(
      'error: not dispatched: you declined code_index {"path":"/srv/project"}',
    );
    expect(storedTasks(home)).toEqual([]);

    const empty = await task(['index here'], answering(''));
    expect(empty.code).toBe(1);
    expect(storedTasks(home)).toEqual([]);

    const accepted = await task(['index here'], answering('Y'));
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toBe('queued task 1 (code_index, priority 5)\n');
    expect(storedTasks(home)).toMatchObject([{ skill: 'code_index', payload: { path: '/srv/project' } }]);
    expect(questions).toEqual(Array(3).fill('Dispatch code_index {"path":"/srv/project"}? [y/N] '));
  });

  it('does not ask about a high-confidence interpretation', async () => {
    await start({ content: answer('noop', { echo: 'hi' }, 'high') });
    const asked: string[] = [];
    const result = await task(['say hi'], async (question) => {
      asked.push(question);
      return 'n';
    });
    expect(result.code).toBe(0);
    expect(asked).toEqual([]);
  });

  it('--dry-run prints the interpretation and dispatches nothing', async () => {
    await start({ content: answer('code_index', { path: 'lib' }, 'low') });
    const json = await task(['index lib', '--dry-run', '--json']);
    expect(json.code).toBe(0);
    expect(json.json()).toEqual({
      skill: 'code_index',
      payload: { path: '/srv/project/lib' },
      confidence: 'low',
    });
    const human = await task(['index lib', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      'skill       code_index\npayload     {"path":"/srv/project/lib"}\nconfidence  low\nnothing was dispatched (--dry-run)\n',
    );
    expect(storedTasks(home)).toEqual([]);
  });

  it('--dry-run works for the JSON form too (confidence null)', async () => {
    await start({ content: 'unused' });
    const result = await task(['{"skill": "code_index", "path": "."}', '--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      skill: 'code_index',
      payload: { path: '/srv/project' },
      confidence: null,
    });
    expect(stub!.connections()).toBe(0);
    expect(storedTasks(home)).toEqual([]);
  });

  it.each([
    [
      'a payload that fails the skill schema',
      answer('code_index', { path: 42 }, 'high'),
      ['task.payload.path: expected string, received number'],
    ],
    [
      'a skill that is not registered',
      answer('not_a_skill', { query: 'x' }, 'high'),
      [`task.skill: expected one of ${allSkills.join(', ')}, got "not_a_skill"`],
    ],
    ['text that is not JSON', 'I think you want code_index', ['(answer): not valid JSON']],
  ])('refuses %s (exit 1), listing the bad fields and pointing at the JSON form', async (_name, content, issues) => {
    await start({ content });
    const result = await task(['index the code']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered with a task that does not validate; nothing was dispatched');
    for (const issue of issues) expect(result.stderr).toContain(`  - ${issue}`);
    expect(result.stderr).toContain(`try: rephrase the request, or give the task exactly with the JSON form`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(storedTasks(home)).toEqual([]);
    const json = await task(['index the code', '--json']);
    expect(json.json<{ error: { code: string } }>().error.code).toBe('CONDUCTOR_INVALID_ANSWER');
  });

  it('names provider, model and host when nothing answers (exit 5), and says what to do', async () => {
    const port = await closedPort();
    home = await initHome(fleetToml(`http://127.0.0.1:${port}`));
    const result = await task(['index the code']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `error: the conductor model did not answer: provider "local", model "qwen3:4b" at http://127.0.0.1:${port}`,
    );
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('start Ollama (`ollama serve`, then `ollama pull qwen3:4b`)');
    expect(result.stderr).toContain(`put qwen3:4b.gguf in ${home.home}/models and run \`biged up\``);
    expect(result.stderr).toContain(`biged dispatch <skill> '<json>'`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const json = await task(['index the code', '--json']);
    expect(json.code).toBe(5);
    expect(json.json<{ error: { code: string } }>().error.code).toBe('CONDUCTOR_UNREACHABLE');
    expect(storedTasks(home)).toEqual([]);
  });

  it('says the model is missing when Ollama answers 404 (exit 5)', async () => {
    const server = await start({ content: 'unused', models: ['llama3.2'] });
    const result = await task(['index the code']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(
      `error: the conductor model does not have the model: provider "local", model "qwen3:4b" at ${server.url}`,
    );
    expect(result.stderr).toContain('model "qwen3:4b" not found');
    expect(result.stderr).toContain('try: pull it (`ollama pull qwen3:4b`) or set [models] conductor_model');
    expect(storedTasks(home)).toEqual([]);
  });

  it('reports a failing model server (HTTP 500) as unreachable (exit 5)', async () => {
    await start({ content: 'unused', status: 500 });
    const result = await task(['index the code']);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('error: the conductor model failed: provider "local"');
    expect(result.stderr).toContain('HTTP 500');
  });

  it('offline, an external conductor provider is refused before any connection (ROUTER_OFFLINE)', async () => {
    const server = await start({ content: 'unused' });
    // Point Claude at the stub: a connection attempt would be counted.
    writeFileSync(
      home.config,
      `[fleet]\noffline_mode = true\n\n[models]\nconductor_provider = "claude"\nclaude_base_url = "${server.url}"\n`,
    );
    const result = await task(['index the code']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: Refused to call external provider "claude" (claude-sonnet-4-5): [fleet] offline_mode is on',
    );
    expect(result.stderr).toContain('try: use a local provider, or set [fleet] offline_mode = false');
    expect(server.connections()).toBe(0);
    expect(storedTasks(home)).toEqual([]);
  });

  it('names the bad key when [models] conductor_provider is not a provider (exit 1)', async () => {
    const server = await start({ content: 'unused' });
    writeFileSync(home.config, '[models]\nconductor_provider = "openai"\n');
    const result = await task(['index the code']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(home.config);
    expect(result.stderr).toContain(
      'models.conductor_provider: expected one of local, claude, gemini, got "openai"',
    );
    expect(server.connections()).toBe(0);
  });

  it('leaves out a skill whose schema has no JSON Schema form, logging it at debug level to logs/cli.log', async () => {
    const customSkills = fileURLToPath(new URL('../__fixtures__/custom-skills', import.meta.url));
    const server = await start({ content: answer('noop', {}, 'high') });
    writeFileSync(
      home.config,
      `[models]\nconductor_model = "qwen3:4b"\nollama_host = "${server.url}"\n\n[logging]\nlevel = "debug"\n\n[skills]\ndirs = ["${customSkills}"]\n`,
    );
    const result = await task(['do nothing']);
    expect(result.code).toBe(0);
    expect(JSON.stringify(server.requests[0]!.body.format)).not.toContain('test_opaque');
    const log = readFileSync(path.join(home.home, 'logs', 'cli.log'), 'utf8');
    expect(log).toContain('"skill":"test_opaque"');
    expect(log).toContain('its payload schema has no JSON Schema form');
  });

  it('offline, leaves requiresNetwork skills out of the schema', async () => {
    const server = await start(
      { content: answer('test_web_fetch', { url: 'https://example.com' }, 'high') },
      '\n[fleet]\noffline_mode = true\n',
    );
    const result = await task(['fetch https://example.com']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `task.skill: expected one of ${localBuiltinNames.join(', ')}, got "test_web_fetch"`,
    );
    const format = JSON.stringify(server.requests[0]!.body.format);
    expect(format).not.toContain('test_web_fetch');
    expect(format).toContain('"const":"noop"');
    expect(storedTasks(home)).toEqual([]);
  });

  it.each([
    ['an empty sentence', '   ', 'the task is empty'],
    [
      'an oversized sentence',
      'x'.repeat(4001),
      'the task is 4001 characters; the conductor takes at most 4000',
    ],
  ])('refuses %s without calling the model (exit 1)', async (_name, sentence, message) => {
    const server = await start({ content: 'unused' });
    const result = await task([sentence]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(server.connections()).toBe(0);
  });
});

describe('biged task "<sentence>" --wait', () => {
  let home: TempHome;
  let stub: OllamaStub;
  beforeEach(async () => {
    stub = await startOllamaStub({ content: answer('noop', { echo: 'hi' }, 'high') });
    home = await initHome(fleetToml(stub.url));
  });
  afterEach(async () => {
    await stub.close();
    home.cleanup();
  });

  it('waits for the dispatched task and prints its result', async () => {
    const queue = createQueue({ file: home.db });
    const timer = setInterval(() => {
      const claimed = queue.claim({ agent: 'tester' });
      if (!claimed) return;
      clearInterval(timer);
      queue.complete(claimed.id, 'tester', { ok: true, echo: 'hi' });
    }, 20);
    const result = await runCli(['task', 'say hi', '--wait', '--json', '--home', home.home]);
    clearInterval(timer);
    queue.close();
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({
      id: 1,
      skill: 'noop',
      status: 'DONE',
      result: { ok: true, echo: 'hi' },
    });
  });
});
