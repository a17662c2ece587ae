import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BigedError } from '@biged/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from './bundle';
import { createModuleHub, type ModuleHub } from './create-module-hub';
import { discoverModules, loadEnabledModules } from './discover-modules';
import { readEnabledState } from './enabled-state';
import { HubError, type HubErrorCode } from './errors';
import {
  buildBundle,
  entryFor,
  fleetConfig,
  moduleSource,
  publisherKeyPair,
  rawModuleTar,
  rawTar,
  snapshot,
  startHttpServer,
  type TestHttpServer,
  tempDir,
} from './hub-test-helpers';

let server: TestHttpServer;
let home: ReturnType<typeof tempDir>;

beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  home = tempDir();
  server.reset();
});
afterEach(() => {
  home.cleanup();
});

const modulesDir = () => path.join(home.dir, 'modules');
const stagingDir = () => path.join(home.dir, 'run', 'hub-staging');

/** Serves `registry.json` with `entries` and each bundle under /bundles/. */
function publish(entries: unknown[], bundles: Record<string, Buffer> = {}, prefix = '') {
  server.route(`${prefix}/registry.json`, JSON.stringify({ modules: entries }));
  for (const [name, bytes] of Object.entries(bundles)) server.route(`${prefix}/bundles/${name}`, bytes);
}

/** A hub whose public hub_url is the test server. */
function hub(
  modules: Record<string, unknown> = {},
  fleet: Record<string, unknown> = {},
  options = {},
): ModuleHub {
  return createModuleHub({
    home: home.dir,
    config: fleetConfig({ modules: { hub_url: `${server.origin}/registry.json`, ...modules }, fleet }),
    ...options,
  });
}

