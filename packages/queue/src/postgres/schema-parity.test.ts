import { getTableConfig as getPgTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as getSqliteTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as sqlite from '../schema';
import { pgSchema } from './schema';

// "One schema source": the SQLite tables in ../schema/ are the reference, and the PostgreSQL tables a store
// needs must have the same names, columns and indexes. A column added on one side only fails here.

const sqliteTables = (Object.values(sqlite) as unknown[])
  .filter((value): value is SQLiteTable => typeof value === 'object' && value !== null && 'getSQL' in value)
  .map((table) => getSqliteTableConfig(table));
const pgTables = Object.values(pgSchema).map((table: PgTable) => getPgTableConfig(table));

describe('PostgreSQL schema parity with the SQLite schema', () => {
  it('covers the nine tables a TaskStore uses', () => {
    expect(pgTables.map((table) => table.name).sort()).toEqual([
      'agents',
      'alerts',
      'fleet_flags',
      'hitl_requests',
      'locks',
      'message_reads',
      'messages',
      'task_dependencies',
      'tasks',
    ]);
  });

  for (const pgTable of pgTables) {
    it(`${pgTable.name}: same columns (names, nullability, primary keys) and indexes as SQLite`, () => {
      const sqliteTable = sqliteTables.find((table) => table.name === pgTable.name);
      expect(sqliteTable, `${pgTable.name} exists in the SQLite schema`).toBeDefined();
      const columns = (list: { name: string; notNull: boolean; primary: boolean }[]) =>
        list
          .map(({ name, notNull, primary }) => ({ name, notNull, primary }))
          .sort((a, b) => a.name.localeCompare(b.name));
      expect(columns(pgTable.columns)).toEqual(columns(sqliteTable!.columns));
      const indexNames = (list: { config: { name?: string; unique?: boolean } }[]) =>
        list.map(({ config }) => `${config.name}${config.unique ? ' (unique)' : ''}`).sort();
      expect(indexNames(pgTable.indexes)).toEqual(indexNames(sqliteTable!.indexes));
      const keyColumns = (list: { columns: { name: string }[] }[]) =>
        list.map((key) => key.columns.map((column) => column.name).join(','));
      expect(keyColumns(pgTable.primaryKeys)).toEqual(keyColumns(sqliteTable!.primaryKeys));
      const checks = (list: { name: string }[]) => list.map((check) => check.name).sort();
      expect(checks(pgTable.checks)).toEqual(checks(sqliteTable!.checks));
    });
  }
});
