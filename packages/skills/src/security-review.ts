import path from 'node:path';
import { defineSkill, z } from '@biged/skill-sdk';
import { numberLines } from './code-review';
import { SkillInputError } from './errors/skill-input-error';
import { languageOf } from './internal/languages';
import {
  createModelAsker,
  displayPath,
  fileStem,
  isoDate,
  knowledgeFile,
  maxBytesField,
  modelChoice,
  modelChoiceFields,
  readTextDocument,
  requireModels,
  type TokenTotals,
} from './internal/model-skill';
import { askStructured } from './internal/structured-answer';

/** Files and diffs over 200 KiB are refused unless the payload raises `max_bytes`. */
export const SECURITY_REVIEW_DEFAULT_MAX_BYTES = 200 * 1024;

/** The highest `max_bytes` a payload may set: 4 MiB. */
export const SECURITY_REVIEW_MAX_BYTES_LIMIT = 4 * 1024 * 1024;

/** Where reviews go, under `<home>/knowledge` (the manual: `knowledge/security/reviews/`). */
export const SECURITY_REVIEW_FOLDER = 'security/reviews';

/** Finding severities, most severe first. */
export const SECURITY_REVIEW_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** How severe a security finding is. */
export type SecurityReviewSeverity = (typeof SECURITY_REVIEW_SEVERITIES)[number];

/** The system prompt of the review call. */
export const SECURITY_REVIEW_SYSTEM_PROMPT =
  'You are an application security engineer reviewing code. Look for injection (SQL, command, path, ' +
  'template), unsafe deserialisation, missing authentication or authorisation checks, secrets in code, ' +
  'weak or misused cryptography, disabled TLS verification, SSRF, XSS, insecure file permissions, race ' +
  'conditions and missing input validation. Report only concrete, exploitable or clearly risky problems, ' +
  'each with its line when it is on one and a CWE id when one fits. Answer with JSON that follows the ' +
  'given schema.';

/** One security finding. */
export interface SecurityReviewFinding {
  severity: SecurityReviewSeverity;
  /** The 1-based line (of the file, or of the numbered diff). */
  line?: number | undefined;
  title: string;
  detail: string;
  /** e.g. `CWE-78`. */
  cwe?: string | undefined;
  suggestion?: string | undefined;
}

/** What `security_review` returns. */
export interface SecurityReviewResult {
  /** The review written: `<home>/knowledge/security/reviews/security_review_<subject>_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The reviewed file (absolute), or `diff`. */
  reviewed: string;
  summary: string;
  /** Findings, most severe first. */
  findings: SecurityReviewFinding[];
  /** Findings per severity. */
  counts: Record<SecurityReviewSeverity, number>;
  model: string;
  provider: string;
  tokens: TokenTotals;
}

/** The zod schema of a security review of a text with `lines` lines. */
export function securityReviewSchema(lines: number) {
  return z.strictObject({
    summary: z.string().trim().min(1).max(4000),
    findings: z
      .array(
        z.strictObject({
          severity: z.enum(SECURITY_REVIEW_SEVERITIES),
          line: z.number().int().min(1).max(Math.max(1, lines)).optional(),
          title: z.string().trim().min(1).max(200),
          detail: z.string().trim().min(1).max(4000),
          cwe: z
            .string()
            .regex(/^CWE-\d{1,5}$/)
            .optional(),
          suggestion: z.string().trim().min(1).max(4000).optional(),
        }),
      )
      .max(100),
  });
}

const payloadSchema = z
  .strictObject({
    /** A source file to review. Give this or `diff`. */
    path: z.string().min(1).optional(),
    /** A unified diff to review (what changed). Give this or `path`. */
    diff: z.string().optional(),
    /** Larger files or diffs are refused, never truncated. Default 200 KiB. */
    max_bytes: maxBytesField(SECURITY_REVIEW_DEFAULT_MAX_BYTES, SECURITY_REVIEW_MAX_BYTES_LIMIT),
    ...modelChoiceFields,
  })
  .superRefine((payload, context) => {
    if ((payload.path === undefined) === (payload.diff === undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'give exactly one of "path" (a file) or "diff" (a unified diff)',
      });
    } else if (payload.diff !== undefined && payload.diff.trim() === '') {
      context.addIssue({ code: 'custom', path: ['diff'], message: 'is empty: there is nothing to review' });
    }
  });

const rank = (severity: SecurityReviewSeverity) => SECURITY_REVIEW_SEVERITIES.indexOf(severity);