/** Asserts `run` rejects with a HubError of `code`; returns it. */
async function hubError(run: () => Promise<unknown>, code: HubErrorCode): Promise<HubError> {
  try {
    await run();
  } catch (error) {
    expect(HubError.isInstance(error), String(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    expect((error as HubError).code, (error as Error).message).toBe(code);
    return error as HubError;
  }
  throw new Error(`expected ${code}`);
}

/** Asserts a refused install left modules/ exactly as `before` and no staging behind. */
function expectUntouched(before: string[]) {
  expect(snapshot(modulesDir())).toEqual(before);
  expect(snapshot(stagingDir())).toEqual([]);
}

const crm = buildBundle(moduleSource({ name: 'crm' }));

describe('listAvailable', () => {
  it('lists valid entries and refuses bad ones with a reason', async () => {
    publish([
      entryFor('crm', crm),
      { name: 'nosum', version: '1.0.0', url: 'bundles/x.tgz' },
      { name: 'emptysum', version: '1.0.0', url: 'bundles/x.tgz', sha256: ' ' },
      { ...entryFor('short', crm), sha256: 'abc' },
      { ...entryFor('crm', crm), version: '9.9.9' },
      { ...entryFor('x', crm), name: '../evil' },
      { ...entryFor('badver', crm), version: 'latest' },
      'not an object',
      entryFor('notes', crm, { min_sdk_version: '0.1.0', description: 'notes' }),
    ]);
    const available = await hub().listAvailable();
    expect(available.modules.map((module) => [module.name, module.version, module.source])).toEqual([
      ['crm', '1.0.0', `${server.origin}/registry.json`],
      ['notes', '1.0.0', `${server.origin}/registry.json`],
    ]);
    expect(available.refused.map(({ index, name, code, reason }) => [index, name, code, reason])).toEqual([
      [1, 'nosum', 'HUB_CHECKSUM_MISSING', expect.stringMatching(/^no sha256/)],
      [2, 'emptysum', 'HUB_CHECKSUM_MISSING', expect.stringMatching(/^no sha256/)],
      [3, 'short', 'HUB_ENTRY_REFUSED', 'sha256: 64 hex digits'],
      [4, 'crm', 'HUB_ENTRY_REFUSED', 'a second entry named "crm" (the first one is used)'],
      [5, '../evil', 'HUB_ENTRY_REFUSED', expect.stringMatching(/^name: a module name/)],
      [6, 'badver', 'HUB_ENTRY_REFUSED', expect.stringMatching(/^version: /)],
      [7, undefined, 'HUB_ENTRY_REFUSED', 'an entry must be an object'],
    ]);
    expect(available.errors).toEqual([]);
  });

  it('reports a registry that is unreachable or not JSON, and still lists the others', async () => {
    publish([entryFor('crm', crm)]);
    server.route('/enterprise/registry.json', '{ not json');
    const both = hub({ enterprise_hub_url: `${server.origin}/enterprise/registry.json` });
    const available = await both.listAvailable();
    expect(available.modules.map((module) => module.name)).toEqual(['crm']);
    expect(available.errors.map(({ source, error }) => [source, error.code])).toEqual([
      [`${server.origin}/enterprise/registry.json`, 'HUB_REGISTRY_INVALID'],
    ]);
    server.route('/enterprise/registry.json', 503);
    expect((await both.listAvailable()).errors[0]?.error.code).toBe('HUB_SOURCE_FAILED');
    server.route('/enterprise/registry.json', JSON.stringify({ version: 1 }));
    expect((await both.listAvailable()).errors[0]?.error.message).toMatch(/holds no module list/);
  });

  it('refuses a registry larger than the limit', async () => {
    publish([entryFor('crm', crm, { description: 'x'.repeat(900) })]);
    const small = hub({}, {}, { maxRegistryBytes: 500 });
    expect((await small.listAvailable()).errors[0]?.error.code).toBe('HUB_REGISTRY_INVALID');
  });
});

describe('install over HTTP', () => {
  it('installs a verified module, enables it, and the launcher finds it without a config edit', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    const result = await hub().install('crm');
    expect(result).toEqual({
      name: 'crm',
      version: '1.0.0',
      dir: path.join(modulesDir(), 'crm'),
      sha256: sha256Hex(crm),
      signedBy: undefined,
      source: `${server.origin}/registry.json`,
      replaced: undefined,
    });
    expect(server.requests).toEqual(['/registry.json', '/bundles/crm-1.0.0.tgz']);
    expect(snapshot(modulesDir())).toEqual([
      'crm/',
      'crm/.biged-install.json',
      'crm/index.js',
      'crm/module.json',
      'enabled.json',
    ]);
    expect(
      JSON.parse(readFileSync(path.join(modulesDir(), 'crm', '.biged-install.json'), 'utf8')),
    ).toMatchObject({
      sha256: sha256Hex(crm),
      source: `${server.origin}/registry.json`,
    });
    expect(await readEnabledState(home.dir)).toEqual({ crm: true });
    expect(snapshot(stagingDir())).toEqual([]);

    // The minimal profile enables nothing by itself: the hub's flag is what registers the tab.
    const loaded = await loadEnabledModules({
      home: home.dir,
      config: fleetConfig({ launcher: { profile: 'minimal' } }),
    });
    expect(loaded.failures).toEqual([]);
    expect(loaded.enabled.map((module) => module.name)).toEqual(['crm']);
    expect(await loaded.enabled[0]?.render({} as never)).toEqual(['hello from crm 1.0.0']);
    expect(
      (await hub().listInstalled()).map(({ name, version, enabled, problem }) => [
        name,
        version,
        enabled,
        problem,
      ]),
    ).toEqual([['crm', '1.0.0', true, undefined]]);
  });

  it('refuses a tampered bundle (checksum mismatch) and writes nothing into modules/', async () => {
    await hub({ registry_dir: undefined }).listInstalled();
    mkdirSync(path.join(modulesDir(), 'other'), { recursive: true });
    writeFileSync(path.join(modulesDir(), 'other', 'module.json'), '{"name":"other","version":"1.0.0"}');
    const before = snapshot(modulesDir());
    const tampered = Buffer.from(crm);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': tampered });
    const error = await hubError(() => hub().install('crm'), 'HUB_CHECKSUM_MISMATCH');
    expect(error.message).toContain(`the registry says ${sha256Hex(crm)}`);
    expect(error.message).toContain(sha256Hex(tampered));
    expectUntouched(before);
  });

  it('refuses an entry without a checksum before downloading anything', async () => {
    publish([{ name: 'crm', version: '1.0.0', url: 'bundles/crm-1.0.0.tgz' }], { 'crm-1.0.0.tgz': crm });
    await hubError(() => hub().install('crm'), 'HUB_CHECKSUM_MISSING');
    expect(server.requests).toEqual(['/registry.json']);
    expectUntouched([]);
  });

  it('refuses names that could escape modules/ before any request', async () => {
    for (const name of ['../evil', 'a/b', '/etc', 'Crm', '', '.']) {
      await hubError(() => hub().install(name), 'HUB_INVALID_NAME');
      await hubError(() => hub().uninstall(name), 'HUB_INVALID_NAME');
    }
    expect(server.requests).toEqual([]);
    expect(existsSync(path.join(home.dir, 'evil'))).toBe(false);
  });

  it('refuses a module that needs a newer SDK, from the entry or from module.json', async () => {
    publish([entryFor('crm', crm, { min_sdk_version: '99.0.0' })], { 'crm-1.0.0.tgz': crm });
    const error = await hubError(() => hub().install('crm'), 'HUB_SDK_TOO_OLD');
    expect(error.message).toMatch(/needs @biged\/module-sdk 99.0.0 or newer; this BigEd has \d/);
    expect(server.requests).toEqual(['/registry.json']);

    const needsNew = buildBundle(moduleSource({ name: 'crm', manifest: { min_sdk_version: '2.0.0' } }));
    publish([entryFor('crm', needsNew)], { 'crm-1.0.0.tgz': needsNew });
    await hubError(() => hub({}, {}, { sdkVersion: '1.5.0' }).install('crm'), 'HUB_SDK_TOO_OLD');
    expect((await hub({}, {}, { sdkVersion: '2.0.0' }).install('crm')).version).toBe('1.0.0');
  });

  it('refuses a bundle whose module.json does not match the registry entry', async () => {
    const other = buildBundle(moduleSource({ name: 'notes' }));
    publish([entryFor('crm', other)], { 'crm-1.0.0.tgz': other });
    expect((await hubError(() => hub().install('crm'), 'HUB_MANIFEST_INVALID')).message).toMatch(
      /module.json names "notes", the registry "crm"/,
    );
    const v2 = buildBundle(moduleSource({ name: 'crm', version: '2.0.0' }));
    publish([entryFor('crm', v2)], { 'crm-1.0.0.tgz': v2 });
    expect((await hubError(() => hub().install('crm'), 'HUB_MANIFEST_INVALID')).message).toMatch(
      /says version 2.0.0/,
    );
    const noEntry = buildBundle({
      'module.json': JSON.stringify({ name: 'crm', version: '1.0.0', entry: 'main.js' }),
    });
    publish([entryFor('crm', noEntry)], { 'crm-1.0.0.tgz': noEntry });
    expect((await hubError(() => hub().install('crm'), 'HUB_MANIFEST_INVALID')).message).toMatch(
      /entry file main.js/,
    );
    expectUntouched([]);
  });

  it('refuses bundles that are too large, not archives, or a gzip bomb', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    await hubError(() => hub({}, {}, { maxBundleBytes: 100 }).install('crm'), 'HUB_BUNDLE_TOO_LARGE');
    const junk = Buffer.from('this is not a tarball at all');
    publish([entryFor('crm', junk)], { 'crm-1.0.0.tgz': junk });
    await hubError(() => hub().install('crm'), 'HUB_BAD_ARCHIVE');
    const bomb = buildBundle({ ...moduleSource({ name: 'crm' }), 'zeros.bin': '\0'.repeat(2 * 1024 * 1024) });
    publish([entryFor('crm', bomb)], { 'crm-1.0.0.tgz': bomb });
    expect(bomb.length).toBeLessThan(64 * 1024);
    await hubError(
      () => hub({}, {}, { maxUnpackedBytes: 1024 * 1024 }).install('crm'),
      'HUB_BUNDLE_TOO_LARGE',
    );
    expectUntouched([]);
  });

  it('refuses an HTTP registry pointing its bundle at a local file', async () => {
    publish([entryFor('crm', crm, { url: 'file:///etc/passwd' })]);
    expect((await hubError(() => hub().install('crm'), 'HUB_DOWNLOAD_FAILED')).message).toMatch(
      /only http and https/,
    );
    publish([entryFor('crm', crm)]);
    expect((await hubError(() => hub().install('crm'), 'HUB_DOWNLOAD_FAILED')).message).toMatch(/HTTP 404/);
    expectUntouched([]);
  });

  it('asks enterprise_hub_url first and fails closed when it cannot be read', async () => {
    const enterpriseBuild = buildBundle(
      moduleSource({ name: 'crm', version: '1.0.0', files: { 'ORG.txt': 'ours' } }),
    );
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    publish([entryFor('crm', enterpriseBuild)], { 'crm-1.0.0.tgz': enterpriseBuild }, '/org');
    const withEnterprise = hub({ enterprise_hub_url: `${server.origin}/org/` });
    expect((await withEnterprise.install('crm')).source).toBe(`${server.origin}/org/registry.json`);
    expect(existsSync(path.join(modulesDir(), 'crm', 'ORG.txt'))).toBe(true);

    server.route('/org/registry.json', 500);
    const error = await hubError(() => withEnterprise.install('crm'), 'HUB_SOURCE_FAILED');
    expect(error.message).toMatch(/cannot look up "crm"/);
    expect(existsSync(path.join(modulesDir(), 'crm', 'ORG.txt'))).toBe(true);
  });

  it('says when no registry lists the module', async () => {
    publish([entryFor('crm', crm)]);
    await hubError(() => hub().install('nothere'), 'HUB_MODULE_NOT_FOUND');
    await hubError(() => hub({ hub_url: '' }).install('crm'), 'HUB_NO_SOURCE');
  });
});

