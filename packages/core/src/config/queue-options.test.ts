import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error';
import { localAgentName, resolveHostAgents, roleOfAgent } from './agents';
import { parseFleetConfig } from './load-config';
import {
  agentHostFromConfig,
  deviceNameFromConfig,
  deviceNameOf,
  hostDatabaseFromConfig,
  queueOptionsFromConfig,
  queueTargetFromConfig,
} from './queue-options';

const configOf = (raw: unknown) => parseFleetConfig(raw).config;

describe('queueOptionsFromConfig', () => {
  it('defaults to fleet.db in the home with the [queue] limits', () => {
    expect(queueOptionsFromConfig(configOf({}), '/h')).toEqual({
      file: '/h/fleet.db',
      maxPayloadBytes: 1024 * 1024,
      defaultMaxAttempts: 3,
      defaultTimeoutMs: 600_000,
    });
  });

  it('resolves sqlite: and relative urls against the home', () => {
    expect(queueOptionsFromConfig(configOf({ queue: { url: 'sqlite:data/q.db' } }), '/h').file).toBe(
      '/h/data/q.db',
    );
    expect(queueOptionsFromConfig(configOf({ queue: { url: 'sqlite:///abs/q.db' } }), '/h').file).toBe(
      '/abs/q.db',
    );
    expect(queueOptionsFromConfig(configOf({ queue: { url: 'q.db' } }), '/h').file).toBe('/h/q.db');
  });

  it('refuses a PostgreSQL url with an error naming the key', () => {
    let error: unknown;
    try {
      queueOptionsFromConfig(configOf({ queue: { url: 'postgres://db/fleet' } }), '/h');
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues[0]!.key).toBe('queue.url');
  });

  it('says the SQLite-only command cannot run on a PostgreSQL fleet, without printing the password', () => {
    let error: unknown;
    try {
      queueOptionsFromConfig(configOf({ queue: { url: 'postgres://fleet:hunter2@db:5432/fleet' } }), '/h');
    } catch (caught) {
      error = caught;
    }
    const issue = (error as ConfigError).issues[0]!;
    expect(issue.expected).toMatch(/PostgreSQL fleet/);
    expect(issue.received).toContain('***');
    expect(issue.received).not.toContain('hunter2');
  });
});

describe('queueTargetFromConfig', () => {
  it('reads postgres:// and postgresql:// URLs as a PostgreSQL queue, with a printable location', () => {
    const target = queueTargetFromConfig(
      configOf({ queue: { url: 'postgresql://fleet:s3cret@10.0.0.5:5433/fleet', max_attempts: 4 } }),
      '/h',
    );
    expect(target).toMatchObject({
      kind: 'postgres',
      url: 'postgresql://fleet:s3cret@10.0.0.5:5433/fleet',
      defaultMaxAttempts: 4,
    });
    expect(target.kind === 'postgres' && target.location).toBe('postgresql://fleet:***@10.0.0.5:5433/fleet');
  });

  it('keeps SQLite paths as before', () => {
    expect(queueTargetFromConfig(configOf({}), '/h')).toMatchObject({ kind: 'sqlite', file: '/h/fleet.db' });
    expect(queueTargetFromConfig(configOf({ queue: { url: 'sqlite:q.db' } }), '/h')).toMatchObject({
      kind: 'sqlite',
      file: '/h/q.db',
    });
  });

  it('refuses a postgres: URL without a host part', () => {
    expect(() => queueTargetFromConfig(configOf({ queue: { url: 'postgres:fleet' } }), '/h')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('keeps host-local data in fleet.db beside a PostgreSQL queue', () => {
    expect(hostDatabaseFromConfig(configOf({ queue: { url: 'postgres://db/fleet' } }), '/h').file).toBe(
      '/h/fleet.db',
    );
    expect(hostDatabaseFromConfig(configOf({ queue: { url: 'sqlite:q.db' } }), '/h').file).toBe('/h/q.db');
  });
});

describe('device names', () => {
  it('qualifies agents by host on a PostgreSQL queue (default: the hostname) or when device_name is set', () => {
    expect(deviceNameFromConfig(configOf({}), 'Box-1')).toBeUndefined();
    expect(deviceNameFromConfig(configOf({ queue: { url: 'postgres://db/f' } }), 'Box_1.LAN')).toBe(
      'box_1.lan',
    );
    expect(deviceNameFromConfig(configOf({ naming: { device_name: 'alpha' } }), 'Box-1')).toBe('alpha');
    // The agents table's host: the device name when there is one, else the machine's name as it is.
    expect(agentHostFromConfig(configOf({}), 'Box-1')).toBe('Box-1');
    expect(agentHostFromConfig(configOf({ queue: { url: 'postgres://db/f' } }), 'Box_1.LAN')).toBe(
      'box_1.lan',
    );
    expect(agentHostFromConfig(configOf({ naming: { device_name: 'alpha' } }), 'Box-1')).toBe('alpha');
    const config = configOf({
      naming: { device_name: 'alpha' },
      workers: { roles: ['coder'], coder_count: 2 },
    });
    expect(resolveHostAgents(config, deviceNameFromConfig(config)).map((agent) => agent.name)).toEqual([
      'coder_1@alpha',
      'coder_2@alpha',
    ]);
    expect(roleOfAgent('coder_2@alpha')).toBe('coder');
    expect(localAgentName('coder_2@alpha')).toBe('coder_2');
  });

  it('turns any hostname into a valid device name', () => {
    expect(deviceNameOf('My Laptop (2)')).toBe('my-laptop-2-');
    expect(deviceNameOf('---')).toBe('host');
  });
});
