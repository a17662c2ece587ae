export type { AnthropicProviderOptions } from './anthropic/anthropic-provider';
export { createAnthropicProvider } from './anthropic/anthropic-provider';
export type { CreateFleetRouterOptions } from './create-fleet-router';
export { createFleetRouter } from './create-fleet-router';
export type { GeminiProviderOptions } from './gemini/gemini-provider';
export { createGeminiProvider } from './gemini/gemini-provider';
export type { OllamaProviderOptions } from './ollama/ollama-provider';
export { createOllamaProvider } from './ollama/ollama-provider';
export { VERSION } from './version';
