/** Shapes of the API responses the dashboard reads (a subset of each; see /openapi.json). */

/** A book as the store and the API take it (sizes in coins, signed). */
export interface Book {
  positions: { instrument: string; size: number; entryPrice?: number }[];
  balances: { currency: string; amount: number }[];
}

/** GET /v1/accounts/:id. */
export interface Account {
  id: string;
  name: string;
  version: number;
  book: Book;
}

/** One pool of /v1/health. */
export interface PoolHealth {
  currency: string;
  equity: number;
  initialMargin: number;
  maintenanceMargin: number;
  freeCollateral: number;
  imUtilization: number;
  mmUtilization: number;
  state: string;
}

/** POST /v1/health. */
export interface HealthResponse {
  health: {
    state: string;
    equityUsd: number;
    initialMarginUsd: number;
    maintenanceMarginUsd: number;
    freeCollateralUsd: number;
    pools: PoolHealth[];
  };
  liquidation: {
    pools: {
      underlyings: {
        underlying: string;
        up: { price: number | null };
        down: { price: number | null };
      }[];
    }[];
  };
  warnings: string[];
}

/** POST /v1/whatif (the fields the panel reads; it asks for `detail: "summary"`). */
export interface WhatIfResponse {
  beforeUsd: { initialMargin: number; maintenanceMargin: number };
  afterUsd: { initialMargin: number; maintenanceMargin: number; equity: number };
  trades: { incrementalInitialMarginUsd: number }[];
}

/** A greek vector (units in GreeksResponse.units). */
export interface Greeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

/** POST /v1/greeks. */
export interface GreeksResponse {
  units: Record<string, string>;
  positions: (Greeks & { instrument: string; underlying: string; size: number })[];
  totals: Record<string, Greeks>;
}

/** POST /v1/margin (one model; amounts in `currency`). */
export interface MarginResponse {
  model: string;
  currency: string;
  initialMargin: number;
  maintenanceMargin: number;
  worstScenario?: { label: string; pnl: number } | null;
  contributions: { symbol: string; size: number; pnl: number }[];
  addOns: { name: string; amount: number; appliesTo: string; description?: string }[];
  warnings: string[];
}

/** POST /v1/compare. */
export interface CompareResponse {
  baselineUsd?: number;
  models: {
    model: string;
    initialMarginUsd: number | null;
    maintenanceMarginUsd: number | null;
    savingVsIsolated: number | null;
    error: string | null;
  }[];
}

/** One point of a P&L curve. */
export interface PnlPoint {
  multiplier: number;
  spot: number;
  pnlUsd: number;
}

/** POST /v1/pnl-curve. */
export interface PnlResponse {
  underlying: string;
  index: number;
  points: PnlPoint[];
  expiry: { expiryMs: number; points: PnlPoint[]; breakevens: number[] } | null;
}

/** POST /v1/optimize (the fields the panel shows). */
export interface OptimizeResponse {
  status: string;
  reason: string | null;
  before: { initialMarginUsd: number };
  after: { initialMarginUsd: number };
  costUsd: number;
  trades: { instrument: string; side: 'buy' | 'sell'; size: number; costUsd: number }[];
}
