import { existsSync } from 'node:fs';
import {
  type FleetConfig,
  fleetPaths,
  hostDatabaseFromConfig,
  loadConfig,
  type QueueTarget,
  queueTargetFromConfig,
  toError,
} from '@biged/core';
import Database from 'better-sqlite3';
import { checkDatabase } from './backup-engine';

// NOTE: packages/cli/README.md ("biged doctor") lists these checks; keep the two in sync.

/** How a check ended. `skip`: not run (`--fast`, or an earlier check it needs failed). */
export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One check of `biged doctor`. */
export interface DoctorCheck {
  /** `imports`, `config`, `database`, `ollama`, `skills`, `audit`. */
  name: string;
  status: DoctorStatus;
  /** One line: what was found, or what is wrong. */
  detail: string;
}

/** What `runDoctor` returns. */
export interface DoctorResult {
  /** False when any check failed (warnings do not count). */
  ok: boolean;
  checks: DoctorCheck[];
}

/** Options for `runDoctor`. */
export interface RunDoctorOptions {
  /** The fleet home. */
  home: string;
  /** `--fast`: `PRAGMA quick_check` instead of `integrity_check`, and no Ollama probe. Default false. */
  fast?: boolean;
  /** How long the Ollama probe waits. Default `DOCTOR_OLLAMA_TIMEOUT_MS` (2 s). */
  ollamaTimeoutMs?: number;
  /** The fetch used for the Ollama probe. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** How long `biged doctor` waits for Ollama. */
export const DOCTOR_OLLAMA_TIMEOUT_MS = 2000;

/** The workspace packages the CLI runs on; each must import (a broken install or build shows here). */
const PACKAGES = [
  '@biged/core',
  '@biged/queue',
  '@biged/fleet',
  '@biged/skills',
  '@biged/skill-sdk',
  '@biged/model-providers',
  '@biged/module-hub',
  '@biged/dashboard',
] as const;

async function checkImports(): Promise<DoctorCheck> {
  const failed: string[] = [];
  for (const name of PACKAGES) {
    try {
      await import(name);
    } catch (error) {
      failed.push(`${name} (${toError(error).message.split('\n')[0]})`);
    }
  }
  try {
    // Importing better-sqlite3 does not load its native binding; opening a database does.
    new Database(':memory:').close();
  } catch (error) {
    failed.push(`better-sqlite3 native binding (${toError(error).message.split('\n')[0]})`);
  }
  return failed.length === 0
    ? { name: 'imports', status: 'ok', detail: `${PACKAGES.length} packages and the SQLite binding load` }
    : { name: 'imports', status: 'fail', detail: `cannot load: ${failed.join('; ')}` };
}

/**
 * The smoke test of a fleet home (the manual's `smoke_test.py`): packages import, fleet.toml validates,
 * fleet.db passes `PRAGMA integrity_check` (`quick_check` with `fast`), Ollama answers at
 * `[models] ollama_host` (skipped with `fast`; unreachable is a warning, the fleet can use the embedded
 * backend or a cloud provider), the skills load, and the audit trail's hash chain verifies. Never throws.
 */
export async function runDoctor({
  home,
  fast = false,
  ollamaTimeoutMs = DOCTOR_OLLAMA_TIMEOUT_MS,
  fetch = globalThis.fetch,
}: RunDoctorOptions): Promise<DoctorResult> {
  const paths = fleetPaths(home);
  const checks: DoctorCheck[] = [await checkImports()];

  let config: FleetConfig | undefined;
  try {
    const loaded = loadConfig({ file: paths.config });
    config = loaded.config;
    const where = existsSync(paths.config) ? 'fleet.toml is valid' : 'no fleet.toml: the defaults apply';
    checks.push(
      loaded.warnings.length === 0
        ? { name: 'config', status: 'ok', detail: where }
        : { name: 'config', status: 'warn', detail: `${where}; ${loaded.warnings.join('; ')}` },
    );
  } catch (error) {
    checks.push({ name: 'config', status: 'fail', detail: toError(error).message.replace(/\n+/g, ' ') });
  }

  let dbFile = paths.db;
  let dbHealthy = false;
  try {
    // The host's own file: the queue on a SQLite fleet, the ledger and audit trail beside a PostgreSQL one.
    if (config) dbFile = hostDatabaseFromConfig(config, home).file;
    if (!existsSync(dbFile)) {
      checks.push({ name: 'database', status: 'warn', detail: `no ${dbFile} yet (\`biged up\` creates it)` });
    } else {
      const problems = checkDatabase(dbFile, { quick: fast });
      dbHealthy = problems.length === 0;
      const pragma = fast ? 'quick_check' : 'integrity_check';
      checks.push(
        dbHealthy
          ? { name: 'database', status: 'ok', detail: `${dbFile}: PRAGMA ${pragma} ok` }
          : {
              name: 'database',
              status: 'fail',
              detail: `${dbFile}: PRAGMA ${pragma} found ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`,
            },
      );
    }
  } catch (error) {
    checks.push({ name: 'database', status: 'fail', detail: `${dbFile}: ${toError(error).message}` });
  }

  if (config) {
    const target = queueTargetFromConfig(config, home);
    if (target.kind === 'postgres') checks.push(await checkPostgresQueue(target));
  }

  if (fast) {
    checks.push({ name: 'ollama', status: 'skip', detail: 'skipped (--fast)' });
  } else {
    const host = (config?.models.ollama_host ?? 'http://localhost:11434').replace(/\/+$/, '');
    try {
      const response = await fetch(`${host}/api/version`, { signal: AbortSignal.timeout(ollamaTimeoutMs) });
      checks.push(
        response.ok
          ? { name: 'ollama', status: 'ok', detail: `${host} answers` }
          : { name: 'ollama', status: 'warn', detail: `${host} answered HTTP ${response.status}` },
      );
    } catch (error) {
      checks.push({
        name: 'ollama',
        status: 'warn',
        detail: `${host} unreachable (${toError(error).message}); local models need it or a GGUF in models/`,
      });
    }
  }

  if (!config) {
    checks.push({ name: 'skills', status: 'skip', detail: 'skipped: fleet.toml is invalid' });
  } else {
    try {
      const { loadFleetSkills } = await import('@biged/fleet');
      const skills = await loadFleetSkills({ home, config });
      checks.push({ name: 'skills', status: 'ok', detail: `${skills.list().length} skills load` });
    } catch (error) {
      checks.push({ name: 'skills', status: 'fail', detail: toError(error).message.replace(/\n+/g, ' ') });
    }
  }

  if (!dbHealthy || !config) {
    checks.push({ name: 'audit', status: 'skip', detail: 'skipped: no healthy fleet.db' });
  } else {
    try {
      const { createAuditTrail, createQueue } = await import('@biged/queue');
      const queue = createQueue(hostDatabaseFromConfig(config, home));
      try {
        const result = createAuditTrail(queue).verify();
        checks.push(
          result.ok
            ? { name: 'audit', status: 'ok', detail: `hash chain of ${result.rows} rows verifies` }
            : {
                name: 'audit',
                status: 'fail',
                detail: `hash chain broken at row ${result.brokenAt}: ${result.reason}`,
              },
        );
      } finally {
        queue.close();
      }
    } catch (error) {
      checks.push({ name: 'audit', status: 'fail', detail: toError(error).message });
    }
  }
  return { ok: checks.every((check) => check.status !== 'fail'), checks };
}

/** The `queue` check of a PostgreSQL fleet: the server answers and the tasks table can be counted. */
async function checkPostgresQueue(target: Extract<QueueTarget, { kind: 'postgres' }>): Promise<DoctorCheck> {
  const { location } = target;
  try {
    const { openTaskStore } = await import('@biged/queue');
    const opened = await openTaskStore(target);
    try {
      const counts = await opened.store.counts();
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const pause = await opened.store.fleetPause();
      return {
        name: 'queue',
        status: pause.paused ? 'warn' : 'ok',
        detail: `${location}: ${total} task(s)${pause.paused ? `; the fleet is PAUSED by ${pause.by} (\`biged resume\`)` : ''}`,
      };
    } finally {
      await opened.close();
    }
  } catch (error) {
    return { name: 'queue', status: 'fail', detail: `${location}: ${toError(error).message}` };
  }
}
