import { describe, expect, it } from 'vitest';
import { DlpError } from '../errors/dlp-error';
import { redactJson, redactSecrets, scanForSecrets, shannonEntropy } from './scan-secrets';

// Fixtures are assembled at run time so no file in the repository holds a literal that looks like a live
// token (hosting providers' push protection would flag them). None of them is a real credential.
const mixed = (length: number, seed = 7) => {
  const alphabet = 'aB3cD5eF7gH9jK2mN4pQ6rS8tU1vW0xYz';
  let out = '';
  let state = seed;
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[state % alphabet.length];
  }
  return out;
};
const hex = (length: number) =>
  mixed(length * 2)
    .replace(/[^0-9a-f]/gi, '')
    .toLowerCase()
    .padEnd(length, 'a')
    .slice(0, length);
const b64 = (length: number) => mixed(length, 11);
const pem = (label: string) =>
  [
    `-----BEGIN ${label}PRIVATE KEY-----`,
    b64(64),
    b64(64),
    b64(20),
    `-----END ${label}PRIVATE KEY-----`,
  ].join('\n');

/** Each format: the kind expected, the text around it, and the secret part that must disappear. */
const formats: { kind: string; secret: string; before?: string; after?: string }[] = [
  { kind: 'aws_access_key_id', secret: `AKIA${'Q7RZ2M4X6P8T3V5N'}` },
  {
    kind: 'aws_secret_access_key',
    before: 'aws_secret_access_key = ',
    secret: b64(40).replace(/[^A-Za-z0-9]/g, 'q'),
  },
  { kind: 'github_token', secret: `ghp_${mixed(36)}` },
  { kind: 'github_token', secret: `gho_${mixed(36, 3)}` },
  { kind: 'github_token', secret: `ghs_${mixed(36, 5)}` },
  { kind: 'github_fine_grained_token', secret: `github_pat_${mixed(22)}_${mixed(59, 9)}` },
  { kind: 'gitlab_token', secret: `glpat-${mixed(20)}` },
  { kind: 'slack_token', secret: `xoxb-${'1234567890'}-${'0987654321'}-${mixed(24)}` },
  {
    kind: 'slack_webhook',
    secret: `https://hooks.slack.com/services/T${mixed(8)}/B${mixed(8)}/${mixed(24)}`,
  },
  { kind: 'stripe_key', secret: `sk_live_${mixed(24)}` },
  { kind: 'stripe_key', secret: `rk_live_${mixed(24, 13)}` },
  { kind: 'anthropic_api_key', secret: `sk-ant-api03-${mixed(40)}` },
  { kind: 'openai_api_key', secret: `sk-proj-${mixed(48)}` },
  { kind: 'openai_api_key', secret: `sk-${mixed(48, 17)}` },
  { kind: 'google_api_key', secret: `AIza${mixed(35)}` },
  { kind: 'google_oauth_token', secret: `ya29.${mixed(60)}` },
  {
    kind: 'jwt',
    secret: `eyJ${'hbGciOiJIUzI1NiJ9'}.eyJ${'zdWIiOiIxMjM0NTY3ODkwIn0'}.${mixed(43)}`,
  },
  { kind: 'private_key_rsa', secret: pem('RSA ') },
  { kind: 'private_key_ec', secret: pem('EC ') },
  { kind: 'ssh_private_key', secret: pem('OPENSSH ') },
  { kind: 'private_key_pkcs8', secret: pem('') },
  {
    kind: 'azure_storage_key',
    before: `DefaultEndpointsProtocol=https;AccountName=biged;AccountKey=`,
    secret: `${b64(86).replace(/[^A-Za-z0-9]/g, 'z')}==`,
    after: ';EndpointSuffix=core.windows.net',
  },
  { kind: 'twilio_api_key', secret: `SK${hex(32)}` },
  { kind: 'sendgrid_api_key', secret: `SG.${mixed(22)}.${mixed(43, 19)}` },
  { kind: 'npm_token', secret: `npm_${mixed(36)}` },
  { kind: 'pypi_token', secret: `pypi-AgEIcHlwaS5vcmc${mixed(60)}` },
  { kind: 'huggingface_token', secret: `hf_${mixed(34)}` },
  { kind: 'discord_bot_token', secret: `M${mixed(23)}.${mixed(6, 21)}.${mixed(27, 23)}` },
  { kind: 'generic_secret', before: 'DB_PASSWORD=', secret: 'Tr0ub4dor&3xK9q' },
  { kind: 'generic_secret', before: '"api_key": "', secret: mixed(32, 29), after: '"' },
  {
    kind: 'database_password',
    before: 'postgres://fleet:',
    secret: 'S3cretPass',
    after: '@db.local:5432/biged',
  },
  {
    kind: 'database_password',
    before: 'mongodb+srv://app:',
    secret: 'hunter22',
    after: '@cluster0.example.net/',
  },
];

describe('scanForSecrets / redactSecrets: formats', () => {
  it('covers at least 20 distinct kinds', () => {
    expect(new Set(formats.map((format) => format.kind)).size).toBeGreaterThanOrEqual(20);
  });

  for (const format of formats) {
    it(`detects and redacts ${format.kind} (${format.secret.slice(0, 8)}…)`, () => {
      const text = `config line: ${format.before ?? ''}${format.secret}${format.after ?? ''} end`;
      const findings = scanForSecrets(text);
      expect(findings.map((finding) => finding.kind)).toEqual([format.kind]);
      const [finding] = findings;
      expect(text.slice(finding!.start, finding!.end)).toBe(format.secret);
      const redacted = redactSecrets(text);
      expect(redacted.text).not.toContain(format.secret);
      expect(redacted.text).toContain(`[REDACTED:${format.kind}]`);
      expect(redacted.text.startsWith('config line: ')).toBe(true);
      expect(redacted.text.endsWith(`${format.after ?? ''} end`)).toBe(true);
      expect(scanForSecrets(redacted.text)).toEqual([]);
    });
  }
});

