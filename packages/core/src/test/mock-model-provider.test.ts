import { MockModelProvider } from './mock-model-provider';
import { describeModelProviderContract } from './model-provider.case';

describeModelProviderContract(
  'MockModelProvider',
  async () => ({
    provider: new MockModelProvider({
      generate: [
        (request) => ({
          text: request.json ? '{"answer":"yes"}' : 'hello',
          ...(request.json ? { json: { answer: 'yes' } } : {}),
          finishReason: 'stop',
          usage: { inputTokens: 4, outputTokens: 1, cachedInputTokens: 0 },
          model: request.model,
        }),
      ],
    }),
    model: 'mock-model',
    embeddingModel: 'mock-embed',
  }),
  { isLocal: true },
);
