import { createHash } from 'node:crypto';
import path from 'node:path';
import { defineSkill, type SkillWalkEntry, z } from '@biged/skill-sdk';
import { CODE_INDEX_IGNORED_DIRECTORIES } from './code-index';
import { BINARY_EXTENSIONS, extensionOf } from './internal/languages';
import { requireModels } from './internal/model-skill';
import { chunkDocument, type RagChunkKind, type RagTextChunk } from './internal/rag-chunk';
import { embedTexts } from './internal/rag-embed';
import { createRagStore, type RagSourceInput } from './rag-store';

/** Extensions cut line by line (with overlap); every other ingested file is cut as code, by blank-line blocks. */
export const RAG_PROSE_EXTENSIONS: ReadonlySet<string> = new Set([
  'md',
  'mdx',
  'markdown',
  'txt',
  'text',
  'rst',
  'adoc',
  'org',
]);

/** What `rag_ingest` reads from a folder unless the payload names `extensions`: prose and source code. */
// biome-ignore format: a compact table reads better than one extension per line
export const RAG_INGEST_EXTENSIONS: ReadonlySet<string> = new Set([
  ...RAG_PROSE_EXTENSIONS,
  'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'py', 'pyi', 'rs', 'go', 'java', 'kt', 'kts', 'cs', 'c', 'h',
  'cc', 'cpp', 'cxx', 'hh', 'hpp', 'hxx', 'rb', 'php', 'swift', 'scala', 'lua', 'sh', 'bash', 'zsh', 'sql', 'toml',
  'yaml', 'yml', 'proto', 'graphql', 'tf', 'vue', 'svelte', 'css', 'html',
]);

/** Files over this many bytes (2 MiB) are skipped unless the payload raises `max_file_bytes`. */
export const RAG_INGEST_DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Default longest chunk, in characters. */
export const RAG_INGEST_DEFAULT_CHUNK_SIZE = 1500;

/** Default overlap between prose chunks, in characters. */
export const RAG_INGEST_DEFAULT_OVERLAP = 200;

/** Chunks embedded and written together (in `batch_size` calls, one transaction). */
const GROUP_CHUNKS = 512;

/** What `rag_ingest` returns. */
export interface RagIngestResult {
  /** The file or folder ingested, absolute. */
  root: string;
  /** The index file, absolute (`<home>/rag.db`). */
  database: string;
  /** Files (re)indexed by this run: new or changed. */
  files: number;
  /** Chunks written by this run. */
  chunks: number;
  /** Files passed over, by reason: unchanged since the last run (same SHA-256), too large, binary, unreadable. */
  skipped: { unchanged: number; tooLarge: number; binary: number; unreadable: number };
  /** Files indexed earlier under this folder that are gone (or now skipped): their chunks were deleted. */
  removed: number;
  /** True when `max_files` stopped the walk (nothing is then removed). */
  truncated: boolean;
  /** The embedding model of the index; null while the index holds no vectors. */
  model: string | null;
  /** Its vector width; null while the index holds no vectors. */
  dims: number | null;
  /** What the whole index holds after this run. */
  total: { sources: number; chunks: number };
}

const extensionItem = z
  .string()
  .regex(/^\.?[A-Za-z0-9_+-]{1,16}$/, 'an extension such as "md" or ".ts"')
  .transform((value) => value.replace(/^\./, '').toLowerCase());

const payloadSchema = z
  .strictObject({
    /** A folder (walked, ignoring dependency and build folders) or one file. */
    path: z.string().min(1).max(4096),
    /** Extensions to read from a folder (`md`, `.ts`, ...). Default: `RAG_INGEST_EXTENSIONS`. */
    extensions: z.array(extensionItem).min(1).max(100).optional(),
    /** Longest chunk, in characters (100..16 000). Default 1 500. */
    chunk_size: z.number().int().min(100).max(16_000).default(RAG_INGEST_DEFAULT_CHUNK_SIZE),
    /** Characters of trailing lines repeated at the start of the next prose chunk (0..4 000). Default 200. */
    overlap: z.number().int().min(0).max(4000).default(RAG_INGEST_DEFAULT_OVERLAP),
    /** Texts per embedding call (1..512). Default 32. */
    batch_size: z.number().int().min(1).max(512).default(32),
    /** Stop after this many files (1..100 000). Default 10 000. */
    max_files: z.number().int().min(1).max(100_000).default(10_000),
    /** Larger files are skipped (1 byte..16 MiB). Default 2 MiB. */
    max_file_bytes: z
      .number()
      .int()
      .min(1)
      .max(16 * 1024 * 1024)
      .default(RAG_INGEST_DEFAULT_MAX_FILE_BYTES),
    /** Drop the whole index first (after changing the embedding model). Default false. */
    rebuild: z.boolean().default(false),
  })
  .refine((payload) => payload.overlap < payload.chunk_size, {
    path: ['overlap'],
    message: 'must be smaller than chunk_size',
  });

const hasNulByte = (bytes: Uint8Array) => bytes.subarray(0, 8000).includes(0);

interface PendingFile {
  source: Omit<RagSourceInput, 'chunks'>;
  chunks: RagTextChunk[];
}

