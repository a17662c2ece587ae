import path from 'node:path';
import { defineSkill, z } from '@biged/skill-sdk';
import { numberLines } from './code-review';
import {
  createModelAsker,
  displayPath,
  fileStem,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  requireModels,
  type TokenTotals,
} from './internal/model-skill';
import { readSourceTree } from './internal/source-tree';
import { askStructured } from './internal/structured-answer';

/** A file, or a folder's files together, over 200 KiB is refused unless the payload raises `max_bytes`. */
export const FMA_REVIEW_DEFAULT_MAX_BYTES = 200 * 1024;

/** The highest `max_bytes` a payload may set: 4 MiB. */
export const FMA_REVIEW_MAX_BYTES_LIMIT = 4 * 1024 * 1024;

/** Where analyses go, under `<home>/knowledge`. */
export const FMA_REVIEW_FOLDER = 'fma_reviews';

/** The system prompt of the analysis call. */
export const FMA_REVIEW_SYSTEM_PROMPT =
  'You are a reliability engineer doing a failure mode and effects analysis (FMEA) of source code. For ' +
  'each way the code can fail (bad input, I/O and network errors, resource exhaustion, concurrency, ' +
  'partial writes, dependency failures, misconfiguration), name the component, the failure mode, its ' +
  'cause and effect, rate severity, occurrence and detection from 1 to 10 (detection 10 = nearly ' +
  'impossible to notice), and propose a mitigation. Answer with JSON that follows the given schema.';

/** One failure mode, as the model reports it, with its risk priority number. */
export interface FailureMode {
  /** Function, module or resource that fails. */
  component: string;
  /** How it fails. */
  mode: string;
  /** Why. */
  cause: string;
  /** What happens then. */
  effect: string;
  /** 1..10. */
  severity: number;
  /** 1..10. */
  occurrence: number;
  /** 1..10 (10: nearly impossible to notice). */
  detection: number;
  /** How to prevent or contain it. */
  mitigation: string;
  /** The file it is in, relative to the reviewed folder. */
  file?: string | undefined;
  /** The 1-based line it is at. */
  line?: number | undefined;
  /** severity x occurrence x detection, 1..1000. */
  rpn: number;
}

/** What `fma_review` returns. */
export interface FmaReviewResult {
  /** The analysis written: `<home>/knowledge/fma_reviews/<file>_review_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The file or folder analysed, absolute. */
  reviewed: string;
  /** Files given to the model. */
  files: number;
  /** The model's summary. */
  summary: string;
  /** Failure modes, highest RPN first. */
  failureModes: FailureMode[];
  /** The model that answered. */
  model: string;
  /** The provider that answered. */
  provider: string;
  /** Tokens used. */
  tokens: TokenTotals;
}

const rating = () => z.number().int().min(1).max(10);

/** The zod schema of an analysis of files with these names (for `file`). */
export function fmaReviewSchema(fileNames: readonly string[]) {
  return z.strictObject({
    summary: z.string().trim().min(1).max(4000),
    failure_modes: z
      .array(
        z.strictObject({
          component: z.string().trim().min(1).max(200),
          mode: z.string().trim().min(1).max(500),
          cause: z.string().trim().min(1).max(2000),
          effect: z.string().trim().min(1).max(2000),
          severity: rating(),
          occurrence: rating(),
          detection: rating(),
          mitigation: z.string().trim().min(1).max(2000),
          file: z.enum(fileNames as [string, ...string[]]).optional(),
          line: z.number().int().min(1).optional(),
        }),
      )
      .max(100),
  });
}

const payloadSchema = z.strictObject({
  /** The file or folder to analyse. */
  path: z.string().min(1),
  /** Most files read from a folder, 1..200. Default 50. */
  max_files: z.number().int().min(1).max(200).default(50),
  /** All files together must stay under this. Default 200 KiB. */
  max_bytes: maxBytesField(FMA_REVIEW_DEFAULT_MAX_BYTES, FMA_REVIEW_MAX_BYTES_LIMIT),
  ...modelChoiceFields,
});

/**
 * `fma_review`: a failure mode and effects analysis of a source file or folder by a model asked for
 * structured output. Each failure mode gets a risk priority number (severity x occurrence x detection,
 * computed by the skill, not the model); they are written highest first to
 * `knowledge/fma_reviews/<file>_review_<YYYYMMDD>_<agent>.md` (`<file>`: the file's or folder's base name,
 * dots as underscores).
 */
