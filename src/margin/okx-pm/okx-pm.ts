/**
 * OKX portfolio margin (account level 4), docs/methodology/okx-pm.md.
 *
 * Per risk unit (everything on one underlying since the Dec-2024/Jan-2025 merge, §1):
 * - MR1: worst loss over the 21-cell grid (7 spot shocks × vol down/same/up, §2.1), full
 *   offset inside the unit; MR6: `mr6ChargeFraction` (50 %) of the worst loss at ±the
 *   extreme move (§2); MR4 basis and MR7 tiered minimum charge from |cash delta| (§2, §2.2,
 *   §5); MR2, MR3, MR5 have no published formula [G]: for options they are charged at our
 *   conservative readings (terms.ts, docs/okx-option-terms.md) and listed as unverified; MR9
 *   (mixed stablecoin margins) is 0 and listed as unverified.
 * - `MMR_unit = max(max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9, MR7)`, `IMR_unit = 1.3 × MMR_unit`.
 * Account (one USD pool, §1.1): `MMR = Σ MMR_unit + borrowMmr`, `IMR = 1.3 × Σ MMR_unit +
 * borrowImr` (MR8 from negative currency equity), equity = adjusted equity `Σ_ccy eq_ccy ×
 * USD price × (1 − discount)` with the discount on positive currency equity only.
 *
 * Units and conversions: every figure is USD. Positions settled in a stablecoin are valued in
 * that coin (their marks are taken as quoted in it) and converted at its USD price: the
 * snapshot's `underlyings[USDT].index` if the snapshot carries one (W-O1: 0.99954), else 1
 * (with a warning). Coin-margined P&L converts at the index (`inverseUsdConversion`). Spot
 * positions are holdings of their coin: in equity always, in the risk unit only with
 * `spotHedging`.
 *
 * `details` mirrors the position-builder response (`POST /api/v5/account/position-builder`,
 * §3) with numbers instead of strings: `riskUnitData[]` with mr1…mr9, `mr1Scenarios`,
 * `mr1FinalResult`, `mr6FinalResult`, `delta` (cash, USD) and `portfolios[]`.
 */
import { evaluateOverReadings, validateSettings } from '../hypotheses.ts';
import { OKX_PM_HYPOTHESES } from './hypotheses.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import { requireFinite } from '../../core/errors.ts';
import type { Currency } from '../../core/currency.ts';
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import { fromBaseUnits } from '../../instruments/symbol.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { usdPrice } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import { buildPnlMatrix, scenarioPnl, type InstrumentState } from '../../risk/pnl-matrix.ts';
import { type Portfolio, type Position } from '../../risk/portfolio.ts';
import {
  OKX_VOL_SHOCK_NAME,
  OKX_VOL_STATE_KEY,
  OKX_VOL_STATES,
  okxGroupOf,
  okxGroupValue,
  okxMr1Scenarios,
  okxMr6Scenarios,
  okxShockKey,
  type OkxScenario,
} from '../../scenarios/okx-grid.ts';
import { moveFor, uniformScenario } from '../../scenarios/scenario.ts';
import { canonicalPositions } from '../book.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type AddOn,
  type Contribution,
  type MarginResult,
  type WorstScenario,
} from '../margin-result.ts';
import { OKX_PM_DEFAULTS, validateOkxPmParams, type OkxPmParams } from './params.ts';
import {
  okxAccountLeverage,
  okxAccountTotals,
  okxBorrowMargin,
  okxMarginRatio,
  okxMr2Charge,
  okxMr3Charge,
  okxMr4Charge,
  okxMr5Charge,
  okxMr6Charge,
  okxMr7Adjusted,
  okxUnitImr,
  okxUnitMmr,
  okxUnitMr,
} from './terms.ts';

/** Model id. */
export const OKX_PM_ID = 'okx-pm';
/** Model version (parameter regime of Jan 2025, docs/methodology/okx-pm.md). */
export const OKX_PM_VERSION = '2025.01.0';

/** Position-builder `instType`. */
export type OkxInstType = 'SPOT' | 'SWAP' | 'FUTURES' | 'OPTION';

/** One position of a risk unit (`riskUnitData[].portfolios[]`), USD unless noted. */
export interface OkxPortfolioDetail {
  readonly instId: string;
  readonly instType: OkxInstType;
  /** Size in venue contracts for OKX instruments (`pos`), base units otherwise. */
  readonly amt: number;
  /** Signed size in base units (coins). */
  readonly size: number;
  readonly posSide: 'net';
  /** Entry price (`avgPx`), or null if the position has none. */
  readonly avgPx: number | null;
  /** Mark: price per coin in the instrument's quote (options: premium in the settlement currency). */
  readonly markPx: number;
  /**
   * Marked value in the settlement currency as it enters equity: unrealised P&L vs `avgPx`
   * for futures/perps (`floatPnl`), `size × mark` for options and spot (src/risk/equity.ts).
   */
  readonly floatPnl: number;
  /** `|size| × index`. */
  readonly notionalUsd: number;
  /** Cash delta: USD P&L per unit relative move of the underlying (`greeksType: CASH`). */
  readonly delta: number;
  /** This position's MR4 and raw MR7 charges. */
  readonly mr4: number;
  readonly mr7Raw: number;
  /** USD P&L in the unit's binding scenario (MR1 worst cell, or MR6's if MR6 binds; unweighted). */
  readonly scenarioPnl: number;
}

