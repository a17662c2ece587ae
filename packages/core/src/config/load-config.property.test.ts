import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error';
import { loadConfig, MAX_CONFIG_BYTES, parseFleetConfig } from './load-config';

// A fixed seed keeps CI repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

const dir = mkdtempSync(path.join(tmpdir(), 'biged-config-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sections = [
  'fleet',
  'workers',
  'models',
  'router',
  'queue',
  'filesystem',
  'filesystem.zones',
  'filesystem.enterprise',
  'logging',
  'thermal',
  'training',
  'dashboard',
  'nope',
];
const keys = [
  'enforce',
  'deny_by_default',
  'path',
  'access',
  'coder_count',
  'max_payload_bytes',
  'url',
  'level',
  'offline',
  'air_gap',
  'x',
  'zones',
];
const values = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.boolean().map(String),
  fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    '[1, 2',
    '{ path = "a", access = "full" }',
    '"unterminated',
    '1979-05-27T07:32:00Z',
    'inf',
    'nan',
    '[[',
    '{}',
    '[]',
  ),
);
const line = fc.oneof(
  fc.constantFrom(...sections).map((section) => `[${section}]`),
  fc.constantFrom(...sections).map((section) => `[[${section}]]`),
  fc.tuple(fc.constantFrom(...keys), values).map(([key, value]) => `${key} = ${value}`),
  fc.string({ maxLength: 40 }),
);
const tomlish = fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n'));

const expectConfigErrorOnly = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
  }
};

describe('fleet.toml loading (property)', () => {
  it('loadConfig never fails with anything but ConfigError on TOML-ish input', () => {
    const file = path.join(dir, 'fleet.toml');
    fc.assert(
      fc.property(tomlish, (text) => {
        writeFileSync(file, text);
        expectConfigErrorOnly(() => loadConfig({ file }));
      }),
      { numRuns: 400 },
    );
  });

  it('parseFleetConfig never fails with anything but ConfigError on any parsed value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ maxDepth: 4, withDate: true, withBigInt: true }),
          fc.record({
            filesystem: fc.anything({ maxDepth: 3 }),
            queue: fc.anything({ maxDepth: 2 }),
            workers: fc.anything({ maxDepth: 2 }),
          }),
        ),
        (value) => {
          expectConfigErrorOnly(() => parseFleetConfig(value));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses a file over the size cap with CONFIG_TOO_LARGE before parsing it', () => {
    const file = path.join(dir, 'huge.toml');
    writeFileSync(file, `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    const error = (() => {
      try {
        loadConfig({ file });
      } catch (caught) {
        return caught;
      }
    })();
    expect(ConfigError.isInstance(error) && error.code).toBe('CONFIG_TOO_LARGE');
  });

  it('a deeply nested document is a ConfigError, not a crash', () => {
    const file = path.join(dir, 'deep.toml');
    writeFileSync(file, `x = ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
    expectConfigErrorOnly(() => loadConfig({ file }));
  });
});
