import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempHome, type TempHome } from '../test';
import { loadConfig } from './load-config';
import { loadConfigCached } from './load-config-cached';

const FULL = `
[fleet]
offline_mode = true
max_workers = 3
[workers]
roles = ["coder", "planner"]
coder_count = 2
[queue]
url = "postgres://fleet:pw@db/fleet"
[naming]
device_name = "alpha"
[skills]
timeouts = { code_index = 1200 }
[[schedules]]
name = "nightly"
cron = "0 3 * * *"
skill = "noop"
[mystery]
key = 1
`;

let home: TempHome | undefined;
afterEach(() => {
  home?.cleanup();
  home = undefined;
});

function setup(toml: string) {
  home = createTempHome({ fleetToml: toml });
  const file = home.config;
  const cacheFile = path.join(home.home, 'run', 'config-cache.json');
  return { file, cacheFile };
}

describe('loadConfigCached', () => {
  it('returns exactly what loadConfig returns, from the cache on the second call', async () => {
    const { file, cacheFile } = setup(FULL);
    const expected = loadConfig({ file });
    const first = await loadConfigCached({ file, cacheFile });
    expect(first).toEqual(expected);
    expect(first.warnings).toEqual([expect.stringContaining('unknown key "mystery"')]);
    const entry = JSON.parse(readFileSync(cacheFile, 'utf8')) as { source: string; schema: string };
    expect(entry.source).toBe(FULL);
    expect(entry.schema).toMatch(/^([0-9a-f]{16}|dev)$/);
    // The second call is served from the cache file: prove it by planting a marker in it.
    const planted = JSON.parse(readFileSync(cacheFile, 'utf8'));
    planted.config.fleet.max_workers = 99;
    writeFileSync(cacheFile, JSON.stringify(planted));
    expect((await loadConfigCached({ file, cacheFile })).config.fleet.max_workers).toBe(99);
  });

  it('validates again when fleet.toml changes, and reports a bad edit instead of serving the old config', async () => {
    const { file, cacheFile } = setup(FULL);
    await loadConfigCached({ file, cacheFile });
    writeFileSync(file, FULL.replace('max_workers = 3', 'max_workers = 5'));
    expect((await loadConfigCached({ file, cacheFile })).config.fleet.max_workers).toBe(5);
    writeFileSync(file, FULL.replace('max_workers = 3', 'max_workers = "many"'));
    await expect(loadConfigCached({ file, cacheFile })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    writeFileSync(file, '[fleet\n');
    await expect(loadConfigCached({ file, cacheFile })).rejects.toMatchObject({
      code: 'CONFIG_PARSE_FAILED',
    });
  });

  it('ignores a cache made by another schema or core version', async () => {
    const { file, cacheFile } = setup(FULL);
    await loadConfigCached({ file, cacheFile });
    for (const field of ['schema', 'version'] as const) {
      const planted = JSON.parse(readFileSync(cacheFile, 'utf8'));
      planted.config.fleet.max_workers = 99;
      planted[field] = 'another';
      writeFileSync(cacheFile, JSON.stringify(planted));
      expect((await loadConfigCached({ file, cacheFile })).config.fleet.max_workers).toBe(3);
    }
  });

  it('treats a damaged cache as a miss and rewrites it', async () => {
    const { file, cacheFile } = setup(FULL);
    await loadConfigCached({ file, cacheFile });
    writeFileSync(cacheFile, '{"key": "x", "config": nul');
    expect(await loadConfigCached({ file, cacheFile })).toEqual(loadConfig({ file }));
    expect(() => JSON.parse(readFileSync(cacheFile, 'utf8'))).not.toThrow();
  });

  it('works without a writable cache folder, and without fleet.toml (the defaults)', async () => {
    const { file } = setup(FULL);
    const readOnly = path.join(home!.home, 'locked');
    writeFileSync(readOnly, 'a file, not a folder');
    const cacheFile = path.join(readOnly, 'config-cache.json');
    expect(await loadConfigCached({ file, cacheFile })).toEqual(loadConfig({ file }));
    chmodSync(readOnly, 0o444);
    const missing = path.join(home!.home, 'nowhere.toml');
    expect(await loadConfigCached({ file: missing, cacheFile })).toEqual(loadConfig({ file: missing }));
  });
});