/** `mr1Scenarios`: the 21 MR1 cells (USD, profit positive) keyed by shock per vol state. */
export type OkxMr1Scenarios = Record<
  'volShockDown' | 'volSame' | 'volShockUp',
  Record<string, number>
>;

/** One risk unit (`riskUnitData[]`), USD. */
export interface OkxRiskUnitDetail {
  readonly riskUnit: string;
  /** Underlying group of the grid (`btc-eth`, `tier-2`, `other`). */
  readonly group: string;
  readonly mmr: number;
  readonly imr: number;
  readonly upl: number;
  readonly mr1: number;
  readonly mr2: number;
  readonly mr3: number;
  readonly mr4: number;
  readonly mr5: number;
  readonly mr6: number;
  readonly mr7: number;
  /** Account-level borrowing MMR, repeated in every unit as the API does. */
  readonly mr8: number;
  readonly mr9: number;
  /** `max(MR1, MR2, MR6) + MR3 + MR4 + MR5 + MR9` before the MR7 floor. */
  readonly mr: number;
  /** MR7 before the tier multiplier. */
  readonly mr7Raw: number;
  readonly mr1Scenarios: OkxMr1Scenarios;
  readonly mr1FinalResult: {
    readonly pnl: number;
    readonly spotShock: number;
    readonly volShock: 'down' | 'unchange' | 'up';
  };
  readonly mr6FinalResult: {
    readonly pnl: number;
    readonly spotShock: number;
    readonly volShock: 'down' | 'unchange' | 'up';
  };
  /** Cash delta of the unit, USD. */
  readonly delta: number;
  readonly portfolios: readonly OkxPortfolioDetail[];
}

/** One currency of the account (`assets[]`). */
export interface OkxAssetDetail {
  readonly ccy: Currency;
  /** Currency equity: balance + marked positions settled in it (coin/stable units). */
  readonly eq: number;
  /** USD price used. */
  readonly usdPrice: number;
  readonly eqUsd: number;
  /** After the discount on positive equity. */
  readonly adjEqUsd: number;
  readonly borrowMmr: number;
  readonly borrowImr: number;
}

/** `details` of the OKX PM result (account fields of the position-builder response). */
export interface OkxPmDetails {
  /** Σ currency equity in USD before discounts (`eq`). */
  readonly eq: number;
  /** Adjusted equity (after discounts); = `MarginResult.equity`. */
  readonly adjEq: number;
  /** Σ unit upl, USD. */
  readonly upl: number;
  readonly totalMmr: number;
  readonly totalImr: number;
  readonly derivMmr: number;
  readonly borrowMmr: number;
  readonly borrowImr: number;
  /** adjEq / (totalMmr + liquidationCost); null if the denominator is 0. */
  readonly marginRatio: number | null;
  /** Liquidation cost used in marginRatio [G]: costRate × Σ notionalUsd. */
  readonly liquidationCost: number;
  /** Σ notionalUsd / eq; null if eq = 0. */
  readonly acctLever: number | null;
  readonly assets: readonly OkxAssetDetail[];
  readonly riskUnitData: readonly OkxRiskUnitDetail[];
}

const UNVERIFIED = {
  mr1Base:
    "OKX MR1/MR6 USD base for delta-one positions [I]: the shocks revalue each position at its own mark converted at the settlement stablecoin rate (mr1DeltaOneBase); OKX's base in W-O1 differs from both mark and notional by ~0.02 %",
  ivTable:
    'OKX MR1 implied-vol shock table [G]: vol down/up use the configured grid volShocks (default relative ∓30 % of IV)',
  mr6Vol: 'OKX MR6 vol state [G]: the worst of the configured mr6VolStates is charged',
  mr2: 'OKX MR2 (time value / theta) formula [G]: charged as Σ |value change of each option over optionTerms.mr2HorizonDays| [I] (docs/okx-option-terms.md; at or above the one published example, W-O2)',
  mr3: 'OKX MR3 (volatility span / vega term structure) formula [G]: charged as Σ_expiries |P&L at an MR1 vol state, spot unchanged| − |their sum| [I] (docs/okx-option-terms.md)',
  mr5: 'OKX MR5 (interest-rate risk) formula [G]: charged as optionTerms.mr5RateShock × |Σ size × T × value| (Black-76 rho, forward held) [I] (docs/okx-option-terms.md)',
  mr9: 'OKX MR9 (USDT-USDC-USD hedge risk) values [G]: charged 0 for a unit mixing margin currencies',
  mr4: 'OKX MR4 basis [I]: Σ |cash delta| × max(minBasis, annualRate × T); minBasis 0.2 % (BTC/ETH) and 0.8 % (tier-2) observed on perps, other groups extrapolated',
  mr7: 'OKX MR7 minimum charge [I/T]: raw = Σ |cash delta| × rawRate (0.45 % BTC/ETH, 0.70 % tier-2 observed; others extrapolated) with the configured tier table',
  inverse: 'OKX USD conversion of coin-margined P&L in MR1/MR6 [G]: inverseUsdConversion',
  borrow:
    "OKX MR8 borrowing margin [R/G]: 2 % × borrowed USD and IMR = 5 × MMR observed in W-O1; OKX's leverage/tier-dependent rates are not published here",
  discount:
    'OKX discount-rate (haircut) tiers for adjusted equity [G]: positive currency equity counted with the configured flat haircuts (default none)',
  liquidationCost:
    'OKX liquidation cost in marginRatio [G]: liquidation.costRate × Σ notionalUsd (details.marginRatio only)',
} as const;

