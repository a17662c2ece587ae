import path from 'node:path';
import type { RouterResult } from '@biged/core';
import { type SkillContext, type SkillModelRequest, SkillModelsUnavailableError, z } from '@biged/skill-sdk';
import { ModelOutputError } from '../errors/model-output-error';
import { SkillInputError } from '../errors/skill-input-error';

/**
 * Shared pieces of the model-using skills (summarize, synthesize, code_review, code_discuss): output file
 * names under knowledge/, reading a document with limits, chunking and map-reduce, JSON schemas from zod,
 * and the model calls with their token tally.
 */

/** Characters per chunk sent to a model when a payload gives no `chunk_chars` (about 2 000 tokens). */
export const DEFAULT_CHUNK_CHARS = 8_000;

/** Largest `max_bytes` any model-using skill accepts: 64 MiB. */
export const MAX_BYTES_LIMIT = 64 * 1024 * 1024;

/** The `chunk_chars` payload field: characters of material per model call. Default 8 000. */
export const chunkCharsField = () => z.number().int().min(500).max(500_000).default(DEFAULT_CHUNK_CHARS);

/** The `max_bytes` payload field: larger inputs are refused, not truncated. */
export const maxBytesField = (byDefault: number, limit = MAX_BYTES_LIMIT) =>
  z.number().int().positive().max(limit).default(byDefault);

/** Payload fields every model-using skill takes: which provider and model to ask. */
export const modelChoiceFields = {
  /** Provider id (`local`, `claude`, `gemini`, ...). Default: the router's default provider. */
  provider: z.string().min(1).optional(),
  /** Model id. Default: the provider's default model. */
  model: z.string().min(1).optional(),
};

/**
 * A slug for file names: ASCII lower case, digits and `-`, at most `maxLength` characters, cut at a word
 * boundary when it can be; `untitled` when nothing is left.
 */
export function slugify(text: string, maxLength = 48): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= maxLength) return slug || 'untitled';
  const cut = slug.slice(0, maxLength + 1);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut.slice(0, maxLength)).replace(/-+$/, '');
}

/**
 * The `<file>` part of `<file>_review_<date>_<agent>.md`: the base name with dots replaced by
 * underscores (`app.test.ts` -> `app_test_ts`); other characters outside `[A-Za-z0-9_-]` become `_` too.
 */
export function fileStem(filePath: string): string {
  return path.basename(filePath).replace(/[^A-Za-z0-9_-]/g, '_') || 'file';
}

/** An agent name made safe for a file name (characters outside `[A-Za-z0-9_-]` become `_`). */
export function agentStem(agent: string): string {
  return agent.replace(/[^A-Za-z0-9_-]/g, '_') || 'agent';
}

/** `YYYYMMDD` in UTC, so files written by workers in different time zones sort together. */
export function dateStamp(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

/** `YYYY-MM-DD` in UTC. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Options for `knowledgeFile`. */
export interface KnowledgeFileOptions {
  /** Folder under `<home>/knowledge`, e.g. `summaries`. */
  folder: string;
  /** The file's subject: a slug or a `fileStem`. */
  stem: string;
  /** What the file is (`summary`, `review`, ...), between the stem and the date; none when omitted. */
  kind?: string;
  /** The run's date. */
  date: Date;
}

/**
 * The absolute path of a skill's output: `<home>/knowledge/<folder>/<stem>[_<kind>]_<YYYYMMDD>_<agent>.md`,
 * as the manual's Skill Output Locations table names them. A second run on the same day for the same
 * subject and agent gets the same name, so a retried task replaces its own file instead of piling up copies.
 */
export function knowledgeFile(ctx: SkillContext, { folder, stem, kind, date }: KnowledgeFileOptions): string {
  const parts = [stem, ...(kind ? [kind] : []), dateStamp(date), agentStem(ctx.task.agent)];
  return path.join(ctx.paths.knowledge, folder, `${parts.join('_')}.md`);
}

/** A path shown in a report: relative to the fleet home when inside it, else absolute. */
export function displayPath(ctx: SkillContext, filePath: string): string {
  const relative = path.relative(ctx.paths.home, filePath);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : filePath;
}

/** A text file read by `readTextDocument`. */
export interface TextDocument {
  /** Absolute real path (symlinks followed). */
  path: string;
  /** Its text (UTF-8). */
  text: string;
  /** Its size in bytes. */
  bytes: number;
}

/** Options for `readTextDocument`. */
export interface ReadTextDocumentOptions {
  /** The skill reading, for error messages. */
  skill: string;
  /** The file; relative paths resolve against the fs guard's working directory. */
  path: string;
  /** Larger files are refused (`SKILL_INPUT_TOO_LARGE`), never truncated. */
  maxBytes: number;
}

/** What `readTextInput` returns: the text, a short title and where it came from (for the output file). */
export interface TextInput {
  /** The text itself. */
  text: string;
  /** The file's name, or the text's first words (at most 80 characters). */
  title: string;
  /** "`<path>`" (relative to the home when inside it), or "inline text (N characters)". */
  source: string;
}

/** The first `count` words of a text, at most 80 characters. */
export const firstWords = (text: string, count: number): string =>
  text.trim().split(/\s+/).slice(0, count).join(' ').slice(0, 80);

/**
 * The text of a payload that gives either `path` (read with `readTextDocument`) or inline `text`. Inline
 * text over `maxBytes` is a `SkillInputError` (`SKILL_INPUT_TOO_LARGE`); nothing is ever truncated.
 */
export async function readTextInput(
  ctx: SkillContext,
  {
    skill,
    path: filePath,
    text,
    maxBytes,
  }: Omit<ReadTextDocumentOptions, 'path'> & { path?: string | undefined; text?: string | undefined },
): Promise<TextInput> {
  if (filePath !== undefined) {
    const document = await readTextDocument(ctx, { skill, path: filePath, maxBytes });
    return {
      text: document.text,
      title: path.basename(document.path),
      source: `\`${displayPath(ctx, document.path)}\``,
    };
  }
  const value = text ?? '';
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_TOO_LARGE',
      skill,
      size: bytes,
      limit: maxBytes,
      message: `${skill}: the text is ${bytes} bytes, over the limit of ${maxBytes} bytes (nothing is truncated)`,
      hint: 'raise the payload\'s "max_bytes", or split the text',
    });
  }
  return { text: value, title: firstWords(value, 8), source: `inline text (${value.length} characters)` };
}

