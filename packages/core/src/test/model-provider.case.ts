import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelProviderV1, ModelStreamPartV1 } from '../router/model-provider-v1';

/** What a contract run needs from the adapter's test. */
export interface ModelProviderCaseSetup {
  /** The provider under test, pointed at a local server (never the network). */
  provider: ModelProviderV1;
  /** A chat model the server answers for. */
  model: string;
  /** An embedding model the server answers for; leave out to skip the embedding checks. */
  embeddingModel?: string;
  /** Stops the server and frees everything. */
  cleanup?: () => Promise<void> | void;
}

/** What the provider is expected to support. */
export interface ModelProviderCaseOptions {
  /** Whether `json` (structured output) is checked. Default `true`. */
  json?: boolean;
  /** Whether `isLocal` must be true (Ollama) or false (hosted APIs). */
  isLocal: boolean;
}

/**
 * The shared `ModelProviderV1` contract suite. Every adapter's test calls it with its own factory:
 *
 * @example
 * describeModelProviderContract('anthropic', async () => {
 *   const server = await startAnthropicWireServer();
 *   return { provider: createAnthropicProvider({ apiKey: 'k', baseURL: server.url }), model: 'claude-x', cleanup: server.close };
 * }, { isLocal: false });
 */
export function describeModelProviderContract(
  name: string,
  setup: () => Promise<ModelProviderCaseSetup>,
  options: ModelProviderCaseOptions,
): void {
  describe(`ModelProviderV1 contract: ${name}`, () => {
    let context: ModelProviderCaseSetup;
    beforeAll(async () => {
      context = await setup();
    });
    afterAll(async () => {
      await context?.cleanup?.();
    });

    it('declares specification v1, a provider id and whether it is local', () => {
      expect(context.provider.specificationVersion).toBe('v1');
      expect(context.provider.providerId).toMatch(/^[a-z][a-z0-9_-]*$/);
      expect(context.provider.isLocal).toBe(options.isLocal);
    });

    it('generates text from a prompt, with usage and a finish reason', async () => {
      const result = await context.provider.generate({
        model: context.model,
        prompt: 'Say hello',
        maxOutputTokens: 16,
      });
      expect(typeof result.text).toBe('string');
      expect(result.text.length).toBeGreaterThan(0);
      expect(['stop', 'length', 'content-filter', 'tool-calls', 'other']).toContain(result.finishReason);
      expect(typeof result.model).toBe('string');
      for (const count of Object.values(result.usage)) {
        expect(Number.isInteger(count) && count >= 0).toBe(true);
      }
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.json).toBeUndefined();
    });

    it('takes messages and a system prompt', async () => {
      const result = await context.provider.generate({
        model: context.model,
        system: 'You are terse.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'Again' },
        ],
        maxOutputTokens: 16,
      });
      expect(result.text.length).toBeGreaterThan(0);
    });

    it('streams text deltas and ends with exactly one finish part carrying usage', async () => {
      const parts: ModelStreamPartV1[] = [];
      for await (const part of context.provider.stream({
        model: context.model,
        prompt: 'Say hello',
        maxOutputTokens: 16,
      })) {
        parts.push(part);
      }
      const deltas = parts.filter((part) => part.type === 'text-delta');
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.map((part) => part.text).join('').length).toBeGreaterThan(0);
      expect(parts.filter((part) => part.type === 'error')).toEqual([]);
      const last = parts[parts.length - 1];
      expect(last?.type).toBe('finish');
      expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
      if (last?.type === 'finish') expect(last.usage.outputTokens).toBeGreaterThan(0);
    });

    if (options.json !== false) {
      it('returns parsed structured output for a JSON schema', async () => {
        const schema = {
          type: 'object',
          // maxLength keeps a tiny local test model's answer short enough to finish within maxOutputTokens.
          properties: { answer: { type: 'string', maxLength: 16 } },
          required: ['answer'],
          additionalProperties: false,
        };
        const result = await context.provider.generate({
          model: context.model,
          prompt: 'Answer in JSON',
          json: schema,
          maxOutputTokens: 256,
          temperature: 0,
        });
        expect(result.json).toBeTypeOf('object');
        expect(result.json).toEqual(JSON.parse(result.text));
        expect(typeof (result.json as { answer?: unknown }).answer).toBe('string');
      });
    }

    it('rejects with the reason of an already aborted signal', async () => {
      const reason = new Error('cancelled by the test');
      await expect(
        context.provider.generate(
          { model: context.model, prompt: 'x' },
          { signal: AbortSignal.abort(reason) },
        ),
      ).rejects.toBe(reason);
    });

    it('embeds texts, one vector of one length per text', async (test) => {
      if (!context.embeddingModel) test.skip();
      const result = await context.provider.embed({
        model: context.embeddingModel ?? '',
        texts: ['one', 'two'],
      });
      expect(result.embeddings).toHaveLength(2);
      const [first, second] = result.embeddings;
      expect(first!.length).toBeGreaterThan(0);
      expect(second).toHaveLength(first!.length);
      expect(first!.every((value) => typeof value === 'number' && Number.isFinite(value))).toBe(true);
    });
  });
}