/** Unit key: the underlying (merged units) or underlying-margin currency (pre-merge). */
function riskUnitOf(inst: Instrument, merged: boolean): string {
  if (merged) return inst.underlying;
  return `${inst.underlying}-${inst.settlement === 'inverse' ? 'USD' : inst.settlementCurrency}`;
}

function instType(inst: Instrument): OkxInstType {
  switch (inst.kind) {
    case 'spot':
      return 'SPOT';
    case 'perpetual':
      return 'SWAP';
    case 'future':
      return 'FUTURES';
    default:
      return 'OPTION';
  }
}

/** Everything needed to turn one matrix entry into USD. */
interface RowConv {
  readonly inst: Instrument;
  readonly st: InstrumentState;
  /** USD per unit of the instrument's price currency (linear); 1 for spot (index is USD). */
  readonly fx: number;
  readonly deltaOne: boolean;
}

/**
 * USD P&L of one unit for a settlement-currency P&L `r` at spot multiplier `mult`:
 * `[shocked, current]` (equal for linear instruments). See `OkxInverseConversion`.
 */
function usdPnl(
  c: RowConv,
  r: number,
  mult: number,
  base: OkxPmParams['mr1DeltaOneBase'],
): [number, number] {
  const { inst, st } = c;
  if (inst.settlement === 'inverse') {
    const p0 = c.deltaOne && base === 'index' ? st.spot : st.price;
    const v0 = c.deltaOne ? 0 : st.value;
    return [(v0 + r) * p0 * mult - v0 * p0, r * st.spot];
  }
  const usd = c.deltaOne && base === 'index' ? st.spot * (mult - 1) : r * c.fx;
  return [usd, usd];
}

/** Cash delta (USD per unit relative move, × size) of a position. */
function cashDelta(c: RowConv, size: number): number {
  if (c.deltaOne) return size * c.st.price * (c.inst.settlement === 'inverse' ? 1 : c.fx);
  const h = 1e-4;
  const move = (m: number) =>
    uniformScenario('delta', 'delta', { spotMultiplier: m, vol: { kind: 'none' } });
  const up = usdPnl(c, scenarioPnl(c.inst, c.st, move(1 + h)), 1 + h, 'mark')[0];
  const dn = usdPnl(c, scenarioPnl(c.inst, c.st, move(1 - h)), 1 - h, 'mark')[0];
  return (size * (up - dn)) / (2 * h);
}

/** Index of the worst cell in [from, to): lowest P&L; ties go to the later vol state (W-O1 reports "up"), then the first cell. */
function worstCell(
  pnl: Float64Array,
  scenarios: readonly OkxScenario[],
  from: number,
  to: number,
): number {
  let best = -1;
  for (let s = from; s < to; s++) {
    if (best < 0 || pnl[s]! < pnl[best]!) best = s;
    else if (
      pnl[s] === pnl[best] &&
      OKX_VOL_STATES.indexOf(scenarios[s]!.okx.volState) >
        OKX_VOL_STATES.indexOf(scenarios[best]!.okx.volState)
    )
      best = s;
  }
  return best;
}

/** The larger-magnitude of the two USD conversions of a coin-margined P&L (equal for linear). */
function larger(a: number, b: number): number {
  return Math.abs(a) >= Math.abs(b) ? a : b;
}

/**
 * MR2, MR3 and MR5 of a unit's option positions, USD (our conservative readings: terms.ts,
 * docs/okx-option-terms.md). MR2 revalues each option with the valuation date moved
 * `optionTerms.mr2HorizonDays` forward; MR3 reads the MR1 cells at unchanged spot with vol
 * down and up, per expiry; MR5 sums size × T × USD value. Coin-margined P&L is converted at
 * both the forward and the index and the larger charge is kept.
 */
