import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TempHome } from '@biged/core/test';
import { supervisorStatePath } from '@biged/fleet';
import { createQueue } from '@biged/queue';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { BACKUP_MANIFEST_FILE, type BackupManifest, createBackup, listBackups } from './backup-engine';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

const homes: TempHome[] = [];
const newHome = async () => {
  const home = await initHome();
  homes.push(home);
  return home;
};
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const home of homes.splice(0)) home.cleanup();
});

/** A home with a fleet.db holding tasks, a knowledge file and a keys registry. */
async function populatedHome(tasks = 3) {
  const home = await newHome();
  const queue = createQueue({ file: home.db });
  for (let index = 0; index < tasks; index += 1) queue.enqueue({ skill: 'echo', payload: { index } });
  queue.close();
  mkdirSync(path.join(home.knowledge, 'research'), { recursive: true });
  writeFileSync(path.join(home.knowledge, 'research', 'paper_20260101_researcher.md'), '# paper\n');
  writeFileSync(home.keysRegistry, '[keys.ANTHROPIC_API_KEY]\nadded = "2026-01-01"\n');
  return home;
}

const taskCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

const integrity = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};

/** Names of every entry under a folder (recursive), to prove nothing was written. */
const snapshotTree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const relative = `${prefix}${entry.name}`;
      if (entry.isDirectory()) walk(path.join(at, entry.name), `${relative}/`);
      else out[relative] = readFileSync(path.join(at, entry.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
};

const backupOf = async (home: TempHome) => {
  const result = await runCli(['backup', '--json', '--home', home.home]);
  expect(result.code, result.stderr).toBe(0);
  return result.json<{ name: string; dir: string; files: { path: string }[]; pruned: string[] }>();
};

describe('biged backup', () => {
  it('snapshots fleet.db, knowledge/ and keys_registry.toml with a SHA-256 manifest, and prints nothing else in --json', async () => {
    const home = await populatedHome();
    const result = await runCli(['backup', '--json', '--home', home.home]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const backup = result.json<{ name: string; dir: string }>();
    expect(backup.name).toMatch(/^\d{8}_\d{6}$/);
    expect(backup.dir).toBe(path.join(home.backups, backup.name));
    const manifest = JSON.parse(
      readFileSync(path.join(backup.dir, BACKUP_MANIFEST_FILE), 'utf8'),
    ) as BackupManifest;
    expect(manifest.files.map((file) => file.path)).toEqual([
      'fleet.db',
      'keys_registry.toml',
      'knowledge/research/paper_20260101_researcher.md',
    ]);
    for (const file of manifest.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.biged_version).toBeTypeOf('string');
    // The copy is one self-contained file: no WAL or shared-memory file beside it.
    expect(readdirSync(backup.dir).sort()).toEqual([
      'fleet.db',
      'keys_registry.toml',
      'knowledge',
      'manifest.json',
    ]);
    expect(integrity(path.join(backup.dir, 'fleet.db'))).toBe('ok');
    expect(taskCount(path.join(backup.dir, 'fleet.db'))).toBe(3);
  });

  it('keeps the last 10 backups, deleting the oldest', async () => {
    const home = await populatedHome(1);
    let time = Date.UTC(2026, 0, 1, 2, 0, 0);
    const names: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const result = await createBackup({ home: home.home, now: () => time });
      names.push(result.name);
      time += 1000;
      if (index === 10) expect(result.pruned).toEqual([names[0]]);
    }
    expect(listBackups(home.home)).toEqual(names.slice(2));
    expect(existsSync(path.join(home.backups, names[0] as string))).toBe(false);
  });

  it('names two backups in the same second apart, and --keep prunes to that many', async () => {
    const home = await populatedHome(1);
    const now = () => Date.UTC(2026, 0, 1, 2, 0, 0);
    const first = await createBackup({ home: home.home, now });
    const second = await createBackup({ home: home.home, now });
    expect([first.name, second.name]).toEqual(['20260101_020000', '20260101_020000_2']);
    const third = await backupOf(home);
    const kept = await runCli(['backup', '--keep', '2', '--json', '--home', home.home]);
    expect(kept.code).toBe(0);
    expect(listBackups(home.home)).toHaveLength(2);
    expect(listBackups(home.home)).toContain(third.name);
  });

  it('refuses to keep a backup of a damaged fleet.db (exit 1), leaving no folder behind', async () => {
    const home = await populatedHome(300);
    const size = statSync(home.db).size;
    const descriptor = openSync(home.db, 'r+');
    writeSync(descriptor, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(descriptor);
    const result = await runCli(['backup', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the copy of fleet.db failed PRAGMA integrity_check; no backup was kept');
    expect(readdirSync(home.backups)).toEqual([]);
  });

  it('refuses a --keep that is not a whole number above 0', async () => {
    const home = await populatedHome(1);
    const result = await runCli(['backup', '--keep', '0', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--keep must be a whole number above 0');
    expect(existsSync(home.backups)).toBe(false);
  });

  it('is consistent and restorable while 4 worker processes write to fleet.db', async () => {
    const home = await populatedHome(0);
    const stopFile = path.join(home.home, 'stop-workers');
    // Each worker submits, claims and completes tasks in a loop against the same fleet.db until told to stop.
    const script = `
      import { existsSync } from 'node:fs';
      import { createQueue } from '@biged/queue';
      const [file, stop, agent] = process.argv.slice(1);
      const queue = createQueue({ file, busyTimeoutMs: 10000 });
      let done = 0;
      while (!existsSync(stop)) {
        queue.enqueue({ skill: 'echo', payload: { agent, n: done } });
        const task = queue.claim({ agent });
        if (task) { queue.complete(task.id, agent, { echoed: task.payload, by: agent }); done += 1; }
        if (done % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      queue.close();
      console.log(done);
    `;
    const outputs: Promise<number>[] = [];
    for (let index = 0; index < 4; index += 1) {
      const child = spawn(
        process.execPath,
        ['--input-type=module', '-e', script, home.db, stopFile, `worker_${index}`],
        { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      outputs.push(
        new Promise((resolve, reject) =>
          child.on('exit', (code) =>
            code === 0 ? resolve(Number(stdout.trim())) : reject(new Error(`worker ${index}: ${stderr}`)),
          ),
        ),
      );
    }
    // Wait until every worker has written, so the backup really runs against concurrent writers.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const counts = new Set<string>();
      if (existsSync(home.db)) {
        const db = new Database(home.db, { readonly: true, timeout: 5000 });
        for (const row of db.prepare('SELECT DISTINCT claimed_by AS agent FROM tasks').all() as {
          agent: string | null;
        }[]) {
          if (row.agent) counts.add(row.agent);
        }
        db.close();
      }
      if (counts.size === 4) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const backups = [await backupOf(home), await backupOf(home)];
    writeFileSync(stopFile, '');
    const written = await Promise.all(outputs);
    for (const count of written) expect(count).toBeGreaterThan(0);

    for (const backup of backups) {
      const copy = path.join(backup.dir, 'fleet.db');
      expect(integrity(copy)).toBe('ok');
      const target = await newHome();
      const restored = await runCli(['restore', backup.dir, '--yes', '--json', '--home', target.home]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(integrity(target.db)).toBe('ok');
      const db = new Database(target.db, { readonly: true });
      const rows = db
        .prepare(
          `SELECT COUNT(*) AS total, SUM(CASE WHEN status = 'DONE' AND result_json IS NULL THEN 1 ELSE 0 END) AS torn,
             COUNT(DISTINCT claimed_by) AS agents FROM tasks`,
        )
        .get() as { total: number; torn: number; agents: number };
      db.close();
      expect(rows.total).toBeGreaterThan(0);
      // A snapshot of one transaction boundary: no DONE task without its result.
      expect(rows.torn).toBe(0);
      expect(rows.agents).toBe(4);
      // The restored queue opens and works.
      const queue = createQueue({ file: target.db });
      expect(queue.counts().DONE).toBeGreaterThan(0);
      queue.close();
    }
  }, 60_000);
});

describe('biged restore', () => {
  it('restores every file, keeps the replaced fleet.db as fleet.db.pre-restore, and leaves no temp file', async () => {
    const home = await populatedHome(3);
    const backup = await backupOf(home);
    // Change the live home after the backup.
    const queue = createQueue({ file: home.db });
    queue.enqueue({ skill: 'echo', payload: { late: true } });
    queue.close();
    writeFileSync(path.join(home.knowledge, 'research', 'paper_20260101_researcher.md'), 'changed\n');
    rmSync(home.keysRegistry);

    const result = await runCli(['restore', backup.name, '--yes', '--json', '--home', home.home]);
    expect(result.code, result.stderr).toBe(0);
    const body = result.json<{ restored: string[]; pre_restore: string }>();
    expect(body.pre_restore).toBe(`${home.db}.pre-restore`);
    expect(taskCount(home.db)).toBe(3);
    expect(taskCount(`${home.db}.pre-restore`)).toBe(4);
    expect(readFileSync(path.join(home.knowledge, 'research', 'paper_20260101_researcher.md'), 'utf8')).toBe(
      '# paper\n',
    );
    expect(readFileSync(home.keysRegistry, 'utf8')).toContain('ANTHROPIC_API_KEY');
    expect(readdirSync(home.home).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(`${home.db}-wal`)).toBe(false);
    expect(integrity(home.db)).toBe('ok');
  });

  it.each([
    [
      'one byte changed',
      (dir: string) => {
        const file = path.join(dir, 'fleet.db');
        const bytes = readFileSync(file);
        bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
        writeFileSync(file, bytes);
      },
      'fleet.db: SHA-256 does not match the manifest',
    ],
    [
      'a file missing',
      (dir: string) => unlinkSync(path.join(dir, 'keys_registry.toml')),
      'keys_registry.toml: missing',
    ],
    [
      'an extra file',
      (dir: string) => writeFileSync(path.join(dir, 'knowledge', 'planted.md'), 'x'),
      'knowledge/planted.md: not in the manifest',
    ],
    [
      'a file swapped for a link',
      (dir: string) => {
        const file = path.join(dir, 'knowledge', 'research', 'paper_20260101_researcher.md');
        unlinkSync(file);
        symlinkSync('/etc/hostname', file);
      },
      'a link or special file',
    ],
    [
      'a manifest path that climbs out',
      (dir: string) => {
        const file = path.join(dir, BACKUP_MANIFEST_FILE);
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
        (manifest.files[1] as { path: string }).path = 'knowledge/../../fleet.toml';
        writeFileSync(file, JSON.stringify(manifest));
      },
      'a path a backup never holds',
    ],
    [
      'a manifest that is not JSON',
      (dir: string) => writeFileSync(path.join(dir, BACKUP_MANIFEST_FILE), '{"files": ['),
      'manifest.json is not JSON',
    ],
  ])('refuses a backup with %s, exit 6, and writes nothing', async (_name, tamper, problem) => {
    const home = await populatedHome(3);
    const backup = await backupOf(home);
    const queue = createQueue({ file: home.db });
    queue.enqueue({ skill: 'echo', payload: { late: true } });
    queue.close();
    tamper(backup.dir);
    const before = snapshotTree(home.home);
    const result = await runCli(['restore', backup.dir, '--yes', '--home', home.home]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('nothing was restored');
    expect(snapshotTree(home.home)).toEqual(before);
  });

  it('refuses while the fleet runs (exit 5) and writes nothing', async () => {
    const home = await populatedHome(3);
    const backup = await backupOf(home);
    mkdirSync(path.dirname(supervisorStatePath(home.home)), { recursive: true });
    // This test process stands in for a live supervisor.
    writeFileSync(
      supervisorStatePath(home.home),
      JSON.stringify({
        pid: process.pid,
        host: 'h',
        startedAt: new Date().toISOString(),
        ready: true,
        workers: [],
      }),
    );
    const before = snapshotTree(home.home);
    const result = await runCli(['restore', backup.name, '--yes', '--home', home.home]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('the fleet is running');
    expect(result.stderr).toContain('biged down');
    expect(snapshotTree(home.home)).toEqual(before);
  });

  it('asks before restoring: no terminal and no --yes refuses, "n" refuses, "y" restores', async () => {
    const home = await populatedHome(3);
    const backup = await backupOf(home);
    const before = snapshotTree(home.home);
    const noTerminal = await runCli(['restore', backup.name, '--home', home.home], { prompt: false });
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toContain('--yes');
    const questions: string[] = [];
    const declined = await runCli(['restore', backup.name, '--home', home.home], {
      prompt: async (question) => {
        questions.push(question);
        return 'n';
      },
    });
    expect(declined.code).toBe(1);
    expect(questions[0]).toMatch(/^restore 3 files from .* into .*\? \[y\/N\] $/);
    expect(snapshotTree(home.home)).toEqual(before);
    const accepted = await runCli(['restore', backup.name, '--home', home.home], { prompt: async () => 'y' });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('restored 3 files');
  });

  it('answers exit 3 for a backup that does not exist', async () => {
    const home = await populatedHome(1);
    const backup = await backupOf(home);
    const result = await runCli(['restore', '20200101_000000', '--yes', '--home', home.home]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(backup.name);
  });
});
