export type { GpuTaskAdmission, GpuTaskRequest, VramThresholds } from './admit-gpu-task';
export { admitGpuTask, normalizeModelName } from './admit-gpu-task';
export type {
  CreateHwMonitorOptions,
  HwMonitor,
  HwMonitorConfig,
  HwMonitorEventListener,
  HwMonitorEventMap,
  UpkeepAction,
} from './create-hw-monitor';
export { createHwMonitor } from './create-hw-monitor';
export type { CreateEnergyMeterOptions, EnergyMeter } from './energy';
export { createEnergyMeter, energyWh } from './energy';
export type { HwMonitorErrorCode, OllamaAdminErrorCode } from './errors';
export { HwMonitorError, OllamaAdminError } from './errors';
export type { HwState, HwStateGpu, HwStateModel } from './hw-state';
export { readHwState, writeHwState } from './hw-state';
export type {
  CreateOllamaAdminOptions,
  KeepAliveOptions,
  OllamaAdmin,
  OllamaLoadedModel,
} from './ollama-admin';
export { createOllamaAdmin } from './ollama-admin';
export type { GpuReading, GpuThrottle, ParsedNvidiaSmi, SkippedLine } from './parse-nvidia-smi-csv';
export { NVIDIA_SMI_QUERY_FIELDS, parseNvidiaSmiCsv, THROTTLE_REASON_BITS } from './parse-nvidia-smi-csv';
export type {
  ExecFileFunction,
  ExecResult,
  GpuRead,
  GpuUnavailableCode,
  ReadGpusOptions,
} from './read-gpus';
export { execFileWithTimeout, nvidiaSmiArgs, readGpus } from './read-gpus';
export type { ReadSystemOptions, SystemInformationSource, SystemReading } from './read-system';
export { readSystem } from './read-system';
export type {
  CreateThermalPolicyOptions,
  EvaluateThermalPolicyOptions,
  PendingSwap,
  SwapCause,
  ThermalDecision,
  ThermalPolicy,
  ThermalPolicyConfig,
  ThermalPolicyState,
  ThermalReading,
  ThermalStatus,
  TierName,
  TierSwap,
} from './thermal-policy';
export {
  createThermalPolicy,
  evaluateThermalPolicy,
  INITIAL_THERMAL_POLICY_STATE,
  TIER_ORDER,
  tierModels,
} from './thermal-policy';
export { VERSION } from './version';
