import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toError } from '@biged/core';
import {
  type AvailableModules,
  createModuleHub,
  createModuleStore,
  HubError,
  type InstalledModule,
  type InstallResult,
  type ModuleHub,
  type PruneResult,
  toolsDbPath,
} from '@biged/module-hub';
import type { Command } from 'commander';
import { Parser, type ReadEntry } from 'tar';
import { recordAudit } from '../audit-record';
import {
  type CommandContext,
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  requireHome,
} from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';

/** One element of `biged module list --json` (snake_case keys, like every `--json` document). */
export interface InstalledModuleJson {
  name: string;
  /** `null` when module.json is broken (see `problem`). */
  version: string | null;
  description: string;
  /** The flag in enabled.json; `null`: none (the profile and `[launcher.tabs]` decide). */
  enabled: boolean | null;
  /** The registry or `file:<path>` it was installed from; `null` when the hub did not install it. */
  source: string | null;
  /** The SHA-256 verified at install time; `null` when the hub did not install it. */
  sha256: string | null;
  /** The publisher whose key verified the signature, if any. */
  signed_by: string | null;
  /** ISO time of the install, if the hub installed it. */
  installed_at: string | null;
  /** Why the folder is not a usable module; `null` when it is. */
  problem: string | null;
  /** Its folder. */
  dir: string;
}

