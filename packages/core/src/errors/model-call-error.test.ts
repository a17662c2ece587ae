import { describe, expect, it } from 'vitest';
import { BigedError } from './biged-error';
import { ModelCallError } from './model-call-error';
import { RetryError } from './retry-error';

const make = (statusCode?: number, cause?: unknown) =>
  new ModelCallError({ providerId: 'claude', modelId: 'sonnet', statusCode, cause });

describe('ModelCallError', () => {
  it('is retryable for 408, 409, 429 and 5xx only', () => {
    const retryable = [408, 409, 429, 500, 502, 503, 529].map((status) => make(status).isRetryable);
    const final = [400, 401, 403, 404, 422].map((status) => make(status).isRetryable);
    expect(retryable.every(Boolean)).toBe(true);
    expect(final.some(Boolean)).toBe(false);
  });

  it('is retryable for transient network errors found along the cause chain', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), {
      code: 'ECONNREFUSED',
    });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    expect(make(undefined, fetchFailed).isRetryable).toBe(true);
    expect(make(undefined, Object.assign(new Error('reset'), { code: 'ECONNRESET' })).isRetryable).toBe(true);
    expect(make(undefined, new AggregateError([refused])).isRetryable).toBe(true);
    expect(make(undefined, Object.assign(new Error('dns'), { code: 'ENOTFOUND' })).isRetryable).toBe(false);
    expect(make(undefined, new Error('bug')).isRetryable).toBe(false);
    expect(make(undefined, fetchFailed).message).toBe(
      'claude/sonnet call failed: fetch failed (ECONNREFUSED)',
    );
  });

  it('keeps its context, lets the caller override isRetryable and is recognised by marker', () => {
    const error = new ModelCallError({
      providerId: 'local',
      modelId: 'qwen3:8b',
      statusCode: 503,
      responseHeaders: { 'retry-after': '1' },
      responseBody: '{"error":"loading model"}',
      isRetryable: false,
    });
    expect(error).toMatchObject({
      name: 'ModelCallError',
      code: 'ROUTER_CALL_FAILED',
      message: 'local/qwen3:8b call failed with HTTP 503',
      providerId: 'local',
      modelId: 'qwen3:8b',
      statusCode: 503,
      responseHeaders: { 'retry-after': '1' },
      responseBody: '{"error":"loading model"}',
      isRetryable: false,
    });
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    expect(RetryError.isInstance(error)).toBe(false);
    expect(ModelCallError.isInstance({ [Symbol.for('biged.error.ModelCallError')]: true })).toBe(true);
  });
});

describe('RetryError', () => {
  it('keeps every error, the last one as cause, and a reason', () => {
    const errors = [make(500), make(429)];
    const error = new RetryError({ reason: 'maxRetriesExceeded', errors });
    expect(error).toMatchObject({
      name: 'RetryError',
      code: 'ROUTER_RETRY_EXHAUSTED',
      reason: 'maxRetriesExceeded',
      errors,
      lastError: errors[1],
      cause: errors[1],
    });
    expect(error.message).toBe(
      'Gave up after 2 attempts. Last error: claude/sonnet call failed with HTTP 429',
    );
    expect(RetryError.isInstance(error)).toBe(true);
    expect(ModelCallError.isInstance(error)).toBe(false);
  });
});
