import { type SecretsStore, toError } from '@biged/core';
import { type AuditTrail, createAuditTrail } from './audit-trail';
import type { TaskQueue } from './task-queue';

/** Options for `createAuditedSecretsStore`. */
export interface CreateAuditedSecretsStoreOptions {
  /** The store whose reads are audited (`createSecretsStore` from `@biged/core`). */
  store: SecretsStore;
  /** The queue whose `audit_log` receives the rows (a queue made by `createQueue`), or an audit trail. */
  audit: TaskQueue | AuditTrail;
  /** The audit row's actor: an agent name, `cli`, `supervisor`. */
  actor: string;
  /** Called when an audit row could not be written; the read itself goes ahead. Default: ignore. */
  onAuditError?: (error: Error) => void;
}

const isAuditTrail = (value: TaskQueue | AuditTrail): value is AuditTrail =>
  typeof (value as AuditTrail).verify === 'function' && typeof (value as AuditTrail).append === 'function';

/**
 * A `SecretsStore` that appends a `secret_read` audit row for every `get` and `resolve`: resource = the
 * key's name (never its value), decision `allow` when a value was found, `log` when none was, `deny` when
 * the store refused (air-gap, `SECRETS_AIR_GAP`). Detail: `{ method, found }`. Other methods pass through.
 */
export function createAuditedSecretsStore({
  store,
  audit,
  actor,
  onAuditError,
}: CreateAuditedSecretsStoreOptions): SecretsStore {
  const trail = isAuditTrail(audit) ? audit : createAuditTrail(audit);
  const record = (method: 'get' | 'resolve', key: string, found: boolean | undefined, error?: Error) => {
    try {
      trail.append({
        actor,
        action: 'secret_read',
        resource: String(key).slice(0, 256),
        decision: error ? 'deny' : found ? 'allow' : 'log',
        ...(error ? { reason: error.message.slice(0, 2048) } : {}),
        detail: { method, found: found === true },
      });
    } catch (auditError) {
      onAuditError?.(toError(auditError));
    }
  };
  const audited =
    <A extends unknown[]>(method: 'get' | 'resolve', read: (key: string, ...rest: A) => string | undefined) =>
    (key: string, ...rest: A): string | undefined => {
      let value: string | undefined;
      try {
        value = read(key, ...rest);
      } catch (error) {
        record(method, key, undefined, toError(error));
        throw error;
      }
      record(method, key, value !== undefined && value !== '');
      return value;
    };
  return {
    get file() {
      return store.file;
    },
    get airGap() {
      return store.airGap;
    },
    get: audited('get', (key) => store.get(key)),
    resolve: audited('resolve', (key, env?: NodeJS.ProcessEnv) => store.resolve(key, env)),
    has: (key) => store.has(key),
    list: () => store.list(),
    entries: () => store.entries(),
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
  };
}
