import type { RouterResult } from '@biged/core';
import { defineSkill, type SkillModelRequest, z } from '@biged/skill-sdk';
import { ModelOutputError } from './errors/model-output-error';
import {
  chunkCharsField,
  createModelAsker,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextInput,
  reduceToOne,
  requireModels,
  slugify,
  splitIntoChunks,
  type TokenTotals,
  tokensForWords,
} from './internal/model-skill';

/** Files (and inline texts) over 4 MiB are refused unless the payload raises `max_bytes`. */
export const SUMMARIZE_DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** Where summaries go, under `<home>/knowledge`. */
export const SUMMARIZE_FOLDER = 'summaries';

/** The system prompt of every `summarize` call. */
export const SUMMARIZE_SYSTEM_PROMPT =
  'You summarize documents faithfully and concisely. Use only what the document says: add no facts, ' +
  'opinions or preamble. Answer with the summary alone.';

/** How a summary is laid out. */
export type SummaryStyle = 'paragraph' | 'bullets';

/** What `summarize` returns. */
export interface SummarizeResult {
  /** The summary text. */
  summary: string;
  /** The markdown file written, absolute: `<home>/knowledge/summaries/<slug>_summary_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** Chunks the document was split into (1 when it fit in one call). */
  chunks: number;
  /** The model that wrote the final summary. */
  model: string;
  /** The provider that answered the final call. */
  provider: string;
  /** Tokens of every call, summed. */
  tokens: TokenTotals;
}

const payloadSchema = z
  .strictObject({
    /** The document itself. Give this or `path`. */
    text: z.string().optional(),
    /** A text file to summarize, read through the fs guard. Give this or `text`. */
    path: z.string().min(1).optional(),
    /** Longest summary, in words. Default 200. */
    max_words: z.number().int().min(10).max(2000).default(200),
    /** `paragraph` (prose) or `bullets` (a markdown list). Default `paragraph`. */
    style: z.enum(['paragraph', 'bullets']).default('paragraph'),
    /** Characters of the document per model call; longer documents are map-reduced. Default 8 000. */
    chunk_chars: chunkCharsField(),
    /** Larger documents are refused, not truncated. Default 4 MiB. */
    max_bytes: maxBytesField(SUMMARIZE_DEFAULT_MAX_BYTES),
    ...modelChoiceFields,
  })
  .superRefine((payload, context) => {
    if (payload.text !== undefined && payload.path !== undefined) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of "text" (the document) or "path" (a file to read), not both',
      });
    } else if (payload.text === undefined && payload.path === undefined) {
      context.addIssue({
        code: 'custom',
        message: 'give "text" (the document) or "path" (a file to read); neither was given',
      });
    } else if (payload.text !== undefined && payload.text.trim() === '') {
      context.addIssue({
        code: 'custom',
        path: ['text'],
        message: 'is empty: there is nothing to summarize',
      });
    }
  });

const STYLE_INSTRUCTIONS: Record<SummaryStyle, string> = {
  paragraph: 'Write it as plain prose paragraphs, without headings or lists.',
  bullets: 'Write it as a markdown bullet list, one point per line, each starting with "- ".',
};

/** Options for `summarizeText`. */
export interface SummarizeTextOptions {
  /** The document. */
  text: string;
  /** How prompts name it, e.g. `the document "notes.md"`. */
  label: string;
  /** Longest summary, in words. */
  maxWords: number;
  /** Layout of the final summary. */
  style: SummaryStyle;
  /** Characters per call. */
  chunkChars: number;
  /** The skill asking (errors name it). */
  skill: string;
  /** Calls the model (see `createModelAsker`). */
  ask(request: SkillModelRequest): Promise<RouterResult>;
  /** Provider and model to ask. */
  choice: { provider?: string; model?: string };
  /** Checked before every call. */
  signal: AbortSignal;
}

/**
 * Summarizes a document of any length: one call when it fits in `chunkChars`, else map-reduce (each chunk
 * summarized as notes, then the notes combined, in as many rounds as the budget needs). Also used by
 * `synthesize` to condense long sources.
 */
