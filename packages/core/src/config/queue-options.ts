import { hostname } from 'node:os';
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
  const target = queueTargetFromConfig(config, home);
  if (target.kind === 'postgres') {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      file: path.join(home, 'fleet.toml'),
      issues: [
        {
          key: 'queue.url',
          expected:
            'a sqlite: path: this command reads the SQLite queue and does not work on a PostgreSQL fleet yet',
          received: JSON.stringify(redactUrl(config.queue.url ?? '')),
        },
      ],
    });
  }
  return {
    file: target.file,
    maxPayloadBytes: target.maxPayloadBytes,
    defaultMaxAttempts: target.defaultMaxAttempts,
    defaultTimeoutMs: target.defaultTimeoutMs,
  };
}

/** Where a fleet's task queue lives, from `[queue] url`: a SQLite file, or a PostgreSQL server. */
export type QueueTarget =
  | ({ kind: 'sqlite' } & QueueOptionsFromConfig)
  | {
      kind: 'postgres';
      /** The `postgres://` URL as written (with its password: pass it to the driver, print `location`). */
      url: string;
      /** The URL without its password, safe to print. */
      location: string;
      maxPayloadBytes: number;
      defaultMaxAttempts: number;
      defaultTimeoutMs: number;
    };

/** A `postgres://` URL with its password replaced by `***`. Anything unparsable comes back as `postgres://***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * The queue of a fleet: `[queue] url` is a `sqlite:` path or plain path (relative to the fleet home; default
 * `fleet.db` in the home), or a `postgres://` / `postgresql://` URL (a fleet that may span hosts). Every
 * process of a fleet (supervisor, workers, CLI) derives it here so that they all open the same queue.
 */
export function queueTargetFromConfig(config: FleetConfig, home: string): QueueTarget {
  const url = config.queue.url;
  const limits = {
    maxPayloadBytes: config.queue.max_payload_bytes,
    defaultMaxAttempts: config.queue.max_attempts,
    defaultTimeoutMs: config.queue.default_timeout_secs * 1000,
  };
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    return { kind: 'postgres', url, location: redactUrl(url), ...limits };
  }
  if (url && /^postgres(ql)?:/i.test(url)) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      file: path.join(home, 'fleet.toml'),
      issues: [
        { key: 'queue.url', expected: 'postgres://user@host:port/database', received: JSON.stringify(url) },
      ],
    });
  }
  const file = url ? path.resolve(home, url.replace(/^sqlite:(\/\/)?/i, '')) : path.join(home, 'fleet.db');
  return { kind: 'sqlite', file, ...limits };
}

/**
 * The host's own SQLite file: the queue itself on a SQLite fleet; on a PostgreSQL fleet, `fleet.db` in the
 * home, which keeps what belongs to one host (the usage ledger, the audit trail, secrets reads).
 */
export function hostDatabaseFromConfig(config: FleetConfig, home: string): QueueOptionsFromConfig {
  const target = queueTargetFromConfig(config, home);
  return target.kind === 'sqlite'
    ? target
    : {
        file: path.join(home, 'fleet.db'),
        maxPayloadBytes: target.maxPayloadBytes,
        defaultMaxAttempts: target.defaultMaxAttempts,
        defaultTimeoutMs: target.defaultTimeoutMs,
      };
}

/** A hostname as a `[naming] device_name`: lowercased, other characters as `-`, at most 63. */
export function deviceNameOf(host: string): string {
  const cleaned = host
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  return cleaned || 'host';
}

/**
 * This host's device name when agent names are qualified by host: `[naming] device_name`, else the
 * hostname on a PostgreSQL queue (several hosts may share it); undefined on a SQLite queue without one
 * (one host: plain agent names).
 */
export function deviceNameFromConfig(config: FleetConfig, host: string = hostname()): string | undefined {
  if (config.naming.device_name) return config.naming.device_name;
  return config.queue.url && /^postgres(ql)?:\/\//i.test(config.queue.url) ? deviceNameOf(host) : undefined;
}

/**
 * The `host` an agent of this fleet home is registered with: the device name when hosts are named (so two
 * homes on one machine, or two machines on one PostgreSQL queue, differ), else the hostname.
 */
export function agentHostFromConfig(config: FleetConfig, host: string = hostname()): string {
  return deviceNameFromConfig(config, host) ?? host;
}
