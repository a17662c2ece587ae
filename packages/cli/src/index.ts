export type { BudgetJson, BudgetsJson } from './commands/budget';
export type { TaskInterpretationJson } from './commands/conductor-task';
export type { AvailableModuleJson, InstalledModuleJson } from './commands/module';
export type { SkillJson } from './commands/skill';
export type { AgentJson, StatusJson } from './commands/status';
export type { SupervisorStatus } from './commands/supervisor-status';
export type { UsageJson, UsageRowJson, UsageTotalsJson } from './commands/usage';
export type { UsageDeltaJson, UsageDeltaRowJson } from './commands/usage-delta';
export type {
  BuildConductorSchemaOptions,
  Conductor,
  ConductorConfidence,
  ConductorInterpretation,
  ConductorSchema,
  ConductorSkippedSkill,
  ConductorTask,
  CreateConductorOptions,
} from './conductor';
export {
  buildConductorPrompt,
  buildConductorSchema,
  CONDUCTOR_CONFIDENCE_LEVELS,
  CONDUCTOR_MAX_OUTPUT_TOKENS,
  CONDUCTOR_MAX_SENTENCE_CHARS,
  createConductor,
  parseConductorAnswer,
} from './conductor';
export type {
  CliErrorCode,
  ConductorAnswerErrorOptions,
  ConductorNotConfirmedErrorOptions,
  ConductorUnreachableErrorOptions,
  ConductorUnreachableReason,
} from './errors';
export {
  CLI_ERROR_EXIT_CODES,
  CliError,
  CONDUCTOR_ERROR_EXIT_CODES,
  ConductorAnswerError,
  ConductorNotConfirmedError,
  ConductorUnreachableError,
  exitCodeFor,
  MODULE_ERROR_EXIT_CODES,
} from './errors';
export type { ExitCode } from './exit-codes';
export { EXIT_CODES, ISSUES_URL } from './exit-codes';
export type { CliIO, CliIOOptions, CliPrompt, TextSink } from './io';
export type { TaskJson } from './output/task-json';
export type { CreateProgramOptions } from './program';
export { createProgram, renderError, run } from './program';
export { VERSION } from './version';