export async function summarizeText(
  options: SummarizeTextOptions,
): Promise<{ summary: string; chunks: number }> {
  const { label, maxWords, style, chunkChars, ask, choice, signal, skill } = options;
  const request = (prompt: string): SkillModelRequest => ({
    system: SUMMARIZE_SYSTEM_PROMPT,
    prompt,
    maxOutputTokens: tokensForWords(maxWords),
    temperature: 0.2,
    ...choice,
  });
  const chunks = splitIntoChunks(options.text, chunkChars);
  if (chunks.length === 1) {
    signal.throwIfAborted();
    const { text } = await ask(
      request(
        `Summarize ${label} below in at most ${maxWords} words. ${STYLE_INSTRUCTIONS[style]}\n\n` +
          `<document>\n${chunks[0]}\n</document>`,
      ),
    );
    return { summary: text.trim(), chunks: 1 };
  }

  const notes: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    signal.throwIfAborted();
    const { text } = await ask(
      request(
        `This is part ${index + 1} of ${chunks.length} of ${label}. Summarize this part in at most ` +
          `${maxWords} words as a markdown bullet list, keeping names, numbers and conclusions.\n\n` +
          `<part number="${index + 1}" of="${chunks.length}">\n${chunk}\n</part>`,
      ),
    );
    notes.push(text.trim());
  }
  let last: RouterResult | undefined;
  const summary = await reduceToOne({
    pieces: notes,
    maxChars: chunkChars,
    signal,
    combine: async (group, final) => {
      const instruction = final
        ? `Combine them into one summary of the whole document in at most ${maxWords} words. ${STYLE_INSTRUCTIONS[style]}`
        : `Merge them into one summary of at most ${maxWords} words as a markdown bullet list, keeping names, numbers and conclusions.`;
      last = await ask(
        request(
          `These are summaries of consecutive parts of ${label}, in order. ${instruction}\n\n` +
            `<summaries>\n${group.join('\n\n')}\n</summaries>`,
        ),
      );
      return last.text.trim();
    },
    noProgress: (pieces) =>
      new ModelOutputError({
        skill,
        provider: last?.provider ?? choice.provider ?? 'unknown',
        model: last?.model ?? choice.model ?? 'unknown',
        issues: [`${pieces} partial summaries do not get shorter when combined`],
        message: `${skill}: the partial summaries of ${label} are too long to combine within ${chunkChars} characters a call`,
      }),
  });
  return { summary, chunks: chunks.length };
}

/**
 * `summarize`: summarizes a text or a text file with the fleet's model router. Documents longer than
 * `chunk_chars` are map-reduced (chunks summarized, then the summaries summarized), checking the task's
 * signal between calls. Writes `knowledge/summaries/<slug>_summary_<YYYYMMDD>_<agent>.md`.
 */
export const summarize = defineSkill({
  name: 'summarize',
  description:
    'Summarizes a text or a text file (payload text or path) in at most max_words words, as a paragraph or bullets; long documents are map-reduced. Writes knowledge/summaries/<slug>_summary_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['archivist'],
  // Map-reduce over a large document makes many calls; the default 10 minutes is too short for a local model.
  timeoutMs: 30 * 60_000,
  async run(payload, ctx): Promise<SummarizeResult> {
    requireModels(ctx, 'summarize');
    const date = new Date();
    const { text, title, source } = await readTextInput(ctx, {
      skill: 'summarize',
      path: payload.path,
      text: payload.text,
      maxBytes: payload.max_bytes,
    });

    const { tally, ask } = createModelAsker(ctx, 'summarize');
    const { summary, chunks } = await summarizeText({
      text,
      label: payload.path === undefined ? 'the document' : `the document "${title}"`,
      maxWords: payload.max_words,
      style: payload.style,
      chunkChars: payload.chunk_chars,
      skill: 'summarize',
      ask,
      choice: modelChoice(payload),
      signal: ctx.signal,
    });
    const last = tally.last!;
    const stem = slugify(payload.path === undefined ? title : title.replace(/\.[^.]+$/, ''));
    const file = knowledgeFile(ctx, { folder: SUMMARIZE_FOLDER, stem, kind: 'summary', date });
    const markdown = [
      `# Summary: ${title}`,
      '',
      `- Source: ${source}`,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${last.provider}/${last.model}`,
      `- Chunks: ${chunks}`,
      '',
      summary,
      '',
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('summarize: summary written', { file, chunks, calls: tally.calls });
    return {
      summary,
      file,
      chunks,
      model: last.model,
      provider: last.provider,
      tokens: { ...tally.tokens },
    };
  },
});
