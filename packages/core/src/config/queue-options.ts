import path from 'node:path';
import { ConfigError } from '../errors/config-error';
import type { FleetConfig } from './fleet-config-schema';

/** What `createQueue` from @biged/queue needs, derived from fleet.toml. */
export interface QueueOptionsFromConfig {
  /** The SQLite file (absolute). */
  file: string;
  maxPayloadBytes: number;
  defaultMaxAttempts: number;
  defaultTimeoutMs: number;
}

/**
 * Where the queue lives and its limits, from `[queue]`: `url` is a `sqlite:` path or plain path (relative
 * to the fleet home), default `fleet.db` in the home. Every process of a fleet (supervisor, workers, CLI)
 * must open the same file, so they all derive it here.
 */
export function queueOptionsFromConfig(config: FleetConfig, home: string): QueueOptionsFromConfig {
  const url = config.queue.url;
  let file = path.join(home, 'fleet.db');
  if (url) {
    if (/^postgres(ql)?:/i.test(url)) {
      throw new ConfigError({
        code: 'CONFIG_INVALID',
        file: path.join(home, 'fleet.toml'),
        issues: [
          {
            key: 'queue.url',
            expected: 'a sqlite: path (PostgreSQL queues arrive with multi-host fleets)',
            received: JSON.stringify(url),
          },
        ],
      });
    }
    file = path.resolve(home, url.replace(/^sqlite:(\/\/)?/i, ''));
  }
  return {
    file,
    maxPayloadBytes: config.queue.max_payload_bytes,
    defaultMaxAttempts: config.queue.max_attempts,
    defaultTimeoutMs: config.queue.default_timeout_secs * 1000,
  };
}
