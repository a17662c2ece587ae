// NOTE: @biged/core's fleet-config-schema.ts defines these keys and defaults; keep this template in sync.
// A test parses it with the real schema and fails on any unknown key.

/** The fleet.toml `biged init` writes: every section present, every key commented out at its default. */
export const FLEET_TOML_TEMPLATE = `# BigEd CC fleet configuration.
#
# Every key below is commented out and shows its default. Uncomment a line to change it.
# Unknown keys are ignored with a warning; a wrong type stops the fleet with an error that
# names this file and the key. Durations end in _secs, sizes in _bytes or _mb.

[fleet]
# eco_mode = false                 # CPU-only local models
# offline_mode = false             # reject skills that call external APIs; local models still work
# air_gap_mode = false             # implies offline; also no dashboard and no secrets
# max_workers = 0                  # cap on worker processes started at boot (0 = no cap)
# disabled_agents = []             # role or agent names not started, e.g. ["security", "coder_2"]
# heartbeat_interval_secs = 5      # how often a worker heartbeats itself and its running task
# stale_task_timeout_secs = 120    # a RUNNING task silent this long goes back to PENDING
# stale_check_interval_secs = 30   # how often the supervisor looks for stale tasks
# status_interval_secs = 10        # how often the supervisor rewrites STATUS.md

[workers]
# roles = ["researcher", "coder", "archivist", "analyst", "security", "planner"]
# coder_count = 1                  # "coder" in roles expands to coder_1 .. coder_N
# shutdown_grace_secs = 10         # on stop, running tasks get this long before going back to PENDING

[models]
# local = "qwen3:8b"
# complex = "qwen3:8b"
# complex_provider = "local"
# conductor_model = "qwen3:4b"     # parses natural-language tasks into a skill and payload
# ollama_host = "http://localhost:11434"
# keep_alive_mins = 30

[affinity]
# Role (or agent name) -> skills it prefers. Agents still take other work when nothing preferred waits.
# enabled = true
# coder = ["code_index"]
# researcher = ["knowledge_search"]

[queue]
# url = "/srv/biged/fleet.db"     # the queue database; default: fleet.db in this directory
# max_payload_bytes = 1048576      # largest task payload accepted (1 MiB of JSON)
# max_attempts = 3                 # tries before a task is FAILED for good
# default_timeout_secs = 600       # per-task timeout when the skill declares none

[skills]
# dirs = []                        # directories (relative to this one) of .js/.mjs skill files
# packages = []                    # npm packages that export skills

[skills.timeouts]
# Per-skill timeout overrides in seconds (the manual's SKILL_TIMEOUTS).
# code_index = 900

[logging]
# level = "info"                   # trace, debug, info, warn, error, fatal or silent
# max_log_size_mb = 50
# session_retention = 10

[dashboard]
# enabled = true
# port = 5555
# bind_address = "127.0.0.1"

[training]
# exclusive_lock = true            # one training run at a time (see \`biged locks\`)
# lock_timeout_secs = 7200

[budgets]
# period = "day"                   # day, week or month
# enforcement = "warn"             # warn, throttle or block
# summarize = 0.50                 # USD per skill per period
`;
