export type { HwMonitorErrorCode } from './hw-monitor-error';
export { HwMonitorError } from './hw-monitor-error';
export type { OllamaAdminErrorCode } from './ollama-admin-error';
export { OllamaAdminError } from './ollama-admin-error';
