import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fleetPaths, toError } from '@biged/core';
import { toolsDbPath } from '@biged/module-hub';
import Database from 'better-sqlite3';
import { BackupError } from '../errors/backup-error';
import { VERSION } from '../version';
import { supervisorStatus } from './supervisor-status';

// NOTE: packages/cli/README.md ("biged backup / restore") documents the folder layout and the manifest;
// keep the two in sync.

/** Backups kept by default; older ones are deleted after each new backup. */
export const BACKUP_KEEP = 10;
/** Names of backup folders: `YYYYMMDD_HHMMSS` (UTC), `_2`, `_3`... when two start in the same second. */
export const BACKUP_NAME_PATTERN = /^\d{8}_\d{6}(?:_\d+)?$/;
/** The manifest file in each backup folder. */
export const BACKUP_MANIFEST_FILE = 'manifest.json';
/** A manifest larger than this is refused (it lists paths and sums, nothing else). */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** The SQLite databases a backup holds, by their name in the backup. */
const DATABASES = ['fleet.db', 'rag.db', 'tools.db'] as const;
const KEYS_REGISTRY = 'keys_registry.toml';
const KNOWLEDGE = 'knowledge';

/** One file of a backup, as listed in manifest.json. */
export interface BackupFile {
  /** Path inside the backup folder, `/`-separated (`fleet.db`, `knowledge/research/x.md`). */
  path: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

/** `manifest.json` of a backup. */
export interface BackupManifest {
  /** ISO time the backup was taken. */
  created_at: string;
  /** The biged version that took it. */
  biged_version: string;
  files: BackupFile[];
}

/** Progress of a backup, one step per file. */
export interface BackupProgress {
  /** Files done so far. */
  done: number;
  /** Files in the backup. */
  total: number;
  /** The file just copied (its path in the backup). */
  file: string;
}

/** Where the things a backup holds live in a fleet home. */
export interface BackupSources {
  /** The queue database. Default `<home>/fleet.db` (pass `[queue] url`'s file when it is set). */
  fleetDb?: string;
}

/** Options for `createBackup`. */
export interface CreateBackupOptions extends BackupSources {
  /** The fleet home. */
  home: string;
  /** Backups kept after this one is written (older ones are deleted). Default `BACKUP_KEEP` (10). */
  keep?: number;
  /** The clock (names the folder, `created_at`). Default `Date.now`. */
  now?: () => number;
  /** Called after each file. Default: nothing. */
  onProgress?: (progress: BackupProgress) => void;
}

/** What `createBackup` returns. */
export interface BackupResult {
  /** The folder name (`YYYYMMDD_HHMMSS`). */
  name: string;
  /** The folder: `<home>/backups/<name>`. */
  dir: string;
  manifest: BackupManifest;
  /** Names of the older backups deleted to keep `keep`. */
  pruned: string[];
}

const stampOf = (time: number) =>
  new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '_')
    .replace(/\.\d{3}Z$/, '');

/** SHA-256 of a file, streamed (databases can be large). */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Every regular file under `dir`, as `/`-separated paths relative to it; links and specials are skipped. */
function regularFilesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...regularFilesUnder(path.join(dir, entry.name), relative));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

/** The backup folder names in `<home>/backups`, oldest first. */
export function listBackups(home: string): string[] {
  const folder = fleetPaths(home).backups;
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && BACKUP_NAME_PATTERN.test(entry.name))
    .map((entry) => entry.name)
    .sort(compareBackupNames);
}

/** Orders backup names by time, then by their `_n` suffix (so `_10` comes after `_9`). */
function compareBackupNames(a: string, b: string): number {
  const parse = (name: string): [string, number] => {
    const match = /^(\d{8}_\d{6})(?:_(\d+))?$/.exec(name);
    return [match?.[1] ?? name, Number(match?.[2] ?? 1)];
  };
  const [stampA, suffixA] = parse(a);
  const [stampB, suffixB] = parse(b);
  if (stampA !== stampB) return stampA < stampB ? -1 : 1;
  return suffixA - suffixB;
}

