export type {
  EmbeddedOllama,
  EmbeddedOllamaLogger,
  StartEmbeddedOllamaOptions,
} from './embedded-ollama-server';
export { defaultThreadCount, startEmbeddedOllama } from './embedded-ollama-server';
export { LocalModelBackendError, LocalModelNotFoundError, LocalModelRequestError } from './errors';
export { DEFAULT_KEEP_ALIVE_MS, parseKeepAlive } from './keep-alive';
export type { TestModelInfo, WriteTestModelOptions } from './make-test-model';
export { writeTestModel } from './make-test-model';
export type { LoadedModelInfo } from './model-pool';
export { VERSION } from './version';
