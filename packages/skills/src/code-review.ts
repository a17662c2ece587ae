import path from 'node:path';
import { defineSkill, z } from '@biged/skill-sdk';
import { ModelOutputError } from './errors/model-output-error';
import { languageOf } from './internal/languages';
import {
  createModelAsker,
  describeIssues,
  displayPath,
  fileStem,
  isoDate,
  jsonSchemaOf,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextDocument,
  requireModels,
  type TokenTotals,
} from './internal/model-skill';

/** Files over 200 KiB (204 800 bytes) are refused unless the payload raises `max_bytes`. */
export const CODE_REVIEW_DEFAULT_MAX_BYTES = 200 * 1024;

/** The highest `max_bytes` a payload may set: 4 MiB. */
export const CODE_REVIEW_MAX_BYTES_LIMIT = 4 * 1024 * 1024;

/** Where reviews go, under `<home>/knowledge`. */
export const CODE_REVIEW_FOLDER = 'code_reviews';

/** Finding severities, most severe first. */
export const CODE_REVIEW_SEVERITIES = ['high', 'medium', 'low', 'info'] as const;

/** How severe a finding is. */
export type CodeReviewSeverity = (typeof CODE_REVIEW_SEVERITIES)[number];

/** The angle a review takes. */
export type CodeReviewFocus = 'architect' | 'critic' | 'perf' | 'all';

/** One finding, as the model reports it. */
export interface CodeReviewFinding {
  /** How severe it is. */
  severity: CodeReviewSeverity;
  /** The 1-based line it is about, when it is about one. */
  line?: number | undefined;
  /** One line naming the problem. */
  title: string;
  /** What is wrong and why it matters. */
  detail: string;
  /** How to fix it. */
  suggestion?: string | undefined;
}

/** The structured review the model must answer with. */
export interface CodeReview {
  /** A few sentences on the file as a whole. */
  summary: string;
  /** The problems found. */
  findings: CodeReviewFinding[];
  /** 0 (unusable) to 10 (exemplary). */
  score: number;
}

/** What `code_review` returns. */
export interface CodeReviewResult {
  /** The review written, absolute: `<home>/knowledge/code_reviews/<file>_review_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The reviewed file, absolute. */
  reviewed: string;
  /** The focus used. */
  focus: CodeReviewFocus;
  /** The model's score, 0..10. */
  score: number;
  /** The model's summary. */
  summary: string;
  /** Findings per severity, and their total. */
  findings: Record<CodeReviewSeverity, number> & { total: number };
  /** The model that answered. */
  model: string;
  /** The provider that answered. */
  provider: string;
  /** Tokens used. */
  tokens: TokenTotals;
}

/**
 * The zod schema of a review of a file with `lines` lines: the structured-output schema sent to the
 * model (through `z.toJSONSchema`) and the check its answer must pass. Line numbers must lie in the file.
 */
export function codeReviewSchema(lines: number) {
  return z.strictObject({
    summary: z.string().trim().min(1).max(4000),
    findings: z
      .array(
        z.strictObject({
          severity: z.enum(['info', 'low', 'medium', 'high']),
          line: z.number().int().min(1).max(Math.max(1, lines)).optional(),
          title: z.string().trim().min(1).max(200),
          detail: z.string().trim().min(1).max(4000),
          suggestion: z.string().trim().min(1).max(4000).optional(),
        }),
      )
      .max(100),
    score: z.number().int().min(0).max(10),
  });
}

const FOCUS_INSTRUCTIONS: Record<Exclude<CodeReviewFocus, 'all'>, string> = {
  architect: 'as an architect: structure, module boundaries, naming, coupling, API design and error handling',
  critic:
    'as a critic: bugs, wrong edge cases, security problems, races, missing validation and missing tests',
  perf: 'for performance: algorithmic complexity, needless allocations or copies, blocking I/O, repeated work and caching',
};

/** The system prompt for a focus. */
export function codeReviewSystemPrompt(focus: CodeReviewFocus): string {
  const angle =
    focus === 'all'
      ? `Review it from three angles: ${FOCUS_INSTRUCTIONS.architect}; ${FOCUS_INSTRUCTIONS.critic}; and ${FOCUS_INSTRUCTIONS.perf}.`
      : `Review it ${FOCUS_INSTRUCTIONS[focus]}.`;
  return (
    `You are a senior software engineer reviewing one file. ${angle} Report concrete problems, each with ` +
    'the line it is on when it is on one; leave out style points a formatter would fix. Give the file a ' +
    'score from 0 (unusable) to 10 (exemplary). Answer with JSON that follows the given schema.'
  );
}

/** The file's lines, numbered at the left (`  12 | code`), so the model can name lines. */
export function numberLines(text: string): { numbered: string; lines: number } {
  const rows = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const width = String(rows.length).length;
  return {
    numbered: rows.map((row, index) => `${String(index + 1).padStart(width, ' ')} | ${row}`).join('\n'),
    lines: rows.length,
  };
}

