export { buildConductorPrompt, describePayload } from './conductor-prompt';
export type {
  BuildConductorSchemaOptions,
  ConductorConfidence,
  ConductorSchema,
  ConductorSkippedSkill,
} from './conductor-schema';
export { buildConductorSchema, CONDUCTOR_CONFIDENCE_LEVELS, payloadJsonSchema } from './conductor-schema';
export type { Conductor, ConductorInterpretation, CreateConductorOptions } from './create-conductor';
export {
  CONDUCTOR_MAX_OUTPUT_TOKENS,
  CONDUCTOR_MAX_SENTENCE_CHARS,
  createConductor,
} from './create-conductor';
export type { ConductorTask, ParseConductorAnswerOptions } from './parse-conductor-answer';
export { parseConductorAnswer } from './parse-conductor-answer';
export type { ConductorTarget } from './to-conductor-error';
export { findModelCallError, toConductorError } from './to-conductor-error';
