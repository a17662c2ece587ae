import { describe, expect, it } from 'vitest';
import { BigedError } from '../errors/biged-error';
import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';
import { retryWithBackoff } from './retry';
import { callWithFallback, isRetryableError, type ModelFallbackEvent } from './with-fallback';

const failure = (providerId: string, statusCode?: number, cause?: unknown) =>
  new ModelCallError({ providerId, modelId: 'm', statusCode, cause });
const noWait = async () => {};

describe('callWithFallback', () => {
  it('falls back from claude to local after claude exhausted its retries, and emits model:fallback', async () => {
    const events: ModelFallbackEvent[] = [];
    const claudeCalls: number[] = [];
    const result = await callWithFallback(
      [
        {
          providerId: 'claude',
          call: () =>
            retryWithBackoff(
              async (attempt) => {
                claudeCalls.push(attempt);
                throw failure('claude', 529);
              },
              { sleep: noWait },
            ),
        },
        { providerId: 'local', call: async () => 'local answer' },
      ],
      { onFallback: (event) => events.push(event) },
    );
    expect(result).toBe('local answer');
    expect(claudeCalls).toEqual([1, 2, 3]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ fromProviderId: 'claude', toProviderId: 'local', index: 0 });
    expect(RetryError.isInstance(events[0]!.error)).toBe(true);
  });

  it('stops at a non-retryable error and rethrows it as is', async () => {
    const unauthorised = failure('claude', 401);
    let localCalled = false;
    const chain = [
      {
        providerId: 'claude',
        call: async (): Promise<string> => {
          throw unauthorised;
        },
      },
      {
        providerId: 'local',
        call: async () => {
          localCalled = true;
          return 'x';
        },
      },
    ];
    await expect(callWithFallback(chain)).rejects.toBe(unauthorised);
    expect(localCalled).toBe(false);
  });

  it('lists every provider tried when all fail', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const claudeError = new RetryError({ reason: 'maxRetriesExceeded', errors: [failure('claude', 429)] });
    const localError = failure('local', undefined, refused);
    const error = await callWithFallback([
      {
        providerId: 'claude',
        modelId: 'sonnet',
        call: async () => {
          throw claudeError;
        },
      },
      {
        providerId: 'local',
        call: async () => {
          throw localError;
        },
      },
    ]).catch((caught: unknown) => caught);
    expect(BigedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ROUTER_ALL_PROVIDERS_FAILED' });
    const { message, cause } = error as BigedError;
    expect(message).toBe(
      'All 2 providers failed (claude -> local):\n' +
        '  - claude/sonnet: claude/m call failed with HTTP 429 (after 1 attempt)\n' +
        '  - local: local/m call failed: connect ECONNREFUSED',
    );
    expect((cause as AggregateError).errors).toEqual([claudeError, localError]);
  });

  it('does not start the next provider once the signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let localCalled = false;
    const promise = callWithFallback(
      [
        {
          providerId: 'claude',
          call: async () => {
            controller.abort(reason);
            throw failure('claude', 503);
          },
        },
        {
          providerId: 'local',
          call: async () => {
            localCalled = true;
            return 'x';
          },
        },
      ],
      { signal: controller.signal },
    );
    await expect(promise).rejects.toMatchObject({ statusCode: 503 });
    expect(localCalled).toBe(false);
  });

  it('refuses an empty chain', async () => {
    await expect(callWithFallback([])).rejects.toMatchObject({ code: 'ROUTER_NO_PROVIDER' });
  });
});

describe('isRetryableError', () => {
  it('reads isRetryable alone', () => {
    expect(isRetryableError(failure('x', 429))).toBe(true);
    expect(isRetryableError(failure('x', 400))).toBe(false);
    expect(
      isRetryableError(new RetryError({ reason: 'maxRetriesExceeded', errors: [failure('x', 500)] })),
    ).toBe(true);
    expect(
      isRetryableError(new RetryError({ reason: 'errorNotRetryable', errors: [failure('x', 400)] })),
    ).toBe(false);
    expect(isRetryableError(new RetryError({ reason: 'aborted', errors: [failure('x', 500)] }))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });
});
