import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../test-utils';
import { FLEET_TOML_TEMPLATE } from './fleet-toml-template';

describe('biged init', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());

  it('creates the home, a documented fleet.toml, the folders and the database', async () => {
    home = createTempHome();
    rmSync(home.home, { recursive: true });
    const result = await runCli(['init', '--home', home.home]);
    expect(result.code).toBe(0);
    for (const file of [
      home.config,
      home.logs,
      home.knowledge,
      home.run,
      home.db,
      path.join(home.run, 'dashboard.token'),
    ]) {
      expect(existsSync(file), file).toBe(true);
      expect(result.stdout).toContain(`created  ${file}`);
    }
    expect(readFileSync(home.config, 'utf8')).toBe(FLEET_TOML_TEMPLATE);
    expect(result.stdout).toContain('biged up --detach');
  });

  it('is idempotent and keeps an existing fleet.toml unless --force', async () => {
    home = createTempHome();
    await runCli(['init', '--home', home.home]);
    const edited = '[workers]\ncoder_count = 2\n';
    writeFileSync(home.config, edited);

    const again = await runCli(['init', '--home', home.home, '--json']);
    expect(again.code).toBe(0);
    expect(readFileSync(home.config, 'utf8')).toBe(edited);
    const report = again.json<{ home: string; steps: { path: string; action: string }[] }>();
    expect(report.home).toBe(home.home);
    expect(report.steps.every((step) => step.action === 'exists')).toBe(true);

    const forced = await runCli(['init', '--home', home.home, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`overwritten  ${home.config}`);
    expect(readFileSync(home.config, 'utf8')).toBe(FLEET_TOML_TEMPLATE);
  });

  it('resolves a relative --home against the cwd, and BIGED_HOME when no --home is given', async () => {
    home = createTempHome();
    const relative = await runCli(['init', '--home', 'nested'], { cwd: home.home });
    expect(relative.code).toBe(0);
    expect(existsSync(path.join(home.home, 'nested', 'fleet.toml'))).toBe(true);

    const fromEnv = await runCli(['init'], { env: { BIGED_HOME: path.join(home.home, 'env-home') } });
    expect(fromEnv.code).toBe(0);
    expect(existsSync(path.join(home.home, 'env-home', 'fleet.db'))).toBe(true);
  });

  it('writes a template that validates with no unknown-key warnings', () => {
    home = createTempHome({ fleetToml: FLEET_TOML_TEMPLATE });
    const { warnings } = loadConfig({ file: home.config });
    expect(warnings).toEqual([]);
    // Uncommenting every `# key = value` line must still be valid: the comments show real defaults.
    const uncommented = FLEET_TOML_TEMPLATE.split('\n')
      .map((line) => line.replace(/^# ([a-z_]+ = .*?)(\s+#.*)?$/, '$1'))
      .join('\n');
    writeFileSync(home.config, uncommented);
    const loaded = loadConfig({ file: home.config });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.workers.coder_count).toBe(1);
    expect(loaded.config.affinity.coder).toEqual(['code_index']);
  });

  it('reports a broken existing fleet.toml, naming the file and key (exit 1)', async () => {
    home = createTempHome({ fleetToml: '[workers]\ncoder_count = "three"\n' });
    const result = await runCli(['init', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(home.config);
    expect(result.stderr).toContain('workers.coder_count');
    expect(result.stderr).toMatch(/^try: /m);
  });
});
