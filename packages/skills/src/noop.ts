import { defineSkill, z } from '@biged/skill-sdk';

/** What `noop` returns. */
export interface NoopResult {
  ok: true;
  /** The payload's `echo`, unchanged. */
  echo: unknown;
}

/**
 * `noop`: does nothing and returns `{ ok: true, echo }`. Used by the queue benchmarks and by tests of
 * the worker loop, where the skill's own cost must be zero.
 */
export const noop = defineSkill({
  name: 'noop',
  description:
    "Does nothing and returns { ok: true, echo } with the payload's echo value. For benchmarks and tests of the worker loop.",
  payload: z.strictObject({
    /** Any JSON value, returned as is. */
    echo: z.unknown().optional(),
  }),
  run: ({ echo }): NoopResult => ({ ok: true, echo }),
});
