export {
  createUsageLedger,
  DEFAULT_RESERVATION_TIMEOUT_MS,
  DEFAULT_THROTTLE_MS,
} from './create-usage-ledger';
export type { CreateLedgerUsageSinkOptions, LedgerUsageEntry, LedgerUsageSink } from './ledger-usage-sink';
export { budgetsFromConfig, createLedgerUsageSink, NO_SKILL } from './ledger-usage-sink';
export type { PeriodWindow } from './period-window';
export { periodWindow } from './period-window';
export type { CostEstimate, CostRequest, ModelPrice } from './prices';
export { estimateCostUsd, findModelPrice, LOCAL_PROVIDERS, MODEL_PRICES } from './prices';
export type {
  Budget,
  BudgetEnforcement,
  BudgetPeriod,
  BudgetReservation,
  BudgetStatus,
  BudgetStatusRequest,
  CreateUsageLedgerOptions,
  LedgerTime,
  ListUsageOptions,
  ReserveBudgetRequest,
  UsageCall,
  UsageDelta,
  UsageDeltaRow,
  UsageEntry,
  UsageGroupBy,
  UsageLedger,
  UsageRange,
  UsageRecord,
  UsageResult,
  UsageStatus,
  UsageSummary,
  UsageSummaryOptions,
  UsageSummaryRow,
  UsageTotals,
} from './usage-ledger';
