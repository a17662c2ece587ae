export type { BackupErrorCode, BackupErrorOptions } from './backup-error';
export { BACKUP_ERROR_EXIT_CODES, BackupError } from './backup-error';
export type { CliErrorCode } from './cli-error';
export { CLI_ERROR_EXIT_CODES, CliError } from './cli-error';
export type { ConductorAnswerErrorOptions } from './conductor-answer-error';
export { ConductorAnswerError } from './conductor-answer-error';
export type { ConductorNotConfirmedErrorOptions } from './conductor-not-confirmed-error';
export { ConductorNotConfirmedError } from './conductor-not-confirmed-error';
export type {
  ConductorUnreachableErrorOptions,
  ConductorUnreachableReason,
} from './conductor-unreachable-error';
export { ConductorUnreachableError } from './conductor-unreachable-error';
export { CONDUCTOR_ERROR_EXIT_CODES, exitCodeFor, hintFor, MODULE_ERROR_EXIT_CODES } from './exit-code-for';
export type { ServiceErrorCode, ServiceErrorOptions } from './service-error';
export { ServiceError } from './service-error';
