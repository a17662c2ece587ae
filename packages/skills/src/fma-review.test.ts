import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FMA_REVIEW_SYSTEM_PROMPT, fmaReview } from './fma-review';
import { answer, scriptedRouter } from './internal/model-test-helpers';

let home: TempHome;
let source: string;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  source = `${home.home}-src`;
  mkdirSync(path.join(source, 'lib', 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(source, 'lib', 'store.ts'), 'export function save(x: string) {\n  write(x);\n}\n');
  writeFileSync(path.join(source, 'lib', 'load.ts'), 'export const load = () => read();\n');
  writeFileSync(path.join(source, 'lib', 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  writeFileSync(path.join(source, 'lib', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
  rmSync(source, { recursive: true, force: true });
});

const mode = (overrides: Record<string, unknown>) => ({
  component: 'save',
  mode: 'partial write',
  cause: 'crash mid-write',
  effect: 'corrupt file',
  severity: 8,
  occurrence: 3,
  detection: 7,
  mitigation: 'write to a temp file and rename',
  ...overrides,
});

describe('fma_review', () => {
  it('analyses a folder (dependencies and binaries left out), ranks by RPN and writes the report', async () => {
    const analysis = {
      summary: 'Writes are not atomic.',
      failure_modes: [
        mode({
          component: 'load',
          mode: 'missing file',
          severity: 4,
          occurrence: 5,
          detection: 2,
          file: 'load.ts',
          line: 1,
        }),
        mode({ file: 'store.ts', line: 2 }),
      ],
    };
    const models = scriptedRouter([answer(JSON.stringify(analysis), { input: 99, output: 44 }, analysis)]);
    const { result } = await runSkill(
      fmaReview,
      { path: path.join(source, 'lib') },
      { models: models.router, home: home.home, readRoots: [source], task: { agent: 'coder_2' } },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(FMA_REVIEW_SYSTEM_PROMPT);
    expect(request?.prompt).toContain(
      '<file name="load.ts" lines="1">\n1 | export const load = () => read();\n</file>',
    );
    expect(request?.prompt).toContain('<file name="store.ts" lines="3">');
    expect(request?.prompt).not.toContain('module.exports');
    expect(request?.json).toMatchObject({ required: ['summary', 'failure_modes'] });

    const written = path.join(home.knowledge, 'fma_reviews', 'lib_review_20261124_coder_2.md');
    expect(result).toMatchObject({
      file: written,
      files: 2,
      summary: 'Writes are not atomic.',
      tokens: { input: 99, output: 44 },
    });
    expect(result.failureModes.map((item) => [item.component, item.rpn])).toEqual([
      ['save', 168],
      ['load', 40],
    ]);
    const markdown = readFileSync(written, 'utf8');
    expect(markdown).toContain('| 1 | 168 | 8 | 3 | 7 | save | partial write |');
    expect(markdown).toContain('### 1. save: partial write (store.ts:2)');
  });

  it('analyses a single file and names it in the output file', async () => {
    const analysis = { summary: 'Fine.', failure_modes: [] };
    const models = scriptedRouter([answer('', {}, analysis)]);
    const { result } = await runSkill(
      fmaReview,
      { path: path.join(source, 'lib', 'store.ts') },
      { models: models.router, home: home.home, readRoots: [source] },
    );
    expect(path.basename(result.file)).toMatch(/^store_ts_review_20261124_/);
    expect(readFileSync(result.file, 'utf8')).toContain('None found.');
  });

  it('refuses an answer naming a file that was not given, writing nothing', async () => {
    const analysis = { summary: 'x', failure_modes: [mode({ file: 'other.ts', severity: 11 })] };
    const models = scriptedRouter([answer('', {}, analysis)]);
    const error = await runSkill(
      fmaReview,
      { path: path.join(source, 'lib') },
      { models: models.router, home: home.home, readRoots: [source] },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SKILL_MODEL_OUTPUT_INVALID' });
    expect((error as { issues: string[] }).issues.join('\n')).toMatch(
      /failure_modes\[0\]\.file[\s\S]*failure_modes\[0\]\.severity|failure_modes\[0\]\.severity[\s\S]*failure_modes\[0\]\.file/,
    );
    expect(existsSync(path.join(home.knowledge, 'fma_reviews'))).toBe(false);
  });

  it('refuses a folder over max_bytes or max_files, and a path outside the read roots', async () => {
    const models = scriptedRouter([]);
    const options = { models: models.router, home: home.home, readRoots: [source] };
    await expect(
      runSkill(fmaReview, { path: path.join(source, 'lib'), max_bytes: 60 }, options),
    ).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_LARGE',
      limit: 60,
    });
    await expect(
      runSkill(fmaReview, { path: path.join(source, 'lib'), max_files: 1 }, options),
    ).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_MANY',
      limit: 1,
    });
    await expect(runSkill(fmaReview, { path: '/etc/hostname' }, options)).rejects.toMatchObject({
      code: 'FS_ACCESS_DENIED',
    });
    await expect(runSkill(fmaReview, { path: path.join(source, 'nope') }, options)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(
      runSkill(fmaReview, { path: source, max_files: 201 } as never, options),
    ).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
    expect(models.requests()).toHaveLength(0);
  });
});
