/**
 * Derive PMRM_2 ("PM2") portfolio margin (methodology spec `docs/methodology/derive-pm2.md`, §1 and §10),
 * reproducing the published Derive cases.
 *
 * How Derive's margin *surplus* maps onto `MarginResult` (requirements ≥ 0):
 *
 *   equity            = PortfolioMTM = MtM + cash
 *                       (MtM = option MTM + unrealised perp PnL and funding + collateral value)
 *   maintenanceMargin = −worstLoss·MM_LOSS_FACTOR + MMcont
 *   initialMargin     = −worstLoss·(IM_LOSS_FACTOR + depeg) + MMcont + IMcont
 *
 * so that `equity − maintenanceMargin` is Derive's `MM` and `equity − initialMargin` its
 * `IM` (§10; negative = short of margin by that amount). Both requirements are ≥ 0 because
 * worstLoss = min(BC, scenario PnLs) ≤ 0 (BC ≤ 0) and every contingency, haircut,
 * percentage and loss factor is ≥ 0 (enforced by `validate.ts`).
 */
import { canonicalHash } from '../../core/hash.ts';
import {
  marginResult,
  type AddOn,
  type Contribution,
  type MarginResult,
  type WorstScenario,
} from '../margin-result.ts';
import { expiryBasisContingency, totalBasisContingency } from './basis-contingency.ts';
import {
  contingencies,
  expiryConfidence,
  globalConfidence,
  imLossFactor,
} from './contingencies.ts';
import type {
  DerivePm2Details,
  DerivePm2ExpiryDetail,
  DerivePm2OptionDetail,
  ScenarioLossRow,
  SkewLossRow,
  VolDirectionCode,
  WorstBlock,
} from './details.ts';
import { buildExpiries } from './expiries.ts';
import type { DerivePm2Input } from './input.ts';
import { accountMtm, collateralValues } from './mtm.ts';
import { scenarioGroup, type DerivePm2Params, type DerivePm2Scenario } from './params.ts';
import { discountedMtm, precomputeExpiry } from './precompute.ts';
import { scenarioPnl, type ScenarioPnl } from './scenario-losses.ts';
import { skewLogMoneyness, skewMultiplier, skewShape } from './skew-shocks.ts';
import { GENERATOR_TOTAL_VARIANCE_CAP, SVI_TOTAL_VARIANCE_CAP } from './svi-vol.ts';
import { SETTLEMENT_WINDOW_SECONDS } from './forward.ts';
import {
  validateDerivePm2Hazards,
  validateDerivePm2Input,
  validateDerivePm2Params,
} from './validate.ts';
import { volShockedDown, volShockedUp } from './vol-shocks.ts';

/** Model id of the Derive PMRM_2 model. */
export const DERIVE_PM2_MODEL_ID = 'derive-pm2';
/** Version of this implementation of the model. */
export const DERIVE_PM2_MODEL_VERSION = '1.0.0';

const DIR_CODE: Readonly<Record<'Up' | 'Down' | 'None', VolDirectionCode>> = {
  Up: 1,
  Down: -1,
  None: 0,
};

function dirCode(sc: DerivePm2Scenario): VolDirectionCode {
  const d = sc.volShockDirection;
  return d === 'Up' || d === 'Down' || d === 'None' ? DIR_CODE[d] : 0;
}

