import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error';
import { createTempHome, type TempHome } from '../test/temp-home';
import { loadConfig, parseFleetConfig } from './load-config';

let home: TempHome | undefined;
afterEach(() => home?.cleanup());

const load = (fleetToml: string) => {
  home = createTempHome({ fleetToml });
  return loadConfig({ file: home.config });
};

const catchConfigError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('fills defaults when the file is missing', () => {
    home = createTempHome();
    const { config, file, warnings } = loadConfig({ file: home.config });
    expect(file).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config.workers.coder_count).toBe(1);
    expect(config.dashboard.port).toBe(5555);
    expect(config.fleet.offline_mode).toBe(false);
    expect(config.thermal.gpu_max_sustained_c).toBe(75);
    expect(config.queue.max_payload_bytes).toBe(1024 * 1024);
  });

  it('refuses a missing file when asked to', () => {
    home = createTempHome();
    const error = catchConfigError(() => loadConfig({ file: home!.config, allowMissing: false }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
  });

  it('reads an original BigEd fleet.toml as it is, warning once per unknown key', () => {
    const { config, warnings } = load(`
[fleet]
eco_mode = true
offline_mode = false
air_gap_mode = false
disabled_agents = ["sales", "legal"]
hitl_evolution = false

[models]
local = "qwen3:8b"
conductor_model = "qwen3:4b"
ollama_host = "http://localhost:11434"

[models.batch_thresholds]
high_value = 1

[workers]
coder_count = 3
nice_level = 10

[affinity]
enabled = true
researcher = ["web_search", "arxiv_fetch"]
coder = ["code_review", "code_index"]

[budgets]
period = "day"
enforcement = "block"
lead_research = 5.00

[thermal]
gpu_max_sustained_c = 82

[thermal.vram]
emergency = 0.92

[ditl]
enabled = false
compliance_level = "none"

[launcher.tabs]
crm = false
`);
    expect(config.fleet.eco_mode).toBe(true);
    expect(config.fleet.disabled_agents).toEqual(['sales', 'legal']);
    expect(config.workers.coder_count).toBe(3);
    expect(config.affinity.coder).toEqual(['code_review', 'code_index']);
    expect(config.budgets.lead_research).toBe(5);
    expect(config.budgets.enforcement).toBe('block');
    expect(config.thermal.gpu_max_sustained_c).toBe(82);
    expect(config.launcher.tabs).toEqual({ crm: false });
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toContain('"fleet.hitl_evolution"');
    expect(warnings.join('\n')).toContain('"models.batch_thresholds"');
    expect(warnings.join('\n')).toContain('"ditl"');
  });

  it('names the file, the key and what was expected for a wrong type', () => {
    const error = catchConfigError(() =>
      load('[workers]\ncoder_count = "three"\n[dashboard]\nport = 70000\n'),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.file).toBe(home!.config);
    expect(error.issues.map((issue) => issue.key)).toEqual(['workers.coder_count', 'dashboard.port']);
    expect(error.issues[0]!.expected).toContain('number');
    expect(error.issues[0]!.received).toBe('"three"');
    expect(error.message).toContain(home!.config);
    expect(error.message).toContain('workers.coder_count');
  });

  it('reports a TOML syntax error with its line', () => {
    const error = catchConfigError(() => load('[workers\ncoder_count = 1\n'));
    expect(error.code).toBe('CONFIG_PARSE_FAILED');
    expect(error.message).toMatch(/line 1/);
  });

  it('rejects a wrong value inside a catch-all section', () => {
    const error = catchConfigError(() => load('[affinity]\nresearcher = "web_search"\n'));
    expect(error.issues[0]!.key).toBe('affinity.researcher');
  });
});

describe('unknown keys named like Object.prototype members', () => {
  it('reports valueOf / constructor / toString as unknown keys instead of crashing', () => {
    const raw = JSON.parse(
      '{"valueOf": 0, "constructor": {"x": 1}, "fleet": {"toString": true}, "__proto__": 1}',
    );
    const { warnings } = parseFleetConfig(raw);
    expect(warnings.join('\n')).toContain('"valueOf"');
    expect(warnings.join('\n')).toContain('"constructor"');
    expect(warnings.join('\n')).toContain('"fleet.toString"');
  });
});
