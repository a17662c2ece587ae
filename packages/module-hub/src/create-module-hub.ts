import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createSilentLogger, type FleetConfig, type Logger } from '@biged/core';
import { compareVersions, MODULE_NAME_PATTERN, VERSION as SDK_VERSION } from '@biged/module-sdk';
import { checksumMatches, extractBundle, listBundle, sha256Hex, toTar } from './bundle';
import { readEnabledState, writeEnabledFlag } from './enabled-state';
import { HubError } from './errors/hub-error';
import { assertModuleName, hubPaths } from './hub-paths';
import {
  INSTALL_RECORD_FILE,
  type InstallRecord,
  MODULE_MANIFEST_FILE,
  type ModuleManifest,
  readInstallRecord,
  readModuleManifest,
} from './module-manifest';
import { type PublisherKey, parsePublisherKeys, verifySignature } from './publisher-keys';
import { parseRegistry, type RefusedRegistryEntry, type RegistryEntry } from './registry';
import {
  downloadBundle,
  type RegistrySource,
  readRegistryDocument,
  resolveRegistrySources,
  type SkippedSource,
  type TransferOptions,
} from './registry-sources';

/** Options for `createModuleHub`. */
export interface CreateModuleHubOptions {
  /** The fleet home; modules go to `<home>/modules/<name>/`. */
  home: string;
  /** The validated fleet.toml (`[modules]` and the `[fleet]` modes are read). */
  config: Pick<FleetConfig, 'modules' | 'fleet'>;
  /** The fetch used for URL hubs. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** The installed @biged/module-sdk version `min_sdk_version` is compared with. Default: its `VERSION`. */
  sdkVersion?: string;
  /** Largest bundle accepted, in bytes. Default 50 MiB. */
  maxBundleBytes?: number;
  /** Largest total a bundle may unpack to, in bytes. Default 200 MiB. */
  maxUnpackedBytes?: number;
  /** Most entries in a bundle. Default 10 000. */
  maxEntries?: number;
  /** Largest registry.json accepted, in bytes. Default 5 MiB. */
  maxRegistryBytes?: number;
  /** A registry or bundle request slower than this is aborted, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** The clock for install records. Default `() => new Date()`. */
  now?: () => Date;
  /** Where the hub logs what it does. Default: silent. */
  log?: Logger;
}

/** A registry entry, with the source it came from. */
export interface AvailableModule extends RegistryEntry {
  /** The registry (folder or URL) that lists it. */
  source: string;
}

/** A registry that could not be read. */
export interface SourceFailure {
  /** Its folder or URL. */
  source: string;
  /** The error (`HUB_SOURCE_FAILED`, `HUB_REGISTRY_INVALID`). */
  error: HubError;
}

/** What `listAvailable` found across the registries. */
export interface AvailableModules {
  /** One entry per name (the first source listing a name wins), sorted by name. */
  modules: AvailableModule[];
  /** Entries refused, each with its reason. */
  refused: RefusedRegistryEntry[];
  /** Registries that could not be read. */
  errors: SourceFailure[];
  /** Configured registries not asked (offline, bad URL). */
  skipped: SkippedSource[];
}

/** A folder in `<home>/modules/`. */
export interface InstalledModule {
  /** The folder (and module) name. */
  name: string;
  /** The folder. */
  dir: string;
  /** From module.json; `undefined` when the manifest is broken (see `problem`). */
  version: string | undefined;
  /** From module.json. */
  description: string;
  /** The flag in enabled.json (`undefined`: none; the profile and `[launcher.tabs]` decide). */
  enabled: boolean | undefined;
  /** How it was installed, when the hub installed it. */
  install: InstallRecord | undefined;
  /** Why the folder is not a usable module, if it is not. */
  problem: string | undefined;
}

/** What `install` / `installFromFile` did. */
export interface InstallResult {
  /** The module name. */
  name: string;
  /** The version installed. */
  version: string;
  /** Its folder. */
  dir: string;
  /** The SHA-256 verified. */
  sha256: string;
  /** The publisher whose key verified the signature; `undefined` when no keys are configured. */
  signedBy: string | undefined;
  /** The registry or `file:<path>` it came from. */
  source: string;
  /** The version it replaced, when it was already installed. */
  replaced: string | undefined;
}

/** A module with a newer version in a registry. */
export interface ModuleUpdate {
  /** The module name. */
  name: string;
  /** The installed version. */
  installed: string;
  /** The newer version available. */
  available: string;
  /** The registry entry. */
  entry: AvailableModule;
}

