import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { RagIndexError } from './errors/rag-index-error';

/** The `schema_version` a RAG index written by this package carries in `rag_meta`. */
export const RAG_SCHEMA_VERSION = 1;

/** The most neighbours one `query` returns (sqlite-vec's own limit is 4096). */
export const RAG_MAX_K = 100;

/** The embedding model an index was built with, and its vector width. */
export interface RagIndexInfo {
  /** The embedding model, as the provider named it. */
  model: string;
  /** Floats per vector. */
  dimensions: number;
}

/** One indexed file. */
export interface RagSource {
  /** The file's absolute real path. */
  path: string;
  /** SHA-256 of its bytes, hex. */
  sha256: string;
  /** Its modification time when it was ingested, ms since the epoch. */
  mtimeMs: number;
  /** Its size in bytes. */
  size: number;
  /** Chunks stored for it. */
  chunks: number;
}

/** A chunk to store, with its unit-length embedding. */
export interface RagChunkInput {
  /** First line, 1-based. */
  startLine: number;
  /** Last line, 1-based, inclusive. */
  endLine: number;
  /** The chunk's text. */
  text: string;
  /** Its embedding, unit length (L2 norm 1), `dimensions` floats. */
  embedding: Float32Array;
}

/** A file and all its chunks, for `replaceSources`. */
export interface RagSourceInput {
  /** The file's absolute real path (the key: an existing source with this path is replaced). */
  path: string;
  /** SHA-256 of its bytes, hex. */
  sha256: string;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /** Size in bytes. */
  size: number;
  /** Its chunks (may be empty: the file is then recorded, with no chunks). */
  chunks: readonly RagChunkInput[];
}

/** One nearest neighbour of a query. */
export interface RagHit {
  /** Cosine similarity to the query, -1..1 (1: same direction). */
  score: number;
  /** The chunk's file, absolute. */
  source: string;
  /** First line of the chunk, 1-based. */
  start_line: number;
  /** Last line of the chunk, 1-based, inclusive. */
  end_line: number;
  /** The chunk's text. */
  text: string;
}

/** Counts of what an index holds. */
export interface RagStoreStats {
  /** Files indexed. */
  sources: number;
  /** Chunks (and vectors) stored. */
  chunks: number;
  /** Model and width, once the first vectors were stored; undefined for an empty index. */
  index: RagIndexInfo | undefined;
}

/** Options for `createRagStore`. */
export interface CreateRagStoreOptions {
  /** The SQLite file (the fleet's is `<home>/rag.db`, `ctx.paths.ragDb`); created with its folder if missing. */
  file: string;
  /** The skill using it, named in errors. Default `rag`. */
  skill?: string;
}

/**
 * A RAG index in one SQLite file: `rag_meta` (schema version, embedding model, vector width), `rag_sources`
 * (path, sha256, mtime, size), `rag_chunks` (source, start_line, end_line, text) and `rag_vectors`, a
 * sqlite-vec `vec0` virtual table whose rowid is the chunk id. Vectors are unit length and compared by L2
 * distance, which orders them as cosine similarity does (`score = 1 - distance^2 / 2`).
 * Synchronous (better-sqlite3); WAL mode, so queries run while another process ingests.
 */
export interface RagStore {
  /** The SQLite file, absolute. */
  readonly file: string;
  /** The model and width the index was built with; undefined until the first vectors are stored. */
  info(): RagIndexInfo | undefined;
  /**
   * Records the model and width and creates the vector table, on an index that has none yet. Throws
   * `RagIndexError` (`RAG_INDEX_MISMATCH`) when the index was built with another model or width.
   */
  ensureIndex(info: RagIndexInfo): void;
  /** The indexed file at `path`, if any. */
  source(path: string): RagSource | undefined;
  /** Paths of the indexed files at or under `root` (a file or a folder). */
  sourcesUnder(root: string): string[];
  /**
   * Stores files with their chunks in one transaction, replacing the chunks of any file already indexed.
   * Call `ensureIndex` first; every embedding must have the index's width.
   */
  replaceSources(sources: readonly RagSourceInput[]): void;
  /** Removes files and their chunks, in one transaction; returns how many were indexed. */
  removeSources(paths: readonly string[]): number;
  /** The `k` (1..`RAG_MAX_K`) chunks nearest to a unit-length `embedding`, nearest first. */
  query(embedding: Float32Array, k: number): RagHit[];
  /** What the index holds. */
  stats(): RagStoreStats;
  /** Deletes every source, chunk and vector and forgets the model, so the next `ensureIndex` starts afresh. */
  clear(): void;
  /** Closes the file. */
  close(): void;
}

