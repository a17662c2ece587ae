import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill, SkillFsError } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CodeIndexRecord, codeIndex } from './code-index';

const FIXTURE: Record<string, string> = {
  'src/app.ts': [
    "import { x } from './x';",
    'export interface Options { verbose: boolean }',
    'export type Mode = "a" | "b";',
    'export enum Color { Red }',
    'export async function start(options: Options): Promise<void> {}',
    'export const stop = async (code: number): Promise<void> => {};',
    'export const LIMIT = 10;',
    'export default class App extends Base {',
    '  run() { return start({ verbose: true }); }',
    '}',
    '',
  ].join('\n'),
  'tools/build.py': [
    'import os',
    '',
    'class Builder:',
    '    def build(self):',
    '        pass',
    '',
    'def main():',
    '    Builder().build()',
  ].join('\n'),
  'cmd/main.go': [
    'package main',
    '',
    'type Server struct {',
    '\tport int',
    '}',
    '',
    'type Handler interface{ Serve() }',
    '',
    'func (s *Server) Start() error { return nil }',
    '',
    'func main() {}',
    '',
  ].join('\n'),
  'lib/core.rs': [
    'pub struct Engine;',
    'pub trait Run {}',
    'impl Run for Engine {}',
    'pub(crate) async fn go_fast() {}',
    '',
  ].join('\n'),
  'native/util.c': [
    '#include <stdio.h>',
    'static int add(int a, int b)',
    '{',
    '  return a + b;',
    '}',
    'int declared(void);',
    '',
  ].join('\n'),
  'README.md': ['# Project', '', '```sh', '# not a heading', '```', '## Usage', ''].join('\n'),
  'node_modules/dep/index.js': 'export function ignored() {}\n',
  'dist/app.js': 'export function built() {}\n',
  '.git/HEAD': 'ref: refs/heads/main\n',
};

let home: TempHome;
let source: string;

beforeEach(() => {
  home = createTempHome();
  source = path.join(home.home, '..', `${path.basename(home.home)}-src`);
  for (const [relative, text] of Object.entries(FIXTURE)) {
    const file = path.join(source, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  writeFileSync(path.join(source, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
  writeFileSync(path.join(source, 'data.bin.txt'), Buffer.from([0x41, 0, 0x42]));
  writeFileSync(path.join(source, 'huge.ts'), 'x'.repeat(1024 * 1024 + 1));
});

afterEach(() => {
  home.cleanup();
  // The source tree sits beside the home so the test proves reads outside the home need a read root.
  rmSync(source, { recursive: true, force: true });
});

const readIndex = (file: string): CodeIndexRecord[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CodeIndexRecord);

describe('code_index', () => {
  it('indexes a tree: languages, sizes, lines, symbols, skipped files and the jsonl output', async () => {
    const { result } = await runSkill(codeIndex, { path: source }, { home: home.home, readRoots: [source] });
    expect(result.output).toBe(path.join(home.knowledge, 'code_index.jsonl'));
    expect(result.languages).toEqual({ c: 1, go: 1, markdown: 1, python: 1, rust: 1, typescript: 1 });
    expect(result.files).toBe(6);
    expect(result.skipped).toEqual({ tooLarge: 1, binary: 2, unreadable: 0 });
    expect(result.truncated).toBe(false);

    const records = readIndex(result.output);
    expect(records.map((record) => record.path)).toEqual([
      'README.md',
      'cmd/main.go',
      'lib/core.rs',
      'native/util.c',
      'src/app.ts',
      'tools/build.py',
    ]);
    const byPath = Object.fromEntries(records.map((record) => [record.path, record]));
    const app = byPath['src/app.ts']!;
    expect(app).toMatchObject({
      language: 'typescript',
      size: Buffer.byteLength(FIXTURE['src/app.ts']!),
      lines: 10,
    });
    expect(app.symbols).toEqual([
      { name: 'Options', kind: 'interface', line: 2 },
      { name: 'Mode', kind: 'type', line: 3 },
      { name: 'Color', kind: 'enum', line: 4 },
      { name: 'start', kind: 'function', line: 5 },
      { name: 'stop', kind: 'function', line: 6 },
      { name: 'LIMIT', kind: 'const', line: 7 },
      { name: 'App', kind: 'class', line: 8 },
    ]);
    expect(byPath['tools/build.py']!.symbols).toEqual([
      { name: 'Builder', kind: 'class', line: 3 },
      { name: 'build', kind: 'method', line: 4 },
      { name: 'main', kind: 'function', line: 7 },
    ]);
    expect(byPath['cmd/main.go']!.symbols).toEqual([
      { name: 'Server', kind: 'struct', line: 3 },
      { name: 'Handler', kind: 'interface', line: 7 },
      { name: 'Start', kind: 'method', line: 9 },
      { name: 'main', kind: 'function', line: 11 },
    ]);
    expect(byPath['lib/core.rs']!.symbols).toEqual([
      { name: 'Engine', kind: 'struct', line: 1 },
      { name: 'Run', kind: 'trait', line: 2 },
      { name: 'Run for Engine', kind: 'impl', line: 3 },
      { name: 'go_fast', kind: 'function', line: 4 },
    ]);
    expect(byPath['native/util.c']!.symbols).toEqual([{ name: 'add', kind: 'function', line: 2 }]);
    expect(byPath['README.md']!.symbols).toEqual([
      { name: 'Project', kind: 'heading', line: 1 },
      { name: 'Usage', kind: 'heading', line: 6 },
    ]);
    expect(result.symbols).toBe(records.reduce((total, record) => total + record.symbols.length, 0));
    expect(result.lines).toBe(records.reduce((total, record) => total + record.lines, 0));
    expect(result.bytes).toBe(records.reduce((total, record) => total + record.size, 0));
  });

  it('stops at maxFiles and writes to a custom output inside the home', async () => {
    const { result } = await runSkill(
      codeIndex,
      { path: source, maxFiles: 2, output: 'reports/index.jsonl' },
      { home: home.home, readRoots: [source] },
    );
    expect(result).toMatchObject({
      files: 2,
      truncated: true,
      output: path.join(home.home, 'reports', 'index.jsonl'),
    });
    expect(readIndex(result.output)).toHaveLength(2);
  });

  it('cannot read a tree the worker did not allow, nor write outside the home', async () => {
    await expect(runSkill(codeIndex, { path: source }, { home: home.home })).rejects.toSatisfy(
      SkillFsError.isInstance,
    );
    await expect(
      runSkill(
        codeIndex,
        { path: source, output: path.join(source, 'x.jsonl') },
        { home: home.home, readRoots: [source] },
      ),
    ).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED', access: 'write' });
  });

  it('rejects a payload without a path or with unknown keys', async () => {
    await expect(runSkill(codeIndex, { pth: '.' } as never)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
