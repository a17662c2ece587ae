import path from 'node:path';
import type { RouterResult } from '@biged/core';
import { defineSkill, type SkillContext, z } from '@biged/skill-sdk';
import { ModelOutputError } from './errors/model-output-error';
import { SkillInputError } from './errors/skill-input-error';
import { extensionOf } from './internal/languages';
import {
  chunkCharsField,
  createModelAsker,
  displayPath,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextDocument,
  reduceToOne,
  requireModels,
  slugify,
  type TextDocument,
  type TokenTotals,
  tokensForWords,
} from './internal/model-skill';
import { summarizeText } from './summarize';

/** Most sources one synthesis takes (a `sources` list, or the files of a `folder`). */
export const SYNTHESIZE_MAX_SOURCES = 50;

/** Each source over 1 MiB is refused unless the payload raises `max_bytes`. */
export const SYNTHESIZE_DEFAULT_MAX_BYTES = 1024 * 1024;

/** Where syntheses go, under `<home>/knowledge`. */
export const SYNTHESIZE_FOLDER = 'syntheses';

/** Extensions of the files `synthesize` takes from a `folder`. */
export const SYNTHESIZE_FOLDER_EXTENSIONS: ReadonlySet<string> = new Set(['md', 'markdown', 'txt', 'rst']);

/** The system prompt of the synthesis calls. */
export const SYNTHESIZE_SYSTEM_PROMPT =
  'You write a synthesis: one coherent text that combines several source documents. Use only the sources: ' +
  'add no facts. Cite the sources by their numbers in brackets, e.g. [1] or [2][3], after each claim. Say ' +
  'where the sources agree, where they disagree and what they leave open. Answer in markdown with the ' +
  'synthesis alone, without a title and without a list of sources.';

/** What `synthesize` returns. */
export interface SynthesizeResult {
  /** The synthesis text, as the model wrote it (citations `[n]` refer to `sources[n - 1]`). */
  synthesis: string;
  /** The markdown file written, absolute: `<home>/knowledge/syntheses/<slug>_synthesis_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The sources, absolute, in citation order. */
  sources: string[];
  /** The model that wrote the final synthesis. */
  model: string;
  /** The provider that answered the final call. */
  provider: string;
  /** Tokens of every call, summed. */
  tokens: TokenTotals;
}

const payloadSchema = z
  .strictObject({
    /** Files to combine (e.g. earlier summaries); relative paths are relative to `<home>/knowledge`. */
    sources: z.array(z.string().min(1)).min(1).max(SYNTHESIZE_MAX_SOURCES).optional(),
    /** A folder whose text files (`.md`, `.txt`, ...) are the sources; relative to `<home>/knowledge`. */
    folder: z.string().min(1).optional(),
    /** What the synthesis should answer. Default: a general synthesis. */
    question: z.string().trim().min(1).max(2000).optional(),
    /** Longest synthesis, in words. Default 500. */
    max_words: z.number().int().min(10).max(4000).default(500),
    /** Characters of material per model call; more is condensed first. Default 8 000. */
    chunk_chars: chunkCharsField(),
    /** Larger sources are refused, not truncated. Default 1 MiB per source. */
    max_bytes: maxBytesField(SYNTHESIZE_DEFAULT_MAX_BYTES),
    ...modelChoiceFields,
  })
  .superRefine((payload, context) => {
    if (payload.sources !== undefined && payload.folder !== undefined) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of "sources" (a list of files) or "folder", not both',
      });
    } else if (payload.sources === undefined && payload.folder === undefined) {
      context.addIssue({
        code: 'custom',
        message: 'give "sources" (a list of files) or "folder" (a folder of text files); neither was given',
      });
    }
  });

// Names written by the knowledge skills end in _<kind>_<YYYYMMDD>_<agent>; a synthesis slug drops that tail.
const KNOWLEDGE_SUFFIX = /_(summary|synthesis|review)_\d{8}_[A-Za-z0-9_-]+$/;

const stemOf = (file: string) =>
  path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .replace(KNOWLEDGE_SUFFIX, '');

/** The source files: a `sources` list (duplicates dropped) or a folder's text files, sorted by path. */
async function sourcePaths(
  ctx: SkillContext,
  payload: { sources?: string[] | undefined; folder?: string | undefined },
): Promise<string[]> {
  if (payload.sources !== undefined) {
    return [...new Set(payload.sources.map((source) => path.resolve(ctx.paths.knowledge, source)))];
  }
  const folder = await ctx.fs.realpath(path.resolve(ctx.paths.knowledge, payload.folder ?? '.'));
  const files: string[] = [];
  for await (const entry of ctx.fs.walk(folder)) {
    if (SYNTHESIZE_FOLDER_EXTENSIONS.has(extensionOf(entry.name))) files.push(entry.path);
    if (files.length > SYNTHESIZE_MAX_SOURCES) {
      throw new SkillInputError({
        code: 'SKILL_INPUT_TOO_MANY',
        skill: 'synthesize',
        path: folder,
        limit: SYNTHESIZE_MAX_SOURCES,
        message: `synthesize: ${folder} holds more than ${SYNTHESIZE_MAX_SOURCES} text files; one synthesis takes at most ${SYNTHESIZE_MAX_SOURCES}`,
        hint: 'name a narrower folder, or list the files in "sources"',
      });
    }
  }
  if (files.length === 0) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_EMPTY',
      skill: 'synthesize',
      path: folder,
      message: `synthesize: ${folder} holds no text files (${[...SYNTHESIZE_FOLDER_EXTENSIONS].map((extension) => `.${extension}`).join(', ')})`,
    });
  }
  return files;
}

