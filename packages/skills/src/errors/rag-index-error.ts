import { BigedError } from '@biged/core';

const name = 'RagIndexError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Why `rag_ingest` or `rag_query` could not use the vector index. */
export type RagIndexErrorCode = 'RAG_INDEX_MISMATCH' | 'RAG_EMBEDDING_INVALID' | 'RAG_INDEX_UNAVAILABLE';

/** Options for `new RagIndexError(...)`. */
export interface RagIndexErrorOptions {
  /** What went wrong. */
  code: RagIndexErrorCode;
  /** The skill that raised it. */
  skill: string;
  /** What is wrong and what to do about it. */
  message: string;
  /** The index file (`<home>/rag.db`), absolute. */
  file: string;
  /** The embedding model the index was built with, when known. */
  indexModel?: string;
  /** The vector width the index was built with, when known. */
  indexDimensions?: number;
  /** The embedding model of this run, when known. */
  model?: string;
  /** The vector width of this run, when known. */
  dimensions?: number;
  /** A short "try ..." hint. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The RAG index (`rag.db`) cannot serve this run. Codes: `RAG_INDEX_MISMATCH` (the embedding model or its
 * vector width differs from the one the index was built with: re-ingest with `rebuild: true`),
 * `RAG_EMBEDDING_INVALID` (the embedding model answered with the wrong number of vectors, vectors of mixed
 * or zero width, zero-length or non-finite vectors), `RAG_INDEX_UNAVAILABLE` (the sqlite-vec extension
 * does not load on this platform, or the file is not a RAG index).
 */
export class RagIndexError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that raised it. */
  readonly skill: string;
  /** The index file, absolute. */
  readonly file: string;
  /** The embedding model the index was built with, when known. */
  readonly indexModel: string | undefined;
  /** The vector width the index was built with, when known. */
  readonly indexDimensions: number | undefined;
  /** The embedding model of this run, when known. */
  readonly model: string | undefined;
  /** The vector width of this run, when known. */
  readonly dimensions: number | undefined;

  constructor(options: RagIndexErrorOptions) {
    super({
      name,
      code: options.code,
      message: options.message,
      hint: options.hint,
      cause: options.cause,
    });
    this.skill = options.skill;
    this.file = options.file;
    this.indexModel = options.indexModel;
    this.indexDimensions = options.indexDimensions;
    this.model = options.model;
    this.dimensions = options.dimensions;
  }

  static override isInstance(error: unknown): error is RagIndexError {
    return BigedError.hasMarker(error, marker);
  }
}
