/**
 * Contingency add-ons of PMRM_2 (methodology spec `docs/methodology/derive-pm2.md`, §9): perp notional,
 * naked short options and collateral haircuts (MM, and incrementally IM), the oracle
 * confidence add-on (IM only) and the stable depeg raise of the IM loss factor. All
 * amounts are positive USD (the published `Result` shows them negated).
 */
import type { DerivePm2Input } from './input.ts';
import type { DerivePm2Params, MarginParams, OtherContingencyParams } from './params.ts';
import type { Pm2Expiry } from './expiries.ts';

/** Naked short count of one expiry (§9.1, §13.4), in units of the base asset. */
export interface NakedShorts {
  readonly count: number;
  /** True if some strike held more than two options (the engine's pairing rule, §13.4, applied). */
  readonly moreThanTwoAtAStrike: boolean;
}

/**
 * Naked shorts of one expiry (§9.1): per strike, one option gives max(0, −a); two give
 * max(0, −(a_C + a_P)) (a long offsets a short at the same strike one for one); options at
 * different strikes never offset. With more than two options at one strike the engine pairs
 * the first with each later one, Σ_{j≥2} max(0, −(a₁ + a_j)) (§13.4, not exercised by the
 * published cases).
 */
export function expiryNakedShorts(e: Pm2Expiry): NakedShorts {
  const byStrike = new Map<number, number[]>();
  for (let i = 0; i < e.amounts.length; i++) {
    const k = e.strikes[i]!;
    const list = byStrike.get(k);
    if (list) list.push(e.amounts[i]!);
    else byStrike.set(k, [e.amounts[i]!]);
  }
  let count = 0;
  let moreThanTwoAtAStrike = false;
  for (const list of byStrike.values()) {
    const first = list[0]!;
    if (list.length === 1) {
      count += Math.max(0, -first);
      continue;
    }
    if (list.length > 2) moreThanTwoAtAStrike = true;
    for (let j = 1; j < list.length; j++) count += Math.max(0, -(first + list[j]!));
  }
  return { count, moreThanTwoAtAStrike };
}

/**
 * Oracle-confidence add-on f(κ, notional) = (1 − κ)·CONF_MARGIN·notional if κ <
 * CONF_THRESHOLD, else 0 (§9.2). USD.
 */
export function oracleAddOn(
  confidence: number,
  notional: number,
  p: OtherContingencyParams,
): number {
  return confidence < p.CONF_THRESHOLD ? (1 - confidence) * p.CONF_MARGIN * notional : 0;
}

/**
 * Global confidence κ_G (§5.5): the spot confidence, lowered to min(κ_S, κ_P) only if the
 * account holds perps.
 */
export function globalConfidence(input: DerivePm2Input): number {
  const m = input.market;
  return input.portfolio.numPerps !== 0
    ? Math.min(m.spotConfidence, m.perpConfidence)
    : m.spotConfidence;
}

/** Expiry confidence κ_e = min(ForwardConfidence, RateConfidence, OptionVolConfidences, κ_G) (§5.5). */
export function expiryConfidence(e: Pm2Expiry, kappaG: number): number {
  const f = e.feed;
  return Math.min(f.forwardConfidence, f.rateConfidence, f.volConfidence, kappaG);
}

