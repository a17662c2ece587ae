import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { createModuleStore } from '@biged/module-hub';
import { defineModule } from '@biged/module-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildModuleBundle,
  listTree,
  serveFolder,
  sha256,
  writeRegistry,
} from '../test-support/module-bundles';
import { initHome, runCli } from '../test-utils';

const withDirRegistry = `[modules]
hub_url = ""
registry_dir = "registry"
`;

describe('biged module (local registry folder)', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());

  const module = (...args: string[]) => runCli(['module', ...args, '--home', home.home]);
  const registryDir = () => path.join(home.home, 'registry');
  const modulesDir = () => path.join(home.home, 'modules');

  it('lists, installs, enables, updates and uninstalls', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm' }, { name: 'notes', version: '0.2.0' }]);

    const available = await module('available', '--json');
    expect(available.code).toBe(0);
    expect(available.json()).toEqual({
      modules: [
        expect.objectContaining({
          name: 'crm',
          version: '1.0.0',
          source: registryDir(),
          signed: false,
          installed: null,
        }),
        expect.objectContaining({ name: 'notes', version: '0.2.0', installed: null }),
      ],
      refused: [],
      errors: [],
      skipped: [],
    });
    const human = await module('available');
    expect(human.stdout).toBe(
      'NAME   VERSION  INSTALLED  DESCRIPTION\ncrm    1.0.0    -          the crm module\nnotes  0.2.0    -          the notes module\n',
    );

    expect((await module('list')).stdout).toBe(`no modules installed in ${modulesDir()}\n`);

    const install = await module('install', 'crm', '--json');
    expect(install.code).toBe(0);
    const bundle = readFileSync(path.join(registryDir(), 'bundles/crm-1.0.0.tgz'));
    expect(install.json()).toEqual({
      name: 'crm',
      version: '1.0.0',
      dir: path.join(modulesDir(), 'crm'),
      sha256: sha256(bundle),
      signed_by: null,
      source: registryDir(),
      replaced: null,
    });
    expect(existsSync(path.join(modulesDir(), 'crm', 'index.js'))).toBe(true);

    const list = await module('list', '--json');
    expect(list.json()).toEqual([
      expect.objectContaining({
        name: 'crm',
        version: '1.0.0',
        enabled: true,
        source: registryDir(),
        sha256: sha256(bundle),
        problem: null,
      }),
    ]);
    expect((await module('list')).stdout).toMatch(
      /^NAME +VERSION +ENABLED +SOURCE +DESCRIPTION\ncrm +1\.0\.0 +yes /,
    );

    expect(await module('disable', 'crm', '--json')).toMatchObject({ code: 0 });
    expect((await module('list', '--json')).json()).toEqual([expect.objectContaining({ enabled: false })]);
    expect((await module('enable', 'crm')).stdout).toBe('enabled crm\n');
    expect((await module('list', '--json')).json()).toEqual([expect.objectContaining({ enabled: true })]);

    expect((await module('updates', '--json')).json()).toEqual({ updates: [], errors: [] });
    expect((await module('update', 'crm', '--json')).json()).toEqual({
      name: 'crm',
      updated: false,
      version: '1.0.0',
    });

    writeRegistry(registryDir(), [{ name: 'crm', version: '1.1.0' }]);
    expect((await module('updates', '--json')).json()).toEqual({
      updates: [{ name: 'crm', installed: '1.0.0', available: '1.1.0', source: registryDir() }],
      errors: [],
    });
    expect((await module('updates')).stdout).toContain('crm   1.0.0      1.1.0');
    const update = await module('update', 'crm', '--json');
    expect(update.json()).toMatchObject({ updated: true, name: 'crm', version: '1.1.0', replaced: '1.0.0' });
    expect((await module('list', '--json')).json()).toEqual([expect.objectContaining({ version: '1.1.0' })]);

    const uninstall = await module('uninstall', 'crm');
    expect(uninstall).toMatchObject({
      code: 0,
      stdout: 'uninstalled crm 1.1.0; its data in tools.db is kept (--purge drops it)\n',
    });
    expect(existsSync(path.join(modulesDir(), 'crm'))).toBe(false);
    expect((await module('list', '--json')).json()).toEqual([]);
  });

  it('exits 3 for a module no registry lists or that is not installed', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm' }]);
    const missing = await module('install', 'nope', '--json');
    expect(missing.code).toBe(3);
    expect(missing.json()).toMatchObject({ error: { code: 'HUB_MODULE_NOT_FOUND' } });
    for (const args of [
      ['uninstall', 'crm'],
      ['enable', 'crm'],
      ['update', 'crm'],
    ]) {
      const result = await module(...args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toContain('not installed');
    }
  });

  it('refuses a bad name (exit 1) and --sha256 without --file (exit 1), writing nothing', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm' }]);
    const climbing = await module('install', '../evil', '--json');
    expect(climbing.code).toBe(1);
    expect(climbing.json()).toMatchObject({ error: { code: 'HUB_INVALID_NAME' } });
    const stray = await module('install', 'crm', '--sha256', 'ab');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain('--sha256 and --signature go with --file');
    const none = await module('install');
    expect(none.code).toBe(1);
    expect(listTree(modulesDir()).filter((entry) => entry.startsWith('crm'))).toEqual([]);
  });

  it('refuses a tampered bundle with exit 6 and leaves modules/ unchanged', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm' }, { name: 'notes' }]);
    expect((await module('install', 'notes')).code).toBe(0);
    const before = listTree(modulesDir());
    const beforeEnabled = readFileSync(path.join(modulesDir(), 'enabled.json'), 'utf8');

    // The registry publishes the checksum of the genuine bundle; the file served is another one.
    const genuine = buildModuleBundle('crm');
    const tampered = buildModuleBundle('crm', '1.0.0');
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0xff;
    writeRegistry(registryDir(), [
      { name: 'crm', bundle: tampered, entry: { sha256: sha256(genuine) } },
      { name: 'notes' },
    ]);
    const refused = await module('install', 'crm', '--json');
    expect(refused.code).toBe(6);
    expect(refused.json()).toMatchObject({ error: { code: 'HUB_CHECKSUM_MISMATCH' } });
    const human = await module('install', 'crm');
    expect(human.code).toBe(6);
    expect(human.stderr).toMatch(/^error: .*\ntry: /);

    expect(listTree(modulesDir())).toEqual(before);
    expect(readFileSync(path.join(modulesDir(), 'enabled.json'), 'utf8')).toBe(beforeEnabled);
    expect(existsSync(path.join(home.home, 'run', 'hub-staging', 'crm'))).toBe(false);
  });

  it('lists an entry without a checksum as refused and will not install it (exit 6)', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm', entry: { sha256: '' } }, { name: 'notes' }]);
    const available = await module('available', '--json');
    expect(available.json()).toMatchObject({
      modules: [expect.objectContaining({ name: 'notes' })],
      refused: [expect.objectContaining({ name: 'crm', code: 'HUB_CHECKSUM_MISSING' })],
    });
    const human = await module('available');
    expect(human.stderr).toContain('warning: refused entry "crm"');
    const install = await module('install', 'crm', '--json');
    expect(install.code).toBe(6);
    expect(install.json()).toMatchObject({ error: { code: 'HUB_CHECKSUM_MISSING' } });
    expect(existsSync(path.join(modulesDir(), 'crm'))).toBe(false);
  });

  it('uninstall --purge drops its tools.db table; prune enforces retention', async () => {
    home = await initHome(withDirRegistry);
    writeRegistry(registryDir(), [{ name: 'crm' }, { name: 'log' }]);
    expect((await module('install', 'crm')).code).toBe(0);
    expect((await module('install', 'log')).code).toBe(0);

    // Nothing stored yet: no tools.db is created just to prune or purge.
    expect((await module('prune', '--json')).json()).toEqual([]);
    expect(existsSync(path.join(home.home, 'tools.db'))).toBe(false);

    const day = 86_400_000;
    let clock = Date.now() - 10 * day;
    const store = createModuleStore({ home: home.home, now: () => clock });
    const crm = defineModule({
      name: 'crm',
      label: 'CRM',
      version: '1.0.0',
      dataSchema: { table: 'crm_contacts', fields: { name: { type: 'text', required: true } } },
    });
    const log = defineModule({
      name: 'log',
      label: 'Log',
      version: '1.0.0',
      dataSchema: { table: 'log_lines', fields: { line: { type: 'text' } }, retentionDays: 3 },
    });
    await store.register(crm).insert({ name: 'Ada' });
    const lines = store.register(log);
    await lines.insert({ line: 'old' });
    clock = Date.now();
    await lines.insert({ line: 'new' });
    store.close();

    const prune = await module('prune', '--json');
    expect(prune.json()).toEqual([{ module: 'log', table: 'log_lines', deleted: 1 }]);
    expect((await module('prune')).stdout).toBe('MODULE  TABLE      DELETED\nlog     log_lines  0\n');

    const purge = await module('uninstall', 'crm', '--purge', '--json');
    expect(purge.json()).toEqual({ name: 'crm', version: '1.0.0', purged: true });
    const kept = await module('uninstall', 'log');
    expect(kept.code).toBe(0);
    const after = createModuleStore({ home: home.home });
    expect(after.tables().map(({ table }) => table)).toEqual(['log_lines']);
    after.close();
  });
});

