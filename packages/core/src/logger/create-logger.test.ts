import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempHome, type TempHome } from '../test/temp-home';
import { createLogger } from './create-logger';

let home: TempHome | undefined;
afterEach(() => home?.cleanup());

describe('createLogger', () => {
  it('writes JSON lines to logs/<role>.log with the role, level and fields', () => {
    home = createTempHome();
    const log = createLogger({ logsDir: home.logs, role: 'coder_1', level: 'debug' });
    log.info('claimed task', { taskId: 7 });
    log.child({ skill: 'code_index' }).warn('slow');
    log.trace('dropped below level');
    log.flush();
    const lines = readFileSync(path.join(home.logs, 'coder_1.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ role: 'coder_1', msg: 'claimed task', taskId: 7, level: 30 });
    expect(lines[1]).toMatchObject({ skill: 'code_index', msg: 'slow', level: 40 });
    expect(typeof lines[0].time).toBe('string');
  });
});