/** A registry entry in `biged module available --json`. */
export interface AvailableModuleJson {
  name: string;
  version: string;
  description: string;
  /** The registry folder or URL that lists it (the first one listing a name wins). */
  source: string;
  /** The published SHA-256 of the bundle. */
  sha256: string;
  /** Whether the entry carries a publisher signature. */
  signed: boolean;
  /** The lowest @biged/module-sdk it runs on, or `null`. */
  min_sdk_version: string | null;
  /** The installed version, or `null` when it is not installed. */
  installed: string | null;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

const installedJson = (module: InstalledModule): InstalledModuleJson => ({
  name: module.name,
  version: orNull(module.version),
  description: module.description,
  enabled: orNull(module.enabled),
  source: module.install?.source ?? null,
  sha256: module.install?.sha256 ?? null,
  signed_by: module.install?.signedBy ?? null,
  installed_at: module.install?.installedAt ?? null,
  problem: orNull(module.problem),
  dir: module.dir,
});

/** The `module_install` audit row of a finished install or update. */
const moduleInstallAudit = (result: InstallResult) =>
  ({
    action: 'module_install',
    resource: result.name,
    decision: 'allow',
    detail: {
      version: result.version,
      source: result.source,
      sha256: result.sha256,
      signedBy: result.signedBy ?? null,
      replaced: result.replaced ?? null,
    },
  }) as const;

const installJson = (result: InstallResult) => ({
  name: result.name,
  version: result.version,
  dir: result.dir,
  sha256: result.sha256,
  signed_by: orNull(result.signedBy),
  source: result.source,
  replaced: orNull(result.replaced),
});

/** Fails without a home, loads fleet.toml and builds the hub; prints its configuration warnings. */
function openHub(context: CommandContext): ModuleHub {
  requireHome(context);
  const config = loadFleetConfig(context);
  const hub = createModuleHub({ home: context.home, config });
  for (const warning of hub.warnings) context.warn(warning);
  return hub;
}

const failureJson = ({ source, error }: AvailableModules['errors'][number]) => ({
  source,
  code: error.code,
  message: error.message,
});

const enabledLabel = (enabled: boolean | undefined) =>
  enabled === undefined ? 'default' : enabled ? 'yes' : 'no';

// Reads module.json out of a bundle without extracting anything, so `install <name> --file` can refuse a
// bundle of another module before the hub touches modules/. The hub does every security check itself.
async function bundleModuleName(file: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined; // the hub reports the unreadable file with its own code
  }
  let manifest = '';
  let found = false;
  await new Promise<void>((resolve) => {
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const name = entry.path.replace(/^(\.\/)+/, '');
        if (name === 'module.json' && entry.type === 'File') {
          found = true;
          entry.on('data', (chunk: Buffer) => {
            if (manifest.length < 65_536) manifest += chunk.toString('utf8');
          });
        } else {
          entry.resume();
        }
      },
    });
    parser.on('end', () => resolve());
    parser.on('error', () => resolve());
    parser.on('warn', () => {});
    parser.end(bytes);
  });
  if (!found) return undefined;
  try {
    const parsed = JSON.parse(manifest) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `biged module available|list|install|uninstall|updates|update|enable|disable|prune`: the Module Hub from
 * the command line (see @biged/module-hub). Every refusal leaves `<home>/modules/` as it was.
 */
export function registerModule(program: Command, session: ProgramSession): void {
  const module = program
    .command('module')
    .description('install, list, update and remove launcher modules from the Module Hub');

  module
    .command('available')
    .description('list the modules the configured registries offer (refused entries on stderr)')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const hub = openHub(context);
      const [available, installed] = await Promise.all([hub.listAvailable(), hub.listInstalled()]);
      const versions = new Map(installed.map(({ name, version }) => [name, version]));
      const modules: AvailableModuleJson[] = available.modules.map((entry) => ({
        name: entry.name,
        version: entry.version,
        description: entry.description,
        source: entry.source,
        sha256: entry.sha256,
        signed: entry.signature !== undefined && entry.signature !== '',
        min_sdk_version: orNull(entry.min_sdk_version),
        installed: versions.get(entry.name) ?? null,
      }));
      if (context.json) {
        context.printJson({
          modules,
          refused: available.refused,
          errors: available.errors.map(failureJson),
          skipped: available.skipped,
        });
        return;
      }
      for (const refused of available.refused) {
        const label = refused.name ? `"${refused.name}"` : `#${refused.index}`;
        context.warn(`refused entry ${label} of ${refused.source} (${refused.code}): ${refused.reason}`);
      }
      for (const failure of available.errors) context.warn(`${failure.source}: ${failure.error.message}`);
      for (const skipped of available.skipped) {
        context.warn(`not asked: [modules] ${skipped.key} = ${skipped.value} (${skipped.reason})`);
      }
      if (modules.length === 0) {
        context.print('no modules available\n');
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'VERSION', 'INSTALLED', 'DESCRIPTION'],
          modules.map((entry) => [entry.name, entry.version, entry.installed ?? '-', entry.description]),
        ),
      );
    });

  module
    .command('list')
    .description('list the installed modules (folders in <home>/modules)')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const hub = openHub(context);
      const modules = (await hub.listInstalled()).map(installedJson);
      if (context.json) {
        context.printJson(modules);
        return;
      }
      if (modules.length === 0) {
        context.print(`no modules installed in ${path.join(context.home, 'modules')}\n`);
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'VERSION', 'ENABLED', 'SOURCE', 'DESCRIPTION'],
          modules.map((entry) => [
            entry.name,
            entry.version ?? '?',
            enabledLabel(entry.enabled ?? undefined),
            entry.source ?? '-',
            entry.problem ? `BROKEN: ${entry.problem}` : entry.description,
          ]),
        ),
      );
    });

  module
    .command('install')
    .description(
      'install a module from a registry, or a bundle file with --file (verified before anything is written)',
    )
    .argument('[name]', 'the module name (required without --file; with --file it must match the bundle)')
    .option('--file <bundle>', 'install this .tgz bundle instead of downloading (offline machines)')
    .option('--sha256 <hex>', "with --file: the publisher's SHA-256 (default: <bundle>.sha256)")
    .option('--signature <b64>', 'with --file: base64 ed25519 signature (default: <bundle>.sig)')
    .action(
      async (
        name: string | undefined,
        options: { file?: string; sha256?: string; signature?: string },
        command: Command,
      ) => {
        const context = contextFor(session, command);
        if (!options.file && (options.sha256 !== undefined || options.signature !== undefined)) {
          throw new CliError({
            code: 'CLI_INVALID_OPTION',
            message: "--sha256 and --signature go with --file; registry installs use the registry's values",
            hint: 'biged module install <name> --file <bundle.tgz> --sha256 <hex>',
          });
        }
        if (!options.file && !name) {
          throw new CliError({
            code: 'CLI_INVALID_OPTION',
            message: 'name the module to install, or give a bundle with --file',
            hint: 'see what the registries offer with `biged module available`',
          });
        }
        const hub = openHub(context);
        let result: InstallResult;
        try {
          if (options.file) {
            const file = path.resolve(context.io.cwd, options.file);
            if (name) {
              const inBundle = await bundleModuleName(file);
              if (inBundle !== undefined && inBundle !== name) {
                throw new CliError({
                  code: 'CLI_MODULE_NAME_MISMATCH',
                  message: `${file} holds module "${inBundle}", not "${name}"; nothing was installed`,
                  hint: `biged module install ${inBundle} --file ${options.file}`,
                });
              }
            }
            result = await hub.installFromFile(file, {
              ...(options.sha256 !== undefined ? { sha256: options.sha256 } : {}),
              ...(options.signature !== undefined ? { signature: options.signature } : {}),
            });
          } else {
            result = await hub.install(name as string);
          }
        } catch (error) {
          // A refused bundle (checksum, signature, unsafe archive) is a `deny` row: a possible attack.
          await recordAudit(context, {
            action: 'module_install',
            resource: (name ?? path.resolve(context.io.cwd, options.file ?? '')).slice(0, 4096),
            decision: 'deny',
            reason: toError(error).message.slice(0, 2048),
          });
          throw error;
        }
        await recordAudit(context, moduleInstallAudit(result));
        if (context.json) {
          context.printJson(installJson(result));
          return;
        }
        const replaced = result.replaced ? ` (replaced ${result.replaced})` : '';
        const signed = result.signedBy ? `, signed by ${result.signedBy}` : '';
        context.print(
          `installed ${result.name} ${result.version}${replaced} from ${result.source}\n` +
            `sha256 ${result.sha256} verified${signed}; enabled\n`,
        );
      },
    );

  module
    .command('uninstall')
    .description('remove an installed module (its tools.db data stays unless --purge)')
    .argument('<name>', 'the module name')
    .option('--purge', 'also drop its table in tools.db (its records are gone)')
    .action(async (name: string, options: { purge?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      const hub = openHub(context);
      const removed = await hub.uninstall(name);
      let purged = false;
      await recordAudit(context, {
        action: 'module_uninstall',
        resource: removed.name,
        decision: 'allow',
        detail: { version: orNull(removed.version), purge: options.purge === true },
      });
      // Never create tools.db just to find it empty.
      if (options.purge && existsSync(toolsDbPath(context.home))) {
        const store = createModuleStore({ home: context.home });
        try {
          purged = store.drop(name);
        } finally {
          store.close();
        }
      }
      if (context.json) {
        context.printJson({ name: removed.name, version: orNull(removed.version), purged });
        return;
      }
      context.print(
        `uninstalled ${removed.name}${removed.version ? ` ${removed.version}` : ''}` +
          (options.purge
            ? purged
              ? '; its data in tools.db was dropped\n'
              : '; it had no data in tools.db\n'
            : '; its data in tools.db is kept (--purge drops it)\n'),
      );
    });

  module
    .command('updates')
    .description('list installed modules with a newer version in a registry')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const hub = openHub(context);
      const { updates, errors } = await hub.updates();
      const rows = updates.map((update) => ({
        name: update.name,
        installed: update.installed,
        available: update.available,
        source: update.entry.source,
      }));
      if (context.json) {
        context.printJson({ updates: rows, errors: errors.map(failureJson) });
        return;
      }
      for (const failure of errors) context.warn(`${failure.source}: ${failure.error.message}`);
      if (rows.length === 0) {
        context.print('every installed module is up to date\n');
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'INSTALLED', 'AVAILABLE', 'SOURCE'],
          rows.map((row) => [row.name, row.installed, row.available, row.source]),
        ),
      );
    });

  module
    .command('update')
    .description('install the newer version of an installed module, if a registry has one')
    .argument('<name>', 'the module name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const hub = openHub(context);
      const installed = (await hub.listInstalled()).find((entry) => entry.name === name);
      if (!installed) {
        throw new HubError({
          code: 'HUB_NOT_INSTALLED',
          module: name,
          message: `module "${name}" is not installed`,
          hint: `install it with \`biged module install ${name}\``,
        });
      }
      const { updates, errors } = await hub.updates();
      for (const failure of errors) context.warn(`${failure.source}: ${failure.error.message}`);
      const update = updates.find((entry) => entry.name === name);
      if (!update) {
        if (context.json) {
          context.printJson({ name, updated: false, version: orNull(installed.version) });
        } else {
          context.print(`${name} ${installed.version ?? ''} is up to date\n`.replace(' \n', '\n'));
        }
        return;
      }
      const result = await hub.install(name);
      await recordAudit(context, moduleInstallAudit(result));
      if (context.json) {
        context.printJson({ updated: true, ...installJson(result) });
        return;
      }
      context.print(
        `updated ${name} ${update.installed} -> ${result.version} from ${result.source} (sha256 verified)\n`,
      );
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    module
      .command(verb)
      .description(`${verb} an installed module's launcher tab (writes modules/enabled.json)`)
      .argument('<name>', 'the module name')
      .action(async (name: string, _options: unknown, command: Command) => {
        const context = contextFor(session, command);
        const hub = openHub(context);
        await hub.setEnabled(name, enabled);
        if (context.json) context.printJson({ name, enabled });
        else context.print(`${verb}d ${name}\n`);
      });
  }

  module
    .command('prune')
    .description('enforce retention_days: delete old records from every module table in tools.db')
    .action((_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      let results: PruneResult[] = [];
      if (existsSync(toolsDbPath(context.home))) {
        const store = createModuleStore({ home: context.home });
        try {
          results = store.prune();
        } finally {
          store.close();
        }
      }
      if (context.json) {
        context.printJson(results);
        return;
      }
      if (results.length === 0) {
        context.print('no module table has a retention period; nothing pruned\n');
        return;
      }
      context.print(
        renderTable(
          ['MODULE', 'TABLE', 'DELETED'],
          results.map((row) => [row.module, row.table, String(row.deleted)]),
        ),
      );
    });
}