/**
 * `synthesize`: combines several documents (earlier summaries, notes, reports) into one synthesis that
 * answers an optional question and cites its sources by number, with a "Sources" list the skill writes
 * itself (never the model). Sources longer than `chunk_chars` are summarized first, and when all of them
 * together are still too long they are combined in rounds. Writes
 * `knowledge/syntheses/<slug>_synthesis_<YYYYMMDD>_<agent>.md`.
 */
export const synthesize = defineSkill({
  name: 'synthesize',
  description:
    'Combines several documents (sources: a list of files, or folder: a folder of them, relative to knowledge/) into one synthesis that cites them, optionally answering a question. Writes knowledge/syntheses/<slug>_synthesis_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['archivist'],
  timeoutMs: 30 * 60_000,
  async run(payload, ctx): Promise<SynthesizeResult> {
    requireModels(ctx, 'synthesize');
    const date = new Date();
    const paths = await sourcePaths(ctx, payload);
    const documents: TextDocument[] = [];
    for (const source of paths) {
      documents.push(
        await readTextDocument(ctx, { skill: 'synthesize', path: source, maxBytes: payload.max_bytes }),
      );
    }

    const { tally, ask } = createModelAsker(ctx, 'synthesize');
    const choice = modelChoice(payload);
    const budget = payload.chunk_chars;
    const blocks: string[] = [];
    for (const [index, document] of documents.entries()) {
      const name = displayPath(ctx, document.path);
      let text = document.text.trim();
      if (text.length > budget) {
        // Too long to sit beside the others: condense it first, the way `summarize` would.
        ({ summary: text } = await summarizeText({
          text,
          label: `the document "${path.basename(document.path)}"`,
          maxWords: Math.min(payload.max_words, 400),
          style: 'bullets',
          chunkChars: budget,
          skill: 'synthesize',
          ask,
          choice,
          signal: ctx.signal,
        }));
      }
      blocks.push(`<source number="${index + 1}" name="${name}">\n${text}\n</source>`);
    }

    const questionLine = payload.question ? `The question to answer: ${payload.question}\n\n` : '';
    let last: RouterResult | undefined;
    const synthesis = await reduceToOne({
      pieces: blocks,
      maxChars: budget,
      signal: ctx.signal,
      combine: async (group, final, level) => {
        const material =
          level === 0 ? 'the numbered sources below' : 'the notes below, taken from the numbered sources';
        const task = final
          ? `Write a synthesis in at most ${payload.max_words} words of ${material}.`
          : `Take notes for a later synthesis from ${material}: at most ${payload.max_words} words as a markdown bullet list, keeping every citation number.`;
        last = await ask({
          system: SYNTHESIZE_SYSTEM_PROMPT,
          prompt: `${questionLine}${task}\n\n${group.join('\n\n')}`,
          maxOutputTokens: tokensForWords(payload.max_words),
          temperature: 0.2,
          ...choice,
        });
        return final ? last.text.trim() : `<notes>\n${last.text.trim()}\n</notes>`;
      },
      noProgress: (pieces) =>
        new ModelOutputError({
          skill: 'synthesize',
          provider: last?.provider ?? choice.provider ?? 'unknown',
          model: last?.model ?? choice.model ?? 'unknown',
          issues: [`${pieces} partial notes do not get shorter when combined`],
          message: `synthesize: the notes on ${documents.length} sources are too long to combine within ${budget} characters a call`,
        }),
    });

    const final = tally.last!;
    const subject =
      payload.question ??
      (payload.folder !== undefined
        ? path.basename(path.resolve(ctx.paths.knowledge, payload.folder))
        : undefined) ??
      stemOf(documents[0]!.path);
    const file = knowledgeFile(ctx, {
      folder: SYNTHESIZE_FOLDER,
      stem: slugify(subject),
      kind: 'synthesis',
      date,
    });
    const markdown = [
      `# Synthesis: ${subject}`,
      '',
      ...(payload.question ? [`- Question: ${payload.question}`] : []),
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${final.provider}/${final.model}`,
      '',
      synthesis,
      '',
      '## Sources',
      '',
      ...documents.map((document, index) => `${index + 1}. \`${displayPath(ctx, document.path)}\``),
      '',
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('synthesize: synthesis written', { file, sources: documents.length, calls: tally.calls });
    return {
      synthesis,
      file,
      sources: documents.map((document) => document.path),
      model: final.model,
      provider: final.provider,
      tokens: { ...tally.tokens },
    };
  },
});
