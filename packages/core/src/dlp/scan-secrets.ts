import { DlpError } from '../errors/dlp-error';

/** One secret found by `scanForSecrets`. */
export interface SecretFinding {
  /** What was found, e.g. `github_token`, `aws_secret_access_key`, `private_key_rsa`. */
  kind: string;
  /** Offset of the first character of the secret (UTF-16 code units, like `String#slice`). */
  start: number;
  /** Offset just past the secret. */
  end: number;
  /** A masked preview: at most the first 4 characters, then the length. Never the whole secret. */
  preview: string;
}

/** Options of `scanForSecrets`, `redactSecrets` and `redactJson`. */
export interface ScanSecretsOptions {
  /** Largest input scanned, in characters (all strings together for `redactJson`). Default 8 MiB. */
  maxChars?: number;
}

/** Default input cap of the scanner: 8 Mi characters. */
export const DLP_MAX_SCAN_CHARS = 8 * 1024 * 1024;
/** What `redactSecrets` puts where a secret was: `[REDACTED:<kind>]`. */
export const REDACTED_PREFIX = '[REDACTED:';

interface Detector {
  kind: string | ((match: RegExpExecArray) => string);
  pattern: RegExp;
  /** Capture group holding the secret itself (the rest is context). Default: the whole match. */
  group?: number;
  /** Extra check on the secret text (entropy, placeholders). */
  accept?: (secret: string) => boolean;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    bits -= share * Math.log2(share);
  }
  return bits;
}

const PLACEHOLDER = /^(?:\[REDACTED|\$\{|\$\(|<|%\(|\{\{|x{4,}|\*{3,}|\.{3})/i;

/** A generic value counts as a secret when it is long, mixed (letters and digits) and high-entropy. */
const highEntropy = (secret: string) =>
  secret.length >= 8 &&
  !PLACEHOLDER.test(secret) &&
  /[A-Za-z]/.test(secret) &&
  /\d/.test(secret) &&
  shannonEntropy(secret) >= 3;

const notPlaceholder = (secret: string) => !PLACEHOLDER.test(secret);

const privateKeyKind = (match: RegExpExecArray) => {
  const label = (match[1] ?? '').trim();
  if (label === 'RSA') return 'private_key_rsa';
  if (label === 'EC') return 'private_key_ec';
  if (label === 'DSA') return 'private_key_dsa';
  if (label === 'OPENSSH') return 'ssh_private_key';
  if (label === 'ENCRYPTED') return 'private_key_pkcs8_encrypted';
  if (label === 'PGP') return 'pgp_private_key';
  return 'private_key_pkcs8';
};

const SECRET_WORDS =
  '(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key|token)';

/** The detectors, most specific first (a later overlapping finding is merged into the earlier one). */
const DETECTORS: Detector[] = [
  {
    kind: privateKeyKind,
    pattern:
      /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]*)/g,
  },
  {
    kind: 'putty_private_key',
    pattern: /PuTTY-User-Key-File-\d: [\s\S]*?Private-Lines: \d+[\r\n]+[A-Za-z0-9+/=\r\n]+/g,
  },
  {
    kind: 'aws_access_key_id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g,
  },
  {
    kind: 'aws_secret_access_key',
    pattern: /\baws_?secret(?:_?access)?_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { kind: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { kind: 'github_fine_grained_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{50,255}\b/g },
  { kind: 'gitlab_token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'slack_token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  {
    kind: 'slack_webhook',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/g,
  },
  { kind: 'stripe_key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/g },
  { kind: 'stripe_test_key', pattern: /\b(?:sk|rk)_test_[A-Za-z0-9]{16,}\b/g },
  { kind: 'anthropic_api_key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  {
    kind: 'openai_api_key',
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
    accept: (secret) => !secret.startsWith('sk-ant-') && /\d/.test(secret) && shannonEntropy(secret) >= 3.5,
  },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'google_oauth_token', pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: 'azure_storage_key',
    pattern: /\b(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,}={0,2})/g,
    group: 1,
  },
  { kind: 'azure_sas_signature', pattern: /[?&]sig=([A-Za-z0-9%+/]{30,}={0,2})/g, group: 1 },
  { kind: 'twilio_api_key', pattern: /\bSK[0-9a-f]{32}\b/g },
  { kind: 'sendgrid_api_key', pattern: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,50}/g },
  { kind: 'npm_token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'pypi_token', pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/g },
  { kind: 'huggingface_token', pattern: /\bhf_[A-Za-z0-9]{34,}\b/g },
  {
    kind: 'discord_bot_token',
    pattern: /\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}\b/g,
    accept: (secret) => /\d/.test(secret),
  },
  { kind: 'telegram_bot_token', pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g },
  {
    kind: 'database_password',
    pattern:
      /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/[^\s:/@]+:([^\s@/]+)@/gi,
    group: 1,
    accept: notPlaceholder,
  },
  {
    kind: 'generic_secret',
    pattern: new RegExp(
      `${SECRET_WORDS}[A-Za-z0-9_]{0,40}["']?[ \\t]{0,8}[:=][ \\t]{0,8}["']?([A-Za-z0-9+/=_\\-!@#$%^&*~.]{8,200})`,
      'gi',
    ),
    group: 1,
    accept: highEntropy,
  },
];

// Compiled once with the `d` flag (match indices): building 28 RegExps per call cost more than the scan
// itself on short texts such as log lines. They are global, so `lastIndex` is reset before each use; the
// scan is synchronous and `accept` never scans, so no two scans share one at a time.
const COMPILED_PATTERNS = DETECTORS.map(
  (detector) => new RegExp(detector.pattern.source, `${detector.pattern.flags.replace('d', '')}d`),
);

const preview = (secret: string) => {
  const keep = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, keep)}…(${secret.length} chars)`;
};

const checkSize = (text: string, maxChars: number) => {
  if (text.length > maxChars) {
    throw new DlpError({
      code: 'DLP_INPUT_TOO_LARGE',
      message: `text of ${text.length} characters is over the scanner's limit of ${maxChars}`,
    });
  }
};

/**
 * Finds secrets in `text`: cloud and SaaS API keys (AWS, GitHub, GitLab, Slack, Stripe, Anthropic,
 * OpenAI, Google, Azure, Twilio, SendGrid, npm, PyPI, Hugging Face, Discord, Telegram), JWTs, PEM /
 * OpenSSH / PuTTY private keys, passwords in database URLs, and `password=` / `api_key:`-style
 * assignments whose value is long, mixed and high-entropy. Overlapping findings are merged (the first
 * detector's kind wins). Findings are sorted by `start`; previews keep at most 4 characters.
 *
 * Throws `DlpError` (`DLP_INPUT_TOO_LARGE`) above `maxChars` (default 8 Mi characters).
 */
export function scanForSecrets(
  text: string,
  { maxChars = DLP_MAX_SCAN_CHARS }: ScanSecretsOptions = {},
): SecretFinding[] {
  checkSize(text, maxChars);
  const raw: { kind: string; start: number; end: number; order: number }[] = [];
  DETECTORS.forEach((detector, order) => {
    const pattern = COMPILED_PATTERNS[order]!;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      if (match[0].length === 0) {
        pattern.lastIndex += 1;
        continue;
      }
      const span = detector.group === undefined ? match.indices![0]! : match.indices![detector.group];
      if (!span) continue;
      const secret = text.slice(span[0], span[1]);
      if (secret.startsWith(REDACTED_PREFIX)) continue;
      if (detector.accept && !detector.accept(secret)) continue;
      const kind = typeof detector.kind === 'function' ? detector.kind(match) : detector.kind;
      raw.push({ kind, start: span[0], end: span[1], order });
    }
  });
  raw.sort((left, right) => left.start - right.start || left.order - right.order);
  const merged: { kind: string; start: number; end: number; order: number }[] = [];
  for (const finding of raw) {
    const last = merged.at(-1);
    if (last && finding.start < last.end) {
      if (finding.order < last.order) last.kind = finding.kind;
      last.order = Math.min(last.order, finding.order);
      last.end = Math.max(last.end, finding.end);
      continue;
    }
    merged.push({ ...finding });
  }
  return merged.map(({ kind, start, end }) => ({
    kind,
    start,
    end,
    preview: preview(text.slice(start, end)),
  }));
}

