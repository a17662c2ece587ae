import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DlpError } from '../errors/dlp-error';
import { redactJson, redactSecrets, scanForSecrets } from './scan-secrets';

// A fixed seed keeps CI repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

const token = (prefix: string, length: number) =>
  fc
    .string({
      unit: fc.constantFrom(...'aB3cD5eF7gH9jK2mN4pQ6rS8tU1vW0xYz'),
      minLength: length,
      maxLength: length,
    })
    .map((body) => `${prefix}${body}`);

const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  token('ghp_', 36),
  token('sk-ant-api03-', 30),
  token('sk-proj-', 40),
  token('hf_', 34),
  token('AKIA', 16).map((text) => text.toUpperCase()),
  token('glpat-', 20),
  token('npm_', 36),
  fc.constantFrom(
    '=',
    ':',
    ' ',
    '\n',
    '"',
    '@',
    '/',
    'password=',
    'api_key: ',
    'postgres://u:',
    'Tr0ub4dor&3xK9q',
    '[REDACTED:',
    ']',
    '-----BEGIN RSA PRIVATE KEY-----\n',
    '\n-----END RSA PRIVATE KEY-----',
    'eyJhbGciOiJIUzI1NiJ9.',
    'eyJzdWIiOiIxMjM0NTY3ODkwIn0.',
  ),
);
const text = fc.array(fragment, { maxLength: 25 }).map((parts) => parts.join(''));

describe('redactSecrets (property)', () => {
  it('is idempotent and leaves no finding in its output', () => {
    fc.assert(
      fc.property(text, (input) => {
        const once = redactSecrets(input);
        expect(scanForSecrets(once.text)).toEqual([]);
        expect(redactSecrets(once.text).text).toBe(once.text);
      }),
      { numRuns: 1000 },
    );
  });

  it('findings are sorted, disjoint, inside the text, and previews never hold more than 4 characters of it', () => {
    fc.assert(
      fc.property(text, (input) => {
        const findings = scanForSecrets(input);
        let last = 0;
        for (const finding of findings) {
          expect(finding.start).toBeGreaterThanOrEqual(last);
          expect(finding.end).toBeGreaterThan(finding.start);
          expect(finding.end).toBeLessThanOrEqual(input.length);
          expect(finding.preview.split('…')[0]!.length).toBeLessThanOrEqual(4);
          last = finding.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('redactJson leaves no finding in any string and never throws on JSON values under the caps', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), text, (value, secret) => {
        const { value: out } = redactJson({ value, secret });
        const strings: string[] = [];
        JSON.stringify(out, (_key, item) => {
          if (typeof item === 'string') strings.push(item);
          return item;
        });
        for (const item of strings) expect(scanForSecrets(item)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('input over the cap is always DLP_INPUT_TOO_LARGE', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 11, maxLength: 200 }), (input) => {
        expect(() => redactSecrets(input, { maxChars: 10 })).toThrow(DlpError);
      }),
      { numRuns: 100 },
    );
  });
});
