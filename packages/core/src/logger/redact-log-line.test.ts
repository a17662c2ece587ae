import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempHome, type TempHome } from '../test/temp-home';
import { createLogger } from './create-logger';
import { LOG_MAX_SCANNED_CHARS, redactLogFields, redactLogMessage } from './redact-log-line';

const GITHUB = `ghp_${'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5'}`;
const AWS = 'AKIAQ7RZ2M4X6P8T3V5N';
const ANTHROPIC = `sk-ant-api03-${'Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7Aa6Zz5Yy4'}`;

let home: TempHome | undefined;
afterEach(() => home?.cleanup());

function logLines(role: string): string {
  return readFileSync(path.join(home!.logs, `${role}.log`), 'utf8');
}

describe('logger DLP', () => {
  it('redacts secrets in messages, fields, nested fields, child bindings and errors before writing', () => {
    home = createTempHome();
    const log = createLogger({ logsDir: home.logs, role: 'coder_1', level: 'debug' });
    log.info(`calling with ${GITHUB}`);
    log.warn('request failed', {
      url: `https://api.example.com/?key=${AWS}`,
      headers: { authorization: `Bearer ${ANTHROPIC}` },
      tried: [GITHUB, 3, true, null],
      error: new Error(`401 for key ${ANTHROPIC}`),
    });
    log.child({ token: GITHUB }).error('child line');
    log.flush();
    const text = logLines('coder_1');
    for (const secret of [GITHUB, AWS, ANTHROPIC]) expect(text).not.toContain(secret.slice(4, 20));
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0].msg).toBe('calling with [REDACTED:github_token]');
    expect(lines[1]).toMatchObject({
      url: expect.stringContaining('[REDACTED:aws_access_key_id]'),
      headers: { authorization: expect.stringContaining('[REDACTED:') },
      tried: ['[REDACTED:github_token]', 3, true, null],
      error: { type: 'Error', message: expect.stringContaining('[REDACTED:anthropic_api_key]') },
    });
    expect(lines[2]).toMatchObject({ token: '[REDACTED:github_token]', msg: 'child line' });
  });

  it('leaves clean lines, numbers and keys as they are', () => {
    home = createTempHome();
    const log = createLogger({ logsDir: home.logs, role: 'supervisor' });
    log.info('task done', { taskId: 7, durationMs: 1.5, skill: 'summarize' });
    log.flush();
    expect(JSON.parse(logLines('supervisor'))).toMatchObject({
      msg: 'task done',
      taskId: 7,
      durationMs: 1.5,
      skill: 'summarize',
    });
  });

  it('cuts an oversized message before scanning and marks a value too deep to scan', () => {
    const long = redactLogMessage(`${'x'.repeat(LOG_MAX_SCANNED_CHARS)} ${GITHUB}`);
    expect(long).not.toContain(GITHUB);
    expect(long.endsWith('…(truncated)')).toBe(true);
    let deep: Record<string, unknown> = { token: GITHUB };
    for (let index = 0; index < 100; index++) deep = { deep };
    expect(redactLogFields({ deep, ok: 1 })).toEqual({ deep: '[REDACTED:unscannable]', ok: 1 });
  });
});