describe('archive entries', () => {
  it.each([
    ['a ../ entry', [{ path: '../x', content: 'escaped' }], /contains "\.\."/],
    ['a nested ../ entry', [{ path: 'lib/../../x', content: 'escaped' }], /contains "\.\."/],
    ['an absolute entry', [{ path: '/etc/x', content: 'escaped' }], /absolute path/],
    [
      'a symlink to /etc',
      [{ path: 'etc', type: '2' as const, linkpath: '/etc' }],
      /symbolic link \(to "\/etc"\)/,
    ],
    [
      'a symlink inside',
      [{ path: 'alias.js', type: '2' as const, linkpath: 'index.js' }],
      /links are not allowed/,
    ],
    [
      'a hard link out',
      [{ path: 'passwd', type: '1' as const, linkpath: '../../../etc/passwd' }],
      /hard link/,
    ],
    ['a character device', [{ path: 'null', type: '3' as const }], /CharacterDevice entry/],
    ['a FIFO', [{ path: 'pipe', type: '6' as const }], /FIFO entry/],
    ['a backslash path', [{ path: '..\\x', content: 'escaped' }], /backslash/],
    ['a duplicate file', [{ path: 'index.js', content: 'again' }], /appears twice/],
  ])('refuses %s: the whole install fails and nothing is left behind', async (_what, extra, message) => {
    const bundle = rawModuleTar('crm', extra);
    publish([entryFor('crm', bundle)], { 'crm-1.0.0.tgz': bundle });
    const error = await hubError(() => hub().install('crm'), 'HUB_UNSAFE_ARCHIVE');
    expect(error.message).toMatch(message);
    expect(error.entry).toBe(extra[0]?.path);
    expectUntouched([]);
    expect(existsSync(path.join(home.dir, 'x'))).toBe(false);
    expect(existsSync(path.join(home.dir, 'run', 'x'))).toBe(false);
  });

  it('refuses a bundle without module.json at its root', async () => {
    const bundle = rawTar([{ path: 'crm/module.json', content: '{}' }]);
    publish([entryFor('crm', bundle)], { 'crm-1.0.0.tgz': bundle });
    expect((await hubError(() => hub().install('crm'), 'HUB_BAD_ARCHIVE')).message).toMatch(
      /no module.json at its root/,
    );
  });

  it('installs a hand-made archive with folders and ./ prefixes', async () => {
    const bundle = rawModuleTar('crm', [
      { path: './lib/', type: '5' },
      { path: './lib/util.js', content: 'export const x = 1;' },
    ]);
    publish([entryFor('crm', bundle)], { 'crm-1.0.0.tgz': bundle });
    await hub().install('crm');
    expect(readFileSync(path.join(modulesDir(), 'crm', 'lib', 'util.js'), 'utf8')).toBe(
      'export const x = 1;',
    );
  });
});

