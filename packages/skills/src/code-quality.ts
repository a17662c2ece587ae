import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BigedError } from '@biged/core';
import { defineSkill, type SkillContext, z } from '@biged/skill-sdk';
import type * as TypeScript from 'typescript';
import { SkillInputError } from './errors/skill-input-error';
import { extensionOf } from './internal/languages';
import { isoDate, knowledgeFile, slugify } from './internal/model-skill';
import { readSourceTree, type SourceFile } from './internal/source-tree';

/** Where reports go, under `<home>/knowledge` (the manual: `knowledge/quality/reviews/`). */
export const CODE_QUALITY_FOLDER = 'quality/reviews';

/** Extensions whose files get complexity figures and lint (the JavaScript family). */
export const CODE_QUALITY_EXTENSIONS: readonly string[] = [
  'ts',
  'tsx',
  'mts',
  'cts',
  'js',
  'jsx',
  'mjs',
  'cjs',
];

/** Files over 1 MiB are skipped. */
export const CODE_QUALITY_MAX_FILE_BYTES = 1024 * 1024;

/** Files handed to one `biome lint` run. */
const LINT_BATCH = 200;

/** A function's cyclomatic complexity. */
export interface FunctionComplexity {
  /** Its name (`<anonymous>` when it has none; `Class.method` for methods). */
  name: string;
  /** 1-based line where it starts. */
  line: number;
  /** 1 + its decision points (if, ?:, case, loops, catch, &&, ||, ??), nested functions not included. */
  complexity: number;
}

/** Figures for one file. */
export interface FileQuality {
  /** Relative to the analysed folder. */
  file: string;
  /** Lines of text. */
  lines: number;
  /** Functions found. */
  functions: number;
  /** Highest function complexity (0 without functions). */
  maxComplexity: number;
  /** Mean function complexity, 2 decimals (0 without functions). */
  meanComplexity: number;
  /** Functions over the threshold, most complex first. */
  complex: FunctionComplexity[];
  /** Lint findings per severity (undefined when lint did not run). */
  lint?: { errors: number; warnings: number; infos: number } | undefined;
}

/** The lint part: `ok` with counts per rule, or `unavailable` with why. */
export type LintSummary =
  | {
      status: 'ok';
      tool: string;
      errors: number;
      warnings: number;
      infos: number;
      /** Findings per rule (`lint/suspicious/noDoubleEquals`: 3), most frequent first. */
      rules: Record<string, number>;
    }
  | { status: 'unavailable'; reason: string }
  | { status: 'skipped'; reason: string };

/** What `code_quality` returns. */
export interface CodeQualityResult {
  /** The analysed file or folder, absolute. */
  root: string;
  /** Per-file figures, in walk order. */
  files: FileQuality[];
  /** Totals over all files. */
  totals: {
    files: number;
    lines: number;
    functions: number;
    maxComplexity: number;
    meanComplexity: number;
    overThreshold: number;
  };
  lint: LintSummary;
  /** True when the walk stopped at `max_files`. */
  truncated: boolean;
  /** The report: `<home>/knowledge/quality/reviews/quality_review_<subject>_<YYYYMMDD>_<agent>.md`. */
  file: string;
}

