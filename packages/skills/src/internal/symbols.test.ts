import { describe, expect, it } from 'vitest';
import { languageOf } from './languages';
import { extractSymbols } from './symbols';
import { tokenize } from './tokenize';

const names = (language: string, source: string) =>
  extractSymbols(language, source.split('\n')).map(({ name, kind }) => `${kind} ${name}`);

describe('extractSymbols', () => {
  it('finds Java / C# classes and methods, not calls or control flow', () => {
    const java = [
      'public final class Parser {',
      '  private static int count(String text) {',
      '    if (text.isEmpty()) return 0;',
      '    return helper(text);',
      '  }',
      '  public <T> List<T> all() {',
      '}',
      'interface Visitor {}',
    ].join('\n');
    expect(names('java', java)).toEqual(['class Parser', 'method count', 'method all', 'interface Visitor']);
    expect(
      names('csharp', 'public sealed record Point(int X);\n  public async Task<int> RunAsync() {'),
    ).toEqual(['class Point', 'method RunAsync']);
    expect(names('kotlin', 'data class User(val id: Int)\nsuspend fun load(id: Int): User {')).toEqual([
      'class User',
      'function load',
    ]);
  });

  it('finds C / C++ definitions but not prototypes, calls or keywords', () => {
    const cpp = [
      'struct Point {',
      'class Shape : public Base {',
      'int area(const Shape& shape) {',
      'void Shape::draw() const',
      'int prototype(int x);',
      '  helper(1);',
      'while (true) {',
    ].join('\n');
    expect(names('cpp', cpp)).toEqual([
      'struct Point',
      'class Shape',
      'function area',
      'function Shape::draw',
    ]);
  });

  it('finds shell functions and JS arrow functions split over lines', () => {
    expect(names('shell', 'deploy() {\nfunction cleanup {\n  echo hi')).toEqual([
      'function deploy',
      'function cleanup',
    ]);
    expect(
      names('javascript', 'const handler = async (\nconst value = (a + b) * 2;\nmodule.exports = {};'),
    ).toEqual(['function handler']);
  });
});

describe('languageOf', () => {
  it('maps extensions and well-known names', () => {
    expect(
      ['a.tsx', 'b.mjs', 'c.h', 'd.hpp', 'Dockerfile', 'Makefile', 'notes', 'x.YML'].map(languageOf),
    ).toEqual(['typescript', 'javascript', 'c', 'cpp', 'dockerfile', 'makefile', 'text', 'yaml']);
  });
});

describe('tokenize', () => {
  it('lower-cases, splits identifiers and drops stop words', () => {
    expect(tokenize('How does createSkillFs handle code_index and HTTPServer-2?')).toEqual([
      'does',
      'create',
      'skill',
      'fs',
      'handle',
      'code',
      'index',
      'http',
      'server',
    ]);
  });
});