describe('signatures', () => {
  const acme = publisherKeyPair();
  const other = publisherKeyPair();
  const keys = { publisher_keys: { acme: acme.publicKey } };

  it('installs a bundle signed by a configured publisher', async () => {
    publish([entryFor('crm', crm, { signature: acme.signBundle(crm) })], { 'crm-1.0.0.tgz': crm });
    expect((await hub(keys).install('crm')).signedBy).toBe('acme');
  });

  it('accepts the key as PEM too', async () => {
    publish([entryFor('crm', crm, { signature: acme.signBundle(crm) })], { 'crm-1.0.0.tgz': crm });
    const { createPublicKey } = await import('node:crypto');
    const pem = createPublicKey(acme.privateKey).export({ type: 'spki', format: 'pem' }).toString();
    expect((await hub({ publisher_keys: { acme: pem } }).install('crm')).signedBy).toBe('acme');
  });

  it('refuses a signature by another key, or over other bytes', async () => {
    publish([entryFor('crm', crm, { signature: other.signBundle(crm) })], { 'crm-1.0.0.tgz': crm });
    await hubError(() => hub(keys).install('crm'), 'HUB_SIGNATURE_INVALID');
    publish([entryFor('crm', crm, { signature: acme.signBundle(Buffer.from('other bytes')) })], {
      'crm-1.0.0.tgz': crm,
    });
    await hubError(() => hub(keys).install('crm'), 'HUB_SIGNATURE_INVALID');
    publish([entryFor('crm', crm, { signature: 'bm90IGEgc2lnbmF0dXJl' })], { 'crm-1.0.0.tgz': crm });
    await hubError(() => hub(keys).install('crm'), 'HUB_SIGNATURE_INVALID');
    expectUntouched([]);
  });

  it('requires a signature once any key is configured, before downloading', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    await hubError(() => hub(keys).install('crm'), 'HUB_SIGNATURE_MISSING');
    expect(server.requests).toEqual(['/registry.json']);
    // Without keys the same entry installs (signatures are optional then).
    expect((await hub().install('crm')).signedBy).toBeUndefined();
  });

  it('refuses a configured key that is not an ed25519 public key', () => {
    for (const value of ['not a key!', Buffer.alloc(16).toString('base64')]) {
      try {
        hub({ publisher_keys: { acme: value } });
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'HUB_PUBLISHER_KEY_INVALID' });
        expect((error as Error).message).toMatch(/publisher_keys\.acme/);
      }
    }
  });
});