const payloadSchema = z.strictObject({
  /** A source file or folder. */
  path: z.string().min(1),
  /** Most files analysed, 1..20 000. Default 2 000; the walk stops there (`truncated`). */
  max_files: z.number().int().min(1).max(20_000).default(2000),
  /** Functions above this complexity are listed. Default 10. */
  complexity_threshold: z.number().int().min(1).max(100).default(10),
  /** Run biome's linter over the files. Default true. */
  lint: z.boolean().default(true),
});

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Cyclomatic complexity of every function in one source file, with the TypeScript parser. */
export function functionComplexities(
  ts: typeof TypeScript,
  fileName: string,
  text: string,
): FunctionComplexity[] {
  const kind = /\.(tsx|jsx)$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.[mc]?js$/.test(fileName)
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const results: FunctionComplexity[] = [];

  const nameOf = (node: TypeScript.Node): string => {
    const named = node as TypeScript.Node & { name?: TypeScript.Node };
    const own =
      named.name &&
      (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name) || ts.isPrivateIdentifier(named.name))
        ? named.name.text
        : undefined;
    if (ts.isConstructorDeclaration(node)) return `${classNameOf(node)}constructor`;
    if (own !== undefined)
      return ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)
        ? `${classNameOf(node)}${own}`
        : own;
    const parent = node.parent;
    if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (parent && ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name))
      return `${classNameOf(parent)}${parent.name.text}`;
    return '<anonymous>';
  };
  const classNameOf = (node: TypeScript.Node): string => {
    const parent = node.parent;
    return parent && ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
  };
  const isFunction = (node: TypeScript.Node): node is TypeScript.SignatureDeclaration =>
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node);
  const LOGICAL = new Set([
    ts.SyntaxKind.AmpersandAmpersandToken,
    ts.SyntaxKind.BarBarToken,
    ts.SyntaxKind.QuestionQuestionToken,
    ts.SyntaxKind.AmpersandAmpersandEqualsToken,
    ts.SyntaxKind.BarBarEqualsToken,
    ts.SyntaxKind.QuestionQuestionEqualsToken,
  ]);
  const decisions = (node: TypeScript.Node): number => {
    switch (node.kind) {
      case ts.SyntaxKind.IfStatement:
      case ts.SyntaxKind.ConditionalExpression:
      case ts.SyntaxKind.CaseClause:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.CatchClause:
        return 1;
      case ts.SyntaxKind.BinaryExpression:
        return LOGICAL.has((node as TypeScript.BinaryExpression).operatorToken.kind) ? 1 : 0;
      default:
        return 0;
    }
  };
  const measure = (fn: TypeScript.SignatureDeclaration) => {
    let complexity = 1;
    const walk = (node: TypeScript.Node) => {
      if (isFunction(node)) {
        measure(node);
        return;
      }
      complexity += decisions(node);
      ts.forEachChild(node, walk);
    };
    ts.forEachChild(fn, walk);
    results.push({
      name: nameOf(fn),
      line: source.getLineAndCharacterOfPosition(fn.getStart(source)).line + 1,
      complexity,
    });
  };
  const visit = (node: TypeScript.Node) => {
    if (isFunction(node)) measure(node);
    else ts.forEachChild(node, visit);
  };
  visit(source);
  return results.sort((a, b) => a.line - b.line);
}

interface BiomeReport {
  diagnostics?: Array<{
    category?: string;
    severity?: string;
    location?: { path?: { file?: string } | null };
  }>;
}

function runBiome(
  binary: string,
  cwd: string,
  files: string[],
  signal: AbortSignal,
): Promise<{ stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        binary,
        'lint',
        '--reporter=json',
        '--max-diagnostics=none',
        '--colors=off',
        '--no-errors-on-unmatched',
        ...files,
      ],
      { cwd, signal, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ stdout, stderr, ...(error ? { error } : {}) }),
    );
  });
}

/**
 * The TypeScript compiler, an optional peer dependency (it is large, and only this skill needs it): a
 * clear error naming the package when it is not installed.
 */
async function loadTypeScript(): Promise<typeof TypeScript> {
  try {
    const { default: ts } = (await import('typescript')) as unknown as { default: typeof TypeScript };
    return ts;
  } catch (cause) {
    throw new BigedError({
      code: 'SKILL_TOOL_MISSING',
      message: 'code_quality needs the typescript package to parse sources, and it is not installed',
      hint: 'install it next to BigEd: npm install typescript',
      cause,
    });
  }
}

