/**
 * The greeks use case: each position's delta, gamma, vega and theta and the totals per
 * underlying, in the units of optimize/exposures.ts (`GREEK_UNITS`): delta in coins (Deribit's
 * `delta_total` convention for inverse options), gamma in coins of delta per +1 % move, vega in
 * USD per vol point, theta in USD per calendar day. Position greek = size (coins, signed) ×
 * unit greek at the snapshot (`unitExposures`); the total is their sum per underlying.
 */
import { GREEKS, GREEK_UNITS, unitExposures, zeroGreeks } from '../optimize/exposures.ts';
import type { GreekVector } from '../optimize/exposures.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { instrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** One position's greeks. */
export interface PositionGreeks extends GreekVector {
  readonly instrument: string;
  readonly underlying: string;
  /** Signed size in coins. */
  readonly size: number;
}

/** The greeks of a book (see module doc). */
export interface GreeksResult {
  readonly units: Readonly<Record<string, string>>;
  readonly positions: readonly PositionGreeks[];
  /** Σ over positions per underlying. */
  readonly totals: Readonly<Record<string, GreekVector>>;
}

/** Greeks per position and per underlying (see module doc). */
export function greeksUseCase(portfolio: Portfolio, snapshot: MarketSnapshot): GreeksResult {
  const totals: Record<string, GreekVector> = {};
  const positions = portfolio.positions.map((p) => {
    const unit = unitExposures(p.instrument, instrumentState(p.instrument, snapshot));
    const u = p.instrument.underlying;
    const t = (totals[u] ??= zeroGreeks());
    const g = zeroGreeks();
    for (const k of GREEKS) {
      g[k] = p.size * unit[k];
      t[k] += g[k];
    }
    return { instrument: p.instrument.symbol, underlying: u, size: p.size, ...g };
  });
  return { units: GREEK_UNITS, positions, totals };
}
