/**
 * A market snapshot moved by a price multiplier per underlying, for re-margining a book at
 * another price level (liquidation distances, solvency deltas, contagion, backtests).
 *
 * For an underlying moved by `m`: index × m, every forward × m, the perpetual basis × m (so the
 * perp mark moves by m too), and every surface slice's reference forward × m with its SVI
 * parameters unchanged, i.e. the smile moves with the forward (sticky moneyness: the implied
 * vol at strike K·m after the move is the vol at K before). The as-of time, rates and
 * confidences are unchanged. Underlyings not listed keep their market.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../market/snapshot.ts';

/** One underlying's market moved by `m` (see module doc). */
export function scaleUnderlying(u: UnderlyingMarket, m: number): UnderlyingMarket {
  if (!(Number.isFinite(m) && m > 0))
    throw new BallastError(
      'INVALID_INPUT',
      `price multiplier must be finite and > 0, got ${m}`,
      `multipliers.${u.underlying}`,
    );
  if (m === 1) return u;
  return {
    ...u,
    index: u.index * m,
    perpBasis: u.perpBasis * m,
    forwards: u.forwards.map((f) => ({ ...f, forward: f.forward * m })),
    surface: u.surface.map((s) => ({ ...s, forward: s.forward * m })),
  };
}

/**
 * The snapshot with each underlying in `multipliers` moved by its multiplier (1.1 = +10 %).
 * An underlying the snapshot does not have is INVALID_INPUT (a move of nothing is a mistake).
 */
export function scaleSnapshot(
  snapshot: MarketSnapshot,
  multipliers: Readonly<Record<string, number>>,
): MarketSnapshot {
  const underlyings: Record<string, UnderlyingMarket> = { ...snapshot.underlyings };
  for (const [name, m] of Object.entries(multipliers)) {
    const u = snapshot.underlyings[name];
    if (!u)
      throw new BallastError(
        'INVALID_INPUT',
        `the market snapshot has no data for ${name}`,
        `multipliers.${name}`,
      );
    underlyings[name] = scaleUnderlying(u, m);
  }
  return { ...snapshot, underlyings };
}
