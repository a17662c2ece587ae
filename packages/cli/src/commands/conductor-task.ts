import {
  ConfigError,
  createLogger,
  createSecretsStore,
  type FleetConfig,
  type Logger,
  resolveOllamaHost,
} from '@biged/core';
import { createAuditedSecretsStore, createLedgerUsageSink, createUsageLedger } from '@biged/queue';
import { CLI_AUDIT_ACTOR } from '../audit-record';
import { createConductor } from '../conductor';
import type { ConductorConfidence } from '../conductor/conductor-schema';
import { type CommandContext, withHostQueue, withStore } from '../context';
import { ConductorNotConfirmedError } from '../errors';
import { secretsFileFor } from './secret';
import {
  type EnqueueOptions,
  enqueueTask,
  type LoadedFleet,
  loadFleet,
  type PreparedTask,
  prepareTask,
} from './submit-task';

// NOTE: README.md ("biged task") documents this flow and the dry-run JSON shape; keep the two in sync.

/** What `biged task --dry-run --json` prints. `confidence` is null for the JSON form (no model involved). */
export interface TaskInterpretationJson {
  skill: string;
  payload: Record<string, unknown>;
  confidence: ConductorConfidence | null;
}

/** How `biged task` runs a task after interpreting it. */
export interface TaskRunOptions extends EnqueueOptions {
  /** Dispatch an unsure interpretation without asking. */
  yes: boolean;
  /** Print the interpretation and dispatch nothing. */
  dryRun: boolean;
}

/** The URL a provider is reached at, for error messages. */
function hostOf(config: FleetConfig, provider: string, ollamaHost: string): string {
  if (provider === 'claude') return config.models.claude_base_url ?? 'https://api.anthropic.com';
  if (provider === 'gemini')
    return config.models.gemini_base_url ?? 'https://generativelanguage.googleapis.com';
  return ollamaHost;
}

/** Debug lines to `logs/cli.log`, only when `[logging] level` is debug or trace (no file otherwise). */
function debugLog(context: CommandContext, config: FleetConfig): Pick<Logger, 'debug'> {
  const level = config.logging.level;
  if (level !== 'debug' && level !== 'trace') return { debug: () => {} };
  let logger: Logger | undefined;
  return {
    debug: (message, fields) => {
      logger ??= createLogger({ logsDir: context.paths.logs, role: 'cli', level });
      logger.debug(message, fields);
    },
  };
}

/** Prints a task's interpretation (`--dry-run`): `{ skill, payload, confidence }` with `--json`. */
export function printInterpretation(context: CommandContext, interpretation: TaskInterpretationJson): void {
  if (context.json) {
    context.printJson(interpretation);
    return;
  }
  context.print(
    `skill       ${interpretation.skill}\n` +
      `payload     ${JSON.stringify(interpretation.payload)}\n` +
      `confidence  ${interpretation.confidence ?? '- (JSON form)'}\n` +
      'nothing was dispatched (--dry-run)\n',
  );
}

/**
 * Asks before dispatching an unsure interpretation: `Dispatch <skill> <payload>? [y/N]` on the terminal.
 * Without one (and without `--yes`) it refuses, and so does any answer but y / yes.
 */
async function confirm(context: CommandContext, prepared: PreparedTask, confidence: ConductorConfidence) {
  const details = { skill: prepared.skill.name, payload: prepared.payload, confidence };
  const { prompt } = context.io;
  if (!prompt) throw new ConductorNotConfirmedError({ reason: 'no-terminal', ...details });
  const answer = await prompt(`Dispatch ${prepared.skill.name} ${JSON.stringify(prepared.payload)}? [y/N] `);
  if (!/^\s*y(?:es)?\s*$/i.test(answer))
    throw new ConductorNotConfirmedError({ reason: 'declined', ...details });
}

/**
 * `biged task "<sentence>"`: asks the conductor model (`[models] conductor_provider` / `conductor_model`)
 * for a task, validates it like `dispatch` does, confirms an unsure one, and queues it. The model call is
 * booked in the usage ledger under skill `conductor`, agent `cli` (and counts against its budget).
 */
export async function runConductorTask(context: CommandContext, sentence: string, options: TaskRunOptions) {
  const fleet: LoadedFleet = await loadFleet(context);
  const { config } = fleet;
  // Lazily: the model SDKs load only for a conductor call, never for other commands.
  const { createFleetRouter } = await import('@biged/model-providers');
  await withHostQueue(context, config, async (queue) => {
    const ollamaHost = resolveOllamaHost({ config, paths: context.paths, env: context.io.env });
    const secretsFile = secretsFileFor(context, undefined);
    const router = createFleetRouter({
      config,
      paths: context.paths,
      ollamaHost,
      env: context.io.env,
      // A cloud conductor's key load is a `secret_read` audit row (the key's name, never its value).
      secrets: createAuditedSecretsStore({
        store: createSecretsStore({
          airGap: config.fleet.air_gap_mode,
          ...(secretsFile ? { file: secretsFile } : {}),
        }),
        audit: queue,
        actor: CLI_AUDIT_ACTOR,
        onAuditError: (error) => context.warn(`could not write the secret_read audit row: ${error.message}`),
      }),
      usage: createLedgerUsageSink({ ledger: createUsageLedger({ queue }), config }),
    });
    const provider = config.models.conductor_provider;
    if (!router.providerIds.includes(provider)) {
      throw new ConfigError({
        code: 'CONFIG_INVALID',
        file: context.paths.config,
        issues: [
          {
            key: 'models.conductor_provider',
            expected: `one of ${router.providerIds.join(', ')}`,
            received: JSON.stringify(provider),
          },
        ],
      });
    }
    const conductor = createConductor({
      router,
      registry: fleet.registry,
      config,
      host: hostOf(config, provider, ollamaHost),
      home: context.home,
      log: debugLog(context, config),
    });
    const interpretation = await conductor.interpret(sentence);
    // The same checks as `dispatch` (paths made absolute, size, network mode, schema).
    const prepared = prepareTask(context, fleet, {
      skill: interpretation.skill,
      payload: interpretation.payload,
    });
    const { confidence } = interpretation;
    if (options.dryRun) {
      printInterpretation(context, { skill: prepared.skill.name, payload: prepared.payload, confidence });
      return;
    }
    context.io.stderr.write(
      `conductor (${interpretation.provider}/${interpretation.model}, confidence ${confidence}): ` +
        `${prepared.skill.name} ${JSON.stringify(prepared.payload)}\n`,
    );
    if (confidence !== 'high' && !options.yes) await confirm(context, prepared, confidence);
    await withStore(context, config, (store) => enqueueTask(context, store, prepared, options));
  });
}
