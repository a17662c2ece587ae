import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ChatHistoryItem,
  getLlama,
  type Llama,
  LlamaChat,
  type LlamaModel,
  LlamaText,
  resolveChatWrapper,
  SpecialToken,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrammarChatWrapper } from './grammar-chat-wrapper';
import { compileJsonSchemaGrammar, GRAMMAR_END_MARKER } from './json-schema-grammar';
import { writeTestModel } from './make-test-model';

describe('createGrammarChatWrapper', () => {
  let dir: string;
  let llama: Llama;
  let model: LlamaModel;
  const history: ChatHistoryItem[] = [
    { type: 'user', text: 'hello' },
    { type: 'model', response: [] },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'biged-grammar-chat-'));
    const { file } = await writeTestModel({ file: path.join(dir, 'tiny.gguf') });
    llama = await getLlama({
      gpu: false,
      build: 'never',
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      maxThreads: 1,
    });
    model = await llama.loadModel({ modelPath: file });
  });

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the same prompt but keeps only the special-token stop triggers', () => {
    const wrapper = resolveChatWrapper(model);
    const wrapped = createGrammarChatWrapper(wrapper);
    const original = wrapper.generateContextState({ chatHistory: history });
    const state = wrapped.generateContextState({ chatHistory: history });
    // The test model's template ends every turn with "\n": that is the stop trigger that cut JSON answers.
    expect(original.stopGenerationTriggers.map((trigger) => trigger.toJSON())).toContainEqual([
      { type: 'specialTokensText', value: '\n' },
    ]);
    expect(state.contextText.toJSON()).toEqual(original.contextText.toJSON());
    expect(state.stopGenerationTriggers.length).toBeGreaterThan(0);
    for (const trigger of state.stopGenerationTriggers) {
      expect(trigger.values.every((value) => value instanceof SpecialToken)).toBe(true);
    }
    expect(state.stopGenerationTriggers).toContainEqual(LlamaText(new SpecialToken('EOS')));
    expect(wrapped.wrapperName).toBe(wrapper.wrapperName);
    expect(wrapped.settings.segments).toBeUndefined();
    expect(wrapped.settings.functions).toEqual(wrapper.settings.functions);
  });

  it('lets a chat answer under a grammar run until the grammar is complete', async () => {
    const format = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'boolean' } },
      required: ['a', 'b', 'c'],
    };
    const grammar = await llama.createGrammar({
      grammar: compileJsonSchemaGrammar(format).gbnf,
      stopGenerationTriggers: [GRAMMAR_END_MARKER],
      trimWhitespaceSuffix: true,
    });
    const context = await model.createContext({ contextSize: 2048, threads: 1 });
    try {
      const chat = new LlamaChat({
        contextSequence: context.getSequence(),
        chatWrapper: createGrammarChatWrapper(resolveChatWrapper(model)),
      });
      for (const seed of [1, 2, 3]) {
        const result = await chat.generateResponse(history, {
          grammar,
          temperature: 0.8,
          seed,
          maxTokens: 2000,
        });
        expect(result.metadata.stopReason, result.response).toBe('stopGenerationTrigger');
        expect(Object.keys(JSON.parse(result.response) as object)).toEqual(['a', 'b', 'c']);
      }
    } finally {
      await context.dispose();
    }
  }, 120_000);
});
