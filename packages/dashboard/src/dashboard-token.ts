import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FleetPaths } from '@biged/core';
import { DashboardError } from './errors/dashboard-error';

/** Mode of the token file: owner read/write only. */
export const DASHBOARD_TOKEN_FILE_MODE = 0o600;

/** A token is 32 random bytes as 64 lowercase hex characters. */
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

/** `<home>/run/dashboard.token`, the file `ensureDashboardToken` keeps the token in. */
export function dashboardTokenFile(paths: Pick<FleetPaths, 'run'>): string {
  return path.join(paths.run, 'dashboard.token');
}

/**
 * Returns the fleet's dashboard token, creating `<home>/run/dashboard.token` (32 random bytes as hex,
 * mode 0600) when it is missing. Throws `DASHBOARD_TOKEN_INVALID` when the file exists but does not
 * hold such a token (it is left alone: delete it to get a new one).
 */
export function ensureDashboardToken(paths: Pick<FleetPaths, 'run'>): string {
  const file = dashboardTokenFile(paths);
  let existing: string | undefined;
  try {
    existing = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing !== undefined) {
    if (!TOKEN_PATTERN.test(existing))
      throw new DashboardError({
        code: 'DASHBOARD_TOKEN_INVALID',
        message: `${file} does not hold a dashboard token (64 hex characters)`,
        hint: `delete ${file} and run the command again to create a new token`,
      });
    return existing;
  }
  mkdirSync(paths.run, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  try {
    // `wx`: never overwrite a token another process wrote in the meantime.
    writeFileSync(file, `${token}\n`, { mode: DASHBOARD_TOKEN_FILE_MODE, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureDashboardToken(paths);
    throw error;
  }
  chmodSync(file, DASHBOARD_TOKEN_FILE_MODE); // the umask may have narrowed it; make it exactly 0600
  return token;
}

/**
 * Compares a presented token with the expected one in constant time (both are hashed first, so the
 * comparison takes the same time whatever the lengths).
 */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}