function optionTermCharges(
  positions: readonly Position[],
  convs: readonly RowConv[],
  scenarios: readonly OkxScenario[],
  n1: number,
  perPosition: readonly Float64Array[],
  p: OkxPmParams,
): { mr2: number; mr3: number; mr5: number } {
  const nS = scenarios.length;
  const days = p.optionTerms.mr2HorizonDays;
  const still = { spotMultiplier: 1, vol: { kind: 'none' } } as const;
  const aging = uniformScenario('mr2', `valuation date + ${days} d`, still, 1, undefined, days);
  const decays: number[] = [];
  let rho = 0;
  positions.forEach((x, i) => {
    const c = convs[i]!;
    if (c.deltaOne || x.size === 0) return;
    const [a, b] = usdPnl(c, scenarioPnl(c.inst, c.st, aging), 1, 'mark');
    decays.push(x.size * larger(a, b));
    rho += x.size * c.st.T * c.st.value * (c.inst.settlement === 'inverse' ? c.st.spot : c.fx);
  });
  let mr3 = 0;
  for (let s = 0; s < n1; s++) {
    const o = scenarios[s]!.okx;
    if (o.spotShock !== 0 || o.volState === 'same') continue;
    for (const usd of perPosition) {
      const byExpiry = new Map<number, number>();
      positions.forEach((x, i) => {
        const inst = x.instrument;
        if (!isOptionLike(inst)) return;
        byExpiry.set(inst.expiryMs, (byExpiry.get(inst.expiryMs) ?? 0) + usd[i * nS + s]!);
      });
      mr3 = Math.max(mr3, okxMr3Charge([...byExpiry.values()]));
    }
  }
  return {
    mr2: okxMr2Charge(decays),
    mr3,
    mr5: okxMr5Charge(rho, p.optionTerms.mr5RateShock),
  };
}

interface UnitResult {
  readonly detail: OkxRiskUnitDetail;
  readonly scenarios: readonly OkxScenario[];
  /** Binding scenario index and its USD P&L (weighted for MR6) and the charge it sets. */
  readonly binding: {
    readonly index: number;
    readonly pnl: number;
    readonly charge: number;
    readonly contributions: Contribution[];
  };
  readonly notionalUsd: number;
  /** Base state of each position of the unit (priced once, reused for equity). */
  readonly states: ReadonlyMap<Position, InstrumentState>;
}

/** A risk unit revalued: scenarios, per-position USD P&L under both conversions, cells. */
interface UnitCells {
  readonly scenarios: OkxScenario[];
  /** Number of MR1 scenarios (MR6 follows). */
  readonly n1: number;
  readonly convs: RowConv[];
  readonly shocked: Float64Array;
  readonly current: Float64Array;
  /** Per scenario: 1 if the current-price conversion is used. */
  readonly useCurrent: Uint8Array;
  /** The unit's USD P&L per scenario. */
  readonly cells: Float64Array;
}

/** Revalues the unit on the MR1 and MR6 scenarios and converts to USD (module doc). */
function unitCells(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  p: OkxPmParams,
  assumedOne: Set<Currency>,
): UnitCells {
  const underlying = positions[0]!.instrument.underlying;
  const mr1S = okxMr1Scenarios(underlying, p.grid);
  const mr6S = okxMr6Scenarios(underlying, p.grid, p.mr6VolStates);
  const scenarios = [...mr1S, ...mr6S];
  const nS = scenarios.length;
  const matrix = buildPnlMatrix(
    positions.map((x) => x.instrument),
    snapshot,
    scenarios,
  );
  const convs: RowConv[] = positions.map((x, i) => {
    const inst = x.instrument;
    const deltaOne = !isOptionLike(inst);
    const fx =
      inst.kind === 'spot' || inst.settlement === 'inverse'
        ? 1
        : usdPrice(inst.settlementCurrency, snapshot, inst.settlementCurrency, assumedOne);
    return { inst, st: matrix.states[i]!, fx, deltaOne };
  });

  // Per-position USD P&L under both conversions, and the unit totals.
  const nI = positions.length;
  const shocked = new Float64Array(nI * nS);
  const current = new Float64Array(nI * nS);
  const totShocked = new Float64Array(nS);
  const totCurrent = new Float64Array(nS);
  for (let i = 0; i < nI; i++) {
    const q = positions[i]!.size;
    const c = convs[i]!;
    for (let s = 0; s < nS; s++) {
      const mult = moveFor(scenarios[s]!, c.inst.underlying).spotMultiplier;
      const [a, b] = usdPnl(c, matrix.pnl[i * nS + s]!, mult, p.mr1DeltaOneBase);
      shocked[i * nS + s] = q * a;
      current[i * nS + s] = q * b;
      totShocked[s] = totShocked[s]! + q * a;
      totCurrent[s] = totCurrent[s]! + q * b;
    }
  }
  const useCurrent = new Uint8Array(nS);
  const cells = new Float64Array(nS);
  for (let s = 0; s < nS; s++) {
    const pick =
      p.inverseUsdConversion === 'current' ||
      (p.inverseUsdConversion === 'worse' && totCurrent[s]! < totShocked[s]!);
    useCurrent[s] = pick ? 1 : 0;
    cells[s] = (pick ? totCurrent[s]! : totShocked[s]!) + 0; // + 0 turns −0 into 0
  }
  return { scenarios, n1: mr1S.length, convs, shocked, current, useCurrent, cells };
}

