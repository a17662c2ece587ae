import { defineSkill, z } from '@biged/skill-sdk';
import { RagIndexError } from './errors/rag-index-error';
import { requireModels } from './internal/model-skill';
import { embedTexts } from './internal/rag-embed';
import { closeSharedRagStore, sharedRagStore } from './internal/rag-shared-store';
import { RAG_MAX_K, type RagHit } from './rag-store';

/** Default number of chunks `rag_query` returns. */
export const RAG_QUERY_DEFAULT_K = 5;

/** Longest query, in characters. */
export const RAG_QUERY_MAX_CHARS = 8000;

/** What `rag_query` returns. */
export interface RagQueryResult {
  /** The query, as given. */
  query: string;
  /** The nearest chunks, best first (empty when nothing was ingested yet). */
  results: RagHit[];
  /** The embedding model of the index; null when the index is empty. */
  model: string | null;
  /** Its vector width; null when the index is empty. */
  dims: number | null;
}

const payloadSchema = z.strictObject({
  /** What to look for, in plain words (1..8 000 characters). */
  query: z
    .string()
    .max(RAG_QUERY_MAX_CHARS)
    .refine((query) => query.trim() !== '', 'is empty: give the words to look for'),
  /** How many chunks to return (1..100). Default 5. */
  k: z.number().int().min(1).max(RAG_MAX_K).default(RAG_QUERY_DEFAULT_K),
});

/**
 * `rag_query`: embeds the query with the index's embedding model (through the fleet's router) and returns
 * the `k` nearest chunks in `<home>/rag.db` with their file and lines. An empty or missing index answers
 * with no results (and no model call).
 */
export const ragQuery = defineSkill({
  name: 'rag_query',
  description:
    'Finds the chunks of the documents ingested by rag_ingest that are nearest in meaning to a query (vector top-k); returns each with its score, source file and lines.',
  payload: payloadSchema,
  roles: ['archivist', 'researcher', 'coder'],
  timeoutMs: 2 * 60 * 1000,
  async run(payload, ctx): Promise<RagQueryResult> {
    const skill = 'rag_query';
    requireModels(ctx, skill);
    const database = ctx.paths.ragDb;
    const empty: RagQueryResult = { query: payload.query, results: [], model: null, dims: null };
    // Through the guard first: a rag.db outside the read zones is refused (FS_ACCESS_DENIED).
    if (!(await ctx.fs.exists(database))) return empty;

    // Kept open across tasks of this worker: a warm connection answers several times faster.
    const store = sharedRagStore(database, skill);
    try {
      const index = store.info();
      if (!index || store.stats().chunks === 0)
        return { ...empty, ...(index ? { model: index.model, dims: index.dimensions } : {}) };
      const embedded = await embedTexts({
        ctx,
        skill,
        file: store.file,
        texts: [payload.query],
        batchSize: 1,
      });
      if (embedded.model !== index.model || embedded.dimensions !== index.dimensions) {
        throw new RagIndexError({
          code: 'RAG_INDEX_MISMATCH',
          skill,
          file: store.file,
          indexModel: index.model,
          indexDimensions: index.dimensions,
          model: embedded.model,
          dimensions: embedded.dimensions,
          message:
            `${store.file} was built with embedding model "${index.model}" (${index.dimensions} dimensions), but the ` +
            `query was embedded with "${embedded.model}" (${embedded.dimensions} dimensions); re-ingest the documents with the new model`,
          hint: `run rag_ingest with "rebuild": true, or set [models] embed_model back to "${index.model}"`,
        });
      }
      ctx.signal.throwIfAborted();
      return {
        query: payload.query,
        results: store.query(embedded.vectors[0] as Float32Array, payload.k),
        model: index.model,
        dims: index.dimensions,
      };
    } catch (error) {
      closeSharedRagStore(database);
      throw error;
    }
  },
});
