export type { AnthropicProviderOptions } from './anthropic-provider';
export { createAnthropicProvider } from './anthropic-provider';