function pct(x: number): string {
  const v = Math.round(x * 1e4) / 1e2;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v)}%`;
}

/** Human label of a scenario, e.g. `spot +18%, vol Up` or `skew LINEAR`. */
function scenarioLabel(sc: DerivePm2Scenario): string {
  const d = sc.volShockDirection;
  if (d === 'LINEAR' || d === 'ABS')
    return `skew ${d}${sc.dampeningFactor !== 1 ? `, δ=${sc.dampeningFactor}` : ''}`;
  return `spot ${pct(sc.spotShock - 1)}, vol ${d}${sc.dampeningFactor !== 1 ? `, δ=${sc.dampeningFactor}` : ''}`;
}

/** Pseudo-symbol of option `i` (the Derive case format carries no instrument names). */
function optionSymbol(input: DerivePm2Input, i: number): string {
  const o = input.portfolio.options[i]!;
  return `OPT-${o.expiry}s-${o.strike}-${o.isCall ? 'C' : 'P'}`;
}

function minOf(values: readonly number[]): { value: number; index: number } | null {
  let index = -1;
  let value = Infinity;
  values.forEach((v, i) => {
    if (v < value) {
      value = v;
      index = i;
    }
  });
  return index < 0 ? null : { value, index };
}

/** The subaccount revalued: expiries, MtM, basis contingency and governance scenarios. */
interface Revalued {
  readonly expiries: ReturnType<typeof buildExpiries>;
  readonly risks: ReturnType<typeof precomputeExpiry>[];
  readonly values: ReturnType<typeof collateralValues>;
  readonly basis: ReturnType<typeof expiryBasisContingency>[];
  readonly bc: number;
  readonly scenarios: ScenarioPnl[];
  readonly worstScenarioIdx: ReturnType<typeof minOf>;
  readonly basisWorst: boolean;
}

/**
 * Requirements (≥ 0) and Derive's surpluses (§10), each in the spec's own order; a negative
 * requirement is reported as 0 with a warning.
 */
function requirements(
  worstLoss: number,
  lossFactorIm: number,
  lossFactorMm: number,
  cont: ReturnType<typeof contingencies>,
  mtm: ReturnType<typeof accountMtm>,
  warnings: string[],
) {
  let maintenanceMargin = -worstLoss * lossFactorMm + cont.mm + 0;
  let initialMargin = -worstLoss * lossFactorIm + cont.mm + cont.im + 0;
  const surplusMm = worstLoss * lossFactorMm - cont.mm + mtm.mtm + mtm.cash;
  const surplusIm = worstLoss * lossFactorIm - cont.mm - cont.im + mtm.mtm + mtm.cash;
  if (maintenanceMargin < 0) {
    warnings.push(
      `maintenance requirement came out negative (${maintenanceMargin}); reported as 0, so equity − MM requirement ≠ Derive MM`,
    );
    maintenanceMargin = 0;
  }
  if (initialMargin < 0) {
    warnings.push(
      `initial requirement came out negative (${initialMargin}); reported as 0, so equity − IM requirement ≠ Derive IM`,
    );
    initialMargin = 0;
  }

  return { maintenanceMargin, initialMargin, surplusMm, surplusIm };
}

/** The worst scenario (a governance scenario or the basis contingency) and contributions. */
function worstAndContributions(
  input: DerivePm2Input,
  params: DerivePm2Params,
  r: Revalued,
): { worstScenario: WorstScenario; contributions: Contribution[] } {
  const { risks, basis, bc, scenarios, worstScenarioIdx, basisWorst, values } = r;
  const options = input.portfolio.options;
  const contributions: Contribution[] = [];
  let worstScenario: WorstScenario;
  const optionPnl = new Float64Array(options.length);
  let perpPnl = 0;
  let collateralPnl: Float64Array = new Float64Array(values.length);
  if (basisWorst) {
    basis.forEach((b, j) => {
      risks[j]!.expiry.optionIndices.forEach((oi, k) => (optionPnl[oi] = b.contributions[k]!));
    });
    const up = params.basisContingency.SCENARIO_SPOT_UP;
    const down = params.basisContingency.SCENARIO_SPOT_DOWN;
    worstScenario = {
      id: 'basis-contingency',
      label: `basis (forward) contingency, spot ${pct(up - 1)} / ${pct(down - 1)}`,
      index: params.scenarios.length,
      pnl: bc,
      loss: Math.max(0, -bc),
    };
  } else {
    const i = worstScenarioIdx!.index;
    const sc = params.scenarios[i]!;
    const s = scenarios[i]!;
    s.expiries.forEach((x, j) => {
      const r = risks[j]!;
      r.expiry.optionIndices.forEach((oi, k) => {
        optionPnl[oi] =
          x.sign * (x.values[k]! * x.discount - r.markValues[k]!) * sc.dampeningFactor;
      });
    });
    perpPnl = s.perp;
    collateralPnl = s.collaterals;
    worstScenario = {
      id: `scenario-${i}`,
      label: scenarioLabel(sc),
      index: i,
      pnl: s.total,
      loss: Math.max(0, -s.total),
    };
  }
  options.forEach((o, i) =>
    contributions.push({ symbol: optionSymbol(input, i), size: o.amount, pnl: optionPnl[i]! }),
  );
  if (input.portfolio.numPerps !== 0)
    contributions.push({ symbol: 'PERP', size: input.portfolio.numPerps, pnl: perpPnl });
  input.portfolio.collaterals.forEach((c, i) =>
    contributions.push({ symbol: c.name, size: c.amount, pnl: collateralPnl[i]! }),
  );

  return { worstScenario, contributions };
}

/** The contingencies and the depeg loss factor as add-ons (§9), positive amounts. */
function derivePm2AddOns(
  input: DerivePm2Input,
  params: DerivePm2Params,
  cont: ReturnType<typeof contingencies>,
  worstLoss: number,
  lossFactorIm: number,
): AddOn[] {
  const depeg = -worstLoss * (lossFactorIm - params.margin.IM_LOSS_FACTOR) + 0;
  const oc = params.otherContingency;
  const S = input.market.spotPrice;
  const addOns: AddOn[] = [
    {
      name: 'MMPerpCont',
      amount: cont.mmPerp,
      appliesTo: 'both',
      description: `|q|·S·MM_PERP_PERCENT = ${Math.abs(input.portfolio.numPerps)}·${S}·${oc.MM_PERP_PERCENT}`,
    },
    {
      name: 'MMOptionCont',
      amount: cont.mmOption,
      appliesTo: 'both',
      description: `naked shorts·S·MM_OPTION_PERCENT = ${cont.nakedShorts}·${S}·${oc.MM_OPTION_PERCENT}`,
    },
    {
      name: 'MMBaseCont',
      amount: cont.mmBase,
      appliesTo: 'both',
      description: 'Σ collateral value·MMHaircut',
    },
    {
      name: 'IMPerpCont',
      amount: cont.imPerp,
      appliesTo: 'initial',
      description: `|q|·S·IM_PERP_PERCENT = ${Math.abs(input.portfolio.numPerps)}·${S}·${oc.IM_PERP_PERCENT}`,
    },
    {
      name: 'IMOptionCont',
      amount: cont.imOption,
      appliesTo: 'initial',
      description: `naked shorts·S·IM_OPTION_PERCENT = ${cont.nakedShorts}·${S}·${oc.IM_OPTION_PERCENT}`,
    },
    {
      name: 'IMBaseCont',
      amount: cont.imBase,
      appliesTo: 'initial',
      description: 'Σ collateral value·IMHaircut',
    },
    {
      name: 'OracleCont',
      amount: cont.oracle,
      appliesTo: 'initial',
      description:
        'Σ (1 − κ)·CONF_MARGIN·notional over perps, expiries and collaterals with κ < CONF_THRESHOLD',
    },
    {
      name: 'DepegLossFactor',
      amount: depeg,
      appliesTo: 'initial',
      description: `−worstLoss·(IM loss factor ${lossFactorIm} − IM_LOSS_FACTOR ${params.margin.IM_LOSS_FACTOR}) (stable price ${input.market.stablePrice}, threshold ${oc.PEG_LOSS_THRESHOLD})`,
    },
  ];

  return addOns;
}

/** Rules that are documented hypotheses rather than published fact (§13). */
function derivePm2Unverified(
  input: DerivePm2Input,
  expiries: ReturnType<typeof buildExpiries>,
  cont: ReturnType<typeof contingencies>,
): string[] {
  const unverified: string[] = [];
  if (expiries.some((e) => e.seconds === 0)) {
    unverified.push(
      'Static discount of an expired expiry follows the engine (SD⁺ = BASE_STATIC_DISCOUNT, SD⁻ = min(1, BASE_STATIC_DISCOUNT_NEG) at T = 0); the case generator reports [1, 1] (spec §13.1)',
    );
  }
  if (expiries.some((e) => e.seconds < SETTLEMENT_WINDOW_SECONDS)) {
    unverified.push(
      'Forward inside the 30-minute settlement window split linearly into fixed and spot-sensitive parts, as the published cases model it; the live feed may differ (spec §5.4, §13.7)',
    );
  }
  if (cont.pairingRuleExpiries.length > 0) {
    unverified.push(
      `More than two options at one strike (expiries ${cont.pairingRuleExpiries.join(', ')}): the engine's pairing of the first option with each later one is applied (spec §13.4, not exercised by the published cases)`,
    );
  }
  if (
    input.portfolio.numPerps === 0 &&
    (input.portfolio.unrealisedPerpPnl !== 0 || input.portfolio.unrealisedFunding !== 0)
  ) {
    unverified.push(
      'Unrealised perp PnL / funding with no perp position is ignored, as the engine reads them only while a perp balance exists (spec §13.5)',
    );
  }
  const aboveGeneratorCap = expiries.filter((e) =>
    e.vols.some((v) => v * v * e.feed.svi.tau > GENERATOR_TOTAL_VARIANCE_CAP * (1 + 1e-12)),
  );
  if (aboveGeneratorCap.length > 0) {
    unverified.push(
      `SVI total variance above ${GENERATOR_TOTAL_VARIANCE_CAP} (expiries ${aboveGeneratorCap.map((e) => e.expiry).join(', ')}): the engine's cap of ${SVI_TOTAL_VARIANCE_CAP} is applied; the published cases' MarkVol implies a cap of ${GENERATOR_TOTAL_VARIANCE_CAP}. The readings give the same prices only when total vol ≥ 24 or T = 0 (spec §13.3)`,
    );
  }

  return unverified;
}