/** The unverified readings the unit's products rely on. */
function unitProductFlags(
  positions: readonly Position[],
  p: OkxPmParams,
  unverified: Set<string>,
): boolean {
  const hasInverse = positions.some((x) => x.instrument.settlement === 'inverse' && x.size !== 0);
  const hasOptions = positions.some((x) => isOptionLike(x.instrument) && x.size !== 0);
  const hasDeltaOne = positions.some((x) => !isOptionLike(x.instrument) && x.size !== 0);
  if (hasInverse) unverified.add(`${UNVERIFIED.inverse} = ${p.inverseUsdConversion}`);
  if (hasDeltaOne) unverified.add(UNVERIFIED.mr1Base);
  if (hasOptions) {
    unverified.add(UNVERIFIED.ivTable);
    unverified.add(UNVERIFIED.mr2);
    unverified.add(UNVERIFIED.mr3);
    unverified.add(UNVERIFIED.mr5);
  }
  return hasOptions;
}

/** MR1 (worst of the MR1 cells) and MR6 (extreme move, charged at a fraction). */
function unitMr1Mr6(
  u: UnitCells,
  p: OkxPmParams,
  hasOptions: boolean,
  unverified: Set<string>,
): { w1: number; w6: number; mr1: number; mr6: number } {
  const { cells, scenarios, n1 } = u;
  const nS = scenarios.length;
  const w1 = worstCell(cells, scenarios, 0, n1);
  const w6 = worstCell(cells, scenarios, n1, nS);
  const mr1 = Math.max(0, -cells[w1]!);
  const mr6 = okxMr6Charge(cells[w6]!, p.mr6ChargeFraction);
  if (hasOptions && mr6 > 0) {
    const sameOnly = scenarios.map((s, k) =>
      k >= n1 && s.okx.volState === 'same' ? cells[k]! : Infinity,
    );
    const wSame = Math.min(...sameOnly);
    if (wSame !== cells[w6]) unverified.add(UNVERIFIED.mr6Vol);
  }
  return { w1, w6, mr1, mr6 };
}

/** Cash delta, MR4 (basis) and MR7 (raw, then tier-adjusted) per position and for the unit. */
function unitCashTerms(
  positions: readonly Position[],
  convs: readonly RowConv[],
  group: string,
  p: OkxPmParams,
) {
  const minBasis = okxGroupValue(p.mr4.minBasis, group, 'params.mr4.minBasis');
  const annualRate = okxGroupValue(p.mr4.annualRate, group, 'params.mr4.annualRate');
  const rawRate = okxGroupValue(p.mr7.rawRate, group, 'params.mr7.rawRate');
  const tierTable = p.mr7.tierTables[p.mr7.tierTable]!;
  const tiers = okxGroupValue(tierTable, group, `params.mr7.tierTables.${p.mr7.tierTable}`);
  let mr4 = 0;
  let mr7Raw = 0;
  let delta = 0;
  let upl = 0;
  let notional = 0;
  const perPos = positions.map((x, i) => {
    const c = convs[i]!;
    const d = cashDelta(c, x.size);
    const m4 = okxMr4Charge(d, c.st.T, minBasis, annualRate);
    const m7 = Math.abs(d) * rawRate;
    const value = positionsValue([x], [c.st]).value;
    const settleUsd =
      x.instrument.kind === 'spot' ? 1 : x.instrument.settlement === 'inverse' ? c.st.spot : c.fx;
    mr4 += m4;
    mr7Raw += m7;
    delta += d;
    upl += value * settleUsd;
    const notionalUsd = Math.abs(x.size) * c.st.spot;
    notional += notionalUsd;
    return { d, m4, m7, value, notionalUsd };
  });
  const mr7 = okxMr7Adjusted(mr7Raw, tiers, `params.mr7.tierTables.${p.mr7.tierTable}.${group}`);
  return { perPos, mr4, mr7Raw, mr7, delta, upl, notional };
}

/** The unit's `portfolios` detail rows (OKX position-builder fields). */
function unitPortfolios(
  positions: readonly Position[],
  u: UnitCells,
  perPos: ReturnType<typeof unitCashTerms>['perPos'],
  bIndex: number,
): OkxPortfolioDetail[] {
  const { convs, current, shocked, useCurrent } = u;
  const nS = u.scenarios.length;
  return positions.map((x, i) => {
    const c = convs[i]!;
    const pp = perPos[i]!;
    const inst = x.instrument;
    return {
      instId: inst.symbol,
      instType: instType(inst),
      amt: inst.venue === 'okx' ? fromBaseUnits(inst, x.size, c.st.price) : x.size,
      size: x.size,
      posSide: 'net',
      avgPx: x.entryPrice ?? null,
      markPx: c.deltaOne ? c.st.price : c.st.value,
      floatPnl: pp.value,
      notionalUsd: pp.notionalUsd,
      delta: pp.d,
      mr4: pp.m4,
      mr7Raw: pp.m7,
      scenarioPnl: (useCurrent[bIndex] ? current : shocked)[i * nS + bIndex]!,
    };
  });
}

