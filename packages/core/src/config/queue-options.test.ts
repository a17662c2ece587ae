import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error';
import { parseFleetConfig } from './load-config';
import { queueOptionsFromConfig } from './queue-options';

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
});