/**
 * Derive PMRM_2 margin of one subaccount (§1–§10). Returns a `MarginResult` in USD with:
 * equity = `PortfolioMTM`; requirements such that equity − IM / MM requirement = Derive's
 * `IM` / `MM` surplus (see the module comment); the worst scenario (a governance scenario,
 * or the basis contingency when it is the worst loss); per-position contributions to it;
 * each contingency as an add-on; every published intermediate in `details`
 * (`DerivePm2Details`). Throws BallastError (INVALID_INPUT, NOT_FINITE, INVALID_VOL,
 * MISSING_FORWARD) naming the field on bad input or parameters.
 */
export function derivePm2Margin(input: DerivePm2Input, params: DerivePm2Params): MarginResult {
  validateDerivePm2Params(params);
  validateDerivePm2Input(input);
  const expiries = buildExpiries(input);
  validateDerivePm2Hazards(expiries, params);

  const risks = expiries.map((e) => precomputeExpiry(e, params));
  const values = collateralValues(input);
  const mtm = accountMtm(input, risks, values);
  const basis = risks.map((x) => expiryBasisContingency(x, params.basisContingency));
  const bc = totalBasisContingency(basis);
  const scenarios: ScenarioPnl[] = params.scenarios.map((sc) =>
    scenarioPnl(input, risks, values, sc, params),
  );
  const pnls = scenarios.map((s) => s.total);

  // worstLoss = min(BC, min over scenarios) (§10); a scenario wins ties with BC.
  const worstScenarioIdx = minOf(pnls);
  const basisWorst = worstScenarioIdx === null || bc < worstScenarioIdx.value;
  const worstLoss = basisWorst ? bc : worstScenarioIdx.value;

  const cont = contingencies(input, expiries, values, params);
  const lossFactorIm = imLossFactor(
    input.market.stablePrice,
    params.margin,
    params.otherContingency,
  );
  const lossFactorMm = params.margin.MM_LOSS_FACTOR;
  const warnings: string[] = [];
  const { maintenanceMargin, initialMargin, surplusMm, surplusIm } = requirements(
    worstLoss,
    lossFactorIm,
    lossFactorMm,
    cont,
    mtm,
    warnings,
  );
  const revalued: Revalued = {
    expiries,
    risks,
    values,
    basis,
    bc,
    scenarios,
    worstScenarioIdx,
    basisWorst,
  };
  const { worstScenario, contributions } = worstAndContributions(input, params, revalued);
  const addOns = derivePm2AddOns(input, params, cont, worstLoss, lossFactorIm);
  const unverified = derivePm2Unverified(input, expiries, cont);

  const details = buildDetails(input, params, {
    risks,
    basis,
    bc,
    scenarios,
    pnls,
    worstLoss,
    basisWorst,
    cont,
    mtm,
    lossFactorIm,
    lossFactorMm,
    surplusIm,
    surplusMm,
  });

  return marginResult({
    model: DERIVE_PM2_MODEL_ID,
    modelVersion: DERIVE_PM2_MODEL_VERSION,
    currency: 'USD',
    equity: mtm.portfolioMtm,
    initialMargin,
    maintenanceMargin,
    worstScenario,
    contributions,
    addOns,
    unverified,
    warnings,
    inputsHash: canonicalHash({ input, params }),
    details,
  });
}

