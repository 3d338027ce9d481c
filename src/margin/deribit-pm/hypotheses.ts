/**
 * The hypothesis rules of Deribit PM (docs/methodology/deribit-pm.md; `DeribitPmRules`) that the default
 * evaluates under every reading (src/margin/hypotheses.ts), and which books each can move:
 *
 * - `inverseOptionPnl` (§5.3 [I]) and `extendedCoinConversion` (§7.1 [I]): coin-settled
 *   (inverse) options only;
 * - `rollShockOptions` (§10 [I]) and `minVolForShockUp` (§6 [T/I]): any option;
 * - `extendedUsdConversion` (§7.1 [I]): USD-settled (linear) positions only;
 * - `deltaShock` H1 / H2 (§11 [I]; `off` is 0, dominated, pinnable only): only when some
 *   underlying's Σ|size|·2·index exceeds `delta_total_liq_shock_threshold` (a vanilla's coin
 *   delta per unit is below 2 in absolute value, so below that neither H1 nor H2 charges), or
 *   the book holds digitals/barriers (unbounded delta).
 *
 * Charged at a dominant reading without enumeration (pinnable with `--hypothesis`):
 * `rollShockTime` `exp` (exp(rT) − 1 ≥ rT for every rT, and the roll shock enters IM
 * additively; test/margin/hypotheses-property.test.ts shows it on random books). Not
 * enumerated: `volCellOrder` (§4 [G]) cannot move the number (the worst case is a minimum over
 * cells, order-free; only the reported bucket's tie-break depends on it: the same test checks
 * it), `dteFloorDays` (§6 [G], a number with no alternative reading in the notes), and the
 * rules whose default the notes state as conservative (`dampenerGains`, `gainCapOrder`,
 * `gainCapUnit`, `multiPairAggregation`) or that no source orders (`rollShockOptionDelta`).
 *
 * Option book (inverse): 2⁴ = 16 combinations; USD-settled option book: 2³ = 8; futures:
 * 1 (or 2 with a USD-settled position, ×2 with the delta shock).
 */
import { isOptionLike } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import type { HypothesisRule, HypothesisTable } from '../hypotheses.ts';
import { pairKey, type DeribitPmParams } from './params.ts';

const rule = (
  name: string,
  readings: readonly string[],
  section: string,
  enumerated = readings,
): HypothesisRule => ({ name, path: ['rules', name], readings, section, enumerated });

/** The rules (readings: the model's default first). */
export const DERIBIT_PM_HYPOTHESIS_RULES: readonly HypothesisRule[] = [
  rule('inverseOptionPnl', ['coin-value', 'usd-at-shocked'], 'deribit-pm §5.3 [I]'),
  rule('extendedCoinConversion', ['range-edge', 'none'], 'deribit-pm §7.1 [I]'),
  rule('rollShockOptions', ['per-expiry', 'per-instrument'], 'deribit-pm §10 [I]'),
  rule('minVolForShockUp', ['floor-shocked', 'floor-base'], 'deribit-pm §6 [T/I]'),
  rule('extendedUsdConversion', ['none', 'range-edge'], 'deribit-pm §7.1 [I]'),
  rule('deltaShock', ['H1', 'H2', 'off'], 'deribit-pm §11 [I]', ['H1', 'H2']),
  rule('rollShockTime', ['exp', 'linear'], 'deribit-pm §10 [I]', ['exp']),
];

/** Σ|size| per underlying (in the positions' order), and whether a digital or barrier is held. */
export function grossSizes(positions: readonly Position[]): {
  gross: Map<string, number>;
  exotic: boolean;
} {
  const gross = new Map<string, number>();
  let exotic = false;
  for (const p of positions) {
    if (p.instrument.kind === 'digital' || p.instrument.kind === 'barrier') exotic = true;
    const u = p.instrument.underlying;
    gross.set(u, (gross.get(u) ?? 0) + Math.abs(p.size));
  }
  return { gross, exotic };
}

/**
 * The delta-shock test of one underlying of gross size `g` (coins): `excess = 2·g·index −
 * delta_total_liq_shock_threshold` (USD; > 0: the shock can charge) and the threshold;
 * `excess` is +∞ without an index or pair parameters (fail closed: it can charge).
 */
export function deltaShockExcess(
  underlying: string,
  g: number,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): { excess: number; threshold: number } {
  const index = snapshot.underlyings[underlying]?.index;
  const pair = params.model_params.currency_pair[pairKey(underlying)];
  if (index === undefined || !pair) return { excess: Infinity, threshold: 0 };
  const threshold = pair.delta_total_liq_shock_threshold;
  return { excess: 2 * g * index - threshold, threshold };
}

/** Whether some underlying's gross size could reach the delta-shock threshold (see above). */
function deltaShockCanCharge(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
) {
  const { gross, exotic } = grossSizes(portfolio.positions);
  if (exotic) return true;
  for (const [u, g] of gross) if (deltaShockExcess(u, g, snapshot, params).excess > 0) return true;
  return false;
}

/** Deribit PM's hypothesis table. */
export const DERIBIT_PM_HYPOTHESES: HypothesisTable<DeribitPmParams> = {
  rules: DERIBIT_PM_HYPOTHESIS_RULES,
  movable(portfolio, snapshot, params) {
    const out = new Set<string>();
    for (const p of portfolio.positions) {
      const inst = p.instrument;
      if (isOptionLike(inst)) {
        out.add('rollShockOptions');
        out.add('minVolForShockUp');
        if (inst.settlement === 'inverse') {
          out.add('inverseOptionPnl');
          out.add('extendedCoinConversion');
        }
      }
      if (inst.settlement !== 'inverse') out.add('extendedUsdConversion');
    }
    if (deltaShockCanCharge(portfolio, snapshot, params)) out.add('deltaShock');
    return out;
  },
  dominant: {
    rollShockTime:
      'exp: exp(rT) − 1 ≥ rT for every rT ≥ 0 and the roll shock enters IM additively (deribit-pm §10)',
  },
};
