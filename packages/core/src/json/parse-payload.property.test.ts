import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../errors/payload-error';
import { parsePayload } from './parse-payload';

// A fixed seed keeps CI repeatable; FC_SEED=<n> explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130) });

const MAX_BYTES = 256;

/** Returns the result, or the error when parsePayload threw; anything but a PayloadError fails the run. */
const attempt = (input: unknown) => {
  try {
    return { value: parsePayload(input, { maxBytes: MAX_BYTES }) };
  } catch (error) {
    if (!PayloadError.isInstance(error)) throw error;
    return { error };
  }
};

describe('parsePayload (property)', () => {
  it('never throws anything but PayloadError, for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.json({ maxDepth: 4 }),
          fc.string({ unit: 'binary', maxLength: 400 }),
        ),
        (text) => {
          const outcome = attempt(text);
          if (outcome.value) expect(typeof outcome.value).toBe('object');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws anything but PayloadError, for any value (bigint, functions, symbols, cycles)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({
            withBigInt: true,
            withMap: true,
            withSet: true,
            withDate: true,
            withTypedArray: true,
            maxDepth: 3,
          }),
          fc.constantFrom<unknown>(() => 1, Symbol('s'), cyclic, undefined, Number.NaN),
        ),
        (value) => {
          attempt(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('respects the size cap: text over maxBytes is PAYLOAD_TOO_LARGE, an accepted payload is within it', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 }), { maxKeys: 12 }),
        (object) => {
          const text = JSON.stringify(object);
          const outcome = attempt(text);
          if (Buffer.byteLength(text, 'utf8') > MAX_BYTES)
            expect(outcome.error?.code).toBe('PAYLOAD_TOO_LARGE');
          else expect(outcome.value).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
