import { type FleetConfig, fleetPaths, queueOptionsFromConfig } from '@biged/core/startup';
import type { Command } from 'commander';
import { contextFor, loadFleetConfigCached, type ProgramSession, requireHome } from '../context-core';
import { CliError } from '../errors';
import { secretsFileFor } from '../secrets-file';

/** Options of `biged ui`. */
interface UiOptions {
  tab?: string;
  refresh?: string;
}

/** The system prompt of the launcher's manual chat. */
const CHAT_SYSTEM =
  'You are the local model of a BigEd CC fleet, chatting with its operator. Answer briefly.';

/** Options of `createUiChat`. */
export interface CreateUiChatOptions {
  /** The fleet home. */
  home: string;
  /** Its fleet.toml. */
  config: FleetConfig;
  /** Environment (`BIGED_OLLAMA_HOST`, provider keys). */
  env: NodeJS.ProcessEnv;
  /** The secrets file (`BIGED_SECRETS_FILE`). Default: the store's own default. */
  secretsFile?: string;
}

/**
 * The manual chat of the Fleet Comm tab: the fleet's router, built at the first message (so the launcher
 * starts without loading any provider SDK), calls the `local` provider with `[models] local`; the call is
 * booked in the usage ledger under skill `manual_chat`, agent `ui`. Returns the chat and its cleanup.
 */
export function createUiChat(options: CreateUiChatOptions) {
  const { home, config, env } = options;
  let ready: Promise<(prompt: string) => Promise<string>> | undefined;
  let closeQueue: (() => void) | undefined;
  const build = async () => {
    const [
      { createFleetRouter },
      { createQueue, createLedgerUsageSink, createUsageLedger },
      { createSecretsStore, resolveOllamaHost },
    ] = await Promise.all([import('@biged/model-providers'), import('@biged/queue'), import('@biged/core')]);
    const queue = createQueue(queueOptionsFromConfig(config, home));
    closeQueue = () => queue.close();
    const paths = fleetPaths(home);
    const router = createFleetRouter({
      config,
      paths,
      ollamaHost: resolveOllamaHost({ config, paths, env }),
      env,
      secrets: createSecretsStore({
        airGap: config.fleet.air_gap_mode,
        ...(options.secretsFile ? { file: options.secretsFile } : {}),
      }),
      usage: createLedgerUsageSink({ ledger: createUsageLedger({ queue }), config }),
    });
    return async (prompt: string) => {
      const result = await router.call({
        provider: 'local',
        model: config.models.local,
        system: CHAT_SYSTEM,
        prompt,
        skill: 'manual_chat',
        agent: 'ui',
      });
      return result.text;
    };
  };
  return {
    chat: async (prompt: string) => {
      ready ??= build();
      return (await ready)(prompt);
    },
    close: () => closeQueue?.(),
  };
}

/**
 * Imports @biged/ui. Ink decides once, when it is first imported, whether it runs in CI (`CI` or
 * `CONTINUOUS_INTEGRATION` set), and then draws only the last frame on exit. `biged ui` has already checked
 * that it runs on a terminal, so someone is watching: hide those variables for the import, then restore them.
 */
async function importLauncher() {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  process.env.CI = 'false';
  process.env.CONTINUOUS_INTEGRATION = 'false';
  try {
    return await import('@biged/ui');
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * `biged ui [--tab <tab>] [--refresh <ms>]`: the Ink launcher (tabs Fleet, Tasks, Fleet Comm, Usage,
 * Thermal, Modules and one per enabled module) until `q`. Ink and React are imported only here, lazily, so
 * other commands never load them.
 */
export function registerUi(program: Command, session: ProgramSession): void {
  program
    .command('ui')
    .description(
      'the terminal launcher: fleet, tasks, HITL requests and chat, usage, thermal, modules (q quits)',
    )
    .option('--tab <tab>', 'first tab: fleet, tasks, comm, usage, thermal, modules or a module name')
    .option('--refresh <ms>', 'data refresh interval in milliseconds (default 1000)')
    .action(async (options: UiOptions, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new CliError({
          code: 'CLI_USAGE',
          message: 'biged ui needs an interactive terminal (stdin and stdout must be a TTY)',
          hint: 'run it in a terminal; for scripts use `biged status --json`, `biged hitl`, `biged usage --json`',
        });
      }
      let refreshMs: number | undefined;
      if (options.refresh !== undefined) {
        refreshMs = Number(options.refresh);
        if (!Number.isInteger(refreshMs) || refreshMs < 100 || refreshMs > 60_000) {
          throw new CliError({
            code: 'CLI_INVALID_OPTION',
            message: `--refresh must be a whole number of milliseconds from 100 to 60000, got ${JSON.stringify(options.refresh)}`,
          });
        }
      }
      // Through the config cache: an unchanged fleet.toml costs no TOML parser and no zod.
      const config = await loadFleetConfigCached(context);
      const { startLauncher } = await importLauncher();
      const secretsFile = secretsFileFor(context, undefined);
      const chat = createUiChat({
        home: context.home,
        config,
        env: context.io.env,
        ...(secretsFile ? { secretsFile } : {}),
      });
      try {
        const launcher = startLauncher({
          home: context.home,
          config,
          chat: chat.chat,
          ...(options.tab ? { initialTab: options.tab } : {}),
          ...(refreshMs !== undefined ? { refreshMs } : {}),
        });
        const stop = () => launcher.stop();
        process.once('SIGTERM', stop);
        try {
          await launcher.waitUntilExit();
        } finally {
          process.off('SIGTERM', stop);
        }
      } finally {
        chat.close();
      }
    });
}