describe('biged module install --file (offline)', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());

  const module = (...args: string[]) => runCli(['module', ...args, '--home', home.home]);

  it('installs a bundle file with --sha256, with no registry and offline mode on', async () => {
    home = await initHome('[fleet]\noffline_mode = true\n');
    const bundle = buildModuleBundle('crm', '2.0.0');
    const file = path.join(home.home, 'crm-2.0.0.tgz');
    writeFileSync(file, bundle);

    const install = await module('install', 'crm', '--file', file, '--sha256', sha256(bundle), '--json');
    expect(install.code).toBe(0);
    expect(install.json()).toMatchObject({ name: 'crm', version: '2.0.0', sha256: sha256(bundle) });
    expect(install.json<{ source: string }>().source).toContain(file);
    expect((await module('list', '--json')).json()).toEqual([
      expect.objectContaining({ name: 'crm', version: '2.0.0', enabled: true }),
    ]);

    // The same bundle with its checksum in <bundle>.sha256 (sha256sum format), and no name given.
    await module('uninstall', 'crm');
    writeFileSync(`${file}.sha256`, `${sha256(bundle)}  crm-2.0.0.tgz\n`);
    const sidecar = await module('install', '--file', file);
    expect(sidecar.code).toBe(0);
    expect(sidecar.stdout).toContain('installed crm 2.0.0');
  });

  it('refuses a wrong or missing checksum (exit 6) and a bundle of another module (exit 1)', async () => {
    home = await initHome('[fleet]\noffline_mode = true\n');
    const bundle = buildModuleBundle('crm');
    const file = path.join(home.home, 'crm.tgz');
    writeFileSync(file, bundle);
    const modules = path.join(home.home, 'modules');
    const before = listTree(modules);

    const wrong = await module(
      'install',
      'crm',
      '--file',
      file,
      '--sha256',
      sha256(Buffer.from('x')),
      '--json',
    );
    expect(wrong.code).toBe(6);
    expect(wrong.json()).toMatchObject({ error: { code: 'HUB_CHECKSUM_MISMATCH' } });

    const missing = await module('install', 'crm', '--file', file, '--json');
    expect(missing.code).toBe(6);
    expect(missing.json()).toMatchObject({ error: { code: 'HUB_CHECKSUM_MISSING' } });

    const other = await module('install', 'notes', '--file', file, '--sha256', sha256(bundle));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('holds module "crm", not "notes"');

    const unreadable = await module(
      'install',
      '--file',
      path.join(home.home, 'nope.tgz'),
      '--sha256',
      'a'.repeat(64),
    );
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('cannot read the bundle');

    expect(listTree(modules)).toEqual(before);
  });
});

