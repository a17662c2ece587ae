import type { Router } from '@biged/core';
import { SkillModelsUnavailableError } from './errors/skill-models-unavailable-error';
import type { SkillModels } from './skill-v1';

/** The part of the model router (`createRouter` in `@biged/core`) a skill host hands to skills. */
export type SkillModelRouter = Pick<Router, 'call' | 'stream' | 'embed'>;

/** Options for `createSkillModels`. */
export interface CreateSkillModelsOptions {
  /** The router calls go to. Undefined: every call rejects with `SkillModelsUnavailableError`. */
  router: SkillModelRouter | undefined;
  /** The running skill's name, booked on every call (usage ledger, budgets). */
  skill: string;
  /** The agent running it, booked on every call. */
  agent: string;
  /** The task's signal: aborting it cancels every call in flight. */
  signal: AbortSignal;
}

/** Combines the task's signal with the caller's, so either cancels the call. */
function joinSignals(task: AbortSignal, call: AbortSignal | undefined): AbortSignal {
  return call ? AbortSignal.any([task, call]) : task;
}

/**
 * Builds `ctx.models`: the router with the skill, agent and task signal filled in on every call, so a
 * skill cannot book its usage to another skill's budget or outlive its task.
 */
export function createSkillModels({ router, skill, agent, signal }: CreateSkillModelsOptions): SkillModels {
  const need = (): SkillModelRouter => {
    if (!router) throw new SkillModelsUnavailableError({ skill });
    return router;
  };
  return {
    available: router !== undefined,
    async call(request) {
      return need().call({ ...request, skill, agent, signal: joinSignals(signal, request.signal) });
    },
    stream(request) {
      return need().stream({ ...request, skill, agent, signal: joinSignals(signal, request.signal) });
    },
    async embed(request) {
      return need().embed({ ...request, skill, agent, signal: joinSignals(signal, request.signal) });
    },
  };
}
