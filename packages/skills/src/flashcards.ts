import { defineSkill, z } from '@biged/skill-sdk';
import {
  chunkCharsField,
  createModelAsker,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextInput,
  requireModels,
  slugify,
  splitIntoChunks,
  type TokenTotals,
} from './internal/model-skill';
import { askStructured } from './internal/structured-answer';

/** Documents over 1 MiB are refused unless the payload raises `max_bytes`. */
export const FLASHCARDS_DEFAULT_MAX_BYTES = 1024 * 1024;

/** Where decks go, under `<home>/knowledge`. */
export const FLASHCARDS_FOLDER = 'flashcards';

/** Most cards one deck may hold. */
export const FLASHCARDS_MAX_CARDS = 200;

/** The system prompt of every `flashcards` call. */
export const FLASHCARDS_SYSTEM_PROMPT =
  'You write study flashcards from a document. Each card asks one clear question whose answer the ' +
  'document states; the answer is short and self-contained. Use only what the document says. Answer ' +
  'with JSON that follows the given schema.';

/** One question/answer card. */
export interface Flashcard {
  /** The question (front). */
  question: string;
  /** The answer (back). */
  answer: string;
}

/** What `flashcards` returns. */
export interface FlashcardsResult {
  /** The cards, in document order, each question once. */
  cards: Flashcard[];
  /** The deck written: `<home>/knowledge/flashcards/<slug>_flashcards_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** Chunks the document was split into. */
  chunks: number;
  /** The model of the last call. */
  model: string;
  /** The provider of the last call. */
  provider: string;
  /** Tokens of every call, summed. */
  tokens: TokenTotals;
}

/** The zod schema of one call's answer: 1..`maxCards` cards. */
export function flashcardsSchema(maxCards: number) {
  return z.strictObject({
    cards: z
      .array(
        z.strictObject({
          question: z.string().trim().min(1).max(500),
          answer: z.string().trim().min(1).max(2000),
        }),
      )
      .min(1)
      .max(maxCards),
  });
}

const payloadSchema = z
  .strictObject({
    /** The document itself. Give this or `path`. */
    text: z.string().optional(),
    /** A text file (a knowledge file, notes, ...), read through the fs guard. Give this or `text`. */
    path: z.string().min(1).optional(),
    /** Most cards in the deck, 1..200. Default 20. */
    max_cards: z.number().int().min(1).max(FLASHCARDS_MAX_CARDS).default(20),
    /** Characters of the document per model call. Default 8 000. */
    chunk_chars: chunkCharsField(),
    /** Larger documents are refused, not truncated. Default 1 MiB. */
    max_bytes: maxBytesField(FLASHCARDS_DEFAULT_MAX_BYTES),
    ...modelChoiceFields,
  })
  .superRefine((payload, context) => {
    if ((payload.text === undefined) === (payload.path === undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of "text" (the document) or "path" (a file)',
      });
    } else if (payload.text !== undefined && payload.text.trim() === '') {
      context.addIssue({ code: 'custom', path: ['text'], message: 'is empty: there is nothing to learn' });
    }
  });

const escapeCell = (text: string) => text.replace(/\r?\n/g, ' ').trim();

/**
 * `flashcards`: makes question/answer cards from a text or a text file with structured model output (one
 * call per `chunk_chars` chunk, the cards shared out between chunks), drops repeated questions, keeps at
 * most `max_cards`, and writes the deck as markdown to
 * `knowledge/flashcards/<slug>_flashcards_<YYYYMMDD>_<agent>.md`.
 */
export const flashcards = defineSkill({
  name: 'flashcards',
  description:
    'Makes question/answer flashcards from a text or a knowledge file (payload text or path, max_cards); writes knowledge/flashcards/<slug>_flashcards_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['archivist'],
  timeoutMs: 30 * 60_000,
  async run(payload, ctx): Promise<FlashcardsResult> {
    requireModels(ctx, 'flashcards');
    const date = new Date();
    const { text, title, source } = await readTextInput(ctx, {
      skill: 'flashcards',
      path: payload.path,
      text: payload.text,
      maxBytes: payload.max_bytes,
    });

    const chunks = splitIntoChunks(text, payload.chunk_chars);
    const perChunk = Math.max(1, Math.ceil(payload.max_cards / chunks.length));
    const { tally, ask } = createModelAsker(ctx, 'flashcards');
    const cards: Flashcard[] = [];
    const seen = new Set<string>();
    for (const [index, chunk] of chunks.entries()) {
      if (cards.length >= payload.max_cards) break;
      ctx.signal.throwIfAborted();
      const part = chunks.length === 1 ? '' : ` (part ${index + 1} of ${chunks.length})`;
      const { value } = await askStructured({
        skill: 'flashcards',
        ask,
        schema: flashcardsSchema(perChunk),
        request: {
          system: FLASHCARDS_SYSTEM_PROMPT,
          prompt: `Write at most ${perChunk} flashcards about the document below${part}.\n\n<document>\n${chunk}\n</document>`,
          maxOutputTokens: Math.min(16_384, 256 + perChunk * 200),
          temperature: 0.2,
          ...modelChoice(payload),
        },
      });
      for (const card of value.cards) {
        const key = card.question.toLowerCase().replace(/\s+/g, ' ');
        if (seen.has(key) || cards.length >= payload.max_cards) continue;
        seen.add(key);
        cards.push({ question: card.question, answer: card.answer });
      }
    }
    const last = tally.last!;
    const stem = slugify(payload.path === undefined ? title : title.replace(/\.[^.]+$/, ''));
    const file = knowledgeFile(ctx, { folder: FLASHCARDS_FOLDER, stem, kind: 'flashcards', date });
    const markdown = [
      `# Flashcards: ${title}`,
      '',
      `- Source: ${source}`,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${last.provider}/${last.model}`,
      `- Cards: ${cards.length}`,
      '',
      ...cards.flatMap((card, index) => [
        `## ${index + 1}. ${escapeCell(card.question)}`,
        '',
        card.answer.trim(),
        '',
      ]),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('flashcards: deck written', { file, cards: cards.length });
    return {
      cards,
      file,
      chunks: chunks.length,
      model: last.model,
      provider: last.provider,
      tokens: { ...tally.tokens },
    };
  },
});
