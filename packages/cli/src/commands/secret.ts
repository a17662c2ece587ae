import { existsSync } from 'node:fs';
import { createSecretsStore, maskSecret, SecretsError, type SecretsStore, toError } from '@biged/core';
import type { Command } from 'commander';
import { recordAudit } from '../audit-record';
import { type CommandContext, contextFor, loadFleetConfig, type ProgramSession } from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';
import { secretsFileFor } from '../secrets-file';

/** A secret as `biged secret list --json` prints it: never the value. */
export interface SecretJson {
  key: string;
  /** `sk-a…(40 chars)` for values of 20+ characters, else `****`. */
  masked: string;
}

interface SecretOptions {
  secretsFile?: string;
}

const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes a `--b64` value (standard or URL-safe alphabet, whitespace ignored) to UTF-8 text. */
export function decodeBase64Secret(text: string): string {
  const compact = text.replace(/\s+/g, '');
  // A base64 text never has 4n+1 characters before its padding: the last one would carry no whole byte.
  if (compact.length === 0 || !base64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new CliError({
      code: 'CLI_INVALID_BASE64',
      message: 'the value is not base64 (with --b64 the value must be base64-encoded)',
      hint: 'encode it with e.g. `printf %s "$KEY" | base64`, or drop --b64',
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64'));
  } catch (error) {
    throw new CliError({
      code: 'CLI_INVALID_BASE64',
      message: 'the --b64 value does not decode to UTF-8 text',
      hint: 'a secret is stored as text in a shell file; encode the text itself',
      cause: error,
    });
  }
}

export { secretsFileFor } from '../secrets-file';

/**
 * Opens the secrets store for a `secret` subcommand. Secrets are per user, not per fleet, so the fleet home is
 * optional; when it exists, its `[fleet] air_gap_mode` makes every subcommand refuse before anything else
 * (the store then never opens the file).
 */
function openStore(context: CommandContext, command: Command): SecretsStore {
  const { secretsFile } = command.optsWithGlobals<SecretOptions>();
  const airGap = existsSync(context.home) ? loadFleetConfig(context).fleet.air_gap_mode : false;
  const store = createSecretsStore({ file: secretsFileFor(context, secretsFile), airGap });
  // Any call on an air-gapped store throws SECRETS_AIR_GAP; make it the first thing the command does, so
  // the refusal wins over every other check (a bad key, bad --b64 text).
  if (store.airGap) store.list();
  return store;
}

const notFound = (store: SecretsStore, key: string) =>
  new SecretsError({
    code: 'SECRETS_NOT_FOUND',
    message: `no secret named ${key} in ${store.file}`,
    key,
    file: store.file,
  });

/**
 * `biged secret set|get|list|delete`: API keys in `~/.secrets`, the shell file of `export KEY='value'` lines
 * that providers read (after `source ~/.secrets`, or through `SecretsStore.resolve`).
 */
export function registerSecret(program: Command, session: ProgramSession): void {
  const secret = program
    .command('secret')
    .description('manage API keys in ~/.secrets (set, get, list, delete)')
    .option('--secrets-file <path>', 'the secrets file (default: $BIGED_SECRETS_FILE, else ~/.secrets)');

  secret
    .command('set')
    .description('set a secret (atomic write, file mode 0600)')
    .argument('<key>', 'upper-case name, e.g. ANTHROPIC_API_KEY')
    .argument('<value>', 'the value (one line)')
    .option('--b64', 'the value is base64-encoded')
    .action((key: string, value: string, options: { b64?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      const store = openStore(context, command);
      const plain = options.b64 ? decodeBase64Secret(value) : value;
      const result = store.set(key, plain);
      for (const warning of result.warnings) context.warn(warning);
      if (context.json) {
        context.printJson({ key, file: store.file, created: !result.existed, masked: maskSecret(plain) });
      } else {
        context.print(`${result.existed ? 'updated' : 'added'} ${key} in ${store.file}\n`);
      }
    });

  secret
    .command('get')
    .description('print a secret value (for `$(biged secret get KEY)`)')
    .argument('<key>', 'upper-case name, e.g. ANTHROPIC_API_KEY')
    .action(async (key: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      // Every read is a `secret_read` audit row in the fleet home (when there is one): the key's name and
      // whether it was found or refused, never the value.
      const audit = { action: 'secret_read', resource: String(key).slice(0, 256) } as const;
      let store: SecretsStore;
      let value: string | undefined;
      try {
        store = openStore(context, command);
        value = store.get(key);
      } catch (error) {
        await recordAudit(context, {
          ...audit,
          decision: 'deny',
          reason: toError(error).message.slice(0, 2048),
        });
        throw error;
      }
      await recordAudit(context, {
        ...audit,
        decision: value === undefined ? 'log' : 'allow',
        detail: { method: 'get', found: value !== undefined },
      });
      if (value === undefined) throw notFound(store, key);
      if (context.json) context.printJson({ key, value });
      else context.print(`${value}\n`);
    });

  secret
    .command('list')
    .description('list the secret keys, values masked')
    .action((_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const store = openStore(context, command);
      const secrets: SecretJson[] = store
        .entries()
        .map(({ key, value }) => ({ key, masked: maskSecret(value) }));
      if (context.json) {
        context.printJson({ file: store.file, secrets });
        return;
      }
      if (secrets.length === 0) {
        context.print(`no secrets in ${store.file}\n`);
        return;
      }
      context.print(
        renderTable(
          ['KEY', 'VALUE'],
          secrets.map(({ key, masked }) => [key, masked]),
        ),
      );
    });

  secret
    .command('delete')
    .description('remove a secret')
    .argument('<key>', 'upper-case name, e.g. ANTHROPIC_API_KEY')
    .action((key: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const store = openStore(context, command);
      const result = store.delete(key);
      if (!result.existed) throw notFound(store, key);
      for (const warning of result.warnings) context.warn(warning);
      if (context.json) context.printJson({ key, file: store.file, deleted: true });
      else context.print(`deleted ${key} from ${store.file}\n`);
    });
}
