import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetPaths, parseFleetConfig } from '@biged/core';
import { createModuleHub } from '@biged/module-hub';
import { createModuleHarness, runModuleLifecycle } from '@biged/module-sdk/test';
import { createQueue } from '@biged/queue';
import { createLauncherData, LauncherApp, loadModuleHost } from '@biged/ui';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import glance, { parseStatusMarkdown } from './index';

const registryDir = fileURLToPath(new URL('../dist/registry', import.meta.url));

// STATUS.md as the supervisor writes it (packages/fleet/src/status-file.ts).
const STATUS = `# BigEd fleet status

Generated 2026-11-30T12:00:00.000Z by supervisor pid 4242.

## Agents

| name | role | status | pid | last heartbeat | task | restarts |
| --- | --- | --- | --- | --- | --- | --- |
| coder_1 | coder | BUSY | 101 | 2026-11-30T11:59:59.000Z | 12 | 0 |
| research\\|er_1 | researcher | IDLE | 102 | 2026-11-30T11:59:58.000Z | - | 1 |

## Tasks

| status | count |
| --- | --- |
| PENDING | 3 |
| RUNNING | 1 |
| DONE | 40 |
| FAILED | 0 |

## Locks

None held.
`;

const HW_STATE = JSON.stringify({ status: 'warm', model: 'qwen3:8b', thermal: { gpu_temp_c: 77 } });

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function fleetHome(files: Record<string, string> = { 'STATUS.md': STATUS, 'hw_state.json': HW_STATE }) {
  const home = mkdtempSync(path.join(tmpdir(), 'biged-glance-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(home, name), content);
  return home;
}

describe('parseStatusMarkdown', () => {
  it('reads the agents table (escaped pipes too) and the task counts', () => {
    const status = parseStatusMarkdown(STATUS);
    expect(status.generated).toBe('Generated 2026-11-30T12:00:00.000Z by supervisor pid 4242.');
    expect(status.agents).toEqual([
      { name: 'coder_1', role: 'coder', status: 'BUSY', task: '12', heartbeat: '2026-11-30T11:59:59.000Z' },
      {
        name: 'research|er_1',
        role: 'researcher',
        status: 'IDLE',
        task: '-',
        heartbeat: '2026-11-30T11:59:58.000Z',
      },
    ]);
    expect(status.counts).toEqual({ PENDING: 3, RUNNING: 1, DONE: 40, FAILED: 0 });
  });

  it('gives empty lists for text that is not a STATUS.md', () => {
    expect(parseStatusMarkdown('hello\n| a | b |')).toEqual({ generated: null, agents: [], counts: {} });
  });
});

describe('the fleet glance example module', () => {
  it('shows agents, counts and thermal state from the fleet home, and picks up changes on refresh', async () => {
    const home = fleetHome();
    const harness = await createModuleHarness({ module: glance, home });
    let view = await harness.render();
    expect(view.lines).toEqual([
      'Tasks: PENDING 3, RUNNING 1, DONE 40',
      'Thermal: warm, model qwen3:8b, GPU 77 °C',
    ]);
    expect(view.table?.rows).toEqual([
      ['coder_1', 'coder', 'BUSY', '12'],
      ['research|er_1', 'researcher', 'IDLE', '-'],
    ]);
    expect(view.footer).toContain('supervisor pid 4242');
    writeFileSync(path.join(home, 'STATUS.md'), STATUS.replace('| PENDING | 3 |', '| PENDING | 9 |'));
    expect((await harness.render()).lines?.[0]).toContain('PENDING 3'); // no refresh yet
    await harness.refresh();
    view = await harness.render();
    expect(view.lines?.[0]).toBe('Tasks: PENDING 9, RUNNING 1, DONE 40');
    await harness.applySettings({ showThermal: false, maxAgents: 1 });
    view = await harness.render();
    expect(view.lines).toEqual(['Tasks: PENDING 9, RUNNING 1, DONE 40']);
    expect(view.table?.rows).toHaveLength(1);
    expect(await harness.exportData()).toHaveLength(2);
    await harness.close();
  });

  it('says what is missing when the fleet never ran, and survives a damaged hw_state.json', async () => {
    const run = await runModuleLifecycle({
      module: glance,
      home: fleetHome({ 'hw_state.json': '{"status"' }),
    });
    expect(run.firstView.lines).toEqual([
      'No STATUS.md yet: start the fleet with `biged up`.',
      'Thermal: no hw_state.json (hardware monitor off)',
    ]);
    expect(run.firstView.table).toBeUndefined();
    expect(run.exported).toEqual([]);
    expect(run.settings).toEqual({ showThermal: true, maxAgents: 12 });
    expect(run.calls).toEqual(['apply', 'render', 'refresh', 'render', 'export', 'close']);
  });

  it('has no table of its own: validate_record refuses every record', async () => {
    const harness = await createModuleHarness({ module: glance });
    expect(harness.data).toBeUndefined();
    expect(harness.validate({ any: 1 })).toMatchObject({ valid: false });
    await harness.close();
  });

  it('installs from a local registry folder with the Module Hub and renders its tab in the Ink launcher', async () => {
    const home = fleetHome();
    const config = parseFleetConfig({ modules: { registry_dir: registryDir, hub_url: '' } }).config;
    const hub = createModuleHub({ home, config });
    expect((await hub.listAvailable()).modules.map((module) => module.name)).toEqual(['fleet_glance']);
    await hub.install('fleet_glance');
    const queue = createQueue({ file: fleetPaths(home).db });
    cleanups.push(() => queue.close());
    const { host, loadFailures } = await loadModuleHost({ home, config });
    cleanups.push(() => host.close());
    expect(loadFailures).toEqual([]);
    const app = render(
      <LauncherApp
        data={createLauncherData({ queue, paths: fleetPaths(home) })}
        modules={{ host, loadFailures: [] }}
        initialTab="fleet_glance"
        columns={80}
        rows={24}
      />,
    );
    cleanups.push(() => app.unmount());
    const deadline = Date.now() + 10_000;
    while (!(app.lastFrame() ?? '').includes('coder_1') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const frame = app.lastFrame() ?? '';
    expect(frame).toContain('7 Glance');
    expect(frame).toContain('Fleet at a glance');
    expect(frame).toMatch(/coder_1\s+coder\s+BUSY\s+12/);
    expect(frame).toContain('Thermal: warm, model qwen3:8b, GPU 77 °C');
  });
});
