import { describe, expect, it } from 'vitest';
import { LocalModelRequestError } from './errors';
import { parseRunOptions, toSampling } from './ollama-options';

describe('parseRunOptions / toSampling', () => {
  it("applies Ollama's defaults", () => {
    expect(toSampling(parseRunOptions(undefined), 2048, 10)).toEqual({
      maxTokens: 2048,
      temperature: 0.8,
      topK: 40,
      topP: 0.9,
      minP: 0,
      seed: undefined,
      repeatPenalty: { penalty: 1.1, lastTokens: 64 },
      stop: [],
    });
  });

  it('maps the options the fleet sends', () => {
    const options = parseRunOptions({
      num_predict: 5,
      temperature: 0,
      seed: 7,
      top_k: 1,
      top_p: 0.5,
      stop: '\n',
      repeat_last_n: 0,
      mirostat: 2,
    });
    expect(toSampling(options, 2048, 10)).toMatchObject({
      maxTokens: 5,
      temperature: 0,
      seed: 7,
      topK: 1,
      topP: 0.5,
      repeatPenalty: false,
      stop: ['\n'],
    });
    expect(toSampling(parseRunOptions({ num_predict: -2 }), 100, 30).maxTokens).toBe(70);
    expect(toSampling(parseRunOptions({ seed: -1 }), 100, 30).seed).toBeUndefined();
  });

  it('rejects options of the wrong type', () => {
    for (const bad of [[], 'x', { temperature: 'hot' }, { stop: [1] }, { num_ctx: 0 }]) {
      expect(() => parseRunOptions(bad)).toThrow(LocalModelRequestError);
    }
  });
});