describe('uninstall, updates and enable flags', () => {
  it('uninstalls a module and its flag; a second uninstall says it is not installed', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    const modules = hub();
    await modules.install('crm');
    expect(await modules.uninstall('crm')).toEqual({ name: 'crm', version: '1.0.0' });
    expect(snapshot(modulesDir())).toEqual(['enabled.json']);
    expect(await readEnabledState(home.dir)).toEqual({});
    await hubError(() => modules.uninstall('crm'), 'HUB_NOT_INSTALLED');
  });

  it('removes a linked development folder without touching its target', async () => {
    const target = path.join(home.dir, 'dev-crm');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep.txt'), 'mine');
    mkdirSync(modulesDir());
    symlinkSync(target, path.join(modulesDir(), 'crm'));
    await hub().uninstall('crm');
    expect(readFileSync(path.join(target, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(modulesDir(), 'crm'))).toBe(false);
  });

  it('lists a newer version as an update, and installing it replaces the old one', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    const modules = hub();
    await modules.install('crm');
    expect(await modules.updates()).toEqual({ updates: [], errors: [] });
    const v11 = buildBundle(moduleSource({ name: 'crm', version: '1.1.0' }));
    publish([entryFor('crm', v11, {}, '1.1.0')], { 'crm-1.1.0.tgz': v11 });
    const { updates } = await modules.updates();
    expect(updates.map(({ name, installed, available }) => [name, installed, available])).toEqual([
      ['crm', '1.0.0', '1.1.0'],
    ]);
    expect(await modules.install('crm')).toMatchObject({ version: '1.1.0', replaced: '1.0.0' });
    expect((await modules.updates()).updates).toEqual([]);
    const { modules: found } = await discoverModules({ home: home.dir });
    expect(await found[0]?.render({} as never)).toEqual(['hello from crm 1.1.0']);
    expect(snapshot(stagingDir())).toEqual([]);
  });

  it('turns a module off and on again through enabled.json', async () => {
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    const modules = hub();
    await modules.install('crm');
    await modules.setEnabled('crm', false);
    const config = fleetConfig({ launcher: { profile: 'full' } });
    expect((await loadEnabledModules({ home: home.dir, config })).enabled).toEqual([]);
    await modules.setEnabled('crm', true);
    expect(
      (await loadEnabledModules({ home: home.dir, config })).enabled.map((module) => module.name),
    ).toEqual(['crm']);
    await hubError(() => modules.setEnabled('nothere', true), 'HUB_NOT_INSTALLED');
  });
});

