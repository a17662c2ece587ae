import type { SkillContext } from '@biged/skill-sdk';
import { RagIndexError } from '../errors/rag-index-error';

/** Options for `embedTexts`. */
export interface EmbedTextsOptions {
  /** The skill's context (its `models.embed` and `signal` are used). */
  ctx: Pick<SkillContext, 'models' | 'signal'>;
  /** The skill asking (errors name it). */
  skill: string;
  /** The index file (errors name it). */
  file: string;
  /** Texts to embed, in order. */
  texts: readonly string[];
  /** Texts per `embed` call. */
  batchSize: number;
}

/** Unit-length vectors, one per text, and the model that made them. */
export interface EmbeddedTexts {
  vectors: Float32Array[];
  model: string;
  dimensions: number;
}

/** The vector scaled to length 1, or undefined when it is empty, zero or not finite. */
export function unitVector(values: readonly number[]): Float32Array | undefined {
  if (values.length === 0) return undefined;
  let norm = 0;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const vector = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) vector[index] = (values[index] as number) / norm;
  return vector;
}

/**
 * Embeds texts in batches through `ctx.models.embed` (the router's default embedding model: `[models]
 * embed_model` on the local provider) and normalises every vector to unit length. Checks the task's signal
 * before each call. Throws `RagIndexError` (`RAG_EMBEDDING_INVALID`) when an answer has the wrong number of
 * vectors, vectors of another width than the first, or empty, zero or non-finite vectors, and when the
 * batches come from different models (a router fallback to another provider).
 */
export async function embedTexts({
  ctx,
  skill,
  file,
  texts,
  batchSize,
}: EmbedTextsOptions): Promise<EmbeddedTexts> {
  const vectors: Float32Array[] = [];
  let model: string | undefined;
  let dimensions: number | undefined;
  const invalid = (message: string) =>
    new RagIndexError({
      code: 'RAG_EMBEDDING_INVALID',
      skill,
      file,
      message,
      ...(model === undefined ? {} : { model }),
      ...(dimensions === undefined ? {} : { dimensions }),
      hint: 'check [models] embed_model names an embedding model the local provider serves',
    });
  for (let start = 0; start < texts.length; start += batchSize) {
    ctx.signal.throwIfAborted();
    const batch = texts.slice(start, start + batchSize);
    const result = await ctx.models.embed({ texts: [...batch] });
    if (!Array.isArray(result.embeddings) || result.embeddings.length !== batch.length) {
      throw invalid(
        `the embedding model "${result.model}" returned ${Array.isArray(result.embeddings) ? result.embeddings.length : 'no'} vectors for ${batch.length} texts`,
      );
    }
    if (model !== undefined && result.model !== model) {
      throw invalid(
        `the embedding batches came from two models ("${model}", then "${result.model}"); vectors of different models cannot share an index`,
      );
    }
    model = result.model;
    for (const [offset, values] of result.embeddings.entries()) {
      const vector = Array.isArray(values) ? unitVector(values) : undefined;
      if (!vector)
        throw invalid(
          `the embedding model "${model}" returned an empty, zero or non-finite vector for text ${start + offset + 1}`,
        );
      dimensions ??= vector.length;
      if (vector.length !== dimensions) {
        throw invalid(
          `the embedding model "${model}" returned vectors of ${dimensions} and ${vector.length} dimensions`,
        );
      }
      vectors.push(vector);
    }
  }
  return { vectors, model: model ?? '', dimensions: dimensions ?? 0 };
}
