/**
 * The market snapshot: everything needed to value instruments at one instant.
 *
 * Per underlying: the index (spot reference, USD), forwards per expiry (from futures mids
 * or put-call parity), a volatility surface (one raw-SVI slice per expiry, interpolated in
 * total variance), a rate for discounting linear option premia, the perpetual's basis
 * (mark − index), and optional confidences in [0, 1] (Derive-style; 1 = fully trusted).
 *
 * Immutable plain data; the JSON form (ISO time instead of epoch ms) is documented by
 * `docs/schema/market-snapshot.schema.json` and validated in src/io/snapshot-json.ts. The
 * optional price history (`history`) is attached by the adapters, not read from that file.
 */
import type { Currency } from '../core/currency.ts';
import type { MarketHistory } from './market-history.ts';
import type { SviParams } from './svi.ts';

/** Where a forward came from. */
export type ForwardSource = 'future' | 'put-call-parity' | 'input';

/** The forward for one expiry (USD per coin). */
export interface ForwardPoint {
  readonly expiryMs: number;
  readonly forward: number;
  readonly source: ForwardSource;
}

/** One fitted expiry of the surface: raw SVI in total variance vs k = ln(K/F). */
export interface SurfaceSlice {
  readonly expiryMs: number;
  /** ACT/365 years from the snapshot's as-of time. */
  readonly T: number;
  /** The forward the slice's log-moneyness is measured against. */
  readonly forward: number;
  readonly params: SviParams;
  /** Weighted RMSE of the fit in vol points (100 × vol), if fitted from quotes. */
  readonly rmseVolPoints?: number;
}

/** Trust in each input, 0..1 (1 = fully trusted). Used by models that penalise stale data. */
export interface Confidences {
  readonly index?: number;
  readonly forwards?: number;
  readonly vol?: number;
}

/** Market data for one underlying coin. */
export interface UnderlyingMarket {
  /** Base coin, e.g. `BTC`. */
  readonly underlying: Currency;
  /** Index (spot reference), USD per coin. */
  readonly index: number;
  /** Continuously compounded rate used to discount linear option premia (Deribit uses 0). */
  readonly rate: number;
  /** Forwards sorted by expiry. */
  readonly forwards: readonly ForwardPoint[];
  /** Surface slices sorted by expiry (may be empty for a book without options). */
  readonly surface: readonly SurfaceSlice[];
  /**
   * Smoothed perpetual basis, USD: perp mark = index + perpBasis. `buildSnapshot` averages the
   * observed perpetual mid − index exponentially over time when given the previous snapshot
   * (perp-basis.ts); the first snapshot takes the observed basis.
   */
  readonly perpBasis: number;
  readonly confidence?: Confidences;
}

/** A complete snapshot: as-of time (epoch ms, UTC) and markets per underlying. */
export interface MarketSnapshot {
  readonly asOfMs: number;
  readonly underlyings: Readonly<Record<Currency, UnderlyingMarket>>;
  /** Notes from the builder (quotes dropped, proxies used), for the user. */
  readonly warnings?: readonly string[];
  /**
   * Price history of the underlyings (market data of the risk-based models' scenarios,
   * market-history.ts), attached by the adapters (`--history`, a request's history) with
   * `withHistory`; not part of the snapshot file form. Covered by results' input hash.
   */
  readonly history?: MarketHistory;
}
