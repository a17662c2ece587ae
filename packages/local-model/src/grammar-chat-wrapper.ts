import { type ChatWrapper, type LlamaText, SpecialToken } from 'node-llama-cpp';

/**
 * The model's chat wrapper as it must be seen while a grammar (Ollama's `format`) shapes the answer. It
 * renders the same prompt, but:
 * - drops the template's textual stop triggers (keeping those made only of special tokens such as EOS).
 *   LlamaChat checks them on top of the grammar, and a template whose turns end in "\n" made every "\n"
 *   the JSON grammar allowed as whitespace end the answer, right after `{` or `,`. Under a grammar the
 *   answer ends when the grammar is complete (its own stop trigger), at an end token, or at `num_predict`;
 * - drops re-render triggers and segment definitions, so no text of the value is taken for a "thought"
 *   segment (a reasoning template that opens one at the start of the answer would take all of it).
 */
export function createGrammarChatWrapper(wrapper: ChatWrapper): ChatWrapper {
  const settings = { ...wrapper.settings, segments: undefined };
  const generateContextState: ChatWrapper['generateContextState'] = (options) => {
    const state = wrapper.generateContextState(options);
    return {
      ...state,
      stopGenerationTriggers: state.stopGenerationTriggers.filter(isSpecialTokensOnly),
      rerender: undefined,
    } as ReturnType<ChatWrapper['generateContextState']>;
  };
  return new Proxy(wrapper, {
    get(target, key) {
      if (key === 'settings') return settings;
      if (key === 'generateContextState') return generateContextState;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function isSpecialTokensOnly(trigger: LlamaText): boolean {
  return trigger.values.length > 0 && trigger.values.every((value) => value instanceof SpecialToken);
}
