import type { ModelMessageV1 } from '@biged/core';
import { defineSkill, z } from '@biged/skill-sdk';
import { CODE_REVIEW_DEFAULT_MAX_BYTES, CODE_REVIEW_MAX_BYTES_LIMIT, numberLines } from './code-review';
import {
  createModelAsker,
  displayPath,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextDocument,
  requireModels,
  slugify,
  type TokenTotals,
} from './internal/model-skill';

/** Where discussion transcripts go, under `<home>/knowledge`. */
export const CODE_DISCUSS_FOLDER = 'code_discussion';

/** The participants, in speaking order. */
export const CODE_DISCUSS_ROLES = ['architect', 'critic', 'perf'] as const;

/** A participant of a discussion. */
export type CodeDiscussRole = (typeof CODE_DISCUSS_ROLES)[number];

/** Longest turn asked of a participant, in words. */
export const CODE_DISCUSS_TURN_WORDS = 150;

/** One turn of a discussion. */
export interface CodeDiscussTurn {
  /** Who spoke. */
  role: CodeDiscussRole;
  /** What they said. */
  text: string;
}

/** What `code_discuss` returns. */
export interface CodeDiscussResult {
  /** The transcript written, absolute: `<home>/knowledge/code_discussion/<slug>_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The topic, as given. */
  topic: string;
  /** Every turn, in order: `rounds` times architect, critic, perf. */
  turns: CodeDiscussTurn[];
  /** The model of the last turn. */
  model: string;
  /** The provider of the last turn. */
  provider: string;
  /** Tokens of every turn, summed. */
  tokens: TokenTotals;
}

const PERSONAS: Record<CodeDiscussRole, string> = {
  architect: 'You care about structure, module boundaries, naming, coupling and how the code will evolve.',
  critic:
    'You look for bugs, wrong edge cases, security problems and missing tests, and you challenge weak claims.',
  perf: 'You care about speed and resources: complexity, allocations, I/O, concurrency and caching.',
};

/** The system prompt of a participant. */
export function codeDiscussSystemPrompt(role: CodeDiscussRole): string {
  return (
    `You are the ${role} in a short code discussion between an architect, a critic and a performance ` +
    `engineer (perf). ${PERSONAS[role]} Reply in at most ${CODE_DISCUSS_TURN_WORDS} words: make your own ` +
    "point and answer the others' points where you disagree. No greetings and no recap of what others said."
  );
}

/**
 * The conversation as `role` sees it: the brief, the others' turns as user messages (`[critic] ...`) and
 * its own as assistant messages, then the call to speak. Adjacent user messages are merged, so turns
 * alternate the way every provider's chat API accepts.
 */
export function codeDiscussMessages(
  brief: string,
  turns: readonly CodeDiscussTurn[],
  role: CodeDiscussRole,
): ModelMessageV1[] {
  const messages: ModelMessageV1[] = [];
  const add = (message: ModelMessageV1) => {
    const previous = messages.at(-1);
    if (previous && previous.role === message.role) previous.content += `\n\n${message.content}`;
    else messages.push({ ...message });
  };
  add({ role: 'user', content: brief });
  for (const turn of turns) {
    add(
      turn.role === role
        ? { role: 'assistant', content: turn.text }
        : { role: 'user', content: `[${turn.role}] ${turn.text}` },
    );
  }
  add({ role: 'user', content: `Your turn, ${role}.` });
  return messages;
}

const payloadSchema = z.strictObject({
  /** A file the discussion is about (optional). */
  path: z.string().min(1).optional(),
  /** What to discuss. */
  topic: z.string().trim().min(1).max(500),
  /** A question the discussion should answer. Default: none. */
  question: z.string().trim().min(1).max(2000).optional(),
  /** Rounds; each gives the architect, the critic and perf one turn. 1..5, default 2. */
  rounds: z.number().int().min(1).max(5).default(2),
  /** A larger `path` is refused, not truncated. Default 200 KiB. */
  max_bytes: maxBytesField(CODE_REVIEW_DEFAULT_MAX_BYTES, CODE_REVIEW_MAX_BYTES_LIMIT),
  ...modelChoiceFields,
});

/**
 * `code_discuss`: a short discussion of a topic (and optionally a file) between three model-played
 * participants, the architect, the critic and perf, who take turns for `rounds` rounds, each seeing the
 * conversation so far. Writes the transcript to `knowledge/code_discussion/<slug>_<YYYYMMDD>_<agent>.md`.
 */
export const codeDiscuss = defineSkill({
  name: 'code_discuss',
  description:
    'Holds a short multi-perspective discussion (architect, critic, perf taking turns for 1-5 rounds) of a topic and optionally a file; writes the transcript to knowledge/code_discussion/<slug>_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['coder'],
  // Up to 15 turns, each a model call.
  timeoutMs: 15 * 60_000,
  async run(payload, ctx): Promise<CodeDiscussResult> {
    requireModels(ctx, 'code_discuss');
    const date = new Date();
    const document =
      payload.path === undefined
        ? undefined
        : await readTextDocument(ctx, {
            skill: 'code_discuss',
            path: payload.path,
            maxBytes: payload.max_bytes,
          });
    const shown = document ? displayPath(ctx, document.path) : undefined;
    const brief = [
      `Topic: ${payload.topic}`,
      ...(payload.question ? [`Question: ${payload.question}`] : []),
      ...(document
        ? [
            '',
            `The file ${shown}, with line numbers:`,
            '',
            `<file name="${shown}">\n${numberLines(document.text).numbered}\n</file>`,
          ]
        : []),
    ].join('\n');

    const { tally, ask } = createModelAsker(ctx, 'code_discuss');
    const turns: CodeDiscussTurn[] = [];
    for (let round = 0; round < payload.rounds; round += 1) {
      for (const role of CODE_DISCUSS_ROLES) {
        ctx.signal.throwIfAborted();
        const { text } = await ask({
          system: codeDiscussSystemPrompt(role),
          messages: codeDiscussMessages(brief, turns, role),
          maxOutputTokens: CODE_DISCUSS_TURN_WORDS * 4,
          temperature: 0.7,
          ...modelChoice(payload),
        });
        turns.push({ role, text: text.trim() });
      }
    }

    const last = tally.last!;
    const file = knowledgeFile(ctx, { folder: CODE_DISCUSS_FOLDER, stem: slugify(payload.topic), date });
    const markdown = [
      `# Code discussion: ${payload.topic}`,
      '',
      ...(shown ? [`- File: \`${shown}\``] : []),
      ...(payload.question ? [`- Question: ${payload.question}`] : []),
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Rounds: ${payload.rounds}`,
      `- Model: ${last.provider}/${last.model}`,
      '',
      ...turns.flatMap((turn, index) => [
        ...(index % CODE_DISCUSS_ROLES.length === 0
          ? [`## Round ${index / CODE_DISCUSS_ROLES.length + 1}`, '']
          : []),
        `### ${turn.role}`,
        '',
        turn.text,
        '',
      ]),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('code_discuss: transcript written', { file, turns: turns.length });
    return {
      file,
      topic: payload.topic,
      turns,
      model: last.model,
      provider: last.provider,
      tokens: { ...tally.tokens },
    };
  },
});