describe('scanForSecrets: masking and merging', () => {
  it('previews keep at most 4 characters and the length', () => {
    const secret = `ghp_${mixed(36)}`;
    const [finding] = scanForSecrets(`token ${secret}`);
    expect(finding!.preview).toBe(`ghp_…(${secret.length} chars)`);
    expect(finding!.preview).not.toContain(secret.slice(4, 8));
  });

  it('merges overlapping findings into one (a token inside a generic assignment)', () => {
    const token = `ghp_${mixed(36)}`;
    const text = `GITHUB_TOKEN=${token}`;
    const findings = scanForSecrets(text);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.kind).toBe('github_token');
    expect(redactSecrets(text).text).toBe('GITHUB_TOKEN=[REDACTED:github_token]');
  });

  it('keeps an AWS id and secret on separate lines as two findings in order', () => {
    const text = `aws_access_key_id = AKIA${'Q7RZ2M4X6P8T3V5N'}\naws_secret_access_key = ${'q'.repeat(8)}${mixed(32).replace(/[^A-Za-z0-9]/g, 'q')}`;
    const kinds = scanForSecrets(text).map((finding) => finding.kind);
    expect(kinds).toEqual(['aws_access_key_id', 'aws_secret_access_key']);
  });

  it('redacts an unterminated private key to the end of its base64', () => {
    const text = `-----BEGIN RSA PRIVATE KEY-----\n${b64(64)}\n${b64(64)}`;
    expect(redactSecrets(text).text).toBe('[REDACTED:private_key_rsa]');
  });
});

describe('scanForSecrets: no false positives', () => {
  const clean = [
    'The fleet ran 42 tasks overnight; the coder agents reviewed 7 pull requests and wrote 3 reports.',
    'Set password in the secrets file with `biged secrets set`. The token is read at start-up.',
    'const password = options.password ?? process.env.BIGED_PASSWORD;\nconst apiKey = getApiKey(config);',
    'function tokenize(text: string) { return text.split(/\\s+/); } // tokens: 128',
    'task id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 and 550e8400-e29b-41d4-a716-446655440000',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 (HEAD -> main), parent e83c5163316f89bfbde7d9ab23ca2e25604af290',
    `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==${'AAAA'.repeat(200)}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell-style placeholders on purpose
    'password: changeme\napi_key: ${API_KEY}\ntoken = <your token here>\nsecret=xxxxxxxxxxxx',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell-style placeholders on purpose
    'postgres://localhost:5432/biged and https://user@example.com/path and mysql://root:${DB_PASS}@db/x',
    'The sk-learn library; the risk-assessment doc; skip-list-implementation-details-v2.',
    'Ollama at http://127.0.0.1:11434 answered in 120 ms; model qwen2.5-coder:7b-instruct-q4_K_M.',
  ];
  for (const text of clean) {
    it(`finds nothing in: ${text.slice(0, 50)}`, () => {
      expect(scanForSecrets(text)).toEqual([]);
      expect(redactSecrets(text).text).toBe(text);
    });
  }
});

describe('redactJson', () => {
  it('redacts strings anywhere in a JSON value and reports where', () => {
    const token = `hf_${mixed(34)}`;
    const input = { result: { items: ['fine', `use ${token}`], count: 2, ok: true, none: null } };
    const { value, findings } = redactJson(input);
    expect(value).toEqual({
      result: { items: ['fine', 'use [REDACTED:huggingface_token]'], count: 2, ok: true, none: null },
    });
    expect(findings.map((finding) => [finding.kind, finding.path])).toEqual([
      ['huggingface_token', ['result', 'items', 1]],
    ]);
    expect(input.result.items[1]).toContain(token);
  });

  it('refuses values nested deeper than maxDepth and strings over maxChars', () => {
    let deep: unknown = 'x';
    for (let index = 0; index < 70; index += 1) deep = [deep];
    const tooDeep = (() => {
      try {
        redactJson(deep);
      } catch (error) {
        return error;
      }
    })();
    expect(DlpError.isInstance(tooDeep) && tooDeep.code).toBe('DLP_INPUT_TOO_DEEP');
    expect(() => redactJson({ a: 'x'.repeat(20), b: 'y'.repeat(20) }, { maxChars: 30 })).toThrow(
      /limit of 30/,
    );
  });
});

describe('size cap', () => {
  it('scanForSecrets and redactSecrets refuse text over maxChars with DLP_INPUT_TOO_LARGE', () => {
    const error = (() => {
      try {
        scanForSecrets('a'.repeat(101), { maxChars: 100 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(DlpError.isInstance(error) && error.code).toBe('DLP_INPUT_TOO_LARGE');
    expect(() => redactSecrets('a'.repeat(101), { maxChars: 100 })).toThrow(DlpError);
    expect(scanForSecrets('a'.repeat(100), { maxChars: 100 })).toEqual([]);
  });
});

describe('shannonEntropy', () => {
  it('is 0 for one repeated character and log2(n) for n distinct ones', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('')).toBe(0);
  });
});
