import type { Dirent, Stats } from 'node:fs';
import type {
  FleetConfig,
  FleetPaths,
  Logger,
  RouterEmbedRequest,
  RouterEmbedResult,
  RouterRequest,
  RouterResult,
  RouterStreamPart,
} from '@biged/core';
import type { z } from 'zod';

/**
 * A zod schema a skill validates its payload with. Any zod 4 schema fits; `z.object({...})` (or
 * `z.strictObject`, which also rejects misspelt keys) is the usual choice.
 */
export type SkillPayloadSchema = z.ZodType;

/** The task a skill is running for. */
export interface SkillTaskInfo {
  /** The task id in the queue. */
  id: number;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /** The agent (worker) running it, e.g. `coder_1`. */
  agent: string;
}

/** What a skill asks `ctx.queue.spawn()` to enqueue. */
export interface SpawnTaskInput {
  /** The skill the child task runs. */
  skill: string;
  /** Its payload (validated by that skill when it runs). */
  payload: Record<string, unknown>;
  /** 1 (lowest) to 10 (highest). Default: the queue's default priority (5). */
  priority?: number;
}

/** What a skill asks a human through `ctx.queue.askHuman()`. */
export interface AskHumanInput {
  /**
   * The question, non-empty, at most 4000 characters. An answer is found again by this exact text, so
   * keep it stable across runs; ask a different question to get a new answer.
   */
  question: string;
  /** A JSON object the human sees with the question (a diff, a plan), at most 64 KiB. Default none. */
  context?: Record<string, unknown>;
}

/** A human's answer, as `ctx.queue.askHuman()` resolves with it (a rejection fails the task instead). */
export interface HumanAnswer {
  /** The id of the answered request (`biged hitl list --all`). */
  requestId: number;
  /**
   * `approved`, `feedback` (see `response`), `more_info` (a research_loop task ran first: see
   * `followUpResult`) or `discuss` (a code_discuss task ran first: see `followUpResult`).
   */
  status: 'approved' | 'feedback' | 'more_info' | 'discuss';
  /** The human's words (a note, the feedback, what to research, the topic), or null. */
  response: string | null;
  /** The research_loop / code_discuss task the answer created, or null. */
  followUpTaskId: number | null;
  /** That task's result (more_info, discuss). */
  followUpResult?: unknown;
}

/** The queue as a skill sees it. */
export interface SkillQueue {
  /**
   * Enqueues a child task and resolves with its id. The host sets the child's parent id to the
   * running task, so skills never pass it.
   */
  spawn(input: SpawnTaskInput): Promise<number>;
  /**
   * Asks a human. Resolves with the answer when this task already has one to this question (a re-run
   * after the answer); otherwise rejects with `HumanInputRequiredError`, which the skill lets propagate:
   * the worker parks the task in WAITING_HUMAN and runs it again once a human answered. A rejection
   * ends the task FAILED, so `run` never sees it.
   */
  askHuman(input: AskHumanInput): Promise<HumanAnswer>;
}

/** Options for `SkillFs.walk`. */
export interface SkillWalkOptions {
  /**
   * Entries to skip: either names (a directory or file whose name equals one of them is skipped, with
   * everything under it) or a predicate over each entry. Default: nothing skipped.
   */
  ignore?: readonly string[] | ((entry: SkillWalkIgnoreEntry) => boolean);
  /** Stop after yielding this many files. Default: no limit. */
  maxFiles?: number;
}

/** What an `ignore` predicate of `SkillFs.walk` sees. */
export interface SkillWalkIgnoreEntry {
  /** The entry's base name. */
  name: string;
  /** Path relative to the walked directory, with `/` separators. */
  relativePath: string;
  /** True for directories (returning true skips the whole subtree). */
  isDirectory: boolean;
}

/** One file yielded by `SkillFs.walk`. */
export interface SkillWalkEntry {
  /** Absolute path. */
  path: string;
  /** Path relative to the walked directory, with `/` separators (stable across platforms). */
  relativePath: string;
  /** Base name. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, ms since the epoch. */
  mtimeMs: number;
}

/**
 * Guarded file access for skills. Every path is resolved to an absolute real path (symlinks followed)
 * and must lie inside an allowed root, or the call throws `SkillFsError` (`FS_ACCESS_DENIED`).
 * Reading is allowed inside the read roots and the write roots; writing inside the write roots only.
 * Relative paths resolve against the guard's `cwd`.
 */
