import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';
import { createRateLimiter, type RateLimiter } from './create-rate-limiter';
import { retryWithBackoff } from './retry';

/**
 * Real sockets, real timers: a node:http server on 127.0.0.1 plays the provider, and a small fetch-based
 * call turns its answers into ModelCallErrors the way a provider adapter would.
 */

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Starts a server whose nth request (0-based) is answered by `respond(n, response)`. Records arrival times. */
async function startProvider(respond: (index: number, response: ServerResponse) => void) {
  const arrivals: number[] = [];
  server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    arrivals.push(performance.now());
    respond(arrivals.length - 1, response);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/chat`, arrivals };
}

/** What a provider adapter does: fetch, and turn every failure into a ModelCallError. */
async function callProvider(url: string, limiter: RateLimiter, signal?: AbortSignal): Promise<unknown> {
  await limiter.acquire({ tokens: 10, signal });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', body: '{"prompt":"hi"}', signal });
  } catch (error) {
    throw new ModelCallError({ providerId: 'test', modelId: 'tiny', cause: error });
  }
  if (!response.ok) {
    throw new ModelCallError({
      providerId: 'test',
      modelId: 'tiny',
      statusCode: response.status,
      responseHeaders: Object.fromEntries(response.headers),
      responseBody: await response.text(),
    });
  }
  return response.json();
}

describe('provider calls over real HTTP', () => {
  it('retries a 429 after its retry-after and succeeds on the second attempt', async () => {
    const { url, arrivals } = await startProvider((index, response) => {
      if (index === 0) {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end('{"error":{"type":"rate_limit_error"}}');
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"text":"hello"}');
      }
    });
    const limiter = createRateLimiter({ requestsPerMinute: 50 }); // real clock, default share and gap
    const attempts: number[] = [];
    const delays: number[] = [];
    const result = await retryWithBackoff(
      (attempt) => {
        attempts.push(attempt);
        return callProvider(url, limiter);
      },
      { initialDelayMs: 10, onRetry: (event) => delays.push(event.delayMs) },
    );

    expect(result).toEqual({ text: 'hello' });
    expect(attempts).toEqual([1, 2]);
    expect(delays).toEqual([1_000]); // from retry-after, not the 10 ms backoff
    // Timers fire on whole milliseconds, so allow a few ms of rounding against the sub-ms clock.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(995);
    expect(limiter.stats()).toMatchObject({ granted: 2, tokensLastMinute: 20 });
  });

  it('exhausts the retries on three 500s with a RetryError listing all three', async () => {
    const { url, arrivals } = await startProvider((index, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(`{"error":"overloaded ${index}"}`);
    });
    const limiter = createRateLimiter({ requestsPerSecond: 5, share: 1, minGapMs: 20 });
    const error = await retryWithBackoff(() => callProvider(url, limiter), {
      initialDelayMs: 10,
      jitter: 'none',
    }).catch((caught: unknown) => caught);

    expect(RetryError.isInstance(error)).toBe(true);
    const retryError = error as RetryError;
    expect(retryError.reason).toBe('maxRetriesExceeded');
    expect(retryError.errors).toHaveLength(3);
    expect(arrivals).toHaveLength(3);
    retryError.errors.forEach((attemptError, index) => {
      expect(attemptError).toMatchObject({
        code: 'ROUTER_CALL_FAILED',
        statusCode: 500,
        isRetryable: true,
        responseBody: `{"error":"overloaded ${index}"}`,
      });
    });
  });

  it('treats a refused connection as a retryable network error', async () => {
    const { url } = await startProvider(() => {});
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const limiter = createRateLimiter({ minGapMs: 0 });
    const error = await retryWithBackoff(() => callProvider(url, limiter), { maxRetries: 0 }).catch(
      (caught: unknown) => caught,
    );
    const [attemptError] = (error as RetryError).errors;
    expect(ModelCallError.isInstance(attemptError)).toBe(true);
    expect(attemptError).toMatchObject({ statusCode: undefined, isRetryable: true });
    expect((attemptError as ModelCallError).message).toContain('ECONNREFUSED');
  });
});