// Keep in sync with the README's "rag.db" section.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rag_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rag_sources (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  sha256 TEXT NOT NULL,
  mtime_ms INTEGER NOT NULL,
  size INTEGER NOT NULL,
  ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rag_chunks (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES rag_sources(id) ON DELETE CASCADE,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rag_chunks_source ON rag_chunks(source_id);
`;

const vectorBlob = (embedding: Float32Array) =>
  Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);

/** Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` prefix match. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;

/**
 * Opens (or creates) a RAG index. Throws `RagIndexError` (`RAG_INDEX_UNAVAILABLE`) when the sqlite-vec
 * extension does not load here or the file holds an index of another schema version.
 */
export function createRagStore({ file, skill = 'rag' }: CreateRagStoreOptions): RagStore {
  const absolute = path.resolve(file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  const db = new Database(absolute);
  try {
    sqliteVec.load(db);
  } catch (error) {
    db.close();
    throw new RagIndexError({
      code: 'RAG_INDEX_UNAVAILABLE',
      skill,
      file: absolute,
      message: `the sqlite-vec extension does not load on this platform (${process.platform}-${process.arch}): ${String(error)}`,
      hint: 'install the sqlite-vec package for this platform (sqlite-vec-<os>-<arch>)',
      cause: error,
    });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // Queries scan every vector: keep the file mapped (1 GiB of address space, not memory) so a scan reads
  // pages from the OS cache instead of copying them through SQLite's page cache.
  db.pragma('mmap_size = 1073741824');
  db.exec(SCHEMA);

  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM rag_meta WHERE key = ?');
  const setMeta = db.prepare(
    'INSERT INTO rag_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const version = getMeta.get('schema_version')?.value;
  if (version === undefined) setMeta.run('schema_version', String(RAG_SCHEMA_VERSION));
  else if (version !== String(RAG_SCHEMA_VERSION)) {
    db.close();
    throw new RagIndexError({
      code: 'RAG_INDEX_UNAVAILABLE',
      skill,
      file: absolute,
      message: `${absolute} holds a RAG index of schema version ${version}; this version reads ${RAG_SCHEMA_VERSION}`,
      hint: 'move the file away and run rag_ingest again',
    });
  }

  const readInfo = (): RagIndexInfo | undefined => {
    const model = getMeta.get('model')?.value;
    const dimensions = getMeta.get('dimensions')?.value;
    return model === undefined || dimensions === undefined
      ? undefined
      : { model, dimensions: Number(dimensions) };
  };

  const selectSource = db.prepare<
    [string],
    { id: number; path: string; sha256: string; mtime_ms: number; size: number; chunks: number }
  >(
    'SELECT s.id, s.path, s.sha256, s.mtime_ms, s.size, (SELECT count(*) FROM rag_chunks c WHERE c.source_id = s.id) AS chunks FROM rag_sources s WHERE s.path = ?',
  );
  const selectUnder = db.prepare<[string, string], { path: string }>(
    "SELECT path FROM rag_sources WHERE path = ? OR path LIKE ? ESCAPE '\\' ORDER BY path",
  );
  const upsertSource = db.prepare<[string, string, number, number, string], { id: number }>(
    `INSERT INTO rag_sources (path, sha256, mtime_ms, size, ingested_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, mtime_ms = excluded.mtime_ms, size = excluded.size,
       ingested_at = excluded.ingested_at
     RETURNING id`,
  );
  const deleteSource = db.prepare('DELETE FROM rag_sources WHERE path = ?');
  const insertChunk = db.prepare(
    'INSERT INTO rag_chunks (source_id, start_line, end_line, text) VALUES (?, ?, ?, ?)',
  );
  const deleteChunks = db.prepare('DELETE FROM rag_chunks WHERE source_id = ?');
  const countChunks = db.prepare<[], { count: number }>('SELECT count(*) AS count FROM rag_chunks');
  const countSources = db.prepare<[], { count: number }>('SELECT count(*) AS count FROM rag_sources');

  // Statements on rag_vectors exist only once the table does (its width comes from the first vectors).
  let vectors:
    | {
        insert: Database.Statement;
        deleteOf: Database.Statement;
        query: Database.Statement<
          [Buffer, number],
          { distance: number; path: string; start_line: number; end_line: number; text: string }
        >;
      }
    | undefined;
  const vectorStatements = () => {
    vectors ??= {
      insert: db.prepare('INSERT INTO rag_vectors (rowid, embedding) VALUES (?, ?)'),
      deleteOf: db.prepare(
        'DELETE FROM rag_vectors WHERE rowid IN (SELECT id FROM rag_chunks WHERE source_id = ?)',
      ),
      query: db.prepare(
        `WITH hits AS (SELECT rowid, distance FROM rag_vectors WHERE embedding MATCH ? AND k = ?)
         SELECT hits.distance, s.path, c.start_line, c.end_line, c.text
         FROM hits JOIN rag_chunks c ON c.id = hits.rowid JOIN rag_sources s ON s.id = c.source_id
         ORDER BY hits.distance, c.id`,
      ),
    };
    return vectors;
  };
  const hasVectorTable = () =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'rag_vectors'").get() !== undefined;

  const mismatch = (index: RagIndexInfo, wanted: RagIndexInfo) =>
    new RagIndexError({
      code: 'RAG_INDEX_MISMATCH',
      skill,
      file: absolute,
      indexModel: index.model,
      indexDimensions: index.dimensions,
      model: wanted.model,
      dimensions: wanted.dimensions,
      message:
        `${absolute} was built with embedding model "${index.model}" (${index.dimensions} dimensions), but this run ` +
        `embeds with "${wanted.model}" (${wanted.dimensions} dimensions); vectors of different models cannot be compared`,
      hint: `re-ingest with the new model (rag_ingest with "rebuild": true), or set [models] embed_model back to "${index.model}"`,
    });

  const ensureIndex = db.transaction((wanted: RagIndexInfo) => {
    const current = readInfo();
    if (current) {
      if (current.model !== wanted.model || current.dimensions !== wanted.dimensions)
        throw mismatch(current, wanted);
      return;
    }
    if (!Number.isInteger(wanted.dimensions) || wanted.dimensions < 1 || wanted.dimensions > 8192) {
      throw new RangeError(`dimensions must be an integer in 1..8192, got ${wanted.dimensions}`);
    }
    db.exec('DROP TABLE IF EXISTS rag_vectors');
    db.exec(`CREATE VIRTUAL TABLE rag_vectors USING vec0(embedding float[${wanted.dimensions}])`);
    vectors = undefined;
    setMeta.run('model', wanted.model);
    setMeta.run('dimensions', String(wanted.dimensions));
    setMeta.run('created_at', new Date().toISOString());
  });

  const replaceSources = db.transaction((sources: readonly RagSourceInput[]) => {
    const index = readInfo();
    if (!index && sources.some((source) => source.chunks.length > 0)) {
      throw new Error('createRagStore: call ensureIndex before storing chunks');
    }
    const statements = index ? vectorStatements() : undefined;
    const now = new Date().toISOString();
    for (const source of sources) {
      const existing = selectSource.get(source.path);
      if (existing) {
        statements?.deleteOf.run(existing.id);
        deleteChunks.run(existing.id);
      }
      const row = upsertSource.get(source.path, source.sha256, Math.trunc(source.mtimeMs), source.size, now);
      const sourceId = (row as { id: number }).id;
      if (!index || !statements) continue;
      for (const chunk of source.chunks) {
        if (chunk.embedding.length !== index.dimensions)
          throw mismatch(index, { model: index.model, dimensions: chunk.embedding.length });
        const { lastInsertRowid } = insertChunk.run(sourceId, chunk.startLine, chunk.endLine, chunk.text);
        // vec0 takes only integer rowids; better-sqlite3 binds JS numbers as REAL, so pass a BigInt.
        statements.insert.run(BigInt(lastInsertRowid), vectorBlob(chunk.embedding));
      }
    }
  });

  const removeSources = db.transaction((paths: readonly string[]) => {
    let removed = 0;
    for (const sourcePath of paths) {
      const existing = selectSource.get(sourcePath);
      if (!existing) continue;
      if (hasVectorTable()) vectorStatements().deleteOf.run(existing.id);
      deleteSource.run(sourcePath);
      removed += 1;
    }
    return removed;
  });

  const clear = db.transaction(() => {
    db.exec('DROP TABLE IF EXISTS rag_vectors; DELETE FROM rag_chunks; DELETE FROM rag_sources;');
    db.prepare("DELETE FROM rag_meta WHERE key IN ('model', 'dimensions', 'created_at')").run();
    vectors = undefined;
  });

  return {
    file: absolute,
    info: readInfo,
    ensureIndex: (info) => ensureIndex.immediate(info),
    source(sourcePath) {
      const row = selectSource.get(sourcePath);
      return (
        row && {
          path: row.path,
          sha256: row.sha256,
          mtimeMs: row.mtime_ms,
          size: row.size,
          chunks: row.chunks,
        }
      );
    },
    sourcesUnder(root) {
      const folder = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
      return selectUnder.all(root, likePrefix(folder)).map((row) => row.path);
    },
    replaceSources: (sources) => replaceSources.immediate(sources),
    removeSources: (paths) => removeSources.immediate(paths),
    query(embedding, k) {
      if (!Number.isInteger(k) || k < 1 || k > RAG_MAX_K)
        throw new RangeError(`k must be an integer in 1..${RAG_MAX_K}, got ${k}`);
      const index = readInfo();
      if (!index || !hasVectorTable()) return [];
      if (embedding.length !== index.dimensions)
        throw mismatch(index, { model: index.model, dimensions: embedding.length });
      return vectorStatements()
        .query.all(vectorBlob(embedding), k)
        .map((row) => ({
          // Unit vectors: |a - b|^2 = 2 - 2 cos(a, b).
          score: 1 - (row.distance * row.distance) / 2,
          source: row.path,
          start_line: row.start_line,
          end_line: row.end_line,
          text: row.text,
        }));
    },
    stats: () => ({
      sources: (countSources.get() as { count: number }).count,
      chunks: (countChunks.get() as { count: number }).count,
      index: readInfo(),
    }),
    clear: () => clear.immediate(),
    close: () => db.close(),
  };
}