const byImportance = (a: CodeReviewFinding, b: CodeReviewFinding) =>
  CODE_REVIEW_SEVERITIES.indexOf(a.severity) - CODE_REVIEW_SEVERITIES.indexOf(b.severity) ||
  (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);

const payloadSchema = z.strictObject({
  /** The file to review. */
  path: z.string().min(1),
  /** `architect`, `critic`, `perf` or `all`. Default `all`. */
  focus: z.enum(['architect', 'critic', 'perf', 'all']).default('all'),
  /** Larger files are refused, not truncated. Default 200 KiB. */
  max_bytes: maxBytesField(CODE_REVIEW_DEFAULT_MAX_BYTES, CODE_REVIEW_MAX_BYTES_LIMIT),
  ...modelChoiceFields,
});

/**
 * `code_review`: reviews one source file with a model asked for structured output (a JSON schema made
 * from `codeReviewSchema`), checks the answer against that schema (a bad answer fails the task with
 * `ModelOutputError` naming the fields, and nothing is written), and writes the review as markdown to
 * `knowledge/code_reviews/<file>_review_<YYYYMMDD>_<agent>.md`, `<file>` being the base name with dots
 * replaced by underscores.
 */
export const codeReview = defineSkill({
  name: 'code_review',
  description:
    'Reviews one source file (payload path) as an architect, critic, performance engineer or all three; writes findings by severity and a 0-10 score to knowledge/code_reviews/<file>_review_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['coder'],
  async run(payload, ctx): Promise<CodeReviewResult> {
    requireModels(ctx, 'code_review');
    const date = new Date();
    const document = await readTextDocument(ctx, {
      skill: 'code_review',
      path: payload.path,
      maxBytes: payload.max_bytes,
    });
    const { numbered, lines } = numberLines(document.text);
    const schema = codeReviewSchema(lines);
    const shown = displayPath(ctx, document.path);
    const language = languageOf(path.basename(document.path));

    const { tally, ask } = createModelAsker(ctx, 'code_review');
    const result = await ask({
      system: codeReviewSystemPrompt(payload.focus),
      prompt:
        `Review the file ${shown} (${language}, ${lines} lines). Each line starts with its number and "| "; ` +
        `the numbers are not part of the code.\n\n<file name="${shown}">\n${numbered}\n</file>`,
      json: jsonSchemaOf(schema),
      maxOutputTokens: 4096,
      temperature: 0,
      ...modelChoice(payload),
    });

    let answer: unknown = result.json;
    if (answer === undefined) {
      try {
        answer = JSON.parse(result.text);
      } catch (error) {
        throw new ModelOutputError({
          skill: 'code_review',
          provider: result.provider,
          model: result.model,
          issues: ['the answer is not JSON'],
          message: `code_review: ${result.provider}/${result.model} did not answer with JSON: ${JSON.stringify(result.text.slice(0, 120))}`,
          cause: error,
        });
      }
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new ModelOutputError({
        skill: 'code_review',
        provider: result.provider,
        model: result.model,
        issues: describeIssues(parsed.error),
        cause: parsed.error,
      });
    }
    const review = parsed.data;
    const findings = [...review.findings].sort(byImportance);
    const counts = { high: 0, medium: 0, low: 0, info: 0, total: findings.length };
    for (const finding of findings) counts[finding.severity] += 1;

    const file = knowledgeFile(ctx, {
      folder: CODE_REVIEW_FOLDER,
      stem: fileStem(document.path),
      kind: 'review',
      date,
    });
    const markdown = [
      `# Code review: ${path.basename(document.path)}`,
      '',
      `- File: \`${shown}\``,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Focus: ${payload.focus}`,
      `- Model: ${result.provider}/${result.model}`,
      `- Score: ${review.score}/10`,
      `- Findings: ${CODE_REVIEW_SEVERITIES.map((severity) => `${counts[severity]} ${severity}`).join(', ')}`,
      '',
      '## Summary',
      '',
      review.summary,
      '',
      '## Findings',
      '',
      ...(findings.length === 0
        ? ['No findings.', '']
        : findings.flatMap((finding, index) => [
            `### ${index + 1}. [${finding.severity}] ${finding.title}${finding.line === undefined ? '' : ` (line ${finding.line})`}`,
            '',
            finding.detail,
            '',
            ...(finding.suggestion === undefined ? [] : [`Suggestion: ${finding.suggestion}`, '']),
          ])),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('code_review: review written', { file, findings: counts.total, score: review.score });
    return {
      file,
      reviewed: document.path,
      focus: payload.focus,
      score: review.score,
      summary: review.summary,
      findings: counts,
      model: result.model,
      provider: result.provider,
      tokens: { ...tally.tokens },
    };
  },
});
