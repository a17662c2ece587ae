import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentSpec,
  type FleetConfig,
  type FleetPaths,
  type Logger,
  type Task,
  toError,
} from '@biged/core';
import type { ClaimRequest, TaskQueue } from '@biged/queue';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { IdleCurriculumError } from './errors/idle-curriculum-error';
import type { HwStateReader } from './hw-state-reader';

// NOTE: docs/configuration.md ([fleet] idle_*) and packages/fleet/README.md ("Idle work") describe this;
// keep them in sync.

/** Priority of idle tasks: the lowest, so real work always sorts first. */
export const IDLE_TASK_PRIORITY = 1;
/** Largest curriculum file read: 256 KiB. */
const MAX_CURRICULUM_BYTES = 256 * 1024;

/** One weighted entry of a curriculum. */
export interface IdleCurriculumEntry {
  skill: string;
  /** Relative weight (> 0). Default 1. */
  weight: number;
  payload: Record<string, unknown>;
}

const curriculumSchema = z.strictObject({
  skills: z
    .array(
      z.strictObject({
        skill: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'a skill name'),
        weight: z.number().positive().default(1),
        payload: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1, 'at least one [[skills]] entry'),
});

/** Parses curriculum TOML (`[[skills]] skill, weight, payload`). Throws `IdleCurriculumError` naming file and field. */
export function parseIdleCurriculum(text: string, file = 'curriculum.toml'): IdleCurriculumEntry[] {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new IdleCurriculumError({
      code: 'IDLE_CURRICULUM_INVALID',
      file,
      message: `${file}: not valid TOML: ${toError(error).message.split('\n')[0]}`,
      cause: error,
    });
  }
  const parsed = curriculumSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const field = path.map(String).join('.');
    throw new IdleCurriculumError({
      code: 'IDLE_CURRICULUM_INVALID',
      file,
      field,
      message: `${file}: ${field || '(file)'}: ${issue.code === 'unrecognized_keys' ? 'no such key' : issue.message}`,
    });
  }
  return parsed.data.skills;
}

/** Picks an entry by weight with `random()` in [0, 1). */
export function pickByWeight<T extends { weight: number }>(entries: readonly T[], random: () => number): T {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  let point = random() * total;
  for (const entry of entries) {
    point -= entry.weight;
    if (point < 0) return entry;
  }
  return entries[entries.length - 1] as T;
}

/** Options of `createIdleWork`. */
export interface CreateIdleWorkOptions {
  queue: TaskQueue;
  agent: AgentSpec;
  config: FleetConfig;
  paths: FleetPaths;
  log: Logger;
  /** The skills the worker can run; curriculum entries for others are left out. */
  skills: readonly string[];
  /** The hardware monitor's state (eco mode), or false. */
  hwState: HwStateReader | false;
  /** Random numbers in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Wall clock in epoch ms. Default `Date.now`. */
  clock?: () => number;
}

/** The idle-work hook of a worker. */
export interface IdleWork {
  /**
   * Called with what a claim returned. Tasks: the worker is busy (the idle timer restarts) and they are
   * returned as they are. None: when the worker has had no task for `[fleet] idle_timeout_secs` and idle
   * work is allowed now, enqueues one curriculum task (priority 1, assigned to this agent), claims, and
   * returns what the claim got; otherwise returns none.
   */
  after(claimed: Task[], claim: ClaimRequest): Task[];
  /** Why idle work is not allowed now (eco or air-gap mode), or undefined when it is. */
  blockedReason(): string | undefined;
}

/**
 * The worker's idle work: with `[fleet] idle_enabled`, a worker whose claims found nothing for
 * `idle_timeout_secs` takes one task from `<home>/idle_curricula/<role>.toml`, chosen by weight, at
 * priority 1 (at most one per `idle_timeout_secs` while idle). Not in eco mode (`[fleet] eco_mode` or
 * hw_state.json's `eco_mode`) unless `idle_in_eco`, not in air-gap mode unless `idle_in_air_gap`.
 * Returns undefined when idle work is off, or the role has no (usable) curriculum; a bad file is logged.
 */
export function createIdleWork(options: CreateIdleWorkOptions): IdleWork | undefined {
  const { queue, agent, config, paths, log, skills, hwState } = options;
  if (!config.fleet.idle_enabled) return undefined;
  const file = join(paths.home, 'idle_curricula', `${agent.role}.toml`);
  if (!existsSync(file)) return undefined;
  let entries: IdleCurriculumEntry[];
  try {
    const text = readFileSync(file, 'utf8');
    if (Buffer.byteLength(text) > MAX_CURRICULUM_BYTES) {
      throw new IdleCurriculumError({
        code: 'IDLE_CURRICULUM_INVALID',
        file,
        message: `${file}: larger than ${MAX_CURRICULUM_BYTES} bytes`,
      });
    }
    entries = parseIdleCurriculum(text, file);
  } catch (error) {
    log.error('idle curriculum not used', { file, error: toError(error).message });
    return undefined;
  }
  const usable = entries.filter((entry) => skills.includes(entry.skill));
  for (const entry of entries) {
    if (!skills.includes(entry.skill))
      log.warn('idle curriculum skill not installed; left out', { file, skill: entry.skill });
  }
  if (usable.length === 0) return undefined;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const timeoutMs = config.fleet.idle_timeout_secs * 1000;
  let lastWorkAt = clock();

  const blockedReason = (): string | undefined => {
    if (config.fleet.air_gap_mode && !config.fleet.idle_in_air_gap) return 'air-gap mode';
    const eco = config.fleet.eco_mode || (hwState !== false && hwState.current()?.eco_mode === true);
    if (eco && !config.fleet.idle_in_eco) return 'eco mode';
    return undefined;
  };

  return {
    blockedReason,
    after(claimed, claim) {
      const now = clock();
      if (claimed.length > 0) {
        lastWorkAt = now;
        return claimed;
      }
      if (now - lastWorkAt < timeoutMs || blockedReason() !== undefined) return [];
      lastWorkAt = now;
      const entry = pickByWeight(usable, random);
      try {
        const task = queue.enqueue({
          skill: entry.skill,
          payload: entry.payload,
          priority: IDLE_TASK_PRIORITY,
          assignedTo: agent.name,
        });
        log.info('idle work', { taskId: task.id, skill: entry.skill });
        // The claim takes the agent's own assigned task first: the one just enqueued, unless a real task
        // assigned to this agent arrived in between.
        return queue.claimMany(claim, 1);
      } catch (error) {
        log.warn('idle work not enqueued', { skill: entry.skill, error: toError(error).message });
        return [];
      }
    },
  };
}