interface Computed {
  readonly risks: ReturnType<typeof precomputeExpiry>[];
  readonly basis: ReturnType<typeof expiryBasisContingency>[];
  readonly bc: number;
  readonly scenarios: readonly ScenarioPnl[];
  readonly pnls: readonly number[];
  readonly worstLoss: number;
  readonly basisWorst: boolean;
  readonly cont: ReturnType<typeof contingencies>;
  readonly mtm: ReturnType<typeof accountMtm>;
  readonly lossFactorIm: number;
  readonly lossFactorMm: number;
  readonly surplusIm: number;
  readonly surplusMm: number;
}

/** Negates a contingency for the `Result` sign convention (0 stays 0). */
function neg(x: number): number {
  return x === 0 ? 0 : -x;
}

/** The scenario losses by block (regular, tail, skew), each block's worst, the worst block. */
function scenarioBlocks(params: DerivePm2Params, c: Computed) {
  const reg: ScenarioLossRow[] = [];
  const tail: ScenarioLossRow[] = [];
  const skew: SkewLossRow[] = [];
  const regIdx: number[] = [];
  const tailIdx: number[] = [];
  const skewIdx: number[] = [];
  params.scenarios.forEach((sc, i) => {
    const pnl = c.pnls[i]!;
    switch (scenarioGroup(sc)) {
      case 'regular':
        reg.push([sc.spotShock - 1, dirCode(sc), pnl]);
        regIdx.push(i);
        break;
      case 'tail':
        tail.push([sc.spotShock - 1, dirCode(sc), pnl]);
        tailIdx.push(i);
        break;
      case 'skew':
        skew.push([sc.volShockDirection, pnl]);
        skewIdx.push(i);
        break;
    }
  });
  const wReg = minOf(reg.map((r) => r[2]));
  const wTail = minOf(tail.map((r) => r[2]));
  const wSkew = minOf(skew.map((r) => r[1]));
  const blocks: [WorstBlock, number][] = [
    ['regular', wReg?.value ?? Infinity],
    ['tail', wTail?.value ?? Infinity],
    ['skew', wSkew?.value ?? Infinity],
    ['fwd_contingency', c.bc],
  ];
  let worstBlock: WorstBlock = 'regular';
  let worstValue = Infinity;
  for (const [name, v] of blocks) {
    if (v < worstValue) {
      worstValue = v;
      worstBlock = name;
    }
  }
  const scReg = wReg ? params.scenarios[regIdx[wReg.index]!]! : undefined;
  const scTail = wTail ? params.scenarios[tailIdx[wTail.index]!]! : undefined;
  const scSkew = wSkew ? params.scenarios[skewIdx[wSkew.index]!]! : undefined;
  return { reg, tail, skew, wReg, wTail, wSkew, scReg, scTail, scSkew, worstBlock };
}

