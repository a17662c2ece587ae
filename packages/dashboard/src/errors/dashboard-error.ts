import { BigedError } from '@biged/core';

const name = 'DashboardError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Codes `DashboardError` uses, and the HTTP status each maps to in the app's one `onError`:
 * - `DASHBOARD_BAD_REQUEST` (400): a query parameter or path segment is malformed, unknown or out of range.
 * - `DASHBOARD_UNAUTHORIZED` (401): a POST without `Authorization: Bearer <token>`, or with a wrong token.
 * - `DASHBOARD_FORBIDDEN` (403): the request came from another origin (`Origin` header), or named a
 *   `Host` the dashboard does not serve (DNS rebinding).
 * - `DASHBOARD_NOT_FOUND` (404): no such route or resource.
 * - `DASHBOARD_NOT_IMPLEMENTED` (501): the route exists in the manual but its data source does not yet.
 * - `DASHBOARD_CONTROL_UNAVAILABLE` (503): a process-control route, but no supervisor control was wired.
 * - `DASHBOARD_FLEET_NOT_RUNNING` (503): a process-control route, but no supervisor runs ("fleet not running").
 * - `DASHBOARD_CONTROL_TIMEOUT` (504): the supervisor did not answer a process-control request in time.
 * - `DASHBOARD_AIR_GAP` (not HTTP): `createDashboard` refused to start in air-gap mode.
 * - `DASHBOARD_DISABLED` (not HTTP): `createDashboard` refused to start, `[dashboard] enabled = false`.
 * - `DASHBOARD_TOKEN_INVALID` (not HTTP): the token file exists but does not hold a usable token.
 */
export type DashboardErrorCode =
  | 'DASHBOARD_BAD_REQUEST'
  | 'DASHBOARD_UNAUTHORIZED'
  | 'DASHBOARD_FORBIDDEN'
  | 'DASHBOARD_NOT_FOUND'
  | 'DASHBOARD_NOT_IMPLEMENTED'
  | 'DASHBOARD_CONTROL_UNAVAILABLE'
  | 'DASHBOARD_FLEET_NOT_RUNNING'
  | 'DASHBOARD_CONTROL_TIMEOUT'
  | 'DASHBOARD_AIR_GAP'
  | 'DASHBOARD_DISABLED'
  | 'DASHBOARD_TOKEN_INVALID';

/** Options of the {@link DashboardError} constructor. */
export interface DashboardErrorOptions {
  /** The stable code. */
  code: DashboardErrorCode;
  /** What went wrong, for a human (sent to the client). */
  message: string;
  /** The query parameter or path segment concerned, for `DASHBOARD_BAD_REQUEST`. */
  parameter?: string;
  /** The underlying error. */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error raised by @biged/dashboard. Check with `DashboardError.isInstance(error)`, then switch on `code`. */
export class DashboardError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link DashboardErrorCode}. */
  declare readonly code: DashboardErrorCode;
  /** The parameter concerned, for `DASHBOARD_BAD_REQUEST`. */
  readonly parameter: string | undefined;

  constructor({ parameter, ...options }: DashboardErrorOptions) {
    super({ name, ...options });
    this.parameter = parameter;
  }

  /** True when `error` is a DashboardError from any copy of @biged/dashboard. */
  static override isInstance(error: unknown): error is DashboardError {
    return BigedError.hasMarker(error, marker);
  }
}
