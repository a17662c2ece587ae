import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries, startTestPostgres, type TestPostgres } from './test-cluster';

describe('startTestPostgres', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves a fresh database over loopback, survives a restart, and removes its files on stop', async () => {
    expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    const url = await cluster.createDatabase('harness_check');
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    expect(await query('SELECT current_database() AS name')).toEqual([{ name: 'harness_check' }]);
    await query('CREATE TABLE kept (value int); INSERT INTO kept VALUES (7)');
    await cluster.restart();
    expect(await query('SELECT value FROM kept')).toEqual([{ value: 7 }]);
    await expect(cluster.createDatabase('Bad-Name')).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
  }, 120_000);

  it('stop() ends the server and deletes the data directory; a second stop() is harmless', async () => {
    const other = await startTestPostgres();
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
    const client = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 2000 });
    await expect(client.connect()).rejects.toThrow();
  }, 120_000);
});

describe('findPostgresBinaries', () => {
  it('names what is missing when neither PATH nor the Debian folder has initdb and pg_ctl', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'biged-nopg-'));
    try {
      let caught: unknown;
      try {
        findPostgresBinaries({ searchPath: empty, debian: path.join(empty, 'postgresql') });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'QUEUE_POSTGRES_UNAVAILABLE' });
      expect((caught as Error).message).toMatch(/initdb and pg_ctl were not found/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync('/usr/lib/postgresql'))('finds the newest Debian version off PATH', () => {
    const found = findPostgresBinaries({ searchPath: '' });
    expect(found.initdb).toMatch(/\/usr\/lib\/postgresql\/\d+\/bin\/initdb$/);
    expect(found.pgCtl).toMatch(/pg_ctl$/);
  });
});
