import { z } from 'zod';

// NOTE: docs/configuration.md documents every key below; keep the two in sync.
// Sections and keys keep the meaning they have in the original BigEd fleet.toml (the operations manual).
// Keys this version does not know are kept out of the parsed config and reported as one warning each.

const bool = (value: boolean) => z.boolean().default(value);
const nonNegativeInt = z.number().int().min(0);
const positiveNumber = z.number().positive();

/** `[fleet]`: modes and fleet-wide switches. */
export const fleetSectionSchema = z.object({
  /** CPU-only local models; the default mode of the original fleet. */
  eco_mode: bool(false),
  /** External API skills rejected; local models work. */
  offline_mode: bool(false),
  /** Implies offline; dashboard off, secrets not loaded, skill allow-list. */
  air_gap_mode: bool(false),
  /**
   * The skills air-gap mode allows (deny by default: any other skill is refused at dispatch and at run).
   * Default: the built-in skills that never leave the machine.
   */
  air_gap_skills: z
    .array(z.string())
    .default([
      'code_discuss',
      'code_index',
      'code_quality',
      'code_review',
      'flashcards',
      'fma_review',
      'knowledge_search',
      'noop',
      'planner',
      'rag_ingest',
      'rag_query',
      'research_loop',
      'security_audit',
      'security_review',
      'skill_draft',
      'summarize',
      'synthesize',
    ]),
  /** Workers take tasks from `<home>/idle_curricula/<role>.toml` after `idle_timeout_secs` without a task. */
  idle_enabled: bool(false),
  idle_timeout_secs: nonNegativeInt.default(10),
  /** Idle work also in eco mode (`eco_mode`, or hw_state.json's `eco_mode`). */
  idle_in_eco: bool(false),
  /** Idle work also in air-gap mode. */
  idle_in_air_gap: bool(false),
  /** Cap on worker processes started at boot (0 = no cap). */
  max_workers: nonNegativeInt.default(0),
  /** Agents (role names or agent names like `coder_2`) that are not started. */
  disabled_agents: z.array(z.string()).default([]),
  discord_bot_enabled: bool(false),
  openclaw_enabled: bool(false),
  training_check_interval_secs: nonNegativeInt.default(15),
  /** A RUNNING task whose heartbeat is older than this is stale and recovered. */
  stale_task_timeout_secs: positiveNumber.default(120),
  /** How often a worker heartbeats itself and its running task. */
  heartbeat_interval_secs: positiveNumber.default(5),
  /** How often the supervisor runs stale-task recovery. */
  stale_check_interval_secs: positiveNumber.default(30),
  /** How often the supervisor rewrites STATUS.md. */
  status_interval_secs: positiveNumber.default(10),
  /**
   * Run the hardware monitor (the manual's hw_supervisor) as its own process beside the workers, and let
   * workers follow hw_state.json (model tier, GPU-heavy pauses, energy). `false`: no monitor, workers
   * ignore hw_state.json.
   */
  hw_monitor: bool(true),
});

const tiersSchema = z.object({
  /**
   * The default tier's model. Default: `[models] local`, so the hardware monitor's `hw_state.json` `model`
   * is always the model to ask for (the thermal policy resolves it).
   */
  default: z.string().optional(),
  mid: z.string().default('qwen3:4b'),
  low: z.string().default('qwen3:1.7b'),
  critical: z.string().default('qwen3:0.6b'),
});