/** What `redactSecrets` returns. */
export interface RedactedText {
  /** The text with every finding replaced by `[REDACTED:<kind>]`. */
  text: string;
  /** The findings, offsets into the original text. */
  findings: SecretFinding[];
}

/**
 * Replaces every secret `scanForSecrets` finds with `[REDACTED:<kind>]`. Idempotent: redacting the
 * output again changes nothing. Throws `DlpError` above `maxChars`.
 */
export function redactSecrets(text: string, options: ScanSecretsOptions = {}): RedactedText {
  const findings = scanForSecrets(text, options);
  if (findings.length === 0) return { text, findings };
  let out = '';
  let at = 0;
  for (const finding of findings) {
    out += `${text.slice(at, finding.start)}${REDACTED_PREFIX}${finding.kind}]`;
    at = finding.end;
  }
  out += text.slice(at);
  // A replacement can join its neighbours into a new match (rare); redact until nothing is left.
  const again = scanForSecrets(out, { maxChars: Number.POSITIVE_INFINITY });
  return again.length === 0
    ? { text: out, findings }
    : { text: redactSecrets(out, { maxChars: Number.POSITIVE_INFINITY }).text, findings };
}

/** One finding of `redactJson`, with where in the value it was. */
export interface JsonSecretFinding extends SecretFinding {
  /** Path of the string inside the value, e.g. `["result", "items", 2, "token"]`. */
  path: (string | number)[];
}

/** Options of `redactJson`. */
export interface RedactJsonOptions extends ScanSecretsOptions {
  /** Deepest nesting walked. Default 64; deeper input throws `DlpError` (`DLP_INPUT_TOO_DEEP`). */
  maxDepth?: number;
}

/**
 * Walks a JSON value and redacts every string (object keys are kept as they are) with `redactSecrets`.
 * Returns a new value; the input is not changed. Non-JSON values (functions, symbols) are passed through.
 * Throws `DlpError` when the strings together exceed `maxChars` or nesting exceeds `maxDepth`.
 */
export function redactJson<T>(
  value: T,
  { maxChars = DLP_MAX_SCAN_CHARS, maxDepth = 64 }: RedactJsonOptions = {},
): { value: T; findings: JsonSecretFinding[] } {
  const findings: JsonSecretFinding[] = [];
  let budget = maxChars;
  const walk = (node: unknown, at: (string | number)[]): unknown => {
    if (at.length > maxDepth) {
      throw new DlpError({
        code: 'DLP_INPUT_TOO_DEEP',
        message: `value is nested deeper than ${maxDepth} levels`,
      });
    }
    if (typeof node === 'string') {
      budget -= node.length;
      if (budget < 0) {
        throw new DlpError({
          code: 'DLP_INPUT_TOO_LARGE',
          message: `strings of the value exceed the scanner's limit of ${maxChars} characters`,
        });
      }
      const redacted = redactSecrets(node, { maxChars: Number.POSITIVE_INFINITY });
      for (const finding of redacted.findings) findings.push({ ...finding, path: at });
      return redacted.text;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...at, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = walk(item, [...at, key]);
      return out;
    }
    return node;
  };
  return { value: walk(value, []) as T, findings };
}
