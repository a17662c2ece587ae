import { ConfigError, fleetPaths, parseFleetConfig } from '@biged/core';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { LauncherError } from './errors/launcher-error';
import { createLauncherData } from './launcher-data';
import { createModuleHost, LauncherApp, loadModuleHost, startLauncher } from './lazy-entry';
import { type TestHome, testHome, waitForFrame } from './test-support';

let fleet: TestHome;
let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  fleet?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the package entry (lazy exports)', () => {
  it('LauncherApp renders with the Ink it is given once its code has loaded', async () => {
    fleet = testHome();
    fleet.queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 101, status: 'IDLE' });
    const data = createLauncherData({ queue: fleet.queue, paths: fleetPaths(fleet.home) });
    const app = render(
      <LauncherApp data={data} modules={{ host: undefined, loadFailures: [] }} refreshMs={50} />,
    );
    cleanups.push(() => app.unmount());
    const frame = await waitForFrame(app.lastFrame, /coder_1\s+coder\s+IDLE/);
    expect(frame).toContain('6 Modules');
  });

  it('createLauncherData without a ledger: usage() says the queue is opening, then reads the ledger', async () => {
    fleet = testHome();
    const data = createLauncherData({ queue: fleet.queue, paths: fleetPaths(fleet.home) });
    let first: unknown;
    try {
      data.usage();
    } catch (error) {
      first = error;
    }
    // The import of @biged/queue (already loaded here) settles within a tick or two, never synchronously.
    expect(LauncherError.isInstance(first) && first.code).toBe('UI_QUEUE_OPENING');
    for (let tries = 0; tries < 100; tries += 1) {
      try {
        expect(data.usage()).toMatchObject({ rows: [], totalCalls: 0 });
        return;
      } catch (error) {
        if (!LauncherError.isInstance(error)) throw error;
        await sleep(20);
      }
    }
    throw new Error('usage() never switched to the ledger');
  });

  it('startLauncher refuses a PostgreSQL queue at once, before loading anything', () => {
    fleet = testHome();
    const config = parseFleetConfig({ queue: { url: 'postgres://biged@127.0.0.1:5432/fleet' } }).config;
    let thrown: unknown;
    try {
      startLauncher({ home: fleet.home, config });
    } catch (error) {
      thrown = error;
    }
    expect(ConfigError.isInstance(thrown)).toBe(true);
    expect(String(thrown)).toMatch(/sqlite/i);
  });

  it('loadModuleHost and createModuleHost load the host on call (no modules: no tabs)', async () => {
    fleet = testHome();
    const loaded = await loadModuleHost({ home: fleet.home, config: fleet.config });
    cleanups.push(() => loaded.host.close());
    expect(loaded.host.tabs).toEqual([]);
    expect(loaded.loadFailures).toEqual([]);
    const host = await createModuleHost({ home: fleet.home, config: fleet.config, modules: [] });
    cleanups.push(() => host.close());
    expect(host.tabs).toEqual([]);
  });
});