/** True when the unit's non-zero positions margin in more than one currency (coin vs stablecoins). */
function hasMixedMargins(positions: readonly Position[]): boolean {
  const kinds = positions
    .filter((x) => x.size !== 0)
    .map((x) => (x.instrument.settlement === 'inverse' ? 'coin' : x.instrument.settlementCurrency));
  return new Set(kinds).size > 1;
}

/** MR1's cells by vol state and spot shock (OKX's `mr1Scenarios` shape). */
function mr1ScenarioTable(u: UnitCells): OkxMr1Scenarios {
  const out: OkxMr1Scenarios = { volShockDown: {}, volSame: {}, volShockUp: {} };
  for (let s = 0; s < u.n1; s++) {
    const o = u.scenarios[s]!.okx;
    out[OKX_VOL_STATE_KEY[o.volState]][okxShockKey(o.spotShock)] = u.cells[s]!;
  }
  return out;
}

/** One risk unit: MR1–MR9 terms, MMR/IMR, the binding scenario and the unit's detail. */
function evaluateUnit(
  unit: string,
  unitPositions: readonly Position[],
  snapshot: MarketSnapshot,
  p: OkxPmParams,
  assumedOne: Set<Currency>,
  unverified: Set<string>,
): UnitResult {
  const positions = canonicalPositions(unitPositions);
  const group = okxGroupOf(positions[0]!.instrument.underlying, p.grid);
  const u = unitCells(positions, snapshot, p, assumedOne);
  const { scenarios, n1, cells, convs, useCurrent, current, shocked } = u;
  const nS = scenarios.length;
  const hasOptions = unitProductFlags(positions, p, unverified);
  const { w1, w6, mr1, mr6 } = unitMr1Mr6(u, p, hasOptions, unverified);
  const { perPos, mr4, mr7Raw, mr7, delta, upl, notional } = unitCashTerms(
    positions,
    convs,
    group,
    p,
  );
  if (hasMixedMargins(positions)) unverified.add(UNVERIFIED.mr9);
  const option = hasOptions
    ? optionTermCharges(positions, convs, scenarios, n1, [shocked, current], p)
    : { mr2: 0, mr3: 0, mr5: 0 };
  const terms = { mr1, mr2: option.mr2, mr3: option.mr3, mr4, mr5: option.mr5, mr6, mr7, mr9: 0 };
  const mr = okxUnitMr(terms);
  const mmr = okxUnitMmr(terms);
  if (mr4 > 0) unverified.add(UNVERIFIED.mr4);
  if (mr7 > mr) unverified.add(`${UNVERIFIED.mr7} (${p.mr7.tierTable})`);

  // The binding scenario: MR6 if it exceeds MR1 (then weighted by the charge fraction), else MR1's worst cell.
  const mr6Binds = mr6 > mr1;
  const bIndex = mr6Binds ? w6 : w1;
  const bWeight = mr6Binds ? p.mr6ChargeFraction : 1;
  const contributions: Contribution[] = positions.map((x, i) => ({
    symbol: x.instrument.symbol,
    size: x.size,
    pnl: bWeight * (useCurrent[bIndex] ? current : shocked)[i * nS + bIndex]!,
  }));

  const final = (k: number) => ({
    pnl: cells[k]!,
    spotShock: scenarios[k]!.okx.spotShock,
    volShock: OKX_VOL_SHOCK_NAME[scenarios[k]!.okx.volState],
  });

  const portfolios = unitPortfolios(positions, u, perPos, bIndex);

  return {
    detail: {
      riskUnit: unit,
      group,
      mmr,
      imr: okxUnitImr(mmr, p.imrFactor),
      upl,
      ...terms,
      mr8: 0,
      mr,
      mr7Raw,
      mr1Scenarios: mr1ScenarioTable(u),
      mr1FinalResult: final(w1),
      mr6FinalResult: final(w6),
      delta,
      portfolios,
    },
    scenarios,
    binding: {
      index: bIndex,
      pnl: bWeight * cells[bIndex]!,
      charge: Math.max(mr1, mr6),
      contributions,
    },
    notionalUsd: notional,
    states: new Map(positions.map((x, i) => [x, convs[i]!.st])),
  };
}

/** The book's risk units (spot only with spot hedging), evaluated in unit-key order. */
function riskUnits(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: OkxPmParams,
  assumedOne: Set<Currency>,
  unverified: Set<string>,
): UnitResult[] {
  const byUnit = new Map<string, Position[]>();
  for (const x of portfolio.positions) {
    if (x.instrument.kind === 'spot' && !params.spotHedging) continue;
    const key = riskUnitOf(x.instrument, params.riskUnitMerge);
    const list = byUnit.get(key) ?? [];
    list.push(x);
    byUnit.set(key, list);
  }
  const units = [...byUnit.keys()]
    .sort()
    .map((k) => evaluateUnit(k, byUnit.get(k)!, snapshot, params, assumedOne, unverified));

  return units;
}

