import { execFile, execFileSync } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { QueueError } from '../errors/queue-error';

// NOTE: packages/queue/README.md ("Stores: SQLite and PostgreSQL") describes this harness; .ci/run relies on
// it finding Debian's binaries under /usr/lib/postgresql/<version>/bin. Keep both in sync.

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster started by `startTestPostgres`. */
export interface TestPostgres {
  /** URL of its `postgres` database as the `postgres` superuser (no password: trust auth on loopback). */
  readonly url: string;
  /** The loopback port it listens on. */
  readonly port: number;
  /** Its data directory (removed by `stop`). */
  readonly dataDir: string;
  /** Stops it at once (`pg_ctl stop -m immediate`) and removes its files. Harmless when called twice. */
  stop(): Promise<void>;
  /** Stops it cleanly (`-m fast`) and starts it again on the same port: connections are cut meanwhile. */
  restart(): Promise<void>;
  /** Creates a database and returns its URL. `name`: letters, digits and `_`, starting with a letter. */
  createDatabase(name: string): Promise<string>;
}

/** Options of `startTestPostgres`. */
export interface StartTestPostgresOptions {
  /** Loopback port to listen on. Default: a free port the system picks. */
  port?: number;
}

/** The binaries a cluster needs, and where they were found. */
export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
}

/** Clusters still running in this process, stopped on exit if a test forgot to (or crashed first). */
const running = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Starts a throwaway PostgreSQL cluster for tests: `initdb` (trust auth, UTF8) into a fresh temporary
 * directory, then `pg_ctl start` on a loopback port with durability off (fsync, synchronous_commit and
 * full_page_writes off: it is thrown away). Binaries come from PATH or Debian's
 * `/usr/lib/postgresql/<version>/bin` (`apt-get install postgresql`). When running as root (initdb refuses
 * root), every PostgreSQL process runs as the `postgres` user through `runuser`.
 *
 * Throws `QueueError` `QUEUE_POSTGRES_UNAVAILABLE` naming what is missing when no binaries are found, or
 * when the cluster does not start (the message quotes the server log). Always `stop()` it (`afterAll`).
 */
export async function startTestPostgres({
  port: wantedPort,
}: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const binaries = findPostgresBinaries();
  const asUser = runAsUser();
  const root = mkdtempSync(path.join(tmpdir(), 'biged-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'postgres.log');
  mkdirSync(socketDir);
  if (asUser) {
    const { uid, gid } = lookupUser(asUser);
    for (const folder of [root, socketDir]) chownSync(folder, uid, gid);
  }
  const port = wantedPort ?? (await freePort());
  const exec = async (file: string, args: string[]) => {
    const [command, ...rest] = asUser ? ['runuser', '-u', asUser, '--', file, ...args] : [file, ...args];
    return run(command as string, rest, { cwd: root, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
  };
  const options = [
    `-p ${port}`,
    `-k ${socketDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = async () => {
    try {
      await exec(binaries.pgCtl, ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', options]);
    } catch (error) {
      throw unavailable(`pg_ctl start failed on port ${port}: ${describe(error)}${readLog(logFile)}`, error);
    }
  };
  const stopNow = () => {
    try {
      const args = ['stop', '-m', 'immediate', '-D', dataDir];
      if (asUser) execFileSync('runuser', ['-u', asUser, '--', binaries.pgCtl, ...args], { stdio: 'ignore' });
      else execFileSync(binaries.pgCtl, args, { stdio: 'ignore' });
    } catch {
      // Not running (any more).
    }
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await exec(binaries.initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw unavailable(`initdb failed: ${describe(error)}`, error);
  }
  try {
    await start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  running.add(stopNow);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const stop of running) stop();
    });
  }

  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    url: urlOf('postgres'),
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(stopNow);
      try {
        await exec(binaries.pgCtl, ['stop', '-m', 'immediate', '-D', dataDir]);
      } catch {
        // Already down.
      }
      rmSync(root, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) throw unavailable('restart() after stop()');
      await exec(binaries.pgCtl, ['stop', '-m', 'fast', '-w', '-D', dataDir]);
      await start();
    },
    async createDatabase(name: string) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
        throw new QueueError({
          code: 'QUEUE_INVALID_ARGUMENT',
          message: `database name ${JSON.stringify(name)}: use a lowercase letter, then a-z 0-9 _`,
        });
      }
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
  };
}

/**
 * initdb and pg_ctl from PATH, else from the newest `<debian>/<version>/bin` (Debian keeps them off PATH in
 * `/usr/lib/postgresql`). Throws `QUEUE_POSTGRES_UNAVAILABLE` naming what is missing. Exported for tests.
 */
export function findPostgresBinaries({
  searchPath = process.env.PATH ?? '',
  debian = '/usr/lib/postgresql',
}: {
  searchPath?: string;
  debian?: string;
} = {}): PostgresBinaries {
  const onPath = searchPath.split(path.delimiter).filter(Boolean);
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((entry) => /^\d+$/.test(entry))
        .sort((left, right) => Number(right) - Number(left))
        .map((version) => path.join(debian, version, 'bin'))
    : [];
  for (const folder of [...onPath, ...versions]) {
    const initdb = path.join(folder, 'initdb');
    const pgCtl = path.join(folder, 'pg_ctl');
    if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
  }
  throw unavailable(
    `initdb and pg_ctl were not found on PATH nor in ${debian}/<version>/bin; the PostgreSQL tests need the PostgreSQL server binaries`,
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The user PostgreSQL must run as: `postgres` when we are root (initdb refuses root), else ourselves. */
function runAsUser(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch (error) {
    throw unavailable(
      'running as root, and there is no `postgres` user to run PostgreSQL as (initdb refuses root)',
      error,
    );
  }
  return 'postgres';
}

function lookupUser(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** A loopback port free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function readLog(file: string): string {
  try {
    const text = execFileSync('tail', ['-n', '20', file], { encoding: 'utf8' });
    return text ? `\n--- server log (${file}) ---\n${text}` : '';
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  const detail = error as { stderr?: string; message?: string };
  return (detail.stderr || detail.message || String(error)).trim();
}

function unavailable(message: string, cause?: unknown): QueueError {
  return new QueueError({
    code: 'QUEUE_POSTGRES_UNAVAILABLE',
    message: `cannot start a test PostgreSQL cluster (user ${userInfo().username}): ${message}`,
    hint: 'install the server (Debian: apt-get install postgresql) or put initdb and pg_ctl on PATH',
    cause,
  });
}
