export type { FakeNvidiaSmi, FakeNvidiaSmiOptions } from './fake-nvidia-smi';
export { createFakeNvidiaSmi } from './fake-nvidia-smi';
export type {
  FakeLoadedModel,
  FakeOllama,
  FakeOllamaOptions,
  FakeOllamaOverride,
  FakeOllamaRequest,
} from './fake-ollama';
export { startFakeOllama } from './fake-ollama';
export type { FakeGpuRow } from './format-nvidia-smi-csv';
export { formatNvidiaSmiCsv } from './format-nvidia-smi-csv';
export { hwStateFixture } from './hw-state-fixture';