/** Per option (vol shocks, skew multipliers) and per expiry (forward, MTM, basis) details. */
function optionAndExpiryDetails(input: DerivePm2Input, params: DerivePm2Params, c: Computed) {
  const nOpt = input.portfolio.options.length;
  const upMult = new Array<number>(nOpt).fill(0);
  const downMult = new Array<number>(nOpt).fill(0);
  const upEval = new Array<number>(nOpt).fill(0);
  const downEval = new Array<number>(nOpt).fill(0);
  const optionDetails: DerivePm2OptionDetail[] = new Array<DerivePm2OptionDetail>(nOpt);
  const sk = params.skewShock;
  const kappaG = globalConfidence(input);
  const expiryDetails: DerivePm2ExpiryDetail[] = c.risks.map((x, j) => {
    const e = x.expiry;
    const lin = skewShape(e.T, 'LINEAR', sk);
    const abs = skewShape(e.T, 'ABS', sk);
    e.optionIndices.forEach((oi, k) => {
      const vol = e.vols[k]!;
      upMult[oi] = x.multipliers.up;
      downMult[oi] = x.multipliers.down;
      upEval[oi] = volShockedUp(vol, x.multipliers, params.volShock);
      downEval[oi] = volShockedDown(vol, x.multipliers);
      const strike = e.strikes[k]!;
      const kLinear = strike > 0 ? skewLogMoneyness(strike, e.feed.forward, 'LINEAR') : -Infinity;
      optionDetails[oi] = {
        expiry: e.expiry,
        strike,
        isCall: e.isCall[k]!,
        amount: e.amounts[k]!,
        vol,
        markValue: x.markValues[k]!,
        k: kLinear,
        k_star: lin.kStar,
        linear_mult_cap: lin.cap,
        abs_mult_cap: abs.cap,
        linear_multiplier: skewMultiplier(kLinear, lin),
        abs_multiplier: skewMultiplier(Math.abs(kLinear), abs),
      };
    });
    const b = c.basis[j]!;
    return {
      expiry: e.expiry,
      T: e.T,
      rate: e.rate,
      df: e.df,
      forward: e.feed.forward,
      forwardVariable: e.forward.variable,
      forwardFixed: e.forward.fixed,
      mtm: x.mtm,
      volShockUp: x.multipliers.up,
      volShockDown: x.multipliers.down,
      staticDiscountPositive: x.discounts.positive,
      staticDiscountNegative: x.discounts.negative,
      basisUpPnl: b.upPnl,
      basisDownPnl: b.downPnl,
      basisScale: b.scale,
      basisContingency: b.amount,
      confidence: expiryConfidence(e, kappaG),
      oracleAddOn: c.cont.oracleExpiries[j]!,
      scenarioPnls: c.scenarios.map((s) => s.expiries[j]!.pnl),
    };
  });
  return { upMult, downMult, upEval, downEval, optionDetails, expiryDetails };
}

