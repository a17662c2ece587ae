import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSecretsStore, SecretsError } from '@biged/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditTrail } from './audit-trail';
import { createAuditedSecretsStore } from './audited-secrets-store';
import { createQueue } from './create-queue';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

const VALUE = 'sk-test-value-that-must-never-be-audited-0123456789';
let dir: string | undefined;
const opened: TaskQueue[] = [];
afterEach(() => {
  for (const queue of opened.splice(0)) queue.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function setup(airGap = false) {
  dir = mkdtempSync(path.join(tmpdir(), 'biged-audited-secrets-'));
  const file = path.join(dir, 'secrets');
  if (!airGap) createSecretsStore({ file }).set('ANTHROPIC_API_KEY', VALUE);
  const queue = createQueue({ file: path.join(dir, 'fleet.db') });
  opened.push(queue);
  return { queue, file };
}

describe('createAuditedSecretsStore', () => {
  it('records get and resolve by key name with allow / log, never the value', () => {
    const { queue, file } = setup();
    const store = createAuditedSecretsStore({
      store: createSecretsStore({ file }),
      audit: queue,
      actor: 'coder_1',
    });
    expect(store.get('ANTHROPIC_API_KEY')).toBe(VALUE);
    expect(store.resolve('GEMINI_API_KEY', {})).toBeUndefined();
    expect(store.resolve('OPENAI_API_KEY', { OPENAI_API_KEY: 'from-env' })).toBe('from-env');
    expect(store.list()).toEqual(['ANTHROPIC_API_KEY']);
    const rows = createAuditTrail(queue).list().reverse();
    expect(rows.map((row) => [row.actor, row.action, row.resource, row.decision, row.detail])).toEqual([
      ['coder_1', 'secret_read', 'ANTHROPIC_API_KEY', 'allow', { method: 'get', found: true }],
      ['coder_1', 'secret_read', 'GEMINI_API_KEY', 'log', { method: 'resolve', found: false }],
      ['coder_1', 'secret_read', 'OPENAI_API_KEY', 'allow', { method: 'resolve', found: true }],
    ]);
    const everything = JSON.stringify(getQueueDatabase(queue).prepare('SELECT * FROM audit_log').all());
    expect(everything).not.toContain(VALUE.slice(0, 16));
    expect(everything).not.toContain('from-env');
  });

  it('records a refused read (air-gap) as deny and rethrows the refusal', () => {
    const { queue, file } = setup(true);
    const store = createAuditedSecretsStore({
      store: createSecretsStore({ file, airGap: true }),
      audit: queue,
      actor: 'coder_1',
    });
    let error: unknown;
    try {
      store.resolve('ANTHROPIC_API_KEY', { ANTHROPIC_API_KEY: 'set' });
    } catch (caught) {
      error = caught;
    }
    expect(SecretsError.isInstance(error) && error.code).toBe('SECRETS_AIR_GAP');
    expect(createAuditTrail(queue).list()[0]).toMatchObject({
      resource: 'ANTHROPIC_API_KEY',
      decision: 'deny',
      reason: expect.stringMatching(/air-gap/i),
    });
  });

  it('still returns the value when the audit row cannot be written, and reports why', () => {
    const { queue, file } = setup();
    const trail = createAuditTrail(queue);
    const errors: Error[] = [];
    const store = createAuditedSecretsStore({
      store: createSecretsStore({ file }),
      audit: trail,
      actor: 'x'.repeat(500), // an actor the trail refuses
      onAuditError: (error) => errors.push(error),
    });
    expect(store.get('ANTHROPIC_API_KEY')).toBe(VALUE);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('actor')]);
    expect(trail.list()).toEqual([]);
  });
});
