export type { OllamaProviderOptions } from './ollama-provider';
export { createOllamaProvider } from './ollama-provider';
