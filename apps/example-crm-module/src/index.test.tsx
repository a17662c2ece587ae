import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetPaths, parseFleetConfig } from '@biged/core';
import { createModuleHub, createModuleStore, discoverModules } from '@biged/module-hub';
import { createModuleHarness, runModuleLifecycle } from '@biged/module-sdk/test';
import { createQueue } from '@biged/queue';
import { createLauncherData, LauncherApp, loadModuleHost } from '@biged/ui';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import crm from './index';

const registryDir = fileURLToPath(new URL('../dist/registry', import.meta.url));

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitFor(frame: () => string | undefined, text: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(frame() ?? '').includes(text)) {
    if (Date.now() > deadline) throw new Error(`never showed ${text}:\n${frame()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return frame() ?? '';
}

describe('the CRM example module', () => {
  it('stores contacts and lists them newest first, with a filter setting', async () => {
    const harness = await createModuleHarness({ module: crm, settings: { pageSize: 2 } });
    await harness.data!.insert({ name: 'Ada Lovelace', email: 'ada@example.org', status: 'active' });
    await harness.data!.insert({ name: 'Alan Turing', status: 'lead', met_at: '2026-11-24' });
    await harness.data!.insert({ name: 'Grace Hopper', status: 'active' });
    let view = await harness.render();
    expect(view.title).toBe('Contacts');
    expect(view.table?.rows).toEqual([
      ['Grace Hopper', null, 'active', null],
      ['Alan Turing', null, 'lead', '2026-11-24'],
    ]);
    expect(view.footer).toBe('3 contacts, 2 active');
    await harness.applySettings({ status: 'active' });
    view = await harness.render();
    expect(view.title).toBe('Contacts (active)');
    expect(view.table?.rows.map((row) => row[0])).toEqual(['Grace Hopper', 'Ada Lovelace']);
    expect(await harness.getSettings()).toEqual({ pageSize: 10, status: 'active' });
    await harness.close();
  });

  it('refuses bad records: missing name, unknown status, bad e-mail, unknown field', () => {
    const check = (record: Record<string, unknown>) => crm.validateRecord(record);
    expect(check({ name: 'x', status: 'active', email: 'x@y' })).toEqual({ valid: true });
    expect(check({ name: 'x', status: 'active', email: 'nope' })).toEqual({
      valid: false,
      errors: ['not an e-mail address: nope'],
    });
  });

  it('validates through the SDK: schema first, then its own rule', async () => {
    const harness = await createModuleHarness({ module: crm });
    expect(harness.validate({ status: 'active' })).toMatchObject({ valid: false });
    expect(harness.validate({ name: 'A', status: 'vip' })).toMatchObject({ valid: false });
    expect(harness.validate({ name: 'A', status: 'lead', phone: '1' })).toMatchObject({ valid: false });
    expect(harness.validate({ name: 'A', status: 'lead', email: 'bad' })).toMatchObject({
      valid: false,
      issues: [{ message: 'not an e-mail address: bad' }],
    });
    await expect(harness.data!.insert({ name: 'A', status: 'lead', email: 'bad' })).rejects.toThrow(/e-mail/);
    await harness.close();
  });

  it('runs the whole lifecycle and exports portable records (fields only)', async () => {
    const harness = await createModuleHarness({ module: crm });
    await harness.data!.insert({ name: 'Ada', status: 'active' });
    const run = await runModuleLifecycle({ module: crm, data: harness.data });
    expect(run.calls).toEqual(['apply', 'render', 'refresh', 'render', 'export', 'close']);
    expect(run.exported).toEqual([{ name: 'Ada', email: null, status: 'active', met_at: null }]);
    await harness.close();
  });

  it('installs from a local registry folder with the Module Hub and renders its tab in the Ink launcher', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'biged-crm-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const config = parseFleetConfig({
      modules: { registry_dir: registryDir, hub_url: '' },
      launcher: { profile: 'minimal' },
    }).config;
    const hub = createModuleHub({ home, config });
    const installed = await hub.install('crm');
    expect(installed).toMatchObject({ name: 'crm', version: '1.0.0' });

    // A contact stored the way the launcher stores them (tools.db), by the installed copy of the module.
    const { modules } = await discoverModules({ home });
    const store = createModuleStore({ home });
    await store
      .register(modules[0]!)
      .insert({ name: 'Ada Lovelace', email: 'ada@example.org', status: 'active' });
    store.close();

    const queue = createQueue({ file: fleetPaths(home).db });
    cleanups.push(() => queue.close());
    const { host, loadFailures } = await loadModuleHost({ home, config });
    cleanups.push(() => host.close());
    expect(loadFailures).toEqual([]);
    const data = createLauncherData({ queue, paths: fleetPaths(home) });
    const app = render(
      <LauncherApp
        data={data}
        modules={{ host, loadFailures: [] }}
        initialTab="crm"
        columns={80}
        rows={24}
      />,
    );
    cleanups.push(() => app.unmount());
    const frame = await waitFor(app.lastFrame, 'Ada Lovelace');
    expect(frame).toContain('7 CRM');
    expect(frame).toMatch(/Ada Lovelace\s+ada@example\.org\s+active/);
    expect(frame).toContain('1 contact, 1 active');
  });
});