describe('a local registry folder (offline)', () => {
  function localRegistry(entries: Record<string, unknown>[], bundles: Record<string, Buffer>) {
    const dir = path.join(home.dir, 'registry');
    mkdirSync(path.join(dir, 'bundles'), { recursive: true });
    writeFileSync(path.join(dir, 'registry.json'), JSON.stringify(entries));
    for (const [name, bytes] of Object.entries(bundles))
      writeFileSync(path.join(dir, 'bundles', name), bytes);
    return dir;
  }

  it('installs from registry_dir in offline mode without touching the network hubs', async () => {
    localRegistry([entryFor('crm', crm)], { 'crm-1.0.0.tgz': crm });
    const offline = hub({ registry_dir: 'registry' }, { offline_mode: true });
    expect(offline.sources.map((source) => source.key)).toEqual(['registry_dir']);
    expect(offline.skipped).toEqual([
      { key: 'hub_url', value: `${server.origin}/registry.json`, reason: 'offline mode: no network hubs' },
    ]);
    expect((await offline.listAvailable()).modules.map((module) => module.name)).toEqual(['crm']);
    expect(await offline.install('crm')).toMatchObject({
      name: 'crm',
      source: path.join(home.dir, 'registry'),
    });
    expect(server.requests).toEqual([]);
  });

  it('says what to do when offline without a registry folder, and refuses network bundle URLs offline', async () => {
    await hubError(() => hub({}, { air_gap_mode: true }).install('crm'), 'HUB_NO_SOURCE');
    localRegistry([entryFor('crm', crm, { url: `${server.origin}/bundles/crm-1.0.0.tgz` })], {});
    await hubError(
      () => hub({ registry_dir: 'registry' }, { offline_mode: true }).install('crm'),
      'HUB_DOWNLOAD_FAILED',
    );
    expect(server.requests).toEqual([]);
  });

  it('refuses a tampered local bundle and bundle paths that leave the registry folder', async () => {
    const tampered = Buffer.concat([crm, Buffer.from('x')]);
    localRegistry([entryFor('crm', crm)], { 'crm-1.0.0.tgz': tampered });
    await hubError(() => hub({ registry_dir: 'registry' }).install('crm'), 'HUB_CHECKSUM_MISMATCH');
    writeFileSync(path.join(home.dir, 'outside.tgz'), crm);
    localRegistry([entryFor('crm', crm, { url: '../outside.tgz' })], {});
    expect(
      (await hubError(() => hub({ registry_dir: 'registry' }).install('crm'), 'HUB_DOWNLOAD_FAILED')).message,
    ).toMatch(/leaves the registry folder/);
    expectUntouched([]);
  });
});