/** Deletes the oldest backups of a home until `keep` are left; returns the names deleted. */
export function pruneBackups(home: string, keep: number = BACKUP_KEEP): string[] {
  const names = listBackups(home);
  const doomed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of doomed)
    rmSync(path.join(fleetPaths(home).backups, name), { recursive: true, force: true });
  return doomed;
}

/** Runs `PRAGMA integrity_check` (or `quick_check`) on a database file; returns the problems (none: ok). */
export function checkDatabase(file: string, { quick = false }: { quick?: boolean } = {}): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma(quick ? 'quick_check' : 'integrity_check') as Record<string, string>[];
    const messages = rows.map((row) => String(Object.values(row)[0]));
    return messages.length === 1 && messages[0] === 'ok' ? [] : messages;
  } finally {
    db.close();
  }
}

/**
 * Copies a live SQLite database with the online backup API (safe while workers write). The whole copy is
 * one step, so it runs inside one read transaction and is never restarted by a concurrent writer; the copy
 * is switched to rollback-journal mode so it is one self-contained file (no -wal/-shm beside it).
 */
async function copyDatabase(source: string, destination: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    await db.backup(destination, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** Where each kind of backup file goes in a home. */
function targetsFor(home: string, sources: BackupSources) {
  const paths = fleetPaths(home);
  return {
    'fleet.db': sources.fleetDb ?? paths.db,
    'rag.db': paths.ragDb,
    'tools.db': toolsDbPath(home),
    [KEYS_REGISTRY]: paths.keysRegistry,
    [KNOWLEDGE]: paths.knowledge,
  } as const;
}

/**
 * Takes a backup of a fleet home into `<home>/backups/<YYYYMMDD_HHMMSS>/`: fleet.db, rag.db and tools.db
 * (each present one, through SQLite's online backup API, then `PRAGMA integrity_check`ed), keys_registry.toml
 * and the knowledge/ folder (regular files; links are skipped), plus manifest.json with each file's size and
 * SHA-256. The folder appears only once complete (it is built under a `.partial-` name, then renamed). Then
 * the oldest backups beyond `keep` are deleted. Throws `BackupError` (`BACKUP_INTEGRITY_FAILED`) when a copy
 * fails its integrity check; nothing is kept then.
 */
export async function createBackup({
  home,
  fleetDb,
  keep = BACKUP_KEEP,
  now = Date.now,
  onProgress,
}: CreateBackupOptions): Promise<BackupResult> {
  const time = now();
  const backups = fleetPaths(home).backups;
  mkdirSync(backups, { recursive: true });
  const base = stampOf(time);
  let name = base;
  for (let n = 2; existsSync(path.join(backups, name)); n += 1) name = `${base}_${n}`;
  const dir = path.join(backups, name);
  const partial = path.join(backups, `.partial-${name}-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);

  const targets = targetsFor(home, { ...(fleetDb ? { fleetDb } : {}) });
  const databases = DATABASES.filter((database) => existsSync(targets[database]));
  const plain: { from: string; to: string }[] = [];
  if (existsSync(targets[KEYS_REGISTRY])) plain.push({ from: targets[KEYS_REGISTRY], to: KEYS_REGISTRY });
  if (existsSync(targets[KNOWLEDGE]) && statSync(targets[KNOWLEDGE]).isDirectory()) {
    for (const file of regularFilesUnder(targets[KNOWLEDGE])) {
      plain.push({ from: path.join(targets[KNOWLEDGE], ...file.split('/')), to: `${KNOWLEDGE}/${file}` });
    }
  }
  const total = databases.length + plain.length;
  let done = 0;
  try {
    for (const database of databases) {
      const copy = path.join(partial, database);
      let problems: string[];
      try {
        await copyDatabase(targets[database], copy);
        problems = checkDatabase(copy);
      } catch (error) {
        // A damaged database may fail to open or copy at all; that is the same finding as a failed check.
        if (!/^SQLITE_(CORRUPT|NOTADB)/.test(String((error as { code?: unknown }).code))) throw error;
        problems = [toError(error).message];
      }
      if (problems.length > 0) {
        throw new BackupError({
          code: 'BACKUP_INTEGRITY_FAILED',
          message: `the copy of ${database} failed PRAGMA integrity_check; no backup was kept`,
          problems: problems.slice(0, 20),
          hint: `run \`biged doctor\`; restore ${database} from an older backup if the live one is damaged`,
        });
      }
      done += 1;
      onProgress?.({ done, total, file: database });
    }
    for (const { from, to } of plain) {
      const destination = path.join(partial, ...to.split('/'));
      mkdirSync(path.dirname(destination), { recursive: true });
      copyFileSync(from, destination);
      done += 1;
      onProgress?.({ done, total, file: to });
    }
    const files: BackupFile[] = [];
    for (const file of [...databases, ...plain.map(({ to }) => to)]) {
      const at = path.join(partial, ...file.split('/'));
      files.push({ path: file, bytes: statSync(at).size, sha256: await sha256File(at) });
    }
    const manifest: BackupManifest = {
      created_at: new Date(time).toISOString(),
      biged_version: VERSION,
      files,
    };
    writeFileSync(path.join(partial, BACKUP_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(partial, dir);
    const pruned = pruneBackups(home, keep);
    return { name, dir, manifest, pruned };
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The backup folder `nameOrPath` means: an existing folder path (relative to `cwd`), else the backup of
 * that name in `<home>/backups`. Throws `BackupError` (`BACKUP_NOT_FOUND`).
 */
export function resolveBackupDir(home: string, nameOrPath: string, cwd: string = process.cwd()): string {
  const asPath = path.resolve(cwd, nameOrPath);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) return asPath;
  if (BACKUP_NAME_PATTERN.test(nameOrPath)) {
    const named = path.join(fleetPaths(home).backups, nameOrPath);
    if (existsSync(named)) return named;
  }
  const known = listBackups(home);
  throw new BackupError({
    code: 'BACKUP_NOT_FOUND',
    message: `no backup ${JSON.stringify(nameOrPath)} (neither a folder nor a name in ${fleetPaths(home).backups})`,
    hint:
      known.length > 0
        ? `the backups of this home: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''}`
        : 'take one with `biged backup`',
  });
}

/** A path the manifest may list: a database, the keys registry, or a plain path under knowledge/. */
function isAllowedBackupPath(file: string): boolean {
  if ((DATABASES as readonly string[]).includes(file) || file === KEYS_REGISTRY) return true;
  if (!file.startsWith(`${KNOWLEDGE}/`)) return false;
  const segments = file.split('/');
  return (
    segments.every((segment) => segment !== '' && segment !== '.' && segment !== '..') && !file.includes('\\')
  );
}

function parseManifest(dir: string): BackupManifest {
  const file = path.join(dir, BACKUP_MANIFEST_FILE);
  const refuse = (problem: string, cause?: unknown) =>
    new BackupError({
      code: 'BACKUP_VERIFICATION_FAILED',
      message: `backup ${dir} refused: ${problem}; nothing was restored`,
      backupDir: dir,
      problems: [problem],
      cause,
    });
  if (!existsSync(file)) throw refuse(`${BACKUP_MANIFEST_FILE} is missing`);
  const stat = lstatSync(file);
  if (!stat.isFile()) throw refuse(`${BACKUP_MANIFEST_FILE} is not a regular file`);
  if (stat.size > MAX_MANIFEST_BYTES)
    throw refuse(`${BACKUP_MANIFEST_FILE} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw refuse(`${BACKUP_MANIFEST_FILE} is not JSON (${toError(error).message})`, error);
  }
  const manifest = raw as Partial<BackupManifest> | null;
  if (
    manifest === null ||
    typeof manifest !== 'object' ||
    typeof manifest.created_at !== 'string' ||
    typeof manifest.biged_version !== 'string' ||
    !Array.isArray(manifest.files)
  ) {
    throw refuse(`${BACKUP_MANIFEST_FILE} lacks created_at, biged_version or files`);
  }
  const seen = new Set<string>();
  for (const [index, entry] of manifest.files.entries()) {
    const item = entry as Partial<BackupFile> | null;
    if (
      item === null ||
      typeof item !== 'object' ||
      typeof item.path !== 'string' ||
      !Number.isSafeInteger(item.bytes) ||
      (item.bytes as number) < 0 ||
      typeof item.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(item.sha256)
    ) {
      throw refuse(`files[${index}] is not {path, bytes, sha256}`);
    }
    if (!isAllowedBackupPath(item.path))
      throw refuse(`files[${index}] has a path a backup never holds: ${JSON.stringify(item.path)}`);
    if (seen.has(item.path)) throw refuse(`files[${index}] lists ${item.path} twice`);
    seen.add(item.path);
  }
  return manifest as BackupManifest;
}

/** Every entry under a backup folder: regular files by relative path, plus any link or special file. */
function entriesUnder(dir: string, prefix = ''): { files: string[]; odd: string[] } {
  const files: string[] = [];
  const odd: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const nested = entriesUnder(path.join(dir, entry.name), relative);
      files.push(...nested.files);
      odd.push(...nested.odd);
    } else if (entry.isFile()) files.push(relative);
    else odd.push(relative);
  }
  return { files, odd };
}

/**
 * Checks a backup folder against its manifest.json and returns the manifest: every listed file present with
 * its size and SHA-256, nothing else in the folder (an extra file, a link or a special file is refused), and
 * only paths a backup can hold. Reads, never writes. Throws `BackupError` (`BACKUP_VERIFICATION_FAILED`,
 * `problems` lists each mismatch).
 */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  const manifest = parseManifest(dir);
  const problems: string[] = [];
  const { files, odd } = entriesUnder(dir);
  for (const entry of odd)
    problems.push(`${entry}: a link or special file (a backup holds regular files only)`);
  const listed = new Set(manifest.files.map((file) => file.path));
  for (const file of files) {
    if (file !== BACKUP_MANIFEST_FILE && !listed.has(file)) problems.push(`${file}: not in the manifest`);
  }
  const present = new Set(files);
  for (const file of manifest.files) {
    if (!present.has(file.path)) {
      problems.push(`${file.path}: missing`);
      continue;
    }
    const at = path.join(dir, ...file.path.split('/'));
    const bytes = statSync(at).size;
    if (bytes !== file.bytes) {
      problems.push(`${file.path}: ${bytes} bytes, the manifest says ${file.bytes}`);
      continue;
    }
    if ((await sha256File(at)) !== file.sha256)
      problems.push(`${file.path}: SHA-256 does not match the manifest`);
  }
  if (problems.length > 0) {
    throw new BackupError({
      code: 'BACKUP_VERIFICATION_FAILED',
      message:
        `backup ${dir} does not match its manifest; nothing was restored:\n` +
        problems
          .slice(0, 20)
          .map((problem) => `  - ${problem}`)
          .join('\n') +
        (problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''),
      backupDir: dir,
      problems,
      hint: 'do not restore a backup that changed after it was taken; pick another one (ls <home>/backups)',
    });
  }
  return manifest;
}

/** Options for `restoreBackup`. */
export interface RestoreBackupOptions extends BackupSources {
  /** The fleet home restored into. */
  home: string;
  /** The backup folder (see `resolveBackupDir`). */
  dir: string;
  /**
   * Asked once the backup verified and before anything is written; `false` refuses with
   * `BACKUP_NOT_CONFIRMED`. Default: no question (restore).
   */
  confirm?: (manifest: BackupManifest) => boolean | Promise<boolean>;
}

/** What `restoreBackup` returns. */
export interface RestoreResult {
  /** The backup folder. */
  dir: string;
  manifest: BackupManifest;
  /** Each file written, absolute. */
  restored: string[];
  /** The copy of the fleet.db that was replaced (`fleet.db.pre-restore`), or null when there was none. */
  preRestore: string | null;
}

/** Removes a database's side files: a WAL left from the replaced database would be replayed into the new one. */
const removeSideFiles = (database: string) => {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${database}${suffix}`, { force: true });
};

/** Keeps a copy of the database about to be replaced: a consistent one when it opens, its raw bytes otherwise. */
async function savePreRestore(database: string): Promise<string> {
  const target = `${database}.pre-restore`;
  const temp = `${target}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  try {
    await copyDatabase(database, temp);
  } catch {
    // A damaged database (the usual reason to restore) may not open: keep its bytes as they are.
    rmSync(temp, { force: true });
    copyFileSync(database, temp);
  }
  renameSync(temp, target);
  return target;
}

/**
 * Restores a backup into a fleet home. In order: refuses while a supervisor runs for the home
 * (`BACKUP_FLEET_RUNNING`); verifies the backup (`verifyBackup`); asks `confirm`; copies every file next to
 * its target under a temp name and checks its SHA-256 again; keeps the current fleet.db as
 * `fleet.db.pre-restore`; then renames each temp file over its target (knowledge/ files are added or
 * replaced, others there are kept). A refusal or a failed copy writes nothing over the home.
 */
export async function restoreBackup({
  home,
  dir,
  fleetDb,
  confirm,
}: RestoreBackupOptions): Promise<RestoreResult> {
  const refuseIfRunning = () => {
    const supervisor = supervisorStatus(home);
    if (supervisor.running) {
      throw new BackupError({
        code: 'BACKUP_FLEET_RUNNING',
        message: `the fleet is running (supervisor pid ${supervisor.pid}); nothing was restored`,
        backupDir: dir,
        hint: 'stop it with `biged down`, then restore',
      });
    }
  };
  refuseIfRunning();
  const manifest = await verifyBackup(dir);
  if (confirm && !(await confirm(manifest))) {
    throw new BackupError({
      code: 'BACKUP_NOT_CONFIRMED',
      message: 'restore not confirmed; nothing was restored',
      backupDir: dir,
      hint: 'answer y, or pass --yes',
    });
  }
  // The fleet may have started while the question was open.
  refuseIfRunning();
  const targets = targetsFor(home, { ...(fleetDb ? { fleetDb } : {}) });
  const targetOf = (file: string): string =>
    file.startsWith(`${KNOWLEDGE}/`)
      ? path.join(targets[KNOWLEDGE], ...file.slice(KNOWLEDGE.length + 1).split('/'))
      : targets[file as (typeof DATABASES)[number] | typeof KEYS_REGISTRY];
  const staged: { temp: string; target: string; database: boolean }[] = [];
  try {
    for (const file of manifest.files) {
      const target = targetOf(file.path);
      const temp = `${target}.restore-${process.pid}.tmp`;
      mkdirSync(path.dirname(target), { recursive: true });
      staged.push({ temp, target, database: (DATABASES as readonly string[]).includes(file.path) });
      copyFileSync(path.join(dir, ...file.path.split('/')), temp);
      // The backup could have changed since it was verified: check the bytes actually copied.
      if ((await sha256File(temp)) !== file.sha256) {
        throw new BackupError({
          code: 'BACKUP_VERIFICATION_FAILED',
          message: `${file.path} changed while it was being restored; nothing was restored`,
          backupDir: dir,
          problems: [`${file.path}: SHA-256 does not match the manifest`],
        });
      }
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  const liveFleetDb = targets['fleet.db'];
  let preRestore: string | null;
  try {
    preRestore =
      manifest.files.some((file) => file.path === 'fleet.db') && existsSync(liveFleetDb)
        ? await savePreRestore(liveFleetDb)
        : null;
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  for (const { temp, target, database } of staged) {
    if (database) removeSideFiles(target);
    renameSync(temp, target);
  }
  return { dir, manifest, restored: staged.map(({ target }) => target), preRestore };
}
