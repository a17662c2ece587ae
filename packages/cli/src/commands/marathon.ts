import { type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createSessionStore, type Session, type SessionStore, type Snapshot } from '@biged/queue';
import type { Command } from 'commander';
import {
  type CommandContext,
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  requireHome,
  withQueue,
} from '../context';
import { parsePositiveInteger } from '../options';

// NOTE: packages/cli/README.md ("Marathon sessions and checkpoints") documents these commands and their
// --json shapes; keep both in sync.

/** How many sessions `biged marathon` lists (the manual: "last 5"). */
export const MARATHON_LIST_LIMIT = 5;
/** How many snapshots `biged marathon <session>` shows (the manual: "last 3 snapshots"). */
export const MARATHON_SNAPSHOTS = 3;
/** How many checkpoints `biged marathon-checkpoint` lists (the manual: "last 10 .pt files"). */
export const CHECKPOINT_LIST_LIMIT = 10;
/** How deep `marathon-checkpoint` looks below the checkpoint folder (the folder itself is depth 0). */
export const CHECKPOINT_MAX_DEPTH = 4;

/**
 * The training checkpoint folder when `--dir` is not given: `<home>/autoresearch/checkpoints` (the
 * manual's autoresearch layout; fleet.toml has no key for it yet).
 */
export function defaultCheckpointDir(home: string): string {
  return path.join(home, 'autoresearch', 'checkpoints');
}

/** A session as `--json` prints it. */
export interface SessionJson {
  id: number;
  name: string;
  status: 'active' | 'ended';
  meta: Record<string, unknown>;
  started_at: string;
  ended_at: string | null;
  snapshot_count: number;
}

/** A snapshot as `--json` prints it. */
export interface SnapshotJson {
  id: number;
  session_id: number;
  label: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

/** The public session shape to its `--json` form (snake_case like tasks). */
export function sessionToJson(session: Session): SessionJson {
  return {
    id: session.id,
    name: session.name,
    status: session.status,
    meta: session.meta,
    started_at: session.startedAt,
    ended_at: session.endedAt,
    snapshot_count: session.snapshotCount,
  };
}

/** The public snapshot shape to its `--json` form. */
export function snapshotToJson(snapshot: Snapshot): SnapshotJson {
  return {
    id: snapshot.id,
    session_id: snapshot.sessionId,
    label: snapshot.label,
    data: snapshot.data,
    created_at: snapshot.createdAt,
  };
}

/** One `.pt` file found by `listCheckpoints`. */
export interface CheckpointFile {
  /** Path relative to the checkpoint folder (`/`-separated). */
  path: string;
  sizeBytes: number;
  /** ISO 8601 modification time. */
  modifiedAt: string;
}

/** Options of `listCheckpoints`. */
export interface ListCheckpointsOptions {
  /** The checkpoint folder. */
  dir: string;
  /** Most files, newest first. Default `CHECKPOINT_LIST_LIMIT` (10). */
  limit?: number;
  /** How deep to look below `dir`. Default `CHECKPOINT_MAX_DEPTH` (4). */
  maxDepth?: number;
}

/**
 * The newest `*.pt` files under `dir` by modification time (ties by path), or `undefined` when `dir` is
 * not a folder. Links are not followed, so a link cannot lead the walk out of the folder or into a loop.
 */
export function listCheckpoints({
  dir,
  limit = CHECKPOINT_LIST_LIMIT,
  maxDepth = CHECKPOINT_MAX_DEPTH,
}: ListCheckpointsOptions): CheckpointFile[] | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const found: Array<CheckpointFile & { mtimeMs: number }> = [];
  const walk = (folder: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return; // unreadable subfolder: list what can be read
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth) walk(full, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith('.pt')) {
        const stats = statSync(full);
        found.push({
          path: path.relative(dir, full).split(path.sep).join('/'),
          sizeBytes: stats.size,
          modifiedAt: stats.mtime.toISOString(),
          mtimeMs: stats.mtimeMs,
        });
      }
    }
  };
  walk(dir, 0);
  found.sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path));
  return found.slice(0, limit).map(({ mtimeMs: _mtimeMs, ...file }) => file);
}

/** Bytes as `12.3 MB` (1024-based units, one decimal above bytes). */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const when = (iso: string | null): string => (iso === null ? '-' : iso.replace('T', ' ').slice(0, 19));

function renderSession(session: Session): string {
  return `#${session.id}  ${session.name.padEnd(20)} ${session.status.padEnd(6)}  started ${when(session.startedAt)}  ended ${when(session.endedAt)}  snapshots ${session.snapshotCount}`;
}

function renderSnapshot(snapshot: Snapshot): string {
  const label = snapshot.label === null ? '' : `  ${snapshot.label}`;
  return `  snapshot #${snapshot.id}  ${when(snapshot.createdAt)}${label}  ${JSON.stringify(snapshot.data)}`;
}

