import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answer, scriptedRouter } from './internal/model-test-helpers';
import { SECURITY_REVIEW_SYSTEM_PROMPT, securityReview } from './security-review';

let home: TempHome;
let source: string;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  source = `${home.home}-src`;
  mkdirSync(source, { recursive: true });
  writeFileSync(
    path.join(source, 'run.js'),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source code with a template string in it
    "const { exec } = require('node:child_process');\nexports.run = (name) => exec(`ls ${name}`);\n",
  );
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
  rmSync(source, { recursive: true, force: true });
});

describe('security_review', () => {
  it('reviews a file with a security focus and writes findings most severe first', async () => {
    const review = {
      summary: 'Command injection.',
      findings: [
        { severity: 'low', title: 'No input length check', detail: 'name is unbounded.' },
        {
          severity: 'critical',
          line: 2,
          title: 'Command injection',
          detail: 'name reaches a shell.',
          cwe: 'CWE-78',
          suggestion: 'Use execFile.',
        },
      ],
    };
    const models = scriptedRouter([answer(JSON.stringify(review), { input: 70, output: 20 }, review)]);
    const { result } = await runSkill(
      securityReview,
      { path: path.join(source, 'run.js') },
      { models: models.router, home: home.home, readRoots: [source], task: { agent: 'security' } },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(SECURITY_REVIEW_SYSTEM_PROMPT);
    expect(request?.prompt).toContain('(javascript, 2 lines) for security problems');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source code with a template string in it
    expect(request?.prompt).toContain('2 | exports.run = (name) => exec(`ls ${name}`);');
    const written = path.join(
      home.knowledge,
      'security',
      'reviews',
      'security_review_run_js_20261124_security.md',
    );
    expect(result).toMatchObject({
      file: written,
      counts: { critical: 1, high: 0, medium: 0, low: 1, info: 0 },
      tokens: { input: 70, output: 20 },
    });
    expect(result.findings.map((finding) => finding.severity)).toEqual(['critical', 'low']);
    const markdown = readFileSync(written, 'utf8');
    expect(markdown).toContain('### 1. [critical] Command injection (CWE-78) (line 2)');
    expect(markdown).toContain('Suggestion: Use execFile.');
  });

  it('reviews a diff', async () => {
    const review = { summary: 'Nothing risky.', findings: [] };
    const models = scriptedRouter([answer('', {}, review)]);
    const diff = '--- a/x.js\n+++ b/x.js\n@@ -1 +1 @@\n-a()\n+b()\n';
    const { result } = await runSkill(securityReview, { diff }, { models: models.router, home: home.home });
    expect(models.requests()[0]?.prompt).toContain('<diff>\n1 | --- a/x.js');
    expect(path.basename(result.file)).toMatch(/^security_review_diff_20261124_/);
    expect(result.reviewed).toBe('diff');
  });

  it('refuses findings with a line outside the file or a malformed CWE, writing nothing', async () => {
    const review = {
      summary: 's',
      findings: [{ severity: 'high', line: 3, title: 't', detail: 'd', cwe: '78' }],
    };
    const models = scriptedRouter([answer('', {}, review)]);
    const error = await runSkill(
      securityReview,
      { path: path.join(source, 'run.js') },
      { models: models.router, home: home.home, readRoots: [source] },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SKILL_MODEL_OUTPUT_INVALID' });
    const issues = (error as { issues: string[] }).issues.join('\n');
    expect(issues).toContain('findings[0].line');
    expect(issues).toContain('findings[0].cwe');
    expect(existsSync(path.join(home.knowledge, 'security'))).toBe(false);
  });

  it('refuses an oversized diff, both or neither input, and a path outside the roots', async () => {
    const models = scriptedRouter([]);
    const options = { models: models.router, home: home.home };
    await expect(
      runSkill(securityReview, { diff: 'x'.repeat(101), max_bytes: 100 }, options),
    ).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_LARGE',
    });
    await expect(runSkill(securityReview, {}, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
    await expect(runSkill(securityReview, { diff: 'x', path: '/x' }, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
    await expect(
      runSkill(securityReview, { path: path.join(source, 'run.js') }, options),
    ).rejects.toMatchObject({
      code: 'FS_ACCESS_DENIED',
    });
    expect(models.requests()).toHaveLength(0);
  });
});
