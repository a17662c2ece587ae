import { createRouter, type EmbedRequestV1, type EmbedResultV1, type Router } from '@biged/core';
import { MockModelProvider } from '@biged/core/test';

/**
 * Test helpers for the RAG skills (imported by their tests only, never by the package's index): a real
 * router over a local provider whose embeddings are a deterministic bag of words, so texts that share
 * words are close and a query finds the chunk it quotes.
 */

/** Lower-case word tokens of a text. */
const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** FNV-1a, 32 bits: a stable hash that spreads words over the dimensions. */
function fnv1a(word: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < word.length; index++) {
    hash ^= word.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The bag-of-words vector of a text: one count per word at `hash(word) % dimensions` (not normalised; the
 * skills normalise). A text without words gets a small constant in the last dimension, never a zero vector.
 */
export function bagOfWords(text: string, dimensions: number): number[] {
  const vector: number[] = Array.from({ length: dimensions }, () => 0);
  for (const word of words(text))
    vector[fnv1a(word) % dimensions] = (vector[fnv1a(word) % dimensions] ?? 0) + 1;
  if (!vector.some((value) => value !== 0)) vector[dimensions - 1] = 0.01;
  return vector;
}

/** A router for the RAG tests and the provider behind it. */
export interface EmbeddingRouter {
  router: Router;
  provider: MockModelProvider;
  /** The embedding requests the provider received, oldest first. */
  embedRequests(): EmbedRequestV1[];
}

/** Options for `embeddingRouter`. */
export interface EmbeddingRouterOptions {
  /** The embedding model (`[models] embed_model`). Default `tiny-embed`. */
  model?: string;
  /** Vector width. Default 256 (few hash collisions between words). */
  dimensions?: number;
  /** Replaces the answer (to test bad ones). Default: bag-of-words vectors. */
  answer?: (request: EmbedRequestV1) => EmbedResultV1;
}

/**
 * A real `createRouter` whose only provider, `local`, embeds with `bagOfWords` and names the requested
 * model in its answers, with no pacing gap.
 */
export function embeddingRouter({
  model = 'tiny-embed',
  dimensions = 256,
  answer,
}: EmbeddingRouterOptions = {}): EmbeddingRouter {
  const provider = new MockModelProvider({
    providerId: 'local',
    embed: [
      (request) =>
        answer?.(request) ?? {
          embeddings: request.texts.map((text) => bagOfWords(text, dimensions)),
          usage: { inputTokens: request.texts.length },
          model: request.model,
        },
    ],
  });
  const router = createRouter({
    providers: [provider],
    models: { local: 'tiny' },
    embeddingModels: { local: model },
    limits: { local: { minGapMs: 0 } },
  });
  return {
    router,
    provider,
    embedRequests: () =>
      provider.calls.filter((call) => call.method === 'embed').map((call) => call.request as EmbedRequestV1),
  };
}
