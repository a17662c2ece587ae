import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fleetPaths } from '@biged/core';
import { createModuleHub } from '@biged/module-hub';
import { createUsageLedger } from '@biged/queue';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { LauncherApp, type LauncherAppProps, type LauncherModules } from './launcher-app';
import { createLauncherData } from './launcher-data';
import { loadModuleHost } from './module-host';
import {
  KEYS,
  moduleFiles,
  press,
  type TestHome,
  tarGz,
  testHome,
  type,
  waitForFrame,
  writeTree,
} from './test-support';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const NOW = Date.parse('2026-11-30T12:30:00Z');

let fleet: TestHome;
let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  fleet?.cleanup();
});

function start(props: Partial<LauncherAppProps> = {}) {
  const data = createLauncherData({
    queue: fleet.queue,
    ledger: createUsageLedger({ queue: fleet.queue }),
    paths: fleetPaths(fleet.home),
    ...(props.now ? { now: props.now } : {}),
  });
  const app = render(
    <LauncherApp data={data} refreshMs={50} moduleRefreshMs={100} columns={80} rows={24} {...props} />,
  );
  cleanups.push(() => app.unmount());
  return app;
}

/** Every frame fits an 80x24 terminal. */
function expectFits(frame: string) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(24);
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
}

describe('LauncherApp: tabs and keys', () => {
  it('opens on Fleet with the agents, their states and heartbeats, and the task counts', async () => {
    fleet = testHome();
    fleet.queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    fleet.queue.registerAgent({ name: 'researcher_1', role: 'researcher', pid: 102, status: 'IDLE' });
    fleet.queue.agentHeartbeat('coder_1', { status: 'IDLE', currentTaskId: null });
    fleet.queue.enqueue({ skill: 'summarize', payload: {} });
    const app = start();
    const frame = await waitForFrame(app.lastFrame, 'researcher_1');
    expect(frame).toContain('1 Fleet');
    expect(frame).toContain('6 Modules');
    expect(frame).toMatch(/coder_1\s+coder\s+IDLE/);
    expect(frame).toContain('PENDING 1');
    expectFits(frame);
  });

  it("keeps a silent agent's heartbeat age moving although nothing else changes", async () => {
    fleet = testHome();
    fleet.queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    fleet.queue.agentHeartbeat('coder_1', { status: 'IDLE', currentTaskId: null });
    let offset = 0;
    const app = start({ now: () => Date.now() + offset });
    await waitForFrame(app.lastFrame, /coder_1.*IDLE\s+-\s+\d+s/);
    offset = 3 * 60_000;
    await waitForFrame(app.lastFrame, /coder_1.*IDLE\s+-\s+3m/);
  });

  it('switches tabs with number keys, tab and shift+tab, and quits on q', async () => {
    fleet = testHome();
    const hub = createModuleHub({ home: fleet.home, config: fleet.config });
    const app = start({ hub });
    await waitForFrame(app.lastFrame, 'Agents (0)');
    await press(app.stdin, '2');
    await waitForFrame(app.lastFrame, 'Newest tasks');
    await press(app.stdin, KEYS.tab);
    await waitForFrame(app.lastFrame, 'Agent requests');
    await press(app.stdin, KEYS.shiftTab, KEYS.shiftTab);
    await waitForFrame(app.lastFrame, 'Agents (0)');
    await press(app.stdin, KEYS.shiftTab);
    await waitForFrame(app.lastFrame, 'Installed (0)');
    await press(app.stdin, '9'); // no ninth tab: nothing happens
    await waitForFrame(app.lastFrame, 'Installed (0)');
    await press(app.stdin, 'q');
    // The app has exited: keys change nothing any more. (Whether Ink leaves the last frame or clears it on
    // exit depends on timing, so the check is that the Fleet tab never comes back.)
    await press(app.stdin, '1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(app.lastFrame()).not.toContain('Agents (0)');
  });

  it('Tasks: lists tasks, opens one with its result and the graph of its run', async () => {
    fleet = testHome();
    const [fetch, join] = fleet.queue.submitMany([
      { ref: 'a', skill: 'fetch', payload: { url: 'x' } },
      { ref: 'b', skill: 'join', payload: {}, dependsOn: ['a'] },
    ]);
    const claimed = fleet.queue.claim({ agent: 'w1' });
    fleet.queue.complete(claimed!.id, 'w1', { pages: 3 });
    const app = start({ initialTab: 'tasks' });
    await waitForFrame(app.lastFrame, `#${join!.task.id}`);
    await press(app.stdin, KEYS.down, KEYS.enter); // newest first: the second row is the fetch
    const frame = await waitForFrame(app.lastFrame, 'Graph of its run');
    expect(frame).toContain(`#${fetch!.task.id} fetch DONE`);
    expect(frame).toContain('result: {"pages":3}');
    expect(frame).toContain('feeds');
    expect(frame).toContain(`└─ #${join!.task.id} join PENDING`);
    expectFits(frame);
    await press(app.stdin, KEYS.escape);
    await waitForFrame(app.lastFrame, 'Newest tasks');
  });

  it('Tasks: queues a task by skill and JSON payload, and shows a refused payload', async () => {
    fleet = testHome();
    const app = start({ initialTab: 'tasks' });
    await waitForFrame(app.lastFrame, 'the queue is empty');
    await press(app.stdin, 'n');
    await waitForFrame(app.lastFrame, 'skill:');
    await type(app.stdin, 'summarize');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'payload (JSON): {}');
    await press(app.stdin, KEYS.backspace, KEYS.backspace);
    await type(app.stdin, '{"text": oops}');
    await press(app.stdin, KEYS.enter);
    const refused = await waitForFrame(app.lastFrame, /JSON|payload/i);
    expect(fleet.queue.list()).toHaveLength(0);
    expect(refused).toContain('payload (JSON):');
    // 'q' while typing is text, not quit.
    for (let i = 0; i < 14; i += 1) await press(app.stdin, KEYS.backspace);
    await type(app.stdin, '{"text": "q"}');
    await press(app.stdin, KEYS.enter);
    const frame = await waitForFrame(app.lastFrame, /queued #\d+ summarize/);
    expect(frame).toContain('summarize PENDING');
    expect(fleet.queue.list()[0]?.payload).toEqual({ text: 'q' });
  });

  it('Usage: cost per skill from the ledger and a sparkline of the last 24 hours', async () => {
    fleet = testHome();
    const ledger = createUsageLedger({ queue: fleet.queue });
    const call = { provider: 'anthropic', model: 'claude-x', ok: true, inputTokens: 10, outputTokens: 5 };
    ledger.recordUsage({ ...call, skill: 'code_review', costUsd: 0.5, now: NOW - 2 * 3_600_000 });
    ledger.recordUsage({ ...call, skill: 'code_review', costUsd: 0.25, now: NOW });
    ledger.recordUsage({ ...call, skill: 'summarize', costUsd: 0.1, now: NOW });
    const app = start({ initialTab: 'usage', now: () => NOW });
    const frame = await waitForFrame(app.lastFrame, 'Last 24h');
    expect(frame).toContain('Today (UTC): $0.8500 over 3 calls');
    expect(frame).toMatch(/code_review\s+2\s+\$0\.7500/);
    expect(frame).toMatch(/summarize\s+1\s+\$0\.1000/);
    expect(frame).toMatch(/Last 24h {2}▁+█▁▆ {2}peak \$0\.5000\/h/);
  });

  it('Thermal: shows hw_state.json, and why there is none', async () => {
    fleet = testHome();
    const app = start({ initialTab: 'thermal' });
    await waitForFrame(app.lastFrame, 'the hardware monitor is not running');
    writeFileSync(
      fleetPaths(fleet.home).hwState,
      JSON.stringify({
        status: 'warm',
        tier: 'default',
        model: 'qwen3:8b',
        gpu_heavy_allowed: false,
        thermal: { gpu_temp_c: 78, cpu_temp_c: null, vram_used_mb: 6000, vram_total_mb: 8192 },
        gpus: [{ index: 0, name: 'RTX 4070', temp_c: 78, util_percent: 90, power_w: 180 }],
        reasons: ['GPU 78 °C >= warm 75 °C'],
        updated_at: '2026-11-30T12:00:00Z',
      }),
    );
    const frame = await waitForFrame(app.lastFrame, 'RTX 4070');
    expect(frame).toContain('Status warm  tier default (qwen3:8b)  GPU-heavy paused');
    expect(frame).toContain('GPU 78 °C  CPU -  VRAM 6000/8192 MiB');
    expect(frame).toContain('- GPU 78 °C >= warm 75 °C');
    writeFileSync(fleetPaths(fleet.home).hwState, '{"status": ');
    await waitForFrame(app.lastFrame, 'is not valid JSON');
  });
});

describe('LauncherApp: Fleet Comm', () => {
  function park(question: string, context?: Record<string, unknown>) {
    const task = fleet.queue.enqueue({ skill: 'code_write', payload: {} });
    const claimed = fleet.queue.claim({ agent: 'coder_1' });
    expect(claimed?.id).toBe(task.id);
    return fleet.queue.parkForHuman(task.id, 'coder_1', { question, ...(context ? { context } : {}) });
  }

  it('shows requests on one line, expands one, pins it to the top, and approves it', async () => {
    fleet = testHome();
    const first = park('Deploy the new build to staging?');
    const second = park(`Apply this migration? ${'It rewrites the tasks table. '.repeat(6)}`, { rows: 12 });
    const app = start({ initialTab: 'comm' });
    let frame = await waitForFrame(app.lastFrame, 'Agent requests (2 open)');
    expect(frame).toMatch(new RegExp(`> {3}#${first.id} task #${first.taskId} coder_1: Deploy`));
    expect(frame).not.toContain('context:');
    await press(app.stdin, KEYS.down, KEYS.enter);
    frame = await waitForFrame(app.lastFrame, 'context: {"rows":12}');
    expect(frame).toMatch(/a approve\s+r reject\s+m more info\s+f feedback\s+d discuss\s+p pin/);
    await press(app.stdin, 'p');
    frame = await waitForFrame(app.lastFrame, `pinned request #${second.id}`);
    await waitForFrame(app.lastFrame, new RegExp(`\\* #${second.id} task`));
    expect(fleet.queue.getHitl(second.id)?.pinned).toBe(true);
    // The pinned request is now first; select it and approve with a note.
    await press(app.stdin, KEYS.up, KEYS.up, 'a');
    await waitForFrame(app.lastFrame, `#${second.id} approve (note):`);
    await type(app.stdin, 'go ahead');
    await press(app.stdin, KEYS.enter);
    frame = await waitForFrame(app.lastFrame, `approved #${second.id}: task #${second.taskId} is PENDING`);
    expect(fleet.queue.getHitl(second.id)).toMatchObject({
      status: 'approved',
      response: 'go ahead',
      responder: 'ui',
    });
    expectFits(frame);
  });

  it('gives the other four answers: reject, more info (research_loop), feedback, discuss (code_discuss)', async () => {
    fleet = testHome();
    const requests = [park('one?'), park('two?'), park('three?'), park('four?')];
    const app = start({ initialTab: 'comm' });
    await waitForFrame(app.lastFrame, 'Agent requests (4 open)');
    const answers: [string, string, RegExp][] = [
      ['r', 'too risky', /rejected #\d+: task #\d+ is FAILED/],
      ['m', 'check the docs', /more_info #\d+: task #\d+ is BLOCKED, follow-up #\d+ research_loop/],
      ['f', 'use smaller steps', /feedback #\d+: task #\d+ is PENDING/],
      ['d', 'naming', /discuss #\d+: task #\d+ is BLOCKED, follow-up #\d+ code_discuss/],
    ];
    for (const [key, text, expected] of answers) {
      await press(app.stdin, key);
      await waitForFrame(app.lastFrame, 'typing: enter submits');
      await type(app.stdin, text);
      await press(app.stdin, KEYS.enter);
      await waitForFrame(app.lastFrame, expected);
    }
    expect(requests.map((request) => fleet.queue.getHitl(request.id)?.status)).toEqual([
      'rejected',
      'more_info',
      'feedback',
      'discuss',
    ]);
    await waitForFrame(app.lastFrame, 'no agent is waiting for a human');
  });

  it('shows the queue refusing an answer (request already answered elsewhere)', async () => {
    fleet = testHome();
    const request = park('one?');
    const app = start({ initialTab: 'comm', refreshMs: 60_000 });
    await waitForFrame(app.lastFrame, 'one?');
    fleet.queue.answerHitl(request.id, { status: 'approved', responder: 'cli:someone' });
    await press(app.stdin, 'r');
    await waitForFrame(app.lastFrame, 'reject (reason):');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, /not open|already/i);
  });

  it('chats with the local model; esc leaves the field and a failure is shown', async () => {
    fleet = testHome();
    const prompts: string[] = [];
    const chat = async (prompt: string) => {
      prompts.push(prompt);
      if (prompt === 'fail') throw new Error('local model unreachable at http://127.0.0.1:11434');
      return `echo: ${prompt}`;
    };
    const app = start({ initialTab: 'comm', chat });
    await waitForFrame(app.lastFrame, 'Manual chat');
    await press(app.stdin, 'c');
    await waitForFrame(app.lastFrame, 'typing: enter submits');
    await type(app.stdin, 'hello 2 q');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'model: echo: hello 2 q');
    await type(app.stdin, 'fail');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'error: local model unreachable');
    expect(prompts).toEqual(['hello 2 q', 'fail']);
    await press(app.stdin, KEYS.escape, '1');
    await waitForFrame(app.lastFrame, 'Agents (0)');
  });

  it('says so when there is no chat', async () => {
    fleet = testHome();
    const app = start({ initialTab: 'comm' });
    await waitForFrame(app.lastFrame, 'Manual chat');
    await press(app.stdin, 'c');
    await waitForFrame(app.lastFrame, 'typing: enter submits');
    await type(app.stdin, 'hi');
    await press(app.stdin, KEYS.enter);
    await waitForFrame(app.lastFrame, 'no local model router in this launcher');
  });
});

const CRM = (version = '1.0.0') => `{
  name: 'crm',
  label: 'CRM',
  version: ${JSON.stringify(version)},
  dataSchema: { table: 'crm_contacts', fields: { name: { type: 'text', required: true }, status: { type: 'text', enum: ['active', 'inactive'] } }, retentionDays: null },
  async render({ data }) {
    const rows = await data.query({ order: 'desc' });
    return { title: 'Contacts', table: { columns: ['name', 'status'], rows: rows.map((row) => [row.name, row.status]) }, footer: rows.length + ' contacts' };
  },
}`;

describe('LauncherApp: Modules and module tabs', () => {
  it('browses a local registry, installs a module and shows its tab at once', async () => {
    fleet = testHome({
      modules: { registry_dir: 'registry', hub_url: '' },
      launcher: { profile: 'minimal' },
    });
    const registry = path.join(fleet.home, 'registry');
    mkdirSync(registry, { recursive: true });
    const bundle = path.join(registry, 'crm-1.0.0.tgz');
    tarGz(moduleFiles('crm', CRM()), bundle);
    writeFileSync(
      path.join(registry, 'registry.json'),
      JSON.stringify({
        modules: [
          {
            name: 'crm',
            version: '1.0.0',
            description: 'Contacts',
            url: 'crm-1.0.0.tgz',
            sha256: sha256(bundle),
          },
        ],
      }),
    );
    const hub = createModuleHub({ home: fleet.home, config: fleet.config });
    const hosts: LauncherModules[] = [];
    const loadModules = async () => {
      const { host, loadFailures } = await loadModuleHost({ home: fleet.home, config: fleet.config });
      const modules = {
        host,
        loadFailures: loadFailures.map((f) => ({ name: f.name, message: f.error.message })),
      };
      hosts.push(modules);
      return modules;
    };
    cleanups.push(async () => {
      for (const modules of hosts) await modules.host?.close();
    });
    const app = start({ initialTab: 'modules', hub, loadModules });
    await waitForFrame(app.lastFrame, 'no modules installed');
    await press(app.stdin, 'b');
    await waitForFrame(app.lastFrame, '1 module(s) available');
    await press(app.stdin, 'i');
    let frame = await waitForFrame(app.lastFrame, /installed crm 1\.0\.0 \(sha256 [0-9a-f]{12}…\)/);
    await waitForFrame(app.lastFrame, '7 CRM');
    frame = await waitForFrame(app.lastFrame, /crm\s+1\.0\.0\s+tab shown/);
    expect(frame).toMatch(/crm\s+1\.0\.0\s+have 1\.0\.0/);
    expect(existsSync(path.join(fleet.home, 'modules', 'crm', 'index.js'))).toBe(true);
    await press(app.stdin, '7');
    frame = await waitForFrame(app.lastFrame, '0 contacts');
    expect(frame).toContain('Contacts');
    // Disable it again from the Modules tab: the tab goes.
    await press(app.stdin, '6');
    await waitForFrame(app.lastFrame, /crm\s+1\.0\.0\s+tab shown/);
    await press(app.stdin, 'e');
    frame = await waitForFrame(app.lastFrame, 'crm disabled');
    expect(frame).not.toContain('7 CRM');
  });

  it('refuses a tampered bundle and writes nothing into modules/', async () => {
    fleet = testHome({ modules: { registry_dir: 'registry', hub_url: '' } });
    const registry = path.join(fleet.home, 'registry');
    mkdirSync(registry, { recursive: true });
    const bundle = path.join(registry, 'crm-1.0.0.tgz');
    tarGz(moduleFiles('crm', CRM()), bundle);
    writeFileSync(
      path.join(registry, 'registry.json'),
      JSON.stringify({
        modules: [{ name: 'crm', version: '1.0.0', url: 'crm-1.0.0.tgz', sha256: '0'.repeat(64) }],
      }),
    );
    const hub = createModuleHub({ home: fleet.home, config: fleet.config });
    const app = start({
      initialTab: 'modules',
      hub,
      loadModules: async () => ({ host: undefined, loadFailures: [] }),
    });
    await waitForFrame(app.lastFrame, 'Installed (0)');
    await press(app.stdin, 'b');
    await waitForFrame(app.lastFrame, '1 module(s) available');
    await press(app.stdin, 'i');
    await waitForFrame(app.lastFrame, /checksum|sha-?256/i);
    const modules = path.join(fleet.home, 'modules');
    expect(existsSync(modules) ? readdirSync(modules).filter((name) => name !== 'enabled.json') : []).toEqual(
      [],
    );
  });

  it('a module tab renders, refreshes (r), exports (x) and shows settings (s)', async () => {
    fleet = testHome({ launcher: { tabs: { notes: true } } });
    writeTree(
      path.join(fleet.home, 'modules', 'notes'),
      moduleFiles(
        'notes',
        `{
          name: 'notes', label: 'Notes', version: '1.0.0',
          dataSchema: { table: 'notes_items', fields: { text: { type: 'text', required: true } }, retentionDays: 30 },
          settings: { schema: z.object({ limit: z.number().int().default(5) }) },
          async refresh({ data }) { await data.insert({ text: 'refreshed' }); },
          async render({ data, settings }) {
            return { lines: ['limit ' + settings.limit, (await data.count()) + ' notes'] };
          },
        }`,
      ),
    );
    const { host, loadFailures } = await loadModuleHost({ home: fleet.home, config: fleet.config });
    cleanups.push(() => host.close());
    expect(loadFailures).toEqual([]);
    const app = start({ initialTab: 'notes', modules: { host, loadFailures: [] }, moduleRefreshMs: 60_000 });
    let frame = await waitForFrame(app.lastFrame, '1 notes');
    expect(frame).toContain('7 Notes');
    expect(frame).toContain('limit 5');
    await press(app.stdin, 'r');
    await waitForFrame(app.lastFrame, '2 notes');
    await press(app.stdin, 's');
    await waitForFrame(app.lastFrame, 'settings: {"limit":5}');
    await press(app.stdin, 'x');
    frame = await waitForFrame(app.lastFrame, /exported 2 record\(s\) to /);
    const exported = readdirSync(path.join(fleet.home, 'exports'));
    expect(exported).toHaveLength(1);
    expectFits(frame);
  });
});
