export type { GeminiProviderOptions } from './gemini-provider';
export { createGeminiProvider } from './gemini-provider';