export const fmaReview = defineSkill({
  name: 'fma_review',
  description:
    'Failure mode and effects analysis of a source file or folder (payload path): failure modes with severity, occurrence, detection and RPN; writes knowledge/fma_reviews/<file>_review_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['coder'],
  timeoutMs: 15 * 60_000,
  async run(payload, ctx): Promise<FmaReviewResult> {
    requireModels(ctx, 'fma_review');
    const date = new Date();
    const tree = await readSourceTree(ctx, {
      skill: 'fma_review',
      path: payload.path,
      maxFiles: payload.max_files,
      onTooMany: 'error',
      maxFileBytes: payload.max_bytes,
      maxTotalBytes: payload.max_bytes,
    });
    const names = tree.files.map((file) => file.relativePath);
    const blocks = tree.files.map((file) => {
      const { numbered, lines } = numberLines(file.text);
      return `<file name="${file.relativePath}" lines="${lines}">\n${numbered}\n</file>`;
    });
    const shown = displayPath(ctx, tree.root);
    const { tally, ask } = createModelAsker(ctx, 'fma_review');
    ctx.signal.throwIfAborted();
    const { value, result } = await askStructured({
      skill: 'fma_review',
      ask,
      schema: fmaReviewSchema(names),
      request: {
        system: FMA_REVIEW_SYSTEM_PROMPT,
        prompt:
          `Analyse the failure modes of ${tree.directory ? `the ${names.length} files of ${shown}` : shown}. ` +
          `Each line starts with its number and "| "; the numbers are not part of the code.\n\n${blocks.join('\n\n')}`,
        maxOutputTokens: 8192,
        temperature: 0,
        ...modelChoice(payload),
      },
    });
    const failureModes: FailureMode[] = value.failure_modes
      .map((mode) => ({
        component: mode.component,
        mode: mode.mode,
        cause: mode.cause,
        effect: mode.effect,
        severity: mode.severity,
        occurrence: mode.occurrence,
        detection: mode.detection,
        mitigation: mode.mitigation,
        file: mode.file ?? (tree.directory ? undefined : names[0]),
        line: mode.line,
        rpn: mode.severity * mode.occurrence * mode.detection,
      }))
      .sort((a, b) => b.rpn - a.rpn || b.severity - a.severity);

    const file = knowledgeFile(ctx, {
      folder: FMA_REVIEW_FOLDER,
      stem: fileStem(tree.root),
      kind: 'review',
      date,
    });
    const where = (mode: FailureMode) =>
      mode.file === undefined ? '' : ` (${mode.file}${mode.line === undefined ? '' : `:${mode.line}`})`;
    const markdown = [
      `# Failure mode analysis: ${path.basename(tree.root)}`,
      '',
      `- Path: \`${shown}\` (${tree.files.length} file${tree.files.length === 1 ? '' : 's'})`,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${result.provider}/${result.model}`,
      `- Failure modes: ${failureModes.length}`,
      '',
      '## Summary',
      '',
      value.summary,
      '',
      '## Failure modes (highest risk priority number first)',
      '',
      ...(failureModes.length === 0
        ? ['None found.', '']
        : [
            '| # | RPN | S | O | D | component | failure mode |',
            '| --- | --- | --- | --- | --- | --- | --- |',
            ...failureModes.map(
              (mode, index) =>
                `| ${index + 1} | ${mode.rpn} | ${mode.severity} | ${mode.occurrence} | ${mode.detection} | ${cell(mode.component)} | ${cell(mode.mode)} |`,
            ),
            '',
            ...failureModes.flatMap((mode, index) => [
              `### ${index + 1}. ${mode.component}: ${mode.mode}${where(mode)}`,
              '',
              `- Cause: ${mode.cause}`,
              `- Effect: ${mode.effect}`,
              `- Mitigation: ${mode.mitigation}`,
              '',
            ]),
          ]),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('fma_review: analysis written', { file, failureModes: failureModes.length });
    return {
      file,
      reviewed: tree.root,
      files: tree.files.length,
      summary: value.summary,
      failureModes,
      model: result.model,
      provider: result.provider,
      tokens: { ...tally.tokens },
    };
  },
});

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
