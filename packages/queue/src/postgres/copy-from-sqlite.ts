import pg from 'pg';
import { createQueue } from '../create-queue';
import { QueueError } from '../errors/queue-error';
import { getQueueDatabase } from '../queue-database';
import { migratePostgres } from './migrate-postgres';
import { isConnectionError, safeLocation, unavailableError } from './pg-errors';

// NOTE: packages/queue/README.md ("Stores: SQLite and PostgreSQL") and the CLI's `biged migrate` describe
// what is copied; keep them in sync.

/**
 * The tables a fleet shares through its queue, in an order that satisfies their foreign keys (a parent
 * task has a smaller id than its children). Agents and locks are not copied: agents register again when
 * their host starts, and a lock's owner is a process of the old fleet. What belongs to one host (usage
 * ledger, audit trail, workflows, schedules, sessions) stays in that host's `fleet.db`; questions to a human
 * (`hitl_requests`) move with their tasks.
 */
export const SHARED_TABLES = [
  'tasks',
  'task_dependencies',
  'hitl_requests',
  'alerts',
  'messages',
  'message_reads',
  'fleet_flags',
] as const;

/** Tables whose `id` comes from a sequence on PostgreSQL: moved past the copied ids. */
const SERIAL_TABLES = ['tasks', 'hitl_requests', 'alerts', 'messages'] as const;

/** Rows per INSERT statement. */
const BATCH_ROWS = 500;

/** Options of `copySqliteToPostgres`. */
export interface CopySqliteToPostgresOptions {
  /** The SQLite queue file (migrated to the current schema first, as `createQueue` does). */
  file: string;
  /** The PostgreSQL database (`postgres://...`); its schema is created or migrated first. */
  url: string;
  /** Called after each table with the rows copied. */
  onTable?: (table: string, rows: number) => void;
}

/** What `copySqliteToPostgres` copied. */
export interface CopySqliteToPostgresResult {
  tables: { table: string; rows: number }[];
  /** Tasks that were RUNNING in the SQLite file, copied as PENDING (their claims died with the old fleet). */
  requeued: number;
}

/**
 * Copies a SQLite fleet's shared tables into an empty PostgreSQL database in ONE transaction: ids are kept
 * (sequences moved past them), RUNNING tasks arrive PENDING, and each table's row count is checked before
 * the commit. Nothing is written when anything fails. Throws `QUEUE_TARGET_NOT_EMPTY` when the database
 * already holds tasks or messages (a second run never doubles a fleet), `QUEUE_DB_UNAVAILABLE` when the
 * server cannot be reached, and what `createQueue` throws for the file.
 */
export async function copySqliteToPostgres({
  file,
  url,
  onTable,
}: CopySqliteToPostgresOptions): Promise<CopySqliteToPostgresResult> {
  const queue = createQueue({ file });
  const sqlite = getQueueDatabase(queue);
  try {
    await migratePostgres(url);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
    } catch (error) {
      throw isConnectionError(error) ? unavailableError(url, error) : error;
    }
    try {
      await client.query('BEGIN');
      for (const table of SHARED_TABLES) {
        const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM "${table}") AS taken`);
        if (rows[0]?.taken && table !== 'fleet_flags') {
          throw new QueueError({
            code: 'QUEUE_TARGET_NOT_EMPTY',
            message: `${safeLocation(url)} already holds ${table}: migrate copies into an empty database only`,
            hint: 'point --to at a new database (CREATE DATABASE ...), or drop the tables there first',
          });
        }
      }
      const tables: CopySqliteToPostgresResult['tables'] = [];
      for (const table of SHARED_TABLES) {
        const rows = await copyTable(sqlite, client, table);
        tables.push({ table, rows });
        onTable?.(table, rows);
      }
      const requeued = await client.query(
        `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL
         WHERE status = 'RUNNING'`,
      );
      for (const table of SERIAL_TABLES) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE((SELECT max(id) FROM "${table}"), 0) + 1, false)`,
        );
      }
      for (const { table, rows } of tables) {
        const { rows: counted } = await client.query(`SELECT count(*)::int AS n FROM "${table}"`);
        if (counted[0]?.n !== rows) {
          throw new QueueError({
            code: 'QUEUE_DB_OPEN_FAILED',
            message: `copy check failed: ${table} has ${counted[0]?.n} rows in PostgreSQL, ${rows} in ${file}`,
          });
        }
      }
      await client.query('COMMIT');
      return { tables, requeued: requeued.rowCount ?? 0 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw isConnectionError(error) ? unavailableError(url, error) : error;
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    queue.close();
  }
}

/** Copies one table's rows (the columns both sides have: the schema parity test keeps them equal). */
async function copyTable(
  sqlite: ReturnType<typeof getQueueDatabase>,
  client: pg.Client,
  table: string,
): Promise<number> {
  const sqliteColumns = (sqlite.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map(
    (column) => column.name,
  );
  const { rows: pgColumns } = await client.query(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  const wanted = new Set(pgColumns.map((row: { column_name: string }) => row.column_name));
  const columns = sqliteColumns.filter((name) => wanted.has(name));
  const order = sqliteColumns.includes('id') ? ' ORDER BY id' : '';
  const select = sqlite
    .prepare(`SELECT ${columns.map((name) => `"${name}"`).join(', ')} FROM "${table}"${order}`)
    .raw();
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch
      .map((_, row) => `(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`)
      .join(', ');
    await client.query(
      `INSERT INTO "${table}" (${columns.map((name) => `"${name}"`).join(', ')}) VALUES ${values}`,
      batch.flat(),
    );
    copied += batch.length;
    batch = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    batch.push(row.map((value) => (typeof value === 'bigint' ? value.toString() : value)));
    // The iterator keeps this SQLite connection busy while PostgreSQL inserts; nothing else uses it.
    if (batch.length === BATCH_ROWS) await flush();
  }
  await flush();
  return copied;
}
