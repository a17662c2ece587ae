/** What a per-call fetch saw of the last HTTP response, for error mapping. */
export interface ResponseSeen {
  status: number | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * Wraps `baseFetch` for one call: the caller's signal is added to every request (for SDKs whose methods
 * take none), and the status and headers of the last response are kept (for SDKs whose errors drop the
 * headers, so `retry-after` still reaches the router).
 */
export function createCallFetch(
  baseFetch: typeof fetch,
  signal: AbortSignal | undefined,
): { fetch: typeof fetch; seen: ResponseSeen } {
  const seen: ResponseSeen = { status: undefined, headers: undefined };
  const callFetch: typeof fetch = async (input, init) => {
    const own = init?.signal ?? undefined;
    const combined = signal && own ? AbortSignal.any([signal, own]) : (signal ?? own);
    const response = await baseFetch(input, { ...init, signal: combined });
    seen.status = response.status;
    seen.headers = headersToRecord(response.headers);
    return response;
  };
  return { fetch: callFetch, seen };
}

/** A `Headers` (or anything with `forEach`) as a plain record with lower-case names. */
export function headersToRecord(headers: Headers | undefined | null): Record<string, string> | undefined {
  if (!headers) return undefined;
  const record: Record<string, string> = {};
  headers.forEach((value, key) => {
    record[key.toLowerCase()] = value;
  });
  return record;
}
