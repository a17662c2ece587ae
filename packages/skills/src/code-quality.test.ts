import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeQuality, functionComplexities } from './code-quality';

let home: TempHome;
let project: string;

const write = (relative: string, text: string) => {
  const file = path.join(project, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

// branchy: 1 + if + else-if + for + inner if + && + ?: + case x2 + catch + ?? = 11; simple: 1; the arrow inside: 1 + || = 2.
const BRANCHY = `export function branchy(items: number[], mode: string | undefined) {
  let total = 0;
  if (items.length === 0) return 0;
  else if (items.length > 100) total = 1;
  for (const item of items) {
    if (item > 0 && item < 10) total += item;
  }
  const sign = total > 0 ? 1 : -1;
  switch (mode) {
    case 'a':
      total += 1;
      break;
    case 'b':
      total += 2;
      break;
    default:
      break;
  }
  try {
    JSON.parse(mode ?? '{}');
  } catch {
    total = 0;
  }
  const pick = (value: number) => value || 1;
  return sign * pick(total);
}

export class Store {
  get(key: string) {
    return key;
  }
}
`;

beforeEach(() => {
  home = createTempHome();
  project = `${home.home}-project`;
  write('src/branchy.ts', BRANCHY);
  // Two lint findings biome's recommended rules report as errors: == and debugger.
  write(
    'src/legacy.js',
    'export function legacy(a) {\n  if (a == 2) {\n    debugger;\n  }\n  return a;\n}\n',
  );
  write('README.md', '# not code\n');
  write('node_modules/dep/index.js', 'if (a == 1) debugger;\n');
});

afterEach(() => {
  home.cleanup();
  rmSync(project, { recursive: true, force: true });
});

describe('functionComplexities', () => {
  it('counts decision points per function with the TypeScript parser, nested functions apart', () => {
    expect(functionComplexities(ts, 'branchy.ts', BRANCHY)).toEqual([
      { name: 'branchy', line: 1, complexity: 11 },
      { name: 'pick', line: 24, complexity: 2 },
      { name: 'Store.get', line: 29, complexity: 1 },
    ]);
  });

  it('parses JSX and names object methods and class fields', () => {
    const text =
      'const view = { render() { return cond ? <a/> : <b/>; } };\nclass A { handler = () => x ?? y; }\n';
    expect(functionComplexities(ts, 'v.tsx', text)).toEqual([
      { name: 'render', line: 1, complexity: 2 },
      { name: 'A.handler', line: 2, complexity: 2 },
    ]);
  });
});

describe('code_quality', () => {
  it('reports complexity per file and function and biome lint findings per file and rule', async () => {
    const { result } = await runSkill(
      codeQuality,
      { path: project, complexity_threshold: 5 },
      { home: home.home, readRoots: [project], task: { agent: 'coder_1' } },
    );
    expect(result.files.map((file) => file.file)).toEqual(['src/branchy.ts', 'src/legacy.js']);
    const [branchy, legacy] = result.files;
    expect(branchy).toMatchObject({
      lines: 32,
      functions: 3,
      maxComplexity: 11,
      meanComplexity: 4.67,
      complex: [{ name: 'branchy', line: 1, complexity: 11 }],
    });
    expect(legacy).toMatchObject({
      functions: 1,
      maxComplexity: 2,
      lint: { errors: 2, warnings: 0, infos: 0 },
    });
    expect(result.lint).toMatchObject({ status: 'ok', tool: 'biome lint' });
    expect(result.lint.status === 'ok' && result.lint.rules).toMatchObject({
      'lint/suspicious/noDoubleEquals': 1,
      'lint/suspicious/noDebugger': 1,
    });
    expect(result.totals).toMatchObject({ files: 2, functions: 4, maxComplexity: 11, overThreshold: 1 });
    expect(result.file).toMatch(/knowledge\/quality\/reviews\/quality_review_[a-z0-9-]+_\d{8}_coder_1\.md$/);
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).toContain('| src/legacy.js | 6 | 1 | 2 | 2 | ');
    expect(markdown).toContain('- `src/branchy.ts:1` branchy: 11');
    expect(markdown).toContain('- lint/suspicious/noDebugger: 1');
  });

  it('skips lint when asked, analyses a single file and stops at max_files', async () => {
    const single = await runSkill(
      codeQuality,
      { path: path.join(project, 'src', 'legacy.js'), lint: false },
      { home: home.home, readRoots: [project] },
    );
    expect(single.result.lint).toEqual({ status: 'skipped', reason: 'lint is false' });
    expect(single.result.files).toEqual([
      {
        file: 'legacy.js',
        lines: 6,
        functions: 1,
        maxComplexity: 2,
        meanComplexity: 2,
        complex: [],
        lint: undefined,
      },
    ]);
    const capped = await runSkill(
      codeQuality,
      { path: project, max_files: 1, lint: false },
      { home: home.home, readRoots: [project] },
    );
    expect(capped.result.truncated).toBe(true);
    expect(capped.result.files).toHaveLength(1);
  });

  it('refuses a folder without JavaScript or TypeScript files, a path outside the roots and a bad payload', async () => {
    const docs = path.join(project, 'docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'a.md'), '# a\n');
    const options = { home: home.home, readRoots: [project] };
    await expect(runSkill(codeQuality, { path: docs }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
    });
    await expect(runSkill(codeQuality, { path: project }, { home: home.home })).rejects.toMatchObject({
      code: 'FS_ACCESS_DENIED',
    });
    await expect(
      runSkill(codeQuality, { path: project, complexity_threshold: 0 }, options),
    ).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
