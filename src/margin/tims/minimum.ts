/**
 * The TIMS per-contract minimum (FINRA 4210(g) / Cboe; docs/methodology/span-tims.md §5.3):
 * every contract, long or short, carries a floor of `$0.375 × multiplier`, so a class group
 * or product group never needs less than Σ contracts × 0.375 × multiplier (W-T1: a long
 * straddle of 100 + 100 contracts → 200 × $37.50 = $7,500).
 *
 * Crypto convention (ours): one contract = `contractMultiplier` coins (default 1 coin), so the
 * minimum is $0.375 per coin; fractional positions count as whole contracts when
 * `roundUpContracts` (conservative). Optionally a long position's minimum is capped at its
 * market value (`capLongAtMarketValue`, off by default).
 */
import type { Position } from '../../risk/portfolio.ts';
import type { TimsMinimumParams } from './params.ts';

/** One position's minimum. */
export interface PositionMinimum {
  readonly symbol: string;
  readonly contracts: number;
  /** USD. */
  readonly amount: number;
  /** True if the market-value cap lowered it. */
  readonly capped: boolean;
}

/**
 * Minimum of one position: `contracts × perUnitUsd × multiplier` with
 * `contracts = |size| / multiplier` (ceil if `roundUpContracts`); 0 for kinds outside
 * `appliesTo`. `marketValueUsd` is the position's marked value (for the long cap).
 */
export function positionMinimum(
  p: Position,
  m: TimsMinimumParams,
  multiplier: number,
  marketValueUsd: number,
): PositionMinimum {
  const symbol = p.instrument.symbol;
  if (!m.appliesTo.includes(p.instrument.kind) || p.size === 0)
    return { symbol, contracts: 0, amount: 0, capped: false };
  const raw = Math.abs(p.size) / multiplier;
  // ceil with a tolerance so 10000 / 100 stays 100 despite floating point
  const contracts = m.roundUpContracts ? Math.ceil(raw - 1e-9) : raw;
  const full = contracts * m.perUnitUsd * multiplier;
  if (m.capLongAtMarketValue && p.size > 0 && marketValueUsd >= 0 && marketValueUsd < full)
    return { symbol, contracts, amount: marketValueUsd, capped: true };
  return { symbol, contracts, amount: full, capped: false };
}
