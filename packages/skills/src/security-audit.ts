import { execFile } from 'node:child_process';
import path from 'node:path';
import { redactSecrets, scanForSecrets } from '@biged/core';
import { defineSkill, type SkillContext, z } from '@biged/skill-sdk';
import { isoDate, knowledgeFile, slugify } from './internal/model-skill';
import { readSourceTree } from './internal/source-tree';

/** Where audits go, under `<home>/knowledge`. */
export const SECURITY_AUDIT_FOLDER = 'security/audits';

/** Files over 1 MiB are not scanned (counted as skipped). */
export const SECURITY_AUDIT_MAX_FILE_BYTES = 1024 * 1024;

/** Most findings of each kind kept (secrets, risky patterns, vulnerable packages). */
export const SECURITY_AUDIT_MAX_FINDINGS = 1000;

/** How long `npm audit` may take: 2 minutes. */
export const SECURITY_AUDIT_NPM_TIMEOUT_MS = 120_000;

/** A risky code pattern `security_audit` looks for, line by line. */
export interface RiskyPattern {
  /** Stable id, e.g. `eval`. */
  id: string;
  /** What is risky about it. */
  description: string;
  /** Matched against each line. */
  pattern: RegExp;
}

/** The risky patterns: code execution, shell injection, disabled TLS checks, open permissions, ... */
export const SECURITY_AUDIT_RISKY_PATTERNS: readonly RiskyPattern[] = [
  { id: 'eval', description: 'eval() runs arbitrary code', pattern: /(?<![.\w])eval\s*\(/ },
  {
    id: 'new-function',
    description: 'new Function() compiles code from a string',
    pattern: /\bnew\s+Function\s*\(/,
  },
  {
    id: 'exec-template',
    description: 'a shell command built from a template string (command injection)',
    pattern: /\bexec(?:Sync)?\s*\(\s*`[^`]*\$\{/,
  },
  {
    id: 'exec-concat',
    description: 'a shell command built by string concatenation (command injection)',
    pattern: /\bexec(?:Sync)?\s*\(\s*(?:["'][^"']*["']\s*\+|\w+\s*\+)/,
  },
  {
    id: 'shell-true',
    description: 'a child process run through a shell',
    pattern: /\bshell\s*[:=]\s*true\b|\bshell\s*=\s*True\b/,
  },
  { id: 'os-system', description: 'os.system runs a shell command', pattern: /\bos\.system\s*\(/ },
  {
    id: 'tls-reject-unauthorized',
    description: 'TLS certificate checks disabled',
    pattern: /\brejectUnauthorized\s*:\s*false\b|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*['"]?0/,
  },
  {
    id: 'tls-verify-false',
    description: 'TLS certificate checks disabled (verify=False)',
    pattern: /\bverify\s*=\s*False\b/,
  },
  {
    id: 'tls-insecure-skip-verify',
    description: 'TLS certificate checks disabled (Go)',
    pattern: /\bInsecureSkipVerify\s*:\s*true\b/,
  },
  {
    id: 'curl-insecure',
    description: 'curl without certificate checks',
    pattern: /\bcurl\b[^\n]*\s(?:-k|--insecure)\b/,
  },
  {
    id: 'chmod-777',
    description: 'world-writable permissions',
    pattern: /\bchmod(?:Sync)?\b[^\n]*\b0?o?777\b/,
  },
  {
    id: 'pickle-loads',
    description: 'unpickling untrusted data runs code',
    pattern: /\bpickle\.loads?\s*\(/,
  },
  {
    id: 'yaml-load',
    description: 'yaml.load without a safe loader',
    pattern: /\byaml\.load\s*\((?![^)]*SafeLoader)/,
  },
  {
    id: 'inner-html',
    description: 'HTML injected without escaping (XSS)',
    pattern: /\.innerHTML\s*=|dangerouslySetInnerHTML/,
  },
];

/** A secret found in a file. */
export interface AuditSecret {
  /** Relative to the audited folder. */
  file: string;
  line: number;
  /** The detector, e.g. `github_token`. */
  kind: string;
  /** A masked preview; never the secret. */
  preview: string;
}

/** A risky pattern found in a file. */
export interface AuditRiskyFinding {
  file: string;
  line: number;
  /** The pattern's id. */
  rule: string;
  description: string;
  /** The line, trimmed to 160 characters, secrets masked. */
  snippet: string;
}

/** One vulnerable package from the package manager's audit. */
export interface AuditVulnerability {
  name: string;
  severity: string;
  /** Advisory titles. */
  advisories: string[];
  /** Advisory URLs. */
  urls: string[];
}

/** The dependency audit part: `ok` with the figures, or `unavailable` with why. */
export type DependencyAudit =
  | {
      status: 'ok';
      tool: 'npm audit';
      counts: Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>;
      vulnerabilities: AuditVulnerability[];
    }
  | { status: 'unavailable'; reason: string }
  | { status: 'skipped'; reason: string };

/** What `security_audit` returns. */
export interface SecurityAuditResult {
  /** The audited folder, absolute. */
  root: string;
  /** Files scanned. */
  files: number;
  /** Files left out (over 1 MiB, binary, unreadable). */
  skipped: { tooLarge: number; binary: number; unreadable: number };
  /** True when the walk stopped at `max_files`. */
  truncated: boolean;
  secrets: AuditSecret[];
  risky: AuditRiskyFinding[];
  audit: DependencyAudit;
  /** The report: `<home>/knowledge/security/audits/<folder>_audit_<YYYYMMDD>_<agent>.md`. */
  file: string;
}

const payloadSchema = z.strictObject({
  /** The project folder to audit. */
  path: z.string().min(1),
  /** Most files scanned, 1..50 000. Default 5 000; the walk stops there (`truncated`). */
  max_files: z.number().int().min(1).max(50_000).default(5000),
  /** Run the package manager's audit (`npm audit`; it needs the registry). Default true. */
  dependency_audit: z.boolean().default(true),
});

const lineStarts = (text: string) => {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1))
    starts.push(index + 1);
  return starts;
};

const lineOf = (starts: number[], offset: number) => {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
};

interface NpmAuditReport {
  error?: { code?: string; summary?: string; detail?: string };
  vulnerabilities?: Record<
    string,
    { name?: string; severity?: string; via?: Array<string | { title?: string; url?: string }> }
  >;
  metadata?: {
    vulnerabilities?: Partial<Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>>;
  };
}

function runNpmAudit(
  cwd: string,
  signal: AbortSignal,
): Promise<{ stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['audit', '--json'],
      { cwd, signal, timeout: SECURITY_AUDIT_NPM_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: process.env },
      (error, stdout, stderr) => resolve({ stdout, stderr, ...(error ? { error } : {}) }),
    );
  });
}

async function dependencyAudit(ctx: SkillContext, root: string, wanted: boolean): Promise<DependencyAudit> {
  if (!wanted) return { status: 'skipped', reason: 'dependency_audit is false' };
  const { offline_mode: offline, air_gap_mode: airGap } = ctx.config.fleet;
  if (offline || airGap) {
    return {
      status: 'unavailable',
      reason: `the fleet is in ${airGap ? 'air-gap' : 'offline'} mode; npm audit needs the registry`,
    };
  }
  let found = false;
  for (const name of ['package-lock.json', 'npm-shrinkwrap.json']) {
    if (await ctx.fs.exists(path.join(root, name))) found = true;
  }
  if (!found) {
    return {
      status: 'unavailable',
      reason: `no package-lock.json or npm-shrinkwrap.json in ${root}; npm audit needs one (other package managers' lockfiles are not audited)`,
    };
  }
  ctx.signal.throwIfAborted();
  const { stdout, stderr, error } = await runNpmAudit(root, ctx.signal);
  ctx.signal.throwIfAborted();
  let report: NpmAuditReport;
  try {
    report = JSON.parse(stdout) as NpmAuditReport;
  } catch {
    const why = error?.message ?? (stderr.trim() || 'npm audit printed no JSON');
    return { status: 'unavailable', reason: `npm audit failed: ${why.split('\n')[0]}` };
  }
  if (report.error !== undefined || report.metadata?.vulnerabilities === undefined) {
    const summary = report.error?.summary ?? report.error?.code ?? 'no audit data in its answer';
    return { status: 'unavailable', reason: `npm audit failed: ${summary.split('\n')[0]}` };
  }
  const figures = report.metadata.vulnerabilities;
  const counts = {
    info: figures.info ?? 0,
    low: figures.low ?? 0,
    moderate: figures.moderate ?? 0,
    high: figures.high ?? 0,
    critical: figures.critical ?? 0,
    total: figures.total ?? 0,
  };
  const vulnerabilities = Object.entries(report.vulnerabilities ?? {})
    .slice(0, SECURITY_AUDIT_MAX_FINDINGS)
    .map(([name, entry]) => {
      const advisories = (entry.via ?? []).filter(
        (via): via is { title?: string; url?: string } => typeof via === 'object',
      );
      return {
        name: entry.name ?? name,
        severity: entry.severity ?? 'unknown',
        advisories: advisories.map((via) => via.title ?? '').filter(Boolean),
        urls: advisories.map((via) => via.url ?? '').filter(Boolean),
      };
    });
  return { status: 'ok', tool: 'npm audit', counts, vulnerabilities };
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/**
 * `security_audit`: audits a project folder. Every text file (through the fs guard; dependencies, VCS data
 * and build output skipped) is scanned for secrets with core's `scanForSecrets` and for risky patterns
 * (`SECURITY_AUDIT_RISKY_PATTERNS`), each reported with file and line (secrets masked). The dependency audit
 * runs `npm audit --json` in the folder when it has a package-lock.json; it needs the registry, so in
 * offline or air-gap mode, without a lockfile, or when npm cannot answer it is reported as
 * `unavailable` (with the reason) instead of failing the task. Writes
 * `knowledge/security/audits/<folder>_audit_<YYYYMMDD>_<agent>.md`.
 */
export const securityAudit = defineSkill({
  name: 'security_audit',
  description:
    'Audits a project folder (payload path): secrets (core DLP scanner) and risky code patterns with file:line, plus npm audit of its dependencies when reachable; writes knowledge/security/audits/<folder>_audit_<date>_<agent>.md.',
  payload: payloadSchema,
  roles: ['security'],
  timeoutMs: 15 * 60_000,
  async run(payload, ctx): Promise<SecurityAuditResult> {
    const date = new Date();
    const tree = await readSourceTree(ctx, {
      skill: 'security_audit',
      path: payload.path,
      maxFiles: payload.max_files,
      onTooMany: 'truncate',
      maxFileBytes: SECURITY_AUDIT_MAX_FILE_BYTES,
    });
    const secrets: AuditSecret[] = [];
    const risky: AuditRiskyFinding[] = [];
    for (const source of tree.files) {
      ctx.signal.throwIfAborted();
      const starts = lineStarts(source.text);
      for (const finding of scanForSecrets(source.text)) {
        if (secrets.length >= SECURITY_AUDIT_MAX_FINDINGS) break;
        secrets.push({
          file: source.relativePath,
          line: lineOf(starts, finding.start),
          kind: finding.kind,
          preview: finding.preview,
        });
      }
      source.text.split('\n').forEach((line, index) => {
        for (const rule of SECURITY_AUDIT_RISKY_PATTERNS) {
          if (risky.length >= SECURITY_AUDIT_MAX_FINDINGS || !rule.pattern.test(line)) continue;
          risky.push({
            file: source.relativePath,
            line: index + 1,
            rule: rule.id,
            description: rule.description,
            snippet: redactSecrets(line.trim().slice(0, 160)).text,
          });
        }
      });
    }
    const audit: DependencyAudit = tree.directory
      ? await dependencyAudit(ctx, tree.root, payload.dependency_audit)
      : { status: 'skipped', reason: 'a single file was given, not a project folder' };

    const file = knowledgeFile(ctx, {
      folder: SECURITY_AUDIT_FOLDER,
      stem: slugify(path.basename(tree.root)),
      kind: 'audit',
      date,
    });
    const auditLines =
      audit.status === 'ok'
        ? [
            `npm audit: ${audit.counts.total} vulnerable (${audit.counts.critical} critical, ${audit.counts.high} high, ${audit.counts.moderate} moderate, ${audit.counts.low} low, ${audit.counts.info} info)`,
            '',
            ...audit.vulnerabilities.map(
              (entry) =>
                `- ${entry.name} (${entry.severity})${entry.advisories.length ? `: ${entry.advisories.join('; ')}` : ''}`,
            ),
          ]
        : [`audit: ${audit.status} (${audit.reason})`];
    const markdown = [
      `# Security audit: ${path.basename(tree.root)}`,
      '',
      `- Path: \`${tree.root}\``,
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Files scanned: ${tree.files.length}${tree.truncated ? ` (stopped at ${payload.max_files})` : ''}`,
      `- Secrets: ${secrets.length}; risky patterns: ${risky.length}`,
      '',
      '## Dependencies',
      '',
      ...auditLines,
      '',
      '## Secrets',
      '',
      ...(secrets.length === 0
        ? ['None found.']
        : [
            '| file | line | kind | preview |',
            '| --- | --- | --- | --- |',
            ...secrets.map((s) => `| ${cell(s.file)} | ${s.line} | ${s.kind} | ${cell(s.preview)} |`),
          ]),
      '',
      '## Risky patterns',
      '',
      ...(risky.length === 0
        ? ['None found.']
        : risky.map(
            (r) =>
              `- \`${r.file}:${r.line}\` ${r.rule}: ${r.description}\n  \`${r.snippet.replace(/`/g, "'")}\``,
          )),
      '',
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('security_audit: report written', {
      file,
      secrets: secrets.length,
      risky: risky.length,
      audit: audit.status,
    });
    return {
      root: tree.root,
      files: tree.files.length,
      skipped: tree.skipped,
      truncated: tree.truncated,
      secrets,
      risky,
      audit,
      file,
    };
  },
});
