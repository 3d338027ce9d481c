/**
 * P&L of a book against the spot of one underlying, today: every position revalued at the
 * moved market (risk/scaled-snapshot.ts: forwards and the surface move with spot, vol by
 * sticky moneyness as there), sizes held in coins, each pool converted to USD at the moved
 * index. P&L(m) = equity_USD(m) − equity_USD(1), so the curve passes through 0 at today's spot.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { usdPrice } from '../risk/collateral.ts';
import { positionsValue } from '../risk/equity.ts';
import { instrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';
import { BallastError } from '../core/errors.ts';

/** One point of the curve. */
export interface PnlPoint {
  /** Spot multiplier (1.1 = +10 %). */
  readonly multiplier: number;
  /** Index of the underlying at this point, USD. */
  readonly spot: number;
  /** Book P&L against today, USD. */
  readonly pnlUsd: number;
}

/** Book equity in USD at `snapshot` (positions marked, balances at the index). */
function equityUsd(p: Portfolio, snapshot: MarketSnapshot): number {
  let total = 0;
  const currencies = new Set(p.positions.map((x) => x.instrument.settlementCurrency));
  for (const ccy of currencies) {
    const pos = p.positions.filter((x) => x.instrument.settlementCurrency === ccy);
    const v = positionsValue(
      pos,
      pos.map((x) => instrumentState(x.instrument, snapshot)),
    ).value;
    total += v * usdPrice(ccy, snapshot, `${ccy}`);
  }
  for (const b of p.balances)
    total += b.amount * usdPrice(b.currency, snapshot, `balances.${b.currency}`);
  return total;
}

/** The P&L curve over `multipliers` of `underlying` (see module doc). */
export function pnlCurve(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  underlying: string,
  multipliers: readonly number[],
): PnlPoint[] {
  const u = snapshot.underlyings[underlying];
  if (!u) throw new BallastError('INVALID_INPUT', `the market has no ${underlying}`, 'underlying');
  const base = equityUsd(portfolio, snapshot);
  return multipliers.map((m) => {
    if (!(m > 0 && Number.isFinite(m)))
      throw new BallastError(
        'INVALID_INPUT',
        `a spot multiplier must be > 0, got ${m}`,
        'multipliers',
      );
    const moved = m === 1 ? snapshot : scaleSnapshot(snapshot, { [underlying]: m });
    return { multiplier: m, spot: u.index * m, pnlUsd: equityUsd(portfolio, moved) - base };
  });
}

/** An evenly spaced grid of multipliers from `1 − span` to `1 + span` (`n` points, n ≥ 2). */
export function multiplierGrid(span: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 - span + (2 * span * i) / (n - 1));
}
