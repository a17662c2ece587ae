import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

describe('biged dashboard', () => {
  let home: TempHome | undefined;
  afterEach(() => {
    home?.cleanup();
    home = undefined;
  });

  it('--print-token prints the token init created, from a 0600 file', async () => {
    home = await initHome();
    const file = path.join(home.run, 'dashboard.token');
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const printed = await runCli(['dashboard', '--print-token', '--home', home.home]);
    expect(printed).toMatchObject({ code: 0, stdout: `${token}\n` });
    const json = await runCli(['dashboard', '--print-token', '--json', '--home', home.home]);
    expect(json.json<{ token: string }>()).toEqual({ token });
  });

  it('refuses to serve in air-gap mode, and a bad port, with exit 1', async () => {
    home = await initHome('[fleet]\nair_gap_mode = true\n');
    const airGap = await runCli(['dashboard', '--port', '65001', '--json', '--home', home.home]);
    expect(airGap.code).toBe(1);
    expect(airGap.json<{ error: { code: string } }>().error.code).toBe('DASHBOARD_AIR_GAP');
    const badPort = await runCli(['dashboard', '--port', 'eighty', '--home', home.home]);
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('--port');
  });
});
