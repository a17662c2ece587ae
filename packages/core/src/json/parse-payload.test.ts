import { describe, expect, it } from 'vitest';
import { PayloadError } from '../errors/payload-error';
import { parsePayload } from './parse-payload';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (PayloadError.isInstance(error)) return error.code;
    throw error;
  }
  return 'no error';
};

describe('parsePayload', () => {
  it('accepts JSON objects in text or parsed form', () => {
    expect(parsePayload('{"path": "."}')).toEqual({ path: '.' });
    expect(parsePayload({ a: 1 })).toEqual({ a: 1 });
    expect(parsePayload(undefined)).toEqual({});
  });

  it('rejects malformed JSON, non-objects and oversized payloads with distinct codes', () => {
    expect(codeOf(() => parsePayload('{"path": '))).toBe('PAYLOAD_INVALID_JSON');
    expect(codeOf(() => parsePayload('[1,2]'))).toBe('PAYLOAD_NOT_OBJECT');
    expect(codeOf(() => parsePayload('null'))).toBe('PAYLOAD_NOT_OBJECT');
    expect(codeOf(() => parsePayload(JSON.stringify({ text: 'x'.repeat(200) }), { maxBytes: 100 }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(codeOf(() => parsePayload({ text: 'é'.repeat(60) }, { maxBytes: 100 }))).toBe('PAYLOAD_TOO_LARGE');
  });
});