/**
 * Equity per currency: balances + marked positions (spot positions are holdings of their
 * coin). Every non-spot position is in a risk unit, so its base state is already priced there.
 */
function currencyEquity(
  portfolio: Portfolio,
  units: readonly UnitResult[],
  warnings: string[],
): Map<Currency, number> {
  const stateOf = new Map<Position, InstrumentState>();
  for (const u of units) for (const [x, st] of u.states) stateOf.set(x, st);
  const eqByCcy = new Map<Currency, number>();
  const addEq = (c: Currency, v: number) => eqByCcy.set(c, (eqByCcy.get(c) ?? 0) + v);
  for (const b of portfolio.balances)
    addEq(b.currency, requireFinite(b.amount, `balances.${b.currency}`));
  const marked: Position[] = [];
  const markedStates: InstrumentState[] = [];
  portfolio.positions.forEach((x, i) => {
    if (x.instrument.kind === 'spot') {
      addEq(x.instrument.underlying, x.size);
      return;
    }
    const st = stateOf.get(x)!;
    marked.push(x);
    markedStates.push(st);
    const v = positionsValue([x], [st]).value;
    addEq(x.instrument.settlementCurrency, requireFinite(v, `positions[${i}].value`));
  });
  warnings.push(...positionsValue(marked, markedStates).warnings);

  return eqByCcy;
}

/** Per currency in USD: equity, haircut equity, borrowing; and the account sums. */
function assetTotals(
  eqByCcy: ReadonlyMap<Currency, number>,
  snapshot: MarketSnapshot,
  params: OkxPmParams,
  assumedOne: Set<Currency>,
) {
  let eq = 0;
  let adjEq = 0;
  let liability = 0;
  let positiveEquity = false;
  const assetRows = [...eqByCcy.keys()].sort().map((ccy) => {
    const e = eqByCcy.get(ccy)!;
    const px = usdPrice(ccy, snapshot, `balances.${ccy}`, assumedOne);
    const eqUsd = e * px;
    const h = (params.haircuts.byCurrency[ccy] ?? params.haircuts.default).maintenance;
    const adj = eqUsd > 0 ? eqUsd * (1 - h) : eqUsd;
    if (eqUsd > 0) positiveEquity = true;
    eq += eqUsd;
    adjEq += adj;
    liability += Math.max(0, -eqUsd);
    const b = okxBorrowMargin(Math.max(0, -eqUsd), params.borrow);
    return {
      ccy,
      eq: e,
      usdPrice: px,
      eqUsd,
      adjEqUsd: adj,
      borrowMmr: b.borrowMmr,
      borrowImr: b.borrowImr,
    };
  });
  return { eq, adjEq, liability, positiveEquity, assetRows };
}

/** The worst scenario: the unit with the largest scenario charge (MR1 or MR6). */
function okxWorstScenario(units: readonly UnitResult[]): {
  worstScenario: WorstScenario | undefined;
  contributions: Contribution[];
} {
  let worstScenario: WorstScenario | undefined;
  let contributions: Contribution[] = [];
  let top: UnitResult | undefined;
  for (const u of units) if (!top || u.binding.charge > top.binding.charge) top = u;
  if (top) {
    const sc = top.scenarios[top.binding.index]!;
    worstScenario = {
      id: `${top.detail.riskUnit}:${sc.id}`,
      label: sc.label,
      index: top.binding.index,
      pnl: top.binding.pnl,
      loss: Math.max(0, -top.binding.pnl),
    };
    contributions = top.binding.contributions;
  }

  return { worstScenario, contributions };
}

/** MR4, MR7-minimum and MR8 borrowing add-ons. */
function okxAddOns(
  units: readonly UnitResult[],
  borrow: ReturnType<typeof okxBorrowMargin>,
  liability: number,
  params: OkxPmParams,
): AddOn[] {
  const addOns: AddOn[] = [];
  for (const u of units) {
    const d = u.detail;
    if (d.mr4 > 0)
      addOns.push({
        name: `${d.riskUnit} MR4 basis`,
        amount: d.mr4,
        appliesTo: 'both',
        description: `Σ |cash delta| × max(minBasis, annualRate × T) = ${d.mr4}; enters MMR, and IMR × ${params.imrFactor}`,
      });
    if (d.mr7 > d.mr)
      addOns.push({
        name: `${d.riskUnit} MR7 minimum charge`,
        amount: d.mr7 - d.mr,
        appliesTo: 'both',
        description: `MR7 ${d.mr7} (raw ${d.mr7Raw}, tiered) exceeds MR ${d.mr}: MMR = MR7`,
      });
  }
  if (borrow.borrowMmr > 0) {
    addOns.push({
      name: 'MR8 borrowing (MMR)',
      amount: borrow.borrowMmr,
      appliesTo: 'maintenance',
      description: `${params.borrow.mmrRate} × borrowed ${liability} USD`,
    });
    addOns.push({
      name: 'MR8 borrowing (IMR)',
      amount: borrow.borrowImr,
      appliesTo: 'initial',
      description: `${params.borrow.imrOverMmr} × borrowMmr`,
    });
  }

  return addOns;
}