describe('biged module install --file with publisher keys', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());

  it('requires a signature by a configured key (exit 6 when missing or wrong) and records the signer', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64');
    home = await initHome(
      `[fleet]\noffline_mode = true\n\n[modules]\npublisher_keys = { acme = "${raw}" }\n`,
    );
    const bundle = buildModuleBundle('crm');
    const file = path.join(home.home, 'crm.tgz');
    writeFileSync(file, bundle);
    const install = (...extra: string[]) =>
      runCli([
        'module',
        'install',
        'crm',
        '--file',
        file,
        '--sha256',
        sha256(bundle),
        ...extra,
        '--json',
        '--home',
        home.home,
      ]);

    const unsigned = await install();
    expect(unsigned.code).toBe(6);
    expect(unsigned.json()).toMatchObject({ error: { code: 'HUB_SIGNATURE_MISSING' } });
    const forged = await install(
      '--signature',
      sign(null, Buffer.from('other bytes'), privateKey).toString('base64'),
    );
    expect(forged.code).toBe(6);
    expect(forged.json()).toMatchObject({ error: { code: 'HUB_SIGNATURE_INVALID' } });
    expect(existsSync(path.join(home.home, 'modules', 'crm'))).toBe(false);

    const signed = await install('--signature', sign(null, bundle, privateKey).toString('base64'));
    expect(signed.code).toBe(0);
    expect(signed.json()).toMatchObject({ name: 'crm', signed_by: 'acme' });
  });
});