/**
 * `security_review`: a model review of one file or a diff with a security focus, as structured output
 * (severity critical..info, line, CWE, suggestion), checked against `securityReviewSchema` and written most
 * severe first to `knowledge/security/reviews/security_review_<subject>_<YYYYMMDD>_<agent>.md` (`<subject>`:
 * the file's base name with dots as underscores, or `diff`).
 */
export const securityReview = defineSkill({
  name: 'security_review',
  description:
    'Security-focused model review of a file (payload path) or a unified diff (payload diff): findings by severity with CWE ids; writes knowledge/security/reviews/security_review_<subject>_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['security'],
  async run(payload, ctx): Promise<SecurityReviewResult> {
    requireModels(ctx, 'security_review');
    const date = new Date();
    let text: string;
    let label: string;
    let reviewed: string;
    let subject: string;
    let language: string;
    if (payload.path !== undefined) {
      const document = await readTextDocument(ctx, {
        skill: 'security_review',
        path: payload.path,
        maxBytes: payload.max_bytes,
      });
      text = document.text;
      reviewed = document.path;
      label = displayPath(ctx, document.path);
      subject = fileStem(document.path);
      language = languageOf(path.basename(document.path));
    } else {
      text = payload.diff ?? '';
      const bytes = Buffer.byteLength(text);
      if (bytes > payload.max_bytes) {
        throw new SkillInputError({
          code: 'SKILL_INPUT_TOO_LARGE',
          skill: 'security_review',
          size: bytes,
          limit: payload.max_bytes,
          message: `security_review: the diff is ${bytes} bytes, over the limit of ${payload.max_bytes} bytes (nothing is truncated)`,
          hint: 'raise the payload\'s "max_bytes", or review the diff in parts',
        });
      }
      reviewed = 'diff';
      label = 'the diff';
      subject = 'diff';
      language = 'diff';
    }
    const { numbered, lines } = numberLines(text);
    const { tally, ask } = createModelAsker(ctx, 'security_review');
    ctx.signal.throwIfAborted();
    const { value, result } = await askStructured({
      skill: 'security_review',
      ask,
      schema: securityReviewSchema(lines),
      request: {
        system: SECURITY_REVIEW_SYSTEM_PROMPT,
        prompt:
          `Review ${label} (${language}, ${lines} lines) for security problems. Each line starts with its number ` +
          `and "| "; the numbers are not part of the text.\n\n<${subject === 'diff' ? 'diff' : `file name="${label}"`}>\n${numbered}\n</${subject === 'diff' ? 'diff' : 'file'}>`,
        maxOutputTokens: 4096,
        temperature: 0,
        ...modelChoice(payload),
      },
    });
    const findings: SecurityReviewFinding[] = [...value.findings].sort(
      (a, b) =>
        rank(a.severity) - rank(b.severity) ||
        (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
    );
    const counts = Object.fromEntries(SECURITY_REVIEW_SEVERITIES.map((severity) => [severity, 0])) as Record<
      SecurityReviewSeverity,
      number
    >;
    for (const finding of findings) counts[finding.severity] += 1;
    const file = knowledgeFile(ctx, {
      folder: SECURITY_REVIEW_FOLDER,
      stem: `security_review_${subject}`,
      date,
    });
    const markdown = [
      `# Security review: ${subject === 'diff' ? 'diff' : path.basename(reviewed)}`,
      '',
      `- Reviewed: ${subject === 'diff' ? `a diff of ${lines} lines` : `\`${label}\``}`,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${result.provider}/${result.model}`,
      `- Findings: ${SECURITY_REVIEW_SEVERITIES.map((severity) => `${counts[severity]} ${severity}`).join(', ')}`,
      '',
      '## Summary',
      '',
      value.summary,
      '',
      '## Findings',
      '',
      ...(findings.length === 0
        ? ['No findings.', '']
        : findings.flatMap((finding, index) => [
            `### ${index + 1}. [${finding.severity}] ${finding.title}${finding.cwe ? ` (${finding.cwe})` : ''}${finding.line === undefined ? '' : ` (line ${finding.line})`}`,
            '',
            finding.detail,
            '',
            ...(finding.suggestion === undefined ? [] : [`Suggestion: ${finding.suggestion}`, '']),
          ])),
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('security_review: review written', { file, findings: findings.length });
    return {
      file,
      reviewed,
      summary: value.summary,
      findings,
      counts,
      model: result.model,
      provider: result.provider,
      tokens: { ...tally.tokens },
    };
  },
});