/** Assembles `DerivePm2Details` (§11). */
function buildDetails(
  input: DerivePm2Input,
  params: DerivePm2Params,
  c: Computed,
): DerivePm2Details {
  const { reg, tail, skew, wReg, wTail, wSkew, scReg, scTail, scSkew, worstBlock } = scenarioBlocks(
    params,
    c,
  );
  const { upMult, downMult, upEval, downEval, optionDetails, expiryDetails } =
    optionAndExpiryDetails(input, params, c);
  const p = input.portfolio;
  return {
    Cash: p.cash,
    PortfolioMTM: c.mtm.portfolioMtm,
    OptionMTM: c.mtm.optionMtm,
    OptionMTMPerExpiry: c.risks.map((x) => x.mtm),
    OptionMTMPerExpiryDiscounted: c.risks.map((x) => discountedMtm(x)),
    PerpMTM: c.mtm.perpMtm,
    UnrealisedPerpPNL: p.unrealisedPerpPnl,
    UnrealisedFunding: p.unrealisedFunding,
    CollateralMTM: c.mtm.collateralMtm,
    reg_losses: reg,
    tail_losses: tail,
    skew_losses: skew,
    worst_reg_loss: wReg?.value ?? null,
    worst_tail_loss: wTail?.value ?? null,
    worst_skew_loss: wSkew?.value ?? null,
    worst_reg_scenario: scReg ? [scReg.spotShock - 1, dirCode(scReg)] : null,
    worst_tail_scenario: scTail
      ? [scTail.spotShock - 1, dirCode(scTail), scTail.dampeningFactor]
      : null,
    worst_skew_scenario: scSkew ? scSkew.volShockDirection : null,
    worst_all_scenarios: worstBlock,
    ForwardContingency: c.bc,
    MMPerpCont: neg(c.cont.mmPerp),
    IMPerpCont: neg(c.cont.imPerp),
    IMPerpContNormal: neg(c.cont.mmPerp + c.cont.imPerp),
    MMOptionCont: neg(c.cont.mmOption),
    IMOptionCont: neg(c.cont.imOption),
    IMOptionContNormal: neg(c.cont.mmOption + c.cont.imOption),
    MMBaseCont: neg(c.cont.mmBase),
    IMBaseCont: neg(c.cont.imBase),
    IMBaseContNormal: neg(c.cont.mmBase + c.cont.imBase),
    OracleCont: neg(c.cont.oracle),
    MMLossFactor: c.lossFactorMm,
    IMLossFactor: c.lossFactorIm,
    im_loss_factor: c.lossFactorIm,
    discount_factors: c.risks.map((x) => [x.discounts.positive, x.discounts.negative] as const),
    VolShockUpMultiplier: upMult,
    VolShockDownMultiplier: downMult,
    VolShockUpEvaluated: upEval,
    VolShockDownEvaluated: downEval,
    IM: c.surplusIm,
    MM: c.surplusMm,
    IMHand: c.surplusIm,
    MMHand: c.surplusMm,
    worstLoss: c.worstLoss,
    scenarioPnls: [...c.pnls],
    nakedShorts: c.cont.nakedShorts,
    mtm: c.mtm.mtm,
    expiries: expiryDetails,
    options: optionDetails,
  };
}
