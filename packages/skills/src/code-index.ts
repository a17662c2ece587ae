import path from 'node:path';
import { defineSkill, z } from '@biged/skill-sdk';
import { BINARY_EXTENSIONS, extensionOf, languageOf } from './internal/languages';
import { type CodeSymbol, extractSymbols } from './internal/symbols';

/** Directories `code_index` never descends into: dependencies, VCS data, build output, caches. */
export const CODE_INDEX_IGNORED_DIRECTORIES: readonly string[] = [
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'dist',
  'build',
  '.turbo',
  'coverage',
  '.next',
  '.cache',
  '__pycache__',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  'target',
];

/** Files larger than this (1 MiB) are skipped: generated, minified or data, not code worth indexing. */
export const CODE_INDEX_MAX_FILE_BYTES = 1024 * 1024;

/** Where the index goes, relative to the fleet home. */
export const CODE_INDEX_DEFAULT_OUTPUT = 'knowledge/code_index.jsonl';

/** One line of `code_index.jsonl`. */
export interface CodeIndexRecord {
  /** Path relative to the indexed directory, `/`-separated. */
  path: string;
  /** Language name (`typescript`, `python`, ...; `text` when unknown). */
  language: string;
  /** Size in bytes. */
  size: number;
  /** Number of lines. */
  lines: number;
  /** Declarations found (functions, classes, types, ...). */
  symbols: CodeSymbol[];
}

/** What `code_index` returns. */
export interface CodeIndexResult {
  /** The indexed directory, absolute. */
  root: string;
  /** The JSONL file written, absolute. */
  output: string;
  /** Files indexed (lines in the output). */
  files: number;
  /** Bytes of the files indexed. */
  bytes: number;
  /** Lines of the files indexed. */
  lines: number;
  /** Symbols found in total. */
  symbols: number;
  /** Files per language, e.g. `{ typescript: 12, markdown: 2 }`. */
  languages: Record<string, number>;
  /** Files passed over, by reason. Ignored directories are not counted. */
  skipped: { tooLarge: number; binary: number; unreadable: number };
  /** True when `maxFiles` stopped the walk before every file was seen. */
  truncated: boolean;
}

const payloadSchema = z.strictObject({
  /** Directory to index (absolute, or relative to the worker's working directory). */
  path: z.string().min(1),
  /** Stop after this many files. Default 20 000. */
  maxFiles: z.number().int().positive().default(20_000),
  /** Output file; relative paths are relative to the fleet home. Default `knowledge/code_index.jsonl`. */
  output: z.string().min(1).optional(),
});

const hasNulByte = (bytes: Uint8Array) => bytes.subarray(0, 8000).includes(0);

const countLines = (text: string) => {
  if (text.length === 0) return 0;
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count += 1;
  return text.endsWith('\n') ? count : count + 1;
};

/**
 * `code_index`: walks a source tree and writes one JSON line per text file (path, language, size,
 * lines, symbols) to `knowledge/code_index.jsonl` in the fleet home, atomically, for the other skills
 * to search. Skips dependency, VCS and build directories, binary files and files over 1 MiB.
 */
export const codeIndex = defineSkill({
  name: 'code_index',
  description:
    'Indexes a source tree: writes knowledge/code_index.jsonl (one line per file: path, language, size, lines, symbols) and returns counts per language.',
  payload: payloadSchema,
  roles: ['coder'],
  async run(payload, ctx): Promise<CodeIndexResult> {
    const root = await ctx.fs.realpath(payload.path);
    const output = path.resolve(ctx.paths.home, payload.output ?? CODE_INDEX_DEFAULT_OUTPUT);
    // Walked paths are real paths; compare the output's real path to never index the index itself.
    const realOutput = await ctx.fs.realpath(output).catch(() => output);
    const ignored = new Set(CODE_INDEX_IGNORED_DIRECTORIES);
    const records: string[] = [];
    const languages: Record<string, number> = {};
    const skipped = { tooLarge: 0, binary: 0, unreadable: 0 };
    let bytes = 0;
    let lines = 0;
    let symbols = 0;
    let truncated = false;

    const entries = ctx.fs.walk(root, {
      // Only directories are matched by name, so a file called `build` or `dist` is still indexed.
      ignore: (entry) => entry.isDirectory && ignored.has(entry.name),
    });
    for await (const entry of entries) {
      ctx.signal.throwIfAborted();
      if (records.length >= payload.maxFiles) {
        truncated = true;
        break;
      }
      if (entry.size > CODE_INDEX_MAX_FILE_BYTES) {
        skipped.tooLarge += 1;
        continue;
      }
      if (entry.path === realOutput) continue;
      if (BINARY_EXTENSIONS.has(extensionOf(entry.name))) {
        skipped.binary += 1;
        continue;
      }
      let content: Buffer;
      try {
        content = await ctx.fs.readFile(entry.path);
      } catch (error) {
        ctx.log.debug('code_index: unreadable file skipped', { file: entry.path, error: String(error) });
        skipped.unreadable += 1;
        continue;
      }
      if (hasNulByte(content)) {
        skipped.binary += 1;
        continue;
      }
      const text = content.toString('utf8');
      const language = languageOf(entry.name);
      const found = extractSymbols(language, text.split(/\r?\n/));
      const record: CodeIndexRecord = {
        path: entry.relativePath,
        language,
        size: content.byteLength,
        lines: countLines(text),
        symbols: found,
      };
      records.push(JSON.stringify(record));
      languages[language] = (languages[language] ?? 0) + 1;
      bytes += record.size;
      lines += record.lines;
      symbols += found.length;
    }

    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(output, records.length > 0 ? `${records.join('\n')}\n` : '');
    ctx.log.info('code_index: index written', { root, output, files: records.length });
    return { root, output, files: records.length, bytes, lines, symbols, languages, skipped, truncated };
  },
});