describe('biged module (registry over HTTP on 127.0.0.1)', () => {
  let home: TempHome;
  let server: Awaited<ReturnType<typeof serveFolder>> | undefined;
  afterEach(async () => {
    await server?.close();
    home.cleanup();
  });

  const module = (...args: string[]) => runCli(['module', ...args, '--home', home.home]);

  it('lists, installs, reports updates and uninstalls', async () => {
    home = await initHome();
    const served = path.join(home.home, 'served');
    writeRegistry(served, [{ name: 'crm' }]);
    server = await serveFolder(served);
    writeFileSync(home.config, `[modules]\nhub_url = "${server.origin}/registry.json"\n`);

    const available = await module('available', '--json');
    expect(available.code).toBe(0);
    expect(available.json()).toMatchObject({
      modules: [{ name: 'crm', version: '1.0.0', source: `${server.origin}/registry.json` }],
      errors: [],
    });

    const install = await module('install', 'crm');
    expect(install.code).toBe(0);
    expect(install.stdout).toBe(
      `installed crm 1.0.0 from ${server.origin}/registry.json\nsha256 ${sha256(readFileSync(path.join(served, 'bundles/crm-1.0.0.tgz')))} verified; enabled\n`,
    );
    expect(server.requests).toContain('/bundles/crm-1.0.0.tgz');

    writeRegistry(served, [{ name: 'crm', version: '1.2.0' }]);
    expect((await module('updates', '--json')).json()).toEqual({
      updates: [
        { name: 'crm', installed: '1.0.0', available: '1.2.0', source: `${server.origin}/registry.json` },
      ],
      errors: [],
    });
    expect((await module('update', 'crm')).stdout).toContain('updated crm 1.0.0 -> 1.2.0');
    expect((await module('uninstall', 'crm', '--json')).json()).toEqual({
      name: 'crm',
      version: '1.2.0',
      purged: false,
    });
  });

  it('reports a registry that answers 404 as an error, not an empty list', async () => {
    home = await initHome();
    server = await serveFolder(path.join(home.home, 'empty'));
    writeFileSync(home.config, `[modules]\nhub_url = "${server.origin}/registry.json"\n`);
    const available = await module('available', '--json');
    expect(available.code).toBe(0);
    expect(available.json()).toMatchObject({
      modules: [],
      errors: [{ source: `${server.origin}/registry.json`, code: 'HUB_SOURCE_FAILED' }],
    });
    const human = await module('available');
    expect(human.stderr).toContain('HTTP 404');
    const install = await module('install', 'crm', '--json');
    expect(install.code).toBe(1);
    expect(install.json()).toMatchObject({ error: { code: 'HUB_SOURCE_FAILED' } });
  });
});