/** `[models]`: which local and remote models the router uses. */
export const modelsSectionSchema = z.object({
  local: z.string().default('qwen3:8b'),
  complex: z.string().default('qwen3:8b'),
  complex_provider: z.string().default('local'),
  conductor_model: z.string().default('qwen3:4b'),
  /** Provider the conductor (`biged task "<sentence>"`) asks: `local`, `claude` or `gemini`. */
  conductor_provider: z.string().default('local'),
  /** Default Claude model (provider `claude`). */
  claude_model: z.string().default('claude-sonnet-4-5'),
  /** Default Gemini model (provider `gemini`). */
  gemini_model: z.string().default('gemini-2.5-flash'),
  /** Anthropic API base URL, for a proxy or gateway. Default: the SDK's. */
  claude_base_url: z.string().url().optional(),
  /** Gemini API base URL, for a proxy or gateway. Default: the SDK's. */
  gemini_base_url: z.string().url().optional(),
  vision_model: z.string().optional(),
  ollama_host: z.string().url().default('http://localhost:11434'),
  keep_alive_mins: nonNegativeInt.default(30),
  /** Embedding model (on the local provider) for RAG and `router.embed` calls that name none. */
  embed_model: z.string().default('nomic-embed-text'),
  /**
   * Start the embedded local-model backend (`@biged/local-model`) when `ollama_host` does not answer and
   * `local` or `conductor_model` names a GGUF file in the fleet home's `models/` folder.
   */
  embedded: bool(true),
  /** CPU threads for the embedded backend. Default: sized to the machine. */
  embedded_threads: z.number().int().min(1).max(1024).optional(),
  tiers: tiersSchema.prefault({}),
});

/** Published limits of one provider, for `[router.limits.<provider>]`. The router uses `share` of each. */
export const providerLimitsSchema = z.object({
  requests_per_second: positiveNumber.optional(),
  requests_per_minute: positiveNumber.optional(),
  tokens_per_minute: positiveNumber.optional(),
});

/** `[router]`: how the model router paces, retries and falls back. */
export const routerSectionSchema = z.object({
  /** Fraction of each provider's published limits the fleet may use, in (0, 1]. */
  share: z.number().gt(0).max(1).default(0.2),
  /** Minimum time between two request starts to one provider, in ms. */
  min_gap_ms: nonNegativeInt.default(300),
  /** Retries after a retryable failure (429, 5xx, connection reset, timeout), per provider. */
  max_retries: z.number().int().min(0).max(10).default(2),
  /** Backoff before the first retry when the provider sent no `retry-after`, in ms (doubles each retry). */
  retry_initial_delay_ms: nonNegativeInt.default(1000),
  /** One provider attempt longer than this is aborted and counts as a retryable failure. */
  request_timeout_secs: positiveNumber.default(120),
  /** Provider -> the providers (`"local"`) or provider/model pairs (`"local/qwen3:8b"`) tried next. */
  fallback: z.record(z.string(), z.array(z.string())).default({}),
  /** Provider -> its published limits (`[router.limits.claude] requests_per_minute = 50`). */
  limits: z.record(z.string(), providerLimitsSchema).default({}),
});

