import { describe, expect, it } from 'vitest';
import { BigedError } from './biged-error';
import { ConfigError } from './config-error';
import { PayloadError } from './payload-error';
import { toError } from './to-error';

describe('BigedError', () => {
  it('is recognised by marker, not by prototype, so two copies of core interoperate', () => {
    const error = new PayloadError({ code: 'PAYLOAD_TOO_LARGE', message: 'too big' });
    const copy = Object.assign(Object.create(null), { [Symbol.for('biged.error')]: true });
    expect(BigedError.isInstance(error)).toBe(true);
    expect(PayloadError.isInstance(error)).toBe(true);
    expect(ConfigError.isInstance(error)).toBe(false);
    expect(BigedError.isInstance(copy)).toBe(true);
    expect(BigedError.isInstance(new Error('plain'))).toBe(false);
    expect(BigedError.isInstance(null)).toBe(false);
  });

  it('keeps the cause and renders a JSON shape', () => {
    const cause = new Error('root');
    const error = new BigedError({ code: 'X', message: 'outer', cause, hint: 'try again' });
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({ name: 'BigedError', code: 'X', message: 'outer', hint: 'try again' });
  });

  it('names the file, key and expectation in config errors', () => {
    const error = new ConfigError({
      code: 'CONFIG_INVALID',
      file: '/h/fleet.toml',
      issues: [{ key: 'workers.coder_count', expected: 'a whole number', received: '"three"' }],
    });
    expect(error.message).toContain('/h/fleet.toml');
    expect(error.message).toContain('workers.coder_count: expected a whole number, got "three"');
  });
});

describe('toError', () => {
  it('passes errors through and wraps everything else', () => {
    const error = new Error('x');
    expect(toError(error)).toBe(error);
    expect(toError('boom').message).toBe('boom');
    expect(toError({ a: 1 }).message).toBe('{"a":1}');
    expect(toError({ a: 1 }).cause).toEqual({ a: 1 });
  });
});