describe('installFromFile', () => {
  it('installs a bundle file with the checksum given or from a .sha256 file, and refuses without one', async () => {
    const file = path.join(home.dir, 'crm.tgz');
    writeFileSync(file, crm);
    const modules = hub({ hub_url: '' });
    await hubError(() => modules.installFromFile(file), 'HUB_CHECKSUM_MISSING');
    await hubError(() => modules.installFromFile(file, { sha256: '0'.repeat(64) }), 'HUB_CHECKSUM_MISMATCH');
    expectUntouched([]);
    expect(await modules.installFromFile(file, { sha256: sha256Hex(crm).toUpperCase() })).toMatchObject({
      name: 'crm',
      version: '1.0.0',
      source: `file:${file}`,
    });
    writeFileSync(`${file}.sha256`, `${sha256Hex(crm)}  crm.tgz\n`);
    expect((await modules.installFromFile(file)).replaced).toBe('1.0.0');
    expect(await readEnabledState(home.dir)).toEqual({ crm: true });
  });

  it('needs a signature from a .sig file or the option when keys are configured', async () => {
    const acme = publisherKeyPair();
    const file = path.join(home.dir, 'crm.tgz');
    writeFileSync(file, crm);
    const modules = hub({ hub_url: '', publisher_keys: { acme: acme.publicKey } });
    await hubError(() => modules.installFromFile(file, { sha256: sha256Hex(crm) }), 'HUB_SIGNATURE_MISSING');
    writeFileSync(`${file}.sig`, `${acme.signBundle(crm)}\n`);
    expect((await modules.installFromFile(file, { sha256: sha256Hex(crm) })).signedBy).toBe('acme');
  });

  it('refuses a bundle whose module.json names an escaping module', async () => {
    const evil = rawTar([
      { path: 'module.json', content: JSON.stringify({ name: '../evil', version: '1.0.0' }) },
      { path: 'index.js', content: 'export default {}' },
    ]);
    const file = path.join(home.dir, 'evil.tgz');
    writeFileSync(file, evil);
    const error = await hubError(
      () => hub().installFromFile(file, { sha256: sha256Hex(evil) }),
      'HUB_MANIFEST_INVALID',
    );
    expect(error.message).toMatch(/name: a module name/);
    expect(existsSync(path.join(home.dir, 'evil'))).toBe(false);
    expectUntouched([]);
  });

  it('refuses a missing file', async () => {
    await hubError(
      () => hub().installFromFile(path.join(home.dir, 'nope.tgz'), { sha256: 'a'.repeat(64) }),
      'HUB_DOWNLOAD_FAILED',
    );
  });
});

describe('configuration', () => {
  it('warns that verify_checksums = false is ignored, and still verifies', async () => {
    const modules = hub({ verify_checksums: false });
    expect(modules.warnings).toEqual([
      '[modules] verify_checksums = false is ignored: the Module Hub always verifies SHA-256 checksums',
    ]);
    publish([entryFor('crm', crm)], { 'crm-1.0.0.tgz': Buffer.concat([crm, Buffer.from('!')]) });
    await hubError(() => modules.install('crm'), 'HUB_CHECKSUM_MISMATCH');
  });
});