/**
 * Reads a text file through `ctx.fs` for a model to see. A path outside what the worker allows is
 * `FS_ACCESS_DENIED` and a missing one Node's `ENOENT`; a directory, a file over `maxBytes`, a binary
 * file (a NUL byte) or one with only white space is a `SkillInputError`. The size is checked before
 * anything is read.
 */
export async function readTextDocument(
  ctx: SkillContext,
  { skill, path: filePath, maxBytes }: ReadTextDocumentOptions,
): Promise<TextDocument> {
  // Checked for read access first, so a path outside the roots is FS_ACCESS_DENIED even when it is missing.
  const absolute = await ctx.fs.realpath(filePath);
  const stats = await ctx.fs.stat(absolute);
  if (!stats.isFile()) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_NOT_A_FILE',
      skill,
      path: absolute,
      message: `${skill}: ${absolute} is not a regular file`,
      hint: 'name a file, not a directory',
    });
  }
  if (stats.size > maxBytes) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_TOO_LARGE',
      skill,
      path: absolute,
      size: stats.size,
      limit: maxBytes,
      message: `${skill}: ${absolute} is ${stats.size} bytes, over the limit of ${maxBytes} bytes; it was not read (nothing is truncated)`,
      hint: 'raise the payload\'s "max_bytes", or split the file',
    });
  }
  const bytes = await ctx.fs.readFile(absolute);
  if (bytes.subarray(0, 8000).includes(0)) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_BINARY',
      skill,
      path: absolute,
      message: `${skill}: ${absolute} looks binary (it holds NUL bytes); only text files can be read`,
    });
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    throw new SkillInputError({
      code: 'SKILL_INPUT_EMPTY',
      skill,
      path: absolute,
      size: bytes.byteLength,
      message: `${skill}: ${absolute} is empty; there is nothing to give the model`,
    });
  }
  return { path: absolute, text, bytes: bytes.byteLength };
}

