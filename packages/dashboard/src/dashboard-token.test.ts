import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetPaths } from '@biged/core';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardTokenFile, ensureDashboardToken, tokensMatch } from './dashboard-token';
import { DashboardError } from './errors/dashboard-error';

let home: string | undefined;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

describe('ensureDashboardToken', () => {
  it('creates <home>/run/dashboard.token with 32 random bytes as hex, mode 0600, and keeps it', () => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-token-'));
    const paths = fleetPaths(home);
    const token = ensureDashboardToken(paths);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const file = dashboardTokenFile(paths);
    expect(file).toBe(path.join(home, 'run', 'dashboard.token'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(ensureDashboardToken(paths)).toBe(token);

    const other = mkdtempSync(path.join(tmpdir(), 'biged-token-'));
    try {
      expect(ensureDashboardToken(fleetPaths(other))).not.toBe(token);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a token file that does not hold a token, and leaves it alone', () => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-token-'));
    const paths = fleetPaths(home);
    mkdirSync(paths.run, { recursive: true });
    writeFileSync(dashboardTokenFile(paths), 'hunter2\n');
    try {
      ensureDashboardToken(paths);
      expect.unreachable('should throw');
    } catch (error) {
      expect(DashboardError.isInstance(error)).toBe(true);
      expect((error as DashboardError).code).toBe('DASHBOARD_TOKEN_INVALID');
      expect((error as DashboardError).message).not.toContain('hunter2');
    }
    expect(readFileSync(dashboardTokenFile(paths), 'utf8')).toBe('hunter2\n');
  });
});

describe('tokensMatch', () => {
  it('matches only the exact token', () => {
    const token = 'f'.repeat(64);
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch(`${token}0`, token)).toBe(false);
    expect(tokensMatch(token.slice(1), token)).toBe(false);
    expect(tokensMatch('', token)).toBe(false);
    expect(tokensMatch('e'.repeat(64), token)).toBe(false);
  });
});