/** `[workers]`: how many of which role run. */
export const workersSectionSchema = z.object({
  /** Number of coder_N instances (coder_1 … coder_N). */
  coder_count: z.number().int().min(0).max(64).default(1),
  /**
   * Roles started by the supervisor. `coder` expands to coder_1..coder_N.
   * Default: researcher, coder, archivist, analyst, security, planner.
   */
  roles: z.array(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case role name')).optional(),
  nice_level: z.number().int().min(-20).max(19).optional(),
  memory_limit_mb: nonNegativeInt.optional(),
  cpu_limit_percent: nonNegativeInt.optional(),
  /** Grace time for running tasks on shutdown before they are returned to PENDING. */
  shutdown_grace_secs: positiveNumber.default(10),
});

/** `[affinity]`: role -> preferred skills. Agents still take other tasks when nothing preferred waits. */
export const affinitySectionSchema = z.object({ enabled: bool(true) }).catchall(z.array(z.string()));

/** `[thermal]`: limits the hardware monitor enforces. */
export const thermalSectionSchema = z.object({
  gpu_max_sustained_c: z.number().default(75),
  gpu_max_burst_c: z.number().default(85),
  cpu_max_sustained_c: z.number().default(85),
  cooldown_target_c: z.number().default(70),
  cooldown_window_secs: nonNegativeInt.default(120),
  poll_interval_secs: positiveNumber.default(5),
  grace_period_secs: nonNegativeInt.default(20),
  cooldown_after_swap_secs: nonNegativeInt.default(60),
  cpu_temp_enabled: bool(true),
  /**
   * Skills that load the GPU hard: workers do not claim them while hw_state.json says
   * `gpu_heavy_allowed: false` (after a burst over `gpu_max_burst_c`, or while training).
   */
  gpu_heavy_skills: z.array(z.string()).default(['summarize', 'synthesize', 'code_review', 'code_discuss']),
  vram: z
    .object({
      emergency: z.number().min(0).max(1).default(0.92),
      high: z.number().min(0).max(1).default(0.85),
      restore: z.number().min(0).max(1).default(0.6),
    })
    .prefault({}),
});

/** `[budgets]`: USD per skill per period. */
export const budgetsSectionSchema = z
  .object({
    period: z.enum(['day', 'week', 'month']).default('day'),
    enforcement: z.enum(['warn', 'throttle', 'block']).default('warn'),
  })
  .catchall(z.number().min(0));

/** `[dashboard]`. */
export const dashboardSectionSchema = z.object({
  enabled: bool(true),
  port: z.number().int().min(1).max(65535).default(5555),
  bind_address: z.string().default('127.0.0.1'),
  auto_open: bool(false),
  /**
   * Extra host names (no scheme, no port) the dashboard answers to in the `Host` header, besides the
   * loopback names and the bind address: the names a non-loopback bind is reached by (DNS rebinding guard).
   */
  allowed_hosts: z
    .array(
      z
        .string()
        .regex(
          /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})?)*|\[[0-9A-Fa-f:.]+\])$/,
          'must be a host name or address without scheme or port, e.g. "biged.lan" or "[fd00::1]"',
        ),
    )
    .default([]),
  /**
   * Origins (`http(s)://host[:port]`) other than the dashboard's own whose browser pages may read the API
   * (GET only, with CORS headers); POSTs from any other origin are refused even with the token.
   */
  cors_origins: z
    .array(
      z
        .string()
        .regex(
          /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/,
          'must be an origin like "http://grafana.lan:3000" (scheme, host, optional port; no path)',
        ),
    )
    .default([]),
});

/** `[launcher]`. */
export const launcherSectionSchema = z.object({
  profile: z.enum(['minimal', 'research', 'consulting', 'full']).default('research'),
  tabs: z.record(z.string(), z.boolean()).default({}),
  profiles: z.record(z.string(), z.object({ modules: z.array(z.string()).default([]) })).default({}),
  close_behavior: z.string().optional(),
  start_minimized: z.boolean().optional(),
  tray_notifications: z.boolean().optional(),
});

/** `[modules]`: the Module Hub. */
export const modulesSectionSchema = z.object({
  /** The public hub: a registry.json URL, a folder URL holding one, or a GitHub repository URL. "" = none. */
  hub_url: z.string().default('https://github.com/mbachaud/BigEd-ModuleHub'),
  /** A private organisation hub, asked before `hub_url` (same forms). "" = none. */
  enterprise_hub_url: z.string().default(''),
  /** Kept for old fleet.toml files; the Module Hub always verifies SHA-256 and ignores `false` (with a warning). */
  verify_checksums: bool(true),
  /**
   * A local registry folder (registry.json + bundles; relative to the fleet home), asked first. Works
   * offline and in air-gap mode, where the URL hubs are skipped.
   */
  registry_dir: z.string().min(1).optional(),
  /**
   * Publisher name -> ed25519 public key (base64 of the 32 raw bytes or of the SPKI DER, or a PEM block).
   * When any key is set, every install needs a signature one of them verifies.
   */
  publisher_keys: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a publisher name'), z.string().min(1))
    .default({}),
});

const zoneAccess = z.enum(['read', 'read_write', 'full']);

/** `[filesystem]`: zones, per-skill overrides, enterprise enforcement. */
export const filesystemSectionSchema = z.object({
  zones: z.record(z.string(), z.object({ path: z.string(), access: zoneAccess.default('read') })).default({}),
  overrides: z
    .record(z.string(), z.object({ zones: z.array(z.string()), access: zoneAccess.default('read') }))
    .default({}),
  enterprise: z
    .object({
      enforce: bool(false),
      deny_by_default: bool(true),
      log_all_access: bool(true),
    })
    .prefault({}),
});

