export type { CliErrorCode } from './cli-error';
export { CLI_ERROR_EXIT_CODES, CliError } from './cli-error';
export { exitCodeFor, hintFor } from './exit-code-for';