/**
 * `rag_ingest`: cuts the text, markdown and code files of a folder (or one file) into line-aware chunks,
 * embeds them through the fleet's router (`[models] embed_model`) and stores them in `<home>/rag.db` with a
 * sqlite-vec vector index. Unchanged files (same SHA-256) are skipped; changed ones have their chunks
 * replaced; files gone from the folder have theirs deleted.
 */
export const ragIngest = defineSkill({
  name: 'rag_ingest',
  description:
    'Chunks the text, markdown and code files of a folder (or one file), embeds them with the local embedding model and stores them in rag.db for rag_query; unchanged files are skipped.',
  payload: payloadSchema,
  roles: ['archivist', 'researcher', 'coder'],
  timeoutMs: 60 * 60 * 1000,
  async run(payload, ctx): Promise<RagIngestResult> {
    const skill = 'rag_ingest';
    requireModels(ctx, skill);
    const database = ctx.paths.ragDb;
    // The index is written by SQLite, not ctx.fs: touch it through the guard first, so a rag.db outside
    // the write zones is refused (FS_ACCESS_DENIED) before anything opens it.
    await ctx.fs.appendFile(database, new Uint8Array());
    const root = await ctx.fs.realpath(payload.path);
    const rootStats = await ctx.fs.stat(root);
    const extensions = payload.extensions ? new Set(payload.extensions) : RAG_INGEST_EXTENSIONS;
    const realDatabase = await ctx.fs.realpath(database);

    const store = createRagStore({ file: database, skill });
    try {
      if (payload.rebuild) store.clear();
      const skipped = { unchanged: 0, tooLarge: 0, binary: 0, unreadable: 0 };
      const kept = new Set<string>();
      let files = 0;
      let chunks = 0;
      let truncated = false;
      let seen = 0;
      let group: PendingFile[] = [];
      let groupChunks = 0;

      const flush = async () => {
        if (group.length === 0) return;
        const texts = group.flatMap((file) => file.chunks.map((chunk) => chunk.text));
        const embedded = await embedTexts({
          ctx,
          skill,
          file: database,
          texts,
          batchSize: payload.batch_size,
        });
        if (texts.length > 0) store.ensureIndex({ model: embedded.model, dimensions: embedded.dimensions });
        let next = 0;
        const sources = group.map(({ source, chunks: fileChunks }) => ({
          ...source,
          chunks: fileChunks.map((chunk) => ({
            ...chunk,
            embedding: embedded.vectors[next++] as Float32Array,
          })),
        }));
        ctx.signal.throwIfAborted();
        store.replaceSources(sources);
        files += group.length;
        chunks += texts.length;
        group = [];
        groupChunks = 0;
      };

      const entries: AsyncIterable<SkillWalkEntry> | SkillWalkEntry[] = rootStats.isDirectory()
        ? ctx.fs.walk(root, {
            ignore: (entry) =>
              entry.isDirectory
                ? CODE_INDEX_IGNORED_DIRECTORIES.includes(entry.name)
                : !extensions.has(extensionOf(entry.name)),
          })
        : [
            {
              path: root,
              relativePath: '',
              name: path.basename(root),
              size: rootStats.size,
              mtimeMs: rootStats.mtimeMs,
            },
          ];

      for await (const entry of entries) {
        ctx.signal.throwIfAborted();
        if (entry.path === realDatabase) continue;
        if (seen >= payload.max_files) {
          truncated = true;
          break;
        }
        seen += 1;
        if (entry.size > payload.max_file_bytes) {
          skipped.tooLarge += 1;
          continue;
        }
        if (BINARY_EXTENSIONS.has(extensionOf(entry.name))) {
          skipped.binary += 1;
          continue;
        }
        let bytes: Buffer;
        try {
          bytes = await ctx.fs.readFile(entry.path);
        } catch (error) {
          ctx.log.debug('rag_ingest: unreadable file skipped', { file: entry.path, error: String(error) });
          skipped.unreadable += 1;
          continue;
        }
        if (hasNulByte(bytes)) {
          skipped.binary += 1;
          continue;
        }
        kept.add(entry.path);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        if (store.source(entry.path)?.sha256 === sha256) {
          skipped.unchanged += 1;
          continue;
        }
        const kind: RagChunkKind = RAG_PROSE_EXTENSIONS.has(extensionOf(entry.name)) ? 'prose' : 'code';
        const fileChunks = chunkDocument({
          text: bytes.toString('utf8'),
          kind,
          chunkSize: payload.chunk_size,
          overlap: payload.overlap,
        });
        group.push({
          source: { path: entry.path, sha256, mtimeMs: entry.mtimeMs, size: bytes.byteLength },
          chunks: fileChunks,
        });
        groupChunks += fileChunks.length;
        if (groupChunks >= GROUP_CHUNKS) await flush();
      }
      await flush();

      let removed = 0;
      if (rootStats.isDirectory() && !truncated) {
        removed = store.removeSources(store.sourcesUnder(root).filter((sourcePath) => !kept.has(sourcePath)));
      }
      const stats = store.stats();
      return {
        root,
        database: store.file,
        files,
        chunks,
        skipped,
        removed,
        truncated,
        model: stats.index?.model ?? null,
        dims: stats.index?.dimensions ?? null,
        total: { sources: stats.sources, chunks: stats.chunks },
      };
    } finally {
      store.close();
    }
  },
});