/** `[queue]`: the durable store. */
export const queueSectionSchema = z.object({
  /** `sqlite:` path (relative to the fleet home) or a `postgres://` URL. Default: fleet.db in the home. */
  url: z.string().optional(),
  /** Largest payload accepted, in bytes of UTF-8 JSON. */
  max_payload_bytes: z
    .number()
    .int()
    .min(64)
    .default(1024 * 1024),
  /** Default attempts before a task is FAILED for good. */
  max_attempts: z.number().int().min(1).max(100).default(3),
  /** Default per-task timeout when the skill declares none. */
  default_timeout_secs: positiveNumber.default(600),
});

/** `[naming]`: how this host's agents are named in a fleet that spans hosts. */
export const namingSectionSchema = z.object({
  /**
   * This host's name in a multi-host fleet: agents are `<agent>@<device_name>`. Lowercase letters, digits,
   * `_ . -`. Default: the machine's hostname, lowercased, on a PostgreSQL queue; unset (plain agent names)
   * on SQLite unless given.
   */
  device_name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a device name: lowercase letters, digits, _ . - (at most 63)')
    .optional(),
});

/** `[training]`. */
export const trainingSectionSchema = z.object({
  exclusive_lock: bool(true),
  lock_timeout_secs: positiveNumber.default(7200),
});

/** `[logging]`. */
export const loggingSectionSchema = z.object({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  max_log_size_mb: positiveNumber.default(50),
  session_retention: nonNegativeInt.default(10),
});

/** `[skills]`: where third-party skills come from. */
export const skillsSectionSchema = z.object({
  /** Directories (relative to the fleet home) whose .js/.mjs files export skills. */
  dirs: z.array(z.string()).default([]),
  /** npm packages that export skills. */
  packages: z.array(z.string()).default([]),
  /** Per-skill timeout overrides in seconds (the manual's SKILL_TIMEOUTS). */
  timeouts: z.record(z.string(), positiveNumber).default({}),
});

/**
 * One `[[schedules]]` entry: a recurring task the supervisor enqueues (synced into the queue's
 * `schedules` table; see @biged/queue "Schedules"). The cron expression and time zone are checked when
 * the supervisor syncs them.
 */
export const scheduleEntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'a schedule name (letters, digits, _ . -)'),
  /** 5 fields (minute hour day month weekday), or 6 with seconds first. */
  cron: z.string().min(1),
  skill: z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'a skill name'),
  payload: z.record(z.string(), z.unknown()).default({}),
  priority: z.number().int().min(1).max(10).default(5),
  /** Due times missed while the fleet was down: `skip` them, or run `once` for all of them. */
  catch_up: z.enum(['skip', 'once']).default('skip'),
  /** IANA time zone the cron is read in. Default UTC. */
  timezone: z.string().min(1).optional(),
  enabled: bool(true),
});

/** The whole fleet.toml. Every section is optional; defaults fill the rest. */
export const fleetConfigSchema = z.object({
  fleet: fleetSectionSchema.prefault({}),
  models: modelsSectionSchema.prefault({}),
  router: routerSectionSchema.prefault({}),
  workers: workersSectionSchema.prefault({}),
  affinity: affinitySectionSchema.prefault({}),
  thermal: thermalSectionSchema.prefault({}),
  budgets: budgetsSectionSchema.prefault({}),
  dashboard: dashboardSectionSchema.prefault({}),
  launcher: launcherSectionSchema.prefault({}),
  modules: modulesSectionSchema.prefault({}),
  filesystem: filesystemSectionSchema.prefault({}),
  queue: queueSectionSchema.prefault({}),
  naming: namingSectionSchema.prefault({}),
  training: trainingSectionSchema.prefault({}),
  logging: loggingSectionSchema.prefault({}),
  skills: skillsSectionSchema.prefault({}),
  schedules: z.array(scheduleEntrySchema).default([]),
});

/** A validated fleet.toml with every default applied. */
export type FleetConfig = z.output<typeof fleetConfigSchema>;
/** What a fleet.toml may contain before defaults. */
export type FleetConfigInput = z.input<typeof fleetConfigSchema>;