async function onSessions<T>(context: CommandContext, work: (store: SessionStore) => T): Promise<T> {
  requireHome(context);
  return withQueue(context, loadFleetConfig(context), (queue) => work(createSessionStore({ queue })));
}

/**
 * `biged marathon [session]` (with `start`, `snapshot`, `end`) and `biged marathon-checkpoint`: the
 * manual's Marathon / Training commands.
 */
export function registerMarathon(program: Command, session: ProgramSession): void {
  const marathon = program
    .command('marathon')
    .description(
      'marathon sessions: the last 5, or one session (id or name) with its last 3 snapshots; start|snapshot|end manage them',
    )
    .argument('[session]', 'session id or name')
    .action(async (reference: string | undefined, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      if (reference === undefined) {
        const sessions = await onSessions(context, (store) => store.list({ limit: MARATHON_LIST_LIMIT }));
        if (context.json) {
          context.printJson({ sessions: sessions.map(sessionToJson) });
          return;
        }
        context.print(
          sessions.length === 0
            ? 'no marathon sessions (start one with `biged marathon start <name>`)\n'
            : `${sessions.map(renderSession).join('\n')}\n`,
        );
        return;
      }
      const detail = await onSessions(context, (store) =>
        store.get(reference, { snapshots: MARATHON_SNAPSHOTS }),
      );
      if (context.json) {
        context.printJson({
          session: sessionToJson(detail.session),
          snapshots: detail.snapshots.map(snapshotToJson),
        });
        return;
      }
      const lines = [renderSession(detail.session)];
      if (Object.keys(detail.session.meta).length > 0)
        lines.push(`  meta ${JSON.stringify(detail.session.meta)}`);
      lines.push(
        ...(detail.snapshots.length === 0 ? ['  no snapshots'] : detail.snapshots.map(renderSnapshot)),
      );
      context.print(`${lines.join('\n')}\n`);
    });

  marathon
    .command('start')
    .description('start a marathon session')
    .argument('<name>', 'unique name: a letter first, then letters, digits, _ . -')
    .option('--meta <json>', 'a JSON object stored with the session (goal, owner, notes)')
    .action(async (name: string, options: { meta?: string }, command: Command) => {
      const context = contextFor(session, command);
      const started = await onSessions(context, (store) =>
        store.start({ name, ...(options.meta === undefined ? {} : { meta: options.meta }) }),
      );
      if (context.json) context.printJson(sessionToJson(started));
      else context.print(`started marathon session ${started.id} "${started.name}"\n`);
    });

  marathon
    .command('snapshot')
    .description('record a snapshot of an active session')
    .argument('<session>', 'session id or name')
    .option('--label <text>', 'a short label')
    .option('--data <json>', 'a JSON object (progress, metrics, checkpoint file)', '{}')
    .action(async (reference: string, options: { label?: string; data: string }, command: Command) => {
      const context = contextFor(session, command);
      const snapshot = await onSessions(context, (store) =>
        store.snapshot(reference, {
          data: options.data,
          ...(options.label === undefined ? {} : { label: options.label }),
        }),
      );
      if (context.json) context.printJson(snapshotToJson(snapshot));
      else context.print(`recorded snapshot ${snapshot.id} of session ${snapshot.sessionId}\n`);
    });

  marathon
    .command('end')
    .description('end an active session')
    .argument('<session>', 'session id or name')
    .action(async (reference: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const ended = await onSessions(context, (store) => store.end(reference));
      if (context.json) context.printJson(sessionToJson(ended));
      else context.print(`ended marathon session ${ended.id} "${ended.name}"\n`);
    });

  program
    .command('marathon-checkpoint')
    .description('show the training checkpoints: the last 10 .pt files by modification time, with size')
    .option('--dir <dir>', 'checkpoint folder (default: <home>/autoresearch/checkpoints)')
    .option('--limit <n>', 'most files', String(CHECKPOINT_LIST_LIMIT))
    .action(async (options: { dir?: string; limit: string }, command: Command) => {
      const context = contextFor(session, command);
      const limit = parsePositiveInteger(options.limit, '--limit');
      const dir =
        options.dir === undefined
          ? defaultCheckpointDir(context.home)
          : path.resolve(context.io.cwd, options.dir);
      const files = listCheckpoints({ dir, limit });
      if (context.json) {
        context.printJson({
          dir,
          exists: files !== undefined,
          checkpoints: (files ?? []).map((file) => ({
            path: file.path,
            size_bytes: file.sizeBytes,
            modified_at: file.modifiedAt,
          })),
        });
        return;
      }
      if (files === undefined) {
        context.print(
          `no checkpoint folder at ${dir}\n(training writes its .pt files there; point elsewhere with --dir)\n`,
        );
        return;
      }
      if (files.length === 0) {
        context.print(`no .pt checkpoints in ${dir}\n`);
        return;
      }
      const lines = files.map(
        (file) => `${when(file.modifiedAt)}  ${formatSize(file.sizeBytes).padStart(10)}  ${file.path}`,
      );
      context.print(`${dir}\n${lines.join('\n')}\n`);
    });
}