// Split points, coarsest first: after a blank line, after a line, after a sentence, after a space.
const SPLIT_POINTS: readonly RegExp[] = [/(?<=\n[ \t]*\n)/, /(?<=\n)/, /(?<=[.!?]["')\]]?\s)/, /(?<=\s)/];

function hardCut(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + maxChars, text.length);
    // Never cut a surrogate pair in two.
    if (end < text.length && /[\udc00-\udfff]/.test(text[end]!) && end - 1 > start) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

function atoms(text: string, maxChars: number, level: number): string[] {
  if (text.length <= maxChars) return [text];
  const splitPoint = SPLIT_POINTS[level];
  if (!splitPoint) return hardCut(text, maxChars);
  const parts = text.split(splitPoint).filter((part) => part.length > 0);
  if (parts.length <= 1) return atoms(text, maxChars, level + 1);
  return parts.flatMap((part) => atoms(part, maxChars, level + 1));
}

/**
 * Splits `text` into chunks of at most `maxChars` characters, each trimmed and non-empty, in order. It
 * cuts at paragraph breaks where it can, else at line ends, sentence ends, spaces, and only as a last
 * resort inside a word; pieces are packed greedily, so chunks are as full as the budget allows.
 */
export function splitIntoChunks(text: string, maxChars: number): string[] {
  if (!(maxChars >= 1)) throw new RangeError(`maxChars must be >= 1, got ${maxChars}`);
  const chunks: string[] = [];
  let current = '';
  for (const atom of atoms(text, maxChars, 0)) {
    if (current.length + atom.length > maxChars) {
      chunks.push(current);
      current = '';
    }
    current += atom;
  }
  chunks.push(current);
  return chunks.map((chunk) => chunk.trim()).filter((chunk) => chunk.length > 0);
}

/**
 * Packs `pieces` into consecutive groups whose joined length (with `separator` between pieces) stays within
 * `maxChars`. A piece longer than `maxChars` gets a group of its own.
 */
export function packGroups(pieces: readonly string[], maxChars: number, separator = '\n\n'): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    const added = group.length === 0 ? piece.length : length + separator.length + piece.length;
    if (group.length > 0 && added > maxChars) {
      groups.push(group);
      group = [piece];
      length = piece.length;
    } else {
      group.push(piece);
      length = added;
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Most reduce rounds `reduceToOne` runs before it gives up. */
export const MAX_REDUCE_ROUNDS = 8;

/** Options for `reduceToOne`. */
export interface ReduceToOneOptions {
  /** What to combine (chunk summaries, source blocks, ...), in order; at least one. */
  pieces: readonly string[];
  /** Budget for one model call's material, in characters. */
  maxChars: number;
  /** Joins pieces within a group. Default a blank line. */
  separator?: string;
  /** Checked before every call. */
  signal: AbortSignal;
  /**
   * One model call over a group: `final` is true for the last call, whose answer is the result. `level`
   * counts the reduce rounds before this one (0 for the first).
   */
  combine(group: string[], final: boolean, level: number): Promise<string>;
  /**
   * The error thrown when a round's answers are not shorter, all told, than what it was given (or after
   * `MAX_REDUCE_ROUNDS` rounds): the model's answers do not condense, so more rounds would not help.
   */
  noProgress(pieces: number): Error;
}

const totalLength = (pieces: readonly string[]) => pieces.reduce((sum, piece) => sum + piece.length, 0);

/**
 * The reduce half of map-reduce: packs the pieces into groups that fit the budget and combines each, then
 * does the same with the answers, until one group is left, whose combination is the result. Each round
 * must shrink the material, else `noProgress`. Checks `signal` before each call.
 */
export async function reduceToOne(options: ReduceToOneOptions): Promise<string> {
  const { maxChars, separator = '\n\n', signal, combine } = options;
  let pieces = [...options.pieces];
  for (let level = 0; ; level += 1) {
    const groups = packGroups(pieces, maxChars, separator);
    if (groups.length === 1) {
      signal.throwIfAborted();
      return combine(groups[0]!, true, level);
    }
    if (level >= MAX_REDUCE_ROUNDS) throw options.noProgress(pieces.length);
    const next: string[] = [];
    for (const group of groups) {
      signal.throwIfAborted();
      next.push(await combine(group, false, level));
    }
    if (totalLength(next) >= totalLength(pieces)) throw options.noProgress(pieces.length);
    pieces = next;
  }
}

/**
 * A JSON schema for structured output, from a zod schema (`z.toJSONSchema`), without the `$schema` key
 * (some providers refuse keywords they do not know).
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

/** Zod issues as `field.path: message` lines, for `ModelOutputError`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path
      .map((segment, index) =>
        typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
      )
      .join('');
    return `${where || '(answer)'}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
}

/** Throws `SkillModelsUnavailableError` before any work when the host gave the skill no model router. */
export function requireModels(ctx: SkillContext, skill: string): void {
  if (!ctx.models.available) throw new SkillModelsUnavailableError({ skill });
}

/** Tokens used by a skill's model calls, summed. */
export interface TokenTotals {
  /** Prompt tokens. */
  input: number;
  /** Generated tokens. */
  output: number;
}

/** Calls a skill made, with their totals. */
export interface ModelTally {
  /** Summed usage of every call. */
  readonly tokens: TokenTotals;
  /** Number of calls made. */
  readonly calls: number;
  /** The latest answer (its `provider` and `model` are what the output files name). */
  readonly last: RouterResult | undefined;
}

/** Creates a tally and the `ask` function that calls `ctx.models.call` and books each answer in it. */
export function createModelAsker(
  ctx: SkillContext,
  skill: string,
): {
  tally: ModelTally;
  ask(request: SkillModelRequest): Promise<RouterResult>;
} {
  const tokens: TokenTotals = { input: 0, output: 0 };
  const tally = { tokens, calls: 0, last: undefined as RouterResult | undefined };
  return {
    tally,
    async ask(request) {
      const result = await ctx.models.call(request);
      tally.calls += 1;
      tally.last = result;
      tokens.input += result.usage.inputTokens;
      tokens.output += result.usage.outputTokens;
      if (request.json === undefined && result.text.trim() === '') {
        throw new ModelOutputError({
          skill,
          provider: result.provider,
          model: result.model,
          issues: ['the answer is empty'],
          message: `${skill}: ${result.provider}/${result.model} returned an empty answer (finish reason: ${result.finishReason})`,
        });
      }
      return result;
    },
  };
}

/** `{ provider, model }` from a payload, leaving out the ones not given. */
export function modelChoice(payload: { provider?: string | undefined; model?: string | undefined }): {
  provider?: string;
  model?: string;
} {
  return {
    ...(payload.provider === undefined ? {} : { provider: payload.provider }),
    ...(payload.model === undefined ? {} : { model: payload.model }),
  };
}

/** Most tokens to let a model write for an answer of `words` words (about 2 tokens a word, at least 256). */
export function tokensForWords(words: number): number {
  return Math.max(256, Math.ceil(words * 2));
}