async function lintFiles(ctx: SkillContext, cwd: string, files: readonly SourceFile[]) {
  let binary: string;
  try {
    binary = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  } catch (error) {
    return {
      summary: { status: 'unavailable' as const, reason: `biome is not installed: ${String(error)}` },
      perFile: new Map(),
    };
  }
  const perFile = new Map<string, { errors: number; warnings: number; infos: number }>();
  const rules: Record<string, number> = {};
  const counts = { errors: 0, warnings: 0, infos: 0 };
  for (let start = 0; start < files.length; start += LINT_BATCH) {
    ctx.signal.throwIfAborted();
    const batch = files.slice(start, start + LINT_BATCH).map((file) => path.relative(cwd, file.path));
    const { stdout, stderr, error } = await runBiome(binary, cwd, batch, ctx.signal);
    let report: BiomeReport;
    try {
      report = JSON.parse(stdout) as BiomeReport;
    } catch {
      const why = (stderr.trim() || error?.message || 'no JSON output').split('\n')[0];
      return {
        summary: { status: 'unavailable' as const, reason: `biome lint failed: ${why}` },
        perFile: new Map(),
      };
    }
    for (const diagnostic of report.diagnostics ?? []) {
      const category = diagnostic.category ?? 'unknown';
      if (!category.startsWith('lint/') && category !== 'parse') continue;
      const key =
        diagnostic.severity === 'error' || diagnostic.severity === 'fatal'
          ? 'errors'
          : diagnostic.severity === 'warning'
            ? 'warnings'
            : 'infos';
      counts[key] += 1;
      rules[category] = (rules[category] ?? 0) + 1;
      const relative = diagnostic.location?.path?.file;
      if (relative) {
        const absolute = path.resolve(cwd, relative);
        const entry = perFile.get(absolute) ?? { errors: 0, warnings: 0, infos: 0 };
        entry[key] += 1;
        perFile.set(absolute, entry);
      }
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(rules).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  );
  return { summary: { status: 'ok' as const, tool: 'biome lint', ...counts, rules: sorted }, perFile };
}

/**
 * `code_quality`: lint and complexity figures for a source file or folder from real tools, not a model:
 * the cyclomatic complexity of every function (TypeScript's own parser over `.ts/.tsx/.js/.jsx/.mjs/.cjs`
 * files: 1 + if, ?:, case, loops, catch, &&, ||, ??), and biome's lint findings per file and per rule
 * (`biome lint --reporter=json`, run in the folder so the project's own biome.json applies). Files are
 * read through the fs guard first; biome reads only files the guard allowed. Writes
 * `knowledge/quality/reviews/quality_review_<subject>_<YYYYMMDD>_<agent>.md`.
 */
export const codeQuality = defineSkill({
  name: 'code_quality',
  description:
    'Lint and complexity figures for a source file or folder (payload path) from real tools: per-function cyclomatic complexity (TypeScript parser) and biome lint findings per file and rule; writes knowledge/quality/reviews/quality_review_<subject>_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['coder'],
  timeoutMs: 15 * 60_000,
  async run(payload, ctx): Promise<CodeQualityResult> {
    const date = new Date();
    const tree = await readSourceTree(ctx, {
      skill: 'code_quality',
      path: payload.path,
      maxFiles: payload.max_files,
      onTooMany: 'truncate',
      maxFileBytes: CODE_QUALITY_MAX_FILE_BYTES,
      accept: (name) => CODE_QUALITY_EXTENSIONS.includes(extensionOf(name)),
    });
    const sources = tree.files.filter((source) => CODE_QUALITY_EXTENSIONS.includes(extensionOf(source.path)));
    if (sources.length === 0) {
      throw new SkillInputError({
        code: 'SKILL_INPUT_EMPTY',
        skill: 'code_quality',
        path: tree.root,
        message: `code_quality: ${tree.root} holds no JavaScript or TypeScript files (${CODE_QUALITY_EXTENSIONS.map((ext) => `.${ext}`).join(', ')})`,
      });
    }
    const ts = await loadTypeScript();
    const cwd = tree.directory ? tree.root : path.dirname(tree.root);
    const lint = payload.lint
      ? await lintFiles(ctx, cwd, sources)
      : {
          summary: { status: 'skipped' as const, reason: 'lint is false' },
          perFile: new Map<string, { errors: number; warnings: number; infos: number }>(),
        };

    let allFunctions: FunctionComplexity[] = [];
    const files: FileQuality[] = sources.map((source) => {
      ctx.signal.throwIfAborted();
      const functions = functionComplexities(ts, source.path, source.text);
      allFunctions = allFunctions.concat(functions);
      const total = functions.reduce((sum, fn) => sum + fn.complexity, 0);
      return {
        file: source.relativePath,
        lines: source.text.split('\n').length - (source.text.endsWith('\n') ? 1 : 0),
        functions: functions.length,
        maxComplexity: functions.reduce((max, fn) => Math.max(max, fn.complexity), 0),
        meanComplexity: functions.length === 0 ? 0 : round2(total / functions.length),
        complex: functions
          .filter((fn) => fn.complexity > payload.complexity_threshold)
          .sort((a, b) => b.complexity - a.complexity),
        lint:
          lint.summary.status === 'ok'
            ? (lint.perFile.get(source.path) ?? { errors: 0, warnings: 0, infos: 0 })
            : undefined,
      };
    });
    const totalComplexity = allFunctions.reduce((sum, fn) => sum + fn.complexity, 0);
    const totals = {
      files: files.length,
      lines: files.reduce((sum, file) => sum + file.lines, 0),
      functions: allFunctions.length,
      maxComplexity: allFunctions.reduce((max, fn) => Math.max(max, fn.complexity), 0),
      meanComplexity: allFunctions.length === 0 ? 0 : round2(totalComplexity / allFunctions.length),
      overThreshold: files.reduce((sum, file) => sum + file.complex.length, 0),
    };

    const subject = slugify(path.basename(tree.root).replace(/\./g, '-'));
    const file = knowledgeFile(ctx, { folder: CODE_QUALITY_FOLDER, stem: `quality_review_${subject}`, date });
    const summary = lint.summary;
    const markdown = [
      `# Code quality: ${path.basename(tree.root)}`,
      '',
      `- Path: \`${tree.root}\``,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Files: ${totals.files}${tree.truncated ? ` (stopped at ${payload.max_files})` : ''}, lines: ${totals.lines}, functions: ${totals.functions}`,
      `- Cyclomatic complexity: mean ${totals.meanComplexity}, max ${totals.maxComplexity}, ${totals.overThreshold} function(s) over ${payload.complexity_threshold}`,
      summary.status === 'ok'
        ? `- Lint (${summary.tool}): ${summary.errors} errors, ${summary.warnings} warnings, ${summary.infos} infos`
        : `- Lint: ${summary.status} (${summary.reason})`,
      '',
      '## Files',
      '',
      '| file | lines | functions | max | mean | lint errors | lint warnings |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...files.map(
        (entry) =>
          `| ${entry.file} | ${entry.lines} | ${entry.functions} | ${entry.maxComplexity} | ${entry.meanComplexity} | ${entry.lint?.errors ?? '-'} | ${entry.lint?.warnings ?? '-'} |`,
      ),
      '',
      `## Functions over complexity ${payload.complexity_threshold}`,
      '',
      ...(totals.overThreshold === 0
        ? ['None.']
        : files.flatMap((entry) =>
            entry.complex.map((fn) => `- \`${entry.file}:${fn.line}\` ${fn.name}: ${fn.complexity}`),
          )),
      '',
      ...(summary.status === 'ok' && Object.keys(summary.rules).length > 0
        ? [
            '## Lint rules',
            '',
            ...Object.entries(summary.rules).map(([rule, count]) => `- ${rule}: ${count}`),
            '',
          ]
        : []),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('code_quality: report written', { file, files: totals.files, lint: summary.status });
    return { root: tree.root, files, totals, lint: summary, truncated: tree.truncated, file };
  },
});