/** Options of `installFromFile`. */
export interface InstallFromFileOptions {
  /** The bundle's SHA-256 (64 hex). Default: read from `<bundle>.sha256` (sha256sum format); refused if neither. */
  sha256?: string;
  /** Base64 ed25519 signature of the bundle. Default: read from `<bundle>.sig` when it exists. */
  signature?: string;
}

/** The Module Hub client. */
export interface ModuleHub {
  /** The registries asked, in order. */
  readonly sources: readonly RegistrySource[];
  /** Configured registries not asked, with why. */
  readonly skipped: readonly SkippedSource[];
  /** Configuration warnings (e.g. `verify_checksums = false`, which is ignored). */
  readonly warnings: readonly string[];
  /** The modules the registries list (bad entries refused with a reason, the rest listed). */
  listAvailable(): Promise<AvailableModules>;
  /** The folders in `<home>/modules/`, sorted by name, broken ones included with their `problem`. */
  listInstalled(): Promise<InstalledModule[]>;
  /**
   * Installs (or reinstalls / updates) a module from the first registry that lists it: checks the entry,
   * downloads the bundle outside modules/, verifies its SHA-256 (and signature when publisher keys are
   * configured), checks every archive entry and module.json, then moves it into place and enables it.
   * Any failure leaves modules/ as it was.
   */
  install(name: string, options?: { signal?: AbortSignal }): Promise<InstallResult>;
  /** Installs a bundle file (offline machines), with the same checks as `install`. */
  installFromFile(bundlePath: string, options?: InstallFromFileOptions): Promise<InstallResult>;
  /** Removes `<home>/modules/<name>` and its enable flag. Its data in tools.db is kept. */
  uninstall(name: string): Promise<{ name: string; version: string | undefined }>;
  /** Installed modules with a newer version in a registry. */
  updates(): Promise<{ updates: ModuleUpdate[]; errors: SourceFailure[] }>;
  /** Writes the module's flag in enabled.json (`HUB_NOT_INSTALLED` unless installed). */
  setEnabled(name: string, enabled: boolean): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * Creates the Module Hub client for a fleet home. Registries: `[modules] registry_dir` (a local folder,
 * works offline), then `enterprise_hub_url`, then `hub_url` (skipped in offline / air-gap mode).
 *
 * @throws HubError `HUB_PUBLISHER_KEY_INVALID` when a `[modules] publisher_keys` value is not an ed25519 key.
 */
export function createModuleHub(options: CreateModuleHubOptions): ModuleHub {
  const {
    config,
    fetch = globalThis.fetch,
    sdkVersion = SDK_VERSION,
    maxBundleBytes = 50 * MiB,
    maxUnpackedBytes = 200 * MiB,
    maxEntries = 10_000,
    maxRegistryBytes = 5 * MiB,
    requestTimeoutMs = 30_000,
    now = () => new Date(),
    log = createSilentLogger(),
  } = options;
  const paths = hubPaths(options.home);
  const keys: PublisherKey[] = parsePublisherKeys(config.modules.publisher_keys);
  const { sources, skipped } = resolveRegistrySources(config, paths.home);
  const offline = config.fleet.offline_mode || config.fleet.air_gap_mode;
  const warnings: string[] = [];
  if (!config.modules.verify_checksums) {
    warnings.push(
      '[modules] verify_checksums = false is ignored: the Module Hub always verifies SHA-256 checksums',
    );
  }
  const transfer = (maxBytes: number, signal?: AbortSignal): TransferOptions => ({
    fetch,
    timeoutMs: requestTimeoutMs,
    maxBytes,
    offline,
    signal,
  });

  const loadSource = async (source: RegistrySource) => {
    const document = await readRegistryDocument(source, transfer(maxRegistryBytes));
    const parsed = parseRegistry(document, source.location);
    if (!parsed) {
      throw new HubError({
        code: 'HUB_REGISTRY_INVALID',
        source: source.location,
        message: `the registry at ${source.location} holds no module list (expected { "modules": [...] } or [...])`,
      });
    }
    return parsed;
  };

  const noSource = () =>
    new HubError({
      code: 'HUB_NO_SOURCE',
      message: offline
        ? 'offline: no module registry to ask; set [modules] registry_dir to a local registry folder'
        : 'no module registry configured: set [modules] hub_url or registry_dir',
    });

  /** Finds `name` in the first registry that lists it; a registry that fails before that stops the search. */
  const findEntry = async (name: string): Promise<{ entry: RegistryEntry; source: RegistrySource }> => {
    if (sources.length === 0) throw noSource();
    for (const source of sources) {
      let parsed: Awaited<ReturnType<typeof loadSource>>;
      try {
        parsed = await loadSource(source);
      } catch (error) {
        // Fail closed: a higher-priority registry we could not read might list another build of this module.
        throw new HubError({
          code: 'HUB_SOURCE_FAILED',
          module: name,
          source: source.location,
          message: `cannot look up "${name}": ${(error as Error).message}`,
          cause: error,
          hint: 'fix or remove that registry in [modules], then retry',
        });
      }
      const refused = parsed.refused.find((item) => item.name === name);
      const entry = parsed.entries.find((item) => item.name === name);
      if (entry) return { entry, source };
      if (refused) {
        throw new HubError({
          code: refused.code,
          module: name,
          source: source.location,
          message: `refused "${name}" from ${source.location}: ${refused.reason}`,
        });
      }
    }
    throw new HubError({
      code: 'HUB_MODULE_NOT_FOUND',
      module: name,
      message: `no registry lists a module named "${name}" (asked: ${sources.map((source) => source.location).join(', ')})`,
      hint: 'biged module available lists what the registries offer',
    });
  };

  const checkSdk = (name: string, minimum: string | undefined) => {
    if (minimum !== undefined && compareVersions(minimum, sdkVersion) > 0) {
      throw new HubError({
        code: 'HUB_SDK_TOO_OLD',
        module: name,
        message: `module "${name}" needs @biged/module-sdk ${minimum} or newer; this BigEd has ${sdkVersion}`,
        hint: 'update BigEd, or install an older version of the module',
      });
    }
  };

  const newStaging = async () => {
    await mkdir(paths.staging, { recursive: true });
    const dir = path.join(paths.staging, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { mode: 0o700 });
    return dir;
  };

  const verifyBytes = (name: string, bytes: Buffer, expected: string, signature: string | undefined) => {
    const actual = sha256Hex(bytes);
    if (!checksumMatches(expected, actual)) {
      throw new HubError({
        code: 'HUB_CHECKSUM_MISMATCH',
        module: name,
        message: `refused "${name}": the bundle's SHA-256 is ${actual}, the registry says ${expected.trim().toLowerCase()}`,
        hint: 'the download was corrupted or tampered with; nothing was installed',
      });
    }
    if (keys.length === 0) return { sha256: actual, signedBy: undefined };
    if (!signature) {
      throw new HubError({
        code: 'HUB_SIGNATURE_MISSING',
        module: name,
        message: `refused "${name}": publisher keys are configured and the bundle is not signed`,
      });
    }
    const signedBy = verifySignature(bytes, signature, keys);
    if (!signedBy) {
      throw new HubError({
        code: 'HUB_SIGNATURE_INVALID',
        module: name,
        message: `refused "${name}": no configured publisher key (${keys.map((key) => key.name).join(', ')}) verifies its signature`,
      });
    }
    return { sha256: actual, signedBy };
  };

  /**
   * Everything after the bytes are in memory: hash + signature, archive checks, extraction into staging,
   * manifest checks, then the swap into modules/. `expectName`/`expectVersion` come from the registry.
   */
  const installBytes = async (input: {
    bytes: Buffer;
    staging: string;
    expected: string;
    signature: string | undefined;
    label: string;
    expectName: string | undefined;
    expectVersion: string | undefined;
    source: string;
  }): Promise<InstallResult> => {
    const { sha256, signedBy } = verifyBytes(input.label, input.bytes, input.expected, input.signature);
    const limits = { maxUnpackedBytes, maxEntries };
    const tar = toTar(input.bytes, limits);
    await listBundle(tar, limits);
    const unpacked = path.join(input.staging, 'unpacked');
    await mkdir(unpacked, { mode: 0o755 });
    await extractBundle(tar, unpacked);
    const read = await readModuleManifest(unpacked);
    if ('reason' in read) {
      throw new HubError({
        code: 'HUB_MANIFEST_INVALID',
        module: input.label,
        message: `refused "${input.label}": ${read.reason}`,
      });
    }
    const manifest: ModuleManifest = read.manifest;
    const mismatch = (what: string) =>
      new HubError({
        code: 'HUB_MANIFEST_INVALID',
        module: input.label,
        message: `refused "${input.label}": ${what}`,
      });
    if (input.expectName !== undefined && manifest.name !== input.expectName) {
      throw mismatch(`${MODULE_MANIFEST_FILE} names "${manifest.name}", the registry "${input.expectName}"`);
    }
    if (input.expectVersion !== undefined && compareVersions(manifest.version, input.expectVersion) !== 0) {
      throw mismatch(
        `${MODULE_MANIFEST_FILE} says version ${manifest.version}, the registry ${input.expectVersion}`,
      );
    }
    checkSdk(manifest.name, manifest.min_sdk_version);
    const entryFile = path.join(unpacked, manifest.entry);
    if (!(await stat(entryFile).catch(() => undefined))?.isFile()) {
      throw mismatch(`its entry file ${manifest.entry} is not in the bundle`);
    }
    const record: InstallRecord = {
      sha256,
      source: input.source,
      ...(signedBy ? { signedBy } : {}),
      installedAt: now().toISOString(),
    };
    await writeFile(path.join(unpacked, INSTALL_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, {
      mode: 0o644,
    });

    // Move into place. An existing folder is moved aside first (into staging, so the cleanup removes it)
    // and put back if the swap fails.
    const target = path.join(paths.modules, manifest.name);
    await mkdir(paths.modules, { recursive: true });
    const previous = await readModuleManifest(target);
    const existing = await lstat(target).catch(() => undefined);
    const aside = path.join(input.staging, 'previous');
    if (existing) await rename(target, aside);
    try {
      await rename(unpacked, target);
    } catch (error) {
      if (existing) await rename(aside, target).catch(() => {});
      throw new HubError({
        code: 'HUB_INSTALL_FAILED',
        module: manifest.name,
        message: `cannot move "${manifest.name}" into ${paths.modules}: ${(error as Error).message}`,
        cause: error,
      });
    }
    await writeEnabledFlag(paths.home, manifest.name, true);
    const replaced = existing && 'manifest' in previous ? previous.manifest.version : undefined;
    log.info('module installed', {
      module: manifest.name,
      version: manifest.version,
      sha256,
      signedBy,
      source: input.source,
    });
    return {
      name: manifest.name,
      version: manifest.version,
      dir: target,
      sha256,
      signedBy,
      source: input.source,
      replaced,
    };
  };

  const withStaging = async <T>(run: (staging: string) => Promise<T>): Promise<T> => {
    const staging = await newStaging();
    try {
      return await run(staging);
    } catch (error) {
      if (HubError.isInstance(error)) throw error;
      throw new HubError({
        code: 'HUB_INSTALL_FAILED',
        message: `install failed: ${(error as Error).message}`,
        cause: error,
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  };

  const listInstalled = async (): Promise<InstalledModule[]> => {
    let names: string[];
    try {
      names = (await readdir(paths.modules, { withFileTypes: true }))
        .filter(
          (item) => (item.isDirectory() || item.isSymbolicLink()) && MODULE_NAME_PATTERN.test(item.name),
        )
        .map((item) => item.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const state = await readEnabledState(paths.home);
    return Promise.all(
      names.map(async (name) => {
        const dir = path.join(paths.modules, name);
        const read = await readModuleManifest(dir);
        const manifest = 'manifest' in read ? read.manifest : undefined;
        let problem = 'reason' in read ? read.reason : undefined;
        if (manifest && manifest.name !== name)
          problem = `${MODULE_MANIFEST_FILE} names "${manifest.name}", the folder "${name}"`;
        return {
          name,
          dir,
          version: manifest?.version,
          description: manifest?.description ?? '',
          enabled: state[name],
          install: await readInstallRecord(dir),
          problem,
        };
      }),
    );
  };

  const listAvailable = async (): Promise<AvailableModules> => {
    const modules = new Map<string, AvailableModule>();
    const refused: RefusedRegistryEntry[] = [];
    const errors: SourceFailure[] = [];
    for (const source of sources) {
      try {
        const parsed = await loadSource(source);
        refused.push(...parsed.refused);
        for (const entry of parsed.entries) {
          if (!modules.has(entry.name)) modules.set(entry.name, { ...entry, source: source.location });
        }
      } catch (error) {
        errors.push({ source: source.location, error: error as HubError });
      }
    }
    return {
      modules: [...modules.values()].sort((a, b) => a.name.localeCompare(b.name)),
      refused,
      errors,
      skipped: [...skipped],
    };
  };

  return {
    sources,
    skipped,
    warnings,
    listAvailable,
    listInstalled,

    async install(name, { signal } = {}) {
      assertModuleName(name);
      const { entry, source } = await findEntry(name);
      checkSdk(name, entry.min_sdk_version);
      if (keys.length > 0 && !entry.signature) {
        throw new HubError({
          code: 'HUB_SIGNATURE_MISSING',
          module: name,
          source: source.location,
          message: `refused "${name}": publisher keys are configured and its registry entry has no signature`,
        });
      }
      return withStaging(async (staging) => {
        const file = path.join(staging, 'bundle');
        await downloadBundle(entry, source, file, transfer(maxBundleBytes, signal));
        const bytes = await readFile(file);
        return installBytes({
          bytes,
          staging,
          expected: entry.sha256,
          signature: entry.signature,
          label: name,
          expectName: name,
          expectVersion: entry.version,
          source: source.location,
        });
      });
    },

    async installFromFile(bundlePath, fileOptions = {}) {
      const file = path.resolve(bundlePath);
      const sidecar = async (suffix: string) =>
        readFile(`${file}${suffix}`, 'utf8').then(
          (text) => text.trim().split(/\s+/)[0],
          () => undefined,
        );
      const expected = fileOptions.sha256?.trim() || (await sidecar('.sha256'));
      if (!expected) {
        throw new HubError({
          code: 'HUB_CHECKSUM_MISSING',
          message: `refused ${file}: no SHA-256 to check it against`,
          hint: `pass the publisher's checksum (--sha256 <hex>) or put it in ${path.basename(file)}.sha256`,
        });
      }
      const signature = fileOptions.signature?.trim() || (await sidecar('.sig'));
      const size = (await stat(file).catch(() => undefined))?.size;
      if (size === undefined) {
        throw new HubError({ code: 'HUB_DOWNLOAD_FAILED', message: `cannot read the bundle ${file}` });
      }
      if (size > maxBundleBytes) {
        throw new HubError({
          code: 'HUB_BUNDLE_TOO_LARGE',
          message: `${file} is ${size} bytes; the limit is ${maxBundleBytes}`,
        });
      }
      return withStaging(async (staging) => {
        const bytes = await readFile(file);
        return installBytes({
          bytes,
          staging,
          expected,
          signature,
          label: path.basename(file),
          expectName: undefined,
          expectVersion: undefined,
          source: `file:${file}`,
        });
      });
    },

    async uninstall(name) {
      assertModuleName(name);
      const dir = path.join(paths.modules, name);
      const stats = await lstat(dir).catch(() => undefined);
      if (!stats) {
        throw new HubError({
          code: 'HUB_NOT_INSTALLED',
          module: name,
          message: `module "${name}" is not installed`,
        });
      }
      const read = await readModuleManifest(dir);
      if (stats.isSymbolicLink()) {
        // A linked development folder: remove the link, never what it points to.
        await rm(dir, { force: true });
      } else {
        await mkdir(paths.staging, { recursive: true });
        const aside = path.join(paths.staging, `uninstall-${name}-${randomBytes(6).toString('hex')}`);
        await rename(dir, aside);
        await rm(aside, { recursive: true, force: true });
      }
      await writeEnabledFlag(paths.home, name, undefined);
      log.info('module uninstalled', { module: name });
      return { name, version: 'manifest' in read ? read.manifest.version : undefined };
    },

    async updates() {
      const [installed, available] = await Promise.all([listInstalled(), listAvailable()]);
      const byName = new Map(available.modules.map((entry) => [entry.name, entry]));
      const updates: ModuleUpdate[] = [];
      for (const module of installed) {
        const entry = byName.get(module.name);
        if (!entry || module.version === undefined) continue;
        if (compareVersions(entry.version, module.version) > 0) {
          updates.push({ name: module.name, installed: module.version, available: entry.version, entry });
        }
      }
      return { updates, errors: available.errors };
    },

    async setEnabled(name, enabled) {
      assertModuleName(name);
      if (!(await lstat(path.join(paths.modules, name)).catch(() => undefined))) {
        throw new HubError({
          code: 'HUB_NOT_INSTALLED',
          module: name,
          message: `module "${name}" is not installed`,
        });
      }
      await writeEnabledFlag(paths.home, name, enabled);
    },
  };
}
