import { describe, expect, it } from 'vitest';
import { estimateCostUsd, findModelPrice } from './prices';

describe('estimateCostUsd', () => {
  it('prices Claude calls by model family, cached tokens at the cached price', () => {
    const estimate = estimateCostUsd({
      provider: 'claude',
      model: 'claude-sonnet-4-5-20250929',
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cachedTokens: 400_000,
    });
    // 600k × $3 + 400k × $0.30 + 100k × $15 per million
    expect(estimate.costUsd).toBeCloseTo(1.8 + 0.12 + 1.5, 10);
    expect(estimate.cacheSavingsUsd).toBeCloseTo((400_000 * (3 - 0.3)) / 1_000_000, 10);
    expect(estimate.priceKnown).toBe(true);
  });

  it('picks the longest prefix (flash-lite is not flash)', () => {
    expect(findModelPrice('gemini', 'gemini-2.5-flash-lite')?.inputPerMillion).toBe(0.1);
    expect(findModelPrice('google', 'models/gemini-2.5-flash')?.inputPerMillion).toBe(0.3);
    expect(findModelPrice('anthropic', 'claude-opus-4-5')?.inputPerMillion).toBe(5);
    expect(findModelPrice('anthropic', 'claude-opus-4-20250514')?.inputPerMillion).toBe(15);
  });

  it('local models cost nothing and are known', () => {
    expect(
      estimateCostUsd({ provider: 'ollama', model: 'qwen3:8b', inputTokens: 5000, outputTokens: 900 }),
    ).toEqual({
      costUsd: 0,
      cacheSavingsUsd: 0,
      priceKnown: true,
    });
  });

  it('an unknown model or provider costs 0 with priceKnown false, never a crash', () => {
    expect(estimateCostUsd({ provider: 'claude', model: 'claude-9-ultra', inputTokens: 10 })).toEqual({
      costUsd: 0,
      cacheSavingsUsd: 0,
      priceKnown: false,
    });
    expect(estimateCostUsd({ provider: 'openai', model: 'gpt-5' }).priceKnown).toBe(false);
  });

  it('caps cached tokens at the input tokens', () => {
    const estimate = estimateCostUsd({
      provider: 'claude',
      model: 'claude-haiku-4-5',
      inputTokens: 100,
      cachedTokens: 500,
    });
    expect(estimate.costUsd).toBeCloseTo((100 * 0.1) / 1_000_000, 12);
  });
});