export interface SkillFs {
  /** The roots reads are allowed inside (write roots included), absolute. */
  readonly readRoots: readonly string[];
  /** The roots writes are allowed inside, absolute. */
  readonly writeRoots: readonly string[];
  /** Reads a whole file as bytes. */
  readFile(path: string): Promise<Buffer>;
  /** Reads a whole file as text. */
  readFile(path: string, encoding: BufferEncoding): Promise<string>;
  /**
   * Writes a whole file atomically: the data goes to a temp file beside it, which is then renamed over
   * the target, so readers never see half a file. Parent directories are created.
   */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Appends to a file (created if missing, parent directories too). Not atomic. */
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Lists a directory's entry names. */
  readdir(path: string): Promise<string[]>;
  /** Lists a directory's entries with their types. */
  readdir(path: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  /** Stats a path (symlinks followed). */
  stat(path: string): Promise<Stats>;
  /** Creates a directory and its parents (no error if it exists). */
  mkdir(path: string): Promise<void>;
  /** True when the path exists. Still throws `FS_ACCESS_DENIED` for a path outside the read roots. */
  exists(path: string): Promise<boolean>;
  /** The absolute real path of `path` (checked for read access). */
  realpath(path: string): Promise<string>;
  /**
   * Yields every regular file under `dir`: a directory's files first (sorted by name), then its
   * subdirectories the same way, depth first. Symbolic links are skipped (no loops, no escapes).
   */
  walk(dir: string, options?: SkillWalkOptions): AsyncIterable<SkillWalkEntry>;
}

/**
 * A model request from a skill: the router's request (`prompt` or `messages`, optional `json` schema,
 * `provider`, `model`, ...) without the fields the host fills in (`skill`, `agent`). A `signal` given here
 * is combined with the task's.
 */
export type SkillModelRequest = Omit<RouterRequest, 'skill' | 'agent'>;

/** An embedding request from a skill (see `SkillModelRequest`). */
export type SkillEmbedRequest = Omit<RouterEmbedRequest, 'skill' | 'agent'>;

/**
 * Language models, as a skill reaches them: only through the fleet's model router, which rate-limits,
 * retries, falls back, books usage and cost to this skill, and enforces its budget and the fleet's
 * offline and air-gap modes. The task's signal cancels every call.
 */
export interface SkillModels {
  /** False when the host has no router; every call then rejects with `SkillModelsUnavailableError`. */
  readonly available: boolean;
  /** One full answer (with `json`: the parsed structured output in `result.json`). */
  call(request: SkillModelRequest): Promise<RouterResult>;
  /** The answer as it is generated. */
  stream(request: SkillModelRequest): AsyncIterable<RouterStreamPart>;
  /** Embedding vectors (default model: `[models] embed_model` on the local provider). */
  embed(request: SkillEmbedRequest): Promise<RouterEmbedResult>;
}

/** Everything a skill's `run` gets besides its payload. */
export interface SkillContext {
  /** The fleet's validated fleet.toml. */
  config: FleetConfig;
  /** A logger already tagged with the task; use it instead of `console`. */
  log: Logger;
  /**
   * Aborted when the task times out or is cancelled. Check it between units of work
   * (`ctx.signal.throwIfAborted()`) and pass it to `fetch` and child processes.
   */
  signal: AbortSignal;
  /** Guarded file access (see `SkillFs`). */
  fs: SkillFs;
  /** Spawns child tasks. */
  queue: SkillQueue;
  /** The fleet home and the well-known paths inside it. */
  paths: FleetPaths;
  /** The task being run. */
  task: SkillTaskInfo;
  /** Language models through the fleet's router (see `SkillModels`). */
  models: SkillModels;
}

/**
 * The skill contract, version 1. Build one with `defineSkill()`; hosts recognise a skill by
 * `specificationVersion === 'v1'`, a `name` and a `run` function, never by `instanceof`, so skills built
 * against another copy of the SDK still load.
 */
export interface SkillV1<Schema extends SkillPayloadSchema = SkillPayloadSchema, Result = unknown> {
  /** Contract version; a new version gets a new file and type. */
  readonly specificationVersion: 'v1';
  /** Unique name, `/^[a-z][a-z0-9_]*$/`, e.g. `code_index`. Tasks name their skill with it. */
  readonly name: string;
  /** One or two sentences: what the skill does and what it returns. Shown in `biged skills`. */
  readonly description: string;
  /** Validates (and defaults) the task payload before `run` sees it. */
  readonly payload: Schema;
  /** True when the skill needs the internet; such skills are refused in offline and air-gap modes. */
  readonly requiresNetwork: boolean;
  /** How long a run may take before it is aborted, in milliseconds. */
  readonly timeoutMs: number;
  /** Roles this skill suits (informational; routing uses `[affinity]` in fleet.toml). */
  readonly roles: readonly string[];
  /** Does the work. Returns a JSON-serialisable value, stored as the task's result. */
  run(payload: z.output<Schema>, context: SkillContext): Result | Promise<Result>;
}
