import { z } from 'zod';
import { DashboardError } from './errors/dashboard-error';

/** Longest accepted query parameter value; longer ones are refused with a 400. */
export const MAX_PARAMETER_LENGTH = 200;

/** A whole number in `min..max` written in decimal, `fallback` when absent. */
export function intParam(min: number, max: number, fallback: number) {
  return z
    .string()
    .max(MAX_PARAMETER_LENGTH)
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);
}

/** A non-negative decimal number up to `max`, `fallback` when absent. */
export function numberParam(max: number, fallback: number) {
  return z
    .string()
    .max(MAX_PARAMETER_LENGTH)
    .regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a non-negative number')
    .transform(Number)
    .pipe(z.number().min(0).max(max))
    .default(fallback);
}

/** `true` or `false` (also `1`/`0`), `fallback` when absent. */
export function boolParam(fallback: boolean) {
  return z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .transform((value) => value === 'true' || value === '1')
    .default(fallback);
}

/** A time as ISO 8601 or epoch milliseconds; the result is epoch milliseconds. */
export function timeParam() {
  return z
    .string()
    .max(40)
    .transform((value, context) => {
      const time = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
      if (!Number.isFinite(time)) {
        context.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
        return z.NEVER;
      }
      return time;
    });
}

/**
 * Parses a request's query parameters with `schema` (a `z.strictObject`, so unknown parameters are
 * refused). Throws `DashboardError('DASHBOARD_BAD_REQUEST')` naming the first bad parameter.
 */
export function parseQuery<S extends z.ZodType>(query: Record<string, string>, schema: S): z.output<S> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => JSON.stringify(key)).join(', ');
    throw new DashboardError({
      code: 'DASHBOARD_BAD_REQUEST',
      message: `unknown query parameter ${names}`,
      parameter: issue.keys[0],
    });
  }
  const parameter = issue?.path.map(String).join('.') || undefined;
  throw new DashboardError({
    code: 'DASHBOARD_BAD_REQUEST',
    message: parameter
      ? `query parameter "${parameter}" ${issue?.message ?? 'is invalid'}`
      : (issue?.message ?? 'bad query'),
    ...(parameter ? { parameter } : {}),
  });
}
