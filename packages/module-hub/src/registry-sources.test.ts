import { describe, expect, it } from 'vitest';
import { fleetConfig } from './hub-test-helpers';
import { bundleLocation, registryUrlOf, resolveRegistrySources } from './registry-sources';

describe('registryUrlOf', () => {
  it.each([
    ['https://hub.example.org/registry.json', 'https://hub.example.org/registry.json'],
    ['https://hub.example.org/modules/index.JSON', 'https://hub.example.org/modules/index.JSON'],
    ['https://hub.example.org/modules', 'https://hub.example.org/modules/registry.json'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/registry.json'],
    [
      'https://github.com/mbachaud/BigEd-ModuleHub',
      'https://raw.githubusercontent.com/mbachaud/BigEd-ModuleHub/HEAD/registry.json',
    ],
    ['https://github.com/org/hub.git', 'https://raw.githubusercontent.com/org/hub/HEAD/registry.json'],
  ])('%s -> %s', (value, expected) => {
    expect(registryUrlOf(value)).toBe(expected);
  });

  it('refuses other schemes and non-URLs', () => {
    expect(() => registryUrlOf('file:///srv/hub/registry.json')).toThrow(/only http and https/);
    expect(() => registryUrlOf('ftp://x/registry.json')).toThrow(/only http and https/);
    expect(() => registryUrlOf('not a url')).toThrow();
  });
});

describe('resolveRegistrySources', () => {
  it('asks registry_dir, then enterprise_hub_url, then hub_url', () => {
    const config = fleetConfig({
      modules: {
        registry_dir: 'hub',
        enterprise_hub_url: 'https://org.example/hub/',
        hub_url: 'https://pub.example/r.json',
      },
    });
    expect(resolveRegistrySources(config, '/home/fleet')).toEqual({
      sources: [
        { key: 'registry_dir', kind: 'directory', location: '/home/fleet/hub' },
        { key: 'enterprise_hub_url', kind: 'url', location: 'https://org.example/hub/registry.json' },
        { key: 'hub_url', kind: 'url', location: 'https://pub.example/r.json' },
      ],
      skipped: [],
    });
  });

  it('skips network hubs offline and reports unusable URLs', () => {
    const offline = fleetConfig({ fleet: { air_gap_mode: true } });
    expect(resolveRegistrySources(offline, '/h')).toEqual({
      sources: [],
      skipped: [
        {
          key: 'hub_url',
          value: 'https://github.com/mbachaud/BigEd-ModuleHub',
          reason: 'air-gap mode: no network hubs',
        },
      ],
    });
    const bad = fleetConfig({ modules: { hub_url: 'file:///etc' } });
    expect(resolveRegistrySources(bad, '/h').skipped[0]?.reason).toMatch(/only http and https/);
  });
});

describe('bundleLocation', () => {
  const entry = {
    name: 'crm',
    version: '1.0.0',
    description: '',
    url: 'bundles/crm.tgz',
    sha256: 'a'.repeat(64),
  };
  const url = {
    key: 'hub_url' as const,
    kind: 'url' as const,
    location: 'https://hub.example/r/registry.json',
  };
  const dir = { key: 'registry_dir' as const, kind: 'directory' as const, location: '/srv/registry' };

  it('resolves relative URLs against the registry', () => {
    expect(bundleLocation(entry, url)).toEqual({ kind: 'url', url: 'https://hub.example/r/bundles/crm.tgz' });
    expect(bundleLocation(entry, dir)).toEqual({ kind: 'file', file: '/srv/registry/bundles/crm.tgz' });
    expect(bundleLocation({ ...entry, url: 'https://cdn.example/crm.tgz' }, dir)).toEqual({
      kind: 'url',
      url: 'https://cdn.example/crm.tgz',
    });
  });

  it.each([
    [{ url: 'file:///etc/passwd' }, url, /only http and https/],
    [{ url: 'ftp://x/crm.tgz' }, dir, /only http and https/],
    [{ url: '/etc/passwd' }, dir, /relative to the registry folder/],
    [{ url: '../outside.tgz' }, dir, /leaves the registry folder/],
    [{ url: '.' }, dir, /leaves the registry folder/],
  ])('refuses %j', (override, source, message) => {
    expect(() => bundleLocation({ ...entry, ...override }, source)).toThrow(message);
  });
});