/** The contingencies of §9, positive USD. */
export interface Pm2Contingencies {
  /** N: naked shorts summed over strikes and expiries (units of the base asset). */
  readonly nakedShorts: number;
  /** |q|·S·MM_PERP_PERCENT (`MMPerpCont`, negated there). */
  readonly mmPerp: number;
  /** |q|·S·IM_PERP_PERCENT (`IMPerpCont`). */
  readonly imPerp: number;
  /** N·S·MM_OPTION_PERCENT (`MMOptionCont`). */
  readonly mmOption: number;
  /** N·S·IM_OPTION_PERCENT (`IMOptionCont`). */
  readonly imOption: number;
  /** Σ_c V_c·MMHaircut_c (`MMBaseCont`). */
  readonly mmBase: number;
  /** Σ_c V_c·IMHaircut_c (`IMBaseCont`). */
  readonly imBase: number;
  /** Oracle add-on of the perp position f(κ_G, |q|·S). */
  readonly oraclePerp: number;
  /** Oracle add-on per expiry f(κ_e, S·Σ|Amount|), in expiry order. */
  readonly oracleExpiries: readonly number[];
  /** Oracle add-on per collateral f(min(κ_c, κ_S), V_c), in input order. */
  readonly oracleCollaterals: readonly number[];
  /** Σ of the oracle add-ons (`OracleCont`). */
  readonly oracle: number;
  /** MMcont = mmPerp + mmOption + mmBase. */
  readonly mm: number;
  /** IMcont = imPerp + imOption + imBase + oracle (on top of MMcont). */
  readonly im: number;
  /** Expiries where more than two options share a strike (§13.4 rule applied). */
  readonly pairingRuleExpiries: readonly number[];
}

/** All contingencies of the account (§9). `collateralValues` are the V_c of §5.6. */
export function contingencies(
  input: DerivePm2Input,
  expiries: readonly Pm2Expiry[],
  collateralValues: Float64Array,
  params: DerivePm2Params,
): Pm2Contingencies {
  const p = params.otherContingency;
  const S = input.market.spotPrice;
  const perpNotional = Math.abs(input.portfolio.numPerps) * S;
  let nakedShorts = 0;
  const pairingRuleExpiries: number[] = [];
  for (const e of expiries) {
    const n = expiryNakedShorts(e);
    nakedShorts += n.count;
    if (n.moreThanTwoAtAStrike) pairingRuleExpiries.push(e.expiry);
  }
  const collaterals = input.portfolio.collaterals;
  let mmBase = 0;
  let imBase = 0;
  collaterals.forEach((c, i) => {
    mmBase += collateralValues[i]! * c.mmHaircut;
    imBase += collateralValues[i]! * c.imHaircut;
  });
  const kappaG = globalConfidence(input);
  const kappaS = input.market.spotConfidence;
  const oraclePerp = input.portfolio.numPerps !== 0 ? oracleAddOn(kappaG, perpNotional, p) : 0;
  const oracleExpiries = expiries.map((e) => {
    let gross = 0;
    for (const a of e.amounts) gross += Math.abs(a);
    return oracleAddOn(expiryConfidence(e, kappaG), S * gross, p);
  });
  const oracleCollaterals = collaterals.map((c, i) =>
    oracleAddOn(Math.min(c.confidence, kappaS), collateralValues[i]!, p),
  );
  let oracle = oraclePerp;
  for (const x of oracleExpiries) oracle += x;
  for (const x of oracleCollaterals) oracle += x;
  const mmPerp = perpNotional * p.MM_PERP_PERCENT;
  const imPerp = perpNotional * p.IM_PERP_PERCENT;
  const mmOption = nakedShorts * S * p.MM_OPTION_PERCENT;
  const imOption = nakedShorts * S * p.IM_OPTION_PERCENT;
  return {
    nakedShorts,
    mmPerp,
    imPerp,
    mmOption,
    imOption,
    mmBase,
    imBase,
    oraclePerp,
    oracleExpiries,
    oracleCollaterals,
    oracle,
    mm: mmPerp + mmOption + mmBase,
    im: imPerp + imOption + imBase + oracle,
    pairingRuleExpiries,
  };
}

/**
 * IM loss factor with the depeg raise (§9.3): IM_LOSS_FACTOR + (PEG_LOSS_THRESHOLD −
 * P_st)·PEG_LOSS_FACTOR if the stable price P_st is below the threshold, else
 * IM_LOSS_FACTOR. MM is unaffected.
 */
export function imLossFactor(
  stablePrice: number,
  margin: MarginParams,
  other: OtherContingencyParams,
): number {
  return stablePrice < other.PEG_LOSS_THRESHOLD
    ? margin.IM_LOSS_FACTOR + (other.PEG_LOSS_THRESHOLD - stablePrice) * other.PEG_LOSS_FACTOR
    : margin.IM_LOSS_FACTOR;
}
