import type { FleetConfig, Logger, Router } from '@biged/core';
import type { SkillRegistry } from '@biged/skill-sdk';
import { CliError } from '../errors';
import { networkModeOf } from '../network-mode';
import { buildConductorPrompt } from './conductor-prompt';
import { buildConductorSchema, type ConductorSchema } from './conductor-schema';
import { type ConductorTask, parseConductorAnswer } from './parse-conductor-answer';
import { toConductorError } from './to-conductor-error';

/** The longest sentence `biged task` sends to the conductor, in characters. */
export const CONDUCTOR_MAX_SENTENCE_CHARS = 4_000;

/** The conductor's answer limit, in tokens: a task is short, and a model that rambles must stop. */
export const CONDUCTOR_MAX_OUTPUT_TOKENS = 1_024;

/** Options for `createConductor`. */
export interface CreateConductorOptions {
  /** The fleet's model router (`createFleetRouter`); the call is booked under skill `conductor`, agent `cli`. */
  router: Pick<Router, 'call'>;
  /** Every skill the fleet can run; the schema and prompt are built from it. */
  registry: Pick<SkillRegistry, 'list'>;
  /** The fleet config: `[models] conductor_provider` / `conductor_model`, and the network mode. */
  config: FleetConfig;
  /** Where the provider is reached (the Ollama URL for `local`), for error messages. */
  host: string;
  /** The fleet home, for error hints (`<home>/models`). */
  home: string;
  /** Receives a debug line for each skill left out of the schema. Default: nowhere. */
  log?: Pick<Logger, 'debug'>;
  /** Answer limit in tokens. Default `CONDUCTOR_MAX_OUTPUT_TOKENS` (1024). */
  maxOutputTokens?: number;
}

/** A validated interpretation of a sentence, and who made it. */
export interface ConductorInterpretation extends ConductorTask {
  /** The provider that answered (after any fallback). */
  provider: string;
  /** The model that answered. */
  model: string;
}

/** Turns plain sentences into tasks. */
export interface Conductor {
  /** The structured-output schema and the skills it offers. */
  readonly schema: ConductorSchema;
  /** The provider asked (`[models] conductor_provider`). */
  readonly provider: string;
  /** The model asked for: `[models] conductor_model` for `local`, the provider's default model otherwise. */
  readonly model: string;
  /**
   * Asks the conductor model for `{ task: { skill, payload }, confidence }` and validates the answer.
   * Throws `ConductorUnreachableError`, `ConductorAnswerError`, or the router's own error (`ROUTER_OFFLINE`,
   * a budget, a missing key).
   */
  interpret(sentence: string, options?: { signal?: AbortSignal }): Promise<ConductorInterpretation>;
}

/**
 * Creates the conductor: the model behind `biged task "<sentence>"`. Its answer is constrained by
 * structured output to the registered skills' payload schemas (`buildConductorSchema`), asked greedily
 * (temperature 0) with a bounded answer length, and validated with the chosen skill's zod schema.
 * Throws `CliError` (`CLI_CONDUCTOR_NO_SKILLS`) when no skill is left to choose from.
 */
export function createConductor(options: CreateConductorOptions): Conductor {
  const { router, config } = options;
  const provider = config.models.conductor_provider;
  // conductor_model names a local model (an Ollama tag or a GGUF file); external providers use their default.
  const model = provider === 'local' ? config.models.conductor_model : undefined;
  const shownModel = model ?? defaultModelOf(config, provider);
  const schema = buildConductorSchema({
    registry: options.registry,
    mode: networkModeOf(config),
    airGapSkills: config.fleet.air_gap_skills,
    ...(options.log ? { log: options.log } : {}),
  });
  if (schema.skills.length === 0) {
    throw new CliError({
      code: 'CLI_CONDUCTOR_NO_SKILLS',
      message: `the conductor has no skill to choose from (left out: ${schema.skipped.map(({ name, reason }) => `${name} (${reason})`).join(', ') || 'none registered'})`,
      hint: 'turn off [fleet] offline_mode / air_gap_mode for network skills, or add skills with [skills] dirs / packages',
    });
  }
  const system = buildConductorPrompt(schema.skills);

  return {
    schema,
    provider,
    model: shownModel,
    async interpret(sentence, { signal } = {}) {
      const text = sentence.trim();
      if (text.length === 0 || text.length > CONDUCTOR_MAX_SENTENCE_CHARS) {
        throw new CliError({
          code: 'CLI_TASK_INVALID_TEXT',
          message:
            text.length === 0
              ? 'the task is empty: say what to do, e.g. biged task "index the code in ."'
              : `the task is ${text.length} characters; the conductor takes at most ${CONDUCTOR_MAX_SENTENCE_CHARS}`,
          hint: `shorten it, or give the task with the JSON form: biged task '{"skill":"<skill>", ...}'`,
        });
      }
      const target = { provider, model: shownModel, host: options.host, home: options.home };
      let result: Awaited<ReturnType<Router['call']>>;
      try {
        result = await router.call({
          provider,
          ...(model ? { model } : {}),
          system,
          prompt: text,
          json: schema.schema,
          temperature: 0,
          maxOutputTokens: options.maxOutputTokens ?? CONDUCTOR_MAX_OUTPUT_TOKENS,
          skill: 'conductor',
          agent: 'cli',
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        throw toConductorError(error, target);
      }
      const task = parseConductorAnswer({
        answer: result.json,
        text: result.text,
        skills: schema.skills,
        provider: result.provider,
        model: result.model,
      });
      return { ...task, provider: result.provider, model: result.model };
    },
  };
}

/** The model the router picks for an external provider that is asked for none (`[models] <provider>_model`). */
function defaultModelOf(config: FleetConfig, provider: string): string {
  if (provider === 'claude') return config.models.claude_model;
  if (provider === 'gemini') return config.models.gemini_model;
  return `the default model of ${provider}`;
}