/**
 * Evaluates OKX portfolio margin on a portfolio: one USD (cross) pool result, the highest IMR
 * and MMR over the readings of the hypothesis rules that can move the book
 * (okx-pm/hypotheses.ts, src/margin/hypotheses.ts). See the module comment for the rules;
 * `details` is an `OkxPmDetails` (of the reading that sets IMR).
 */
export function evaluateOkxPm(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: OkxPmParams,
): MarginResult[] {
  validateOkxPmParams(params);
  validateSettings(OKX_PM_HYPOTHESES, params);
  return evaluateOverReadings(
    OKX_PM_HYPOTHESES,
    portfolio,
    snapshot,
    params,
    marginInputsHash(OKX_PM_ID, OKX_PM_VERSION, params, portfolio, snapshot),
    (p) => evaluateOkxPmReading(portfolio, snapshot, p),
  );
}

/** OKX PM under the readings `params` sets (one evaluation; `evaluateOkxPm` takes the highest). */
export function evaluateOkxPmReading(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: OkxPmParams,
): MarginResult[] {
  validateOkxPmParams(params);
  const unverified = new Set<string>();
  const warnings: string[] = [];
  const assumedOne = new Set<Currency>();

  const units = riskUnits(portfolio, snapshot, params, assumedOne, unverified);
  const eqByCcy = currencyEquity(portfolio, units, warnings);
  const { eq, adjEq, liability, positiveEquity, assetRows } = assetTotals(
    eqByCcy,
    snapshot,
    params,
    assumedOne,
  );
  const borrow = okxBorrowMargin(liability, params.borrow);
  if (borrow.borrowMmr > 0) unverified.add(UNVERIFIED.borrow);
  if (positiveEquity) unverified.add(UNVERIFIED.discount);

  const totals = okxAccountTotals(
    units.map((u) => u.detail.mmr),
    borrow,
    params.imrFactor,
  );
  const totalNotional = units.reduce((a, u) => a + u.notionalUsd, 0);
  const liquidationCost = params.liquidation.costRate * totalNotional;
  if (units.length > 0) unverified.add(UNVERIFIED.liquidationCost);
  const riskUnitData = units.map((u) => ({ ...u.detail, mr8: borrow.borrowMmr }));
  const upl = units.reduce((a, u) => a + u.detail.upl, 0);

  for (const c of [...assumedOne].sort())
    warnings.push(
      `${c} valued at 1 USD: the snapshot has no ${c} market (set underlyings.${c}.index to its USD price)`,
    );

  const { worstScenario, contributions } = okxWorstScenario(units);
  const addOns = okxAddOns(units, borrow, liability, params);

  const details: OkxPmDetails = {
    eq,
    adjEq,
    upl,
    totalMmr: totals.totalMmr,
    totalImr: totals.totalImr,
    derivMmr: totals.derivMmr,
    borrowMmr: borrow.borrowMmr,
    borrowImr: borrow.borrowImr,
    marginRatio: okxMarginRatio(adjEq, totals.totalMmr, liquidationCost),
    liquidationCost,
    acctLever: okxAccountLeverage(totalNotional, eq),
    assets: assetRows,
    riskUnitData,
  };

  return [
    marginResult({
      model: OKX_PM_ID,
      modelVersion: OKX_PM_VERSION,
      currency: 'USD',
      equity: adjEq,
      initialMargin: totals.totalImr,
      maintenanceMargin: totals.totalMmr,
      worstScenario,
      contributions,
      addOns,
      unverified: [...unverified],
      warnings,
      inputsHash: marginInputsHash(OKX_PM_ID, OKX_PM_VERSION, params, portfolio, snapshot),
      details,
    }),
  ];
}

/**
 * OKX portfolio margin (account level 4) as a `MarginModel`: per risk unit MR1 grid, MR6
 * extreme move, MR4 basis, MR7 tiered minimum; IMR = 1.3 × MMR; one USD pool
 * (docs/methodology/okx-pm.md).
 */
export const okxPmModel: MarginModel<OkxPmParams> = Object.freeze({
  id: OKX_PM_ID,
  version: OKX_PM_VERSION,
  title:
    'OKX portfolio margin (risk units: MR1 grid, MR6 extreme move, MR4 basis, MR7 minimum; IMR = 1.3 × MMR)',
  scenarioBased: true,
  defaultParams: OKX_PM_DEFAULTS,
  hypotheses: OKX_PM_HYPOTHESES,
  evaluate: evaluateOkxPm,
});
