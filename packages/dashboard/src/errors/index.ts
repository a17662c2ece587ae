export type { DashboardErrorCode, DashboardErrorOptions } from './dashboard-error';
export { DashboardError } from './dashboard-error';
