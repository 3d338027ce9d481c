/**
 * Binance portfolio margin (unified account, uniMMR), docs/methodology/binance-bybit.md Part A.
 *
 * Not a scenario model (§A.1): the pooled USDⓈ-M, COIN-M and cross-margin accounts compare
 * haircut equity with the sum of ordinary per-position maintenance margins (§A.2):
 *
 *   uniMMR   = adjusted equity / Σ MM
 *   equity   = Σ_assets min(E_a · P_a · collateralRate_a, E_a · P_a)
 *              E_a = balance (net of loans) + futures UPL settled in a, P_a = USD index price
 *   Σ MM     = Σ futuresMM · P + Σ MarginMM · P
 *   futuresMM (USDⓈ-M) = tiered(|size| × mark) in the quote            (§A.3, `cum` form)
 *   futuresMM (COIN-M) = tiered(|USD face| / mark) in coin, COIN-M brackets in coin
 *   MarginMM = loan × MMR(margin leverage)
 *
 * Liquidation when uniMMR ≤ 1.05 [V]. PM Pro has no initial margin [V]; the result reports
 * IM = MM and says so. Open loss from open orders is [G] and taken as 0 (no orders are input).
 *
 * Inputs in Ballast terms: loans are the negative balance entries (a balance list may hold
 * `{BTC, 0.1}` and `{BTC, −0.04}`: asset 0.1, loan 0.04); spot positions are holdings of their
 * coin; COIN-M sizes follow src/risk/equity.ts and the P&L matrix (coin-equivalent at the
 * current mark, so the USD face is `|size| × mark` and the CM notional in coin is `|size|`). Stablecoins are priced from the
 * snapshot (`underlyings[USDT].index`) when present, else at 1 with a warning. Options are not
 * covered by the notes: they are rejected (UNSUPPORTED).
 */
import { marginInputsHash } from '../inputs-hash.ts';
import { BallastError, requireFinite } from '../../core/errors.ts';
import type { Currency } from '../../core/currency.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { usdPrice } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import type { InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import type { MarginModel } from '../margin-model.ts';
import { marginResult, type AddOn, type MarginResult } from '../margin-result.ts';
import { bracketIndex, tieredMaintenance } from '../tiered-brackets.ts';
import { binancePmMarket, type BinancePmMarket } from './prepared.ts';
import {
  BINANCE_PM_DEFAULTS,
  validateBinancePmParams,
  type BinancePmParams,
  type BinanceRiskStatus,
} from './params.ts';

export { binanceBracketKeys } from './brackets.ts';

/** Model id. */
export const BINANCE_PM_ID = 'binance-pm';
/** Model version. */
export const BINANCE_PM_VERSION = '2025.01.0';

/** One futures position's maintenance leg. */
export interface BinancePmLeg {
  readonly symbol: string;
  /** Key of the bracket table used (`params.brackets` key, or `default-um` / `default-cm`). */
  readonly bracketKey: string;
  /** `UM` (USDⓈ-M, linear) or `CM` (COIN-M, inverse). */
  readonly book: 'UM' | 'CM';
  /** Signed size in base units (coins). */
  readonly size: number;
  readonly markPrice: number;
  readonly entryPrice: number | null;
  /** Bracket notional: quote currency (UM) or coin quantity at the mark (CM). */
  readonly notional: number;
  /** Currency of `notional`, `cum`, `maintenanceMargin` and `upl`. */
  readonly currency: Currency;
  /** 1-based bracket number. */
  readonly bracket: number;
  readonly maintMarginRatio: number;
  readonly cum: number;
  /** Tiered MM in `currency`. */
  readonly maintenanceMargin: number;
  readonly maintenanceMarginUsd: number;
  /** Unrealised P&L in `currency`. */
  readonly upl: number;
}

/** One asset of the unified account. */
export interface BinancePmAsset {
  readonly asset: Currency;
  /** Σ positive balance entries (MarginAsset + wallets). */
  readonly balance: number;
  /** Σ |negative balance entries| (MarginLoan). */
  readonly loan: number;
  /** Futures UPL settled in this asset (and spot positions held in it). */
  readonly futuresUpl: number;
  /** E_a = balance − loan + futures UPL (+ spot positions), asset units. */
  readonly equity: number;
  /** Asset index price, USD. */
  readonly indexPrice: number;
  readonly collateralRate: number;
  /** E_a × P_a. */
  readonly equityUsd: number;
  /** min(E_a·P_a·rate, E_a·P_a). */
  readonly collateralUsd: number;
  /** loan × MMR(leverage), asset units and USD. */
  readonly marginMM: number;
  readonly marginMMUsd: number;
}

/** `details` of the Binance PM result. */
export interface BinancePmDetails {
  /** adjusted equity / Σ MM; null when Σ MM = 0 (nothing to maintain). */
  readonly uniMMR: number | null;
  /** Σ adjustedEquity (= `MarginResult.equity`), USD. */
  readonly adjustedEquity: number;
  /** Equity without the collateral haircut (`ae` of `riskLevelChange`), USD. */
  readonly equityWithoutHaircut: number;
  /** Open loss of open orders, USD (0: no orders are input; definition [G]). */
  readonly openLoss: number;
  readonly futuresMaintenanceUsd: number;
  readonly marginMaintenanceUsd: number;
  /** Σ MM, USD. */
  readonly totalMaintenanceMargin: number;
  /** Liquidation when uniMMR ≤ this (1.05). */
  readonly liquidationThreshold: number;
  readonly liquidation: boolean;
  readonly status: BinanceRiskStatus;
  readonly statusDescription: string;
  /** Adjusted equity at which uniMMR reaches the liquidation threshold (threshold × Σ MM), USD. */
  readonly liquidationEquity: number;
  readonly legs: readonly BinancePmLeg[];
  readonly assets: readonly BinancePmAsset[];
}

/** The status band of a uniMMR (null uniMMR = nothing to maintain = the top band). */
function statusOf(
  uniMMR: number | null,
  p: BinancePmParams,
): { status: BinanceRiskStatus; description: string } {
  for (const b of p.statusBands)
    if (uniMMR === null || b.above === null || uniMMR > b.above) return b;
  return { status: 'FORCE_LIQUIDATION', description: 'below every configured band' };
}

/** Balances, loans and futures P&L per asset (the asset-equity inputs). */
interface AssetSums {
  readonly balance: Map<Currency, number>;
  readonly loan: Map<Currency, number>;
  readonly uplByAsset: Map<Currency, number>;
}

const addTo = (m: Map<Currency, number>, c: Currency, v: number) => m.set(c, (m.get(c) ?? 0) + v);

/** Balances split into holdings and loans (typed error for a non-finite amount). */
function balanceSums(portfolio: Portfolio): AssetSums {
  const balance = new Map<Currency, number>();
  const loan = new Map<Currency, number>();
  const uplByAsset = new Map<Currency, number>();
  portfolio.balances.forEach((b, i) => {
    requireFinite(b.amount, `balances[${i}].amount`);
    if (b.amount >= 0) addTo(balance, b.currency, b.amount);
    else addTo(loan, b.currency, -b.amount);
  });
  return { balance, loan, uplByAsset };
}

/**
 * One leg per future/perpetual (bracket, tiered MM, P&L added to its settlement asset); spot
 * positions are holdings of their coin; options are UNSUPPORTED. Legs in symbol order.
 */
function futuresLegs(
  portfolio: Portfolio,
  market: BinancePmMarket,
  sums: AssetSums,
  assumedOne: Set<Currency>,
  warnings: string[],
): BinancePmLeg[] {
  const { snapshot } = market;
  const { uplByAsset } = sums;
  const add = addTo;
  const legs: BinancePmLeg[] = [];
  const futures: Position[] = [];
  const futuresStates: InstrumentState[] = [];
  portfolio.positions.forEach((x, i) => {
    const inst = x.instrument;
    const field = `positions[${i}]`;
    if (isOptionLike(inst))
      throw new BallastError(
        'UNSUPPORTED',
        `Binance portfolio margin is modelled for futures, perpetuals, spot and margin loans only (docs/methodology/binance-bybit.md Part A); ${inst.kind} ${inst.symbol} is not covered`,
        field,
      );
    if (inst.kind === 'spot') {
      add(uplByAsset, inst.underlying, x.size);
      return;
    }
    const st = market.state(inst);
    futures.push(x);
    futuresStates.push(st);
    const upl = requireFinite(positionsValue([x], [st]).value, `${field}.upl`);
    const mark = st.price;
    const { key, table } = market.brackets(inst, `${field}.instrument`);
    const inverse = inst.settlement === 'inverse';
    const currency = inst.settlementCurrency;
    // UM: notional in the quote. CM: USD face / mark in coin = |size| (coin-equivalent at the mark).
    const notional = inverse ? Math.abs(x.size) : Math.abs(x.size) * mark;
    const k = bracketIndex(notional, table, `${field}.notional`);
    const b = table[k]!;
    const mm = tieredMaintenance(notional, table, `${field}.notional`);
    const px = usdPrice(currency, snapshot, currency, assumedOne);
    add(uplByAsset, currency, upl);
    legs.push({
      symbol: inst.symbol,
      bracketKey: key,
      book: inverse ? 'CM' : 'UM',
      size: x.size,
      markPrice: mark,
      entryPrice: x.entryPrice ?? null,
      notional,
      currency,
      bracket: b.bracket ?? k + 1,
      maintMarginRatio: b.maintMarginRatio,
      cum: b.cum,
      maintenanceMargin: mm,
      maintenanceMarginUsd: mm * px,
      upl,
    });
  });
  warnings.push(...positionsValue(futures, futuresStates).warnings);
  legs.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));

  return legs;
}

/** Per asset: equity, USD value, collateral after its rate, margin-loan MM. */
function assetRows(
  sums: AssetSums,
  snapshot: MarketSnapshot,
  params: BinancePmParams,
  assumedOne: Set<Currency>,
  warnings: string[],
  unverified: string[],
): BinancePmAsset[] {
  const { balance, loan, uplByAsset } = sums;
  const loanMmr = params.marginLoanMmr[String(params.marginLeverage)]!;
  const assetsList = [...new Set([...balance.keys(), ...loan.keys(), ...uplByAsset.keys()])].sort();
  const unrated: Currency[] = [];
  let negativeHaircut = false;
  const assets: BinancePmAsset[] = assetsList.map((a) => {
    const bal = balance.get(a) ?? 0;
    const ln = loan.get(a) ?? 0;
    const u = uplByAsset.get(a) ?? 0;
    const e = bal - ln + u;
    const px = usdPrice(a, snapshot, `balances.${a}`, assumedOne);
    const listed = params.collateralRates[a];
    const rate = listed ?? params.defaultCollateralRate;
    if (listed === undefined && e > 0) unrated.push(a);
    if (e < 0 && rate < 1) negativeHaircut = true;
    const eUsd = e * px;
    const marginMM = ln * loanMmr;
    return {
      asset: a,
      balance: bal,
      loan: ln,
      futuresUpl: u,
      equity: e,
      indexPrice: px,
      collateralRate: rate,
      equityUsd: eUsd,
      collateralUsd: Math.min(eUsd * rate, eUsd),
      marginMM,
      marginMMUsd: marginMM * px,
    };
  });
  if (unrated.length > 0)
    warnings.push(
      `no collateral rate for ${unrated.join(', ')}: counted at defaultCollateralRate ${params.defaultCollateralRate} (load rates from GET /sapi/v1/portfolio/collateralRate into params.collateralRates)`,
    );
  if (negativeHaircut)
    unverified.push(
      'Binance collateral haircut on negative asset equity [I]: min(E·P·rate, E·P) counts a negative balance in full (no haircut benefit)',
    );
  return assets;
}

/**
 * Evaluates Binance portfolio margin: one USD pool result with `maintenanceMargin = Σ MM`,
 * `initialMargin = Σ MM` (PM Pro has no IM), `equity` = adjusted equity and
 * `details: BinancePmDetails` (uniMMR, status, liquidation flag, legs, assets).
 */
export function evaluateBinancePm(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: BinancePmParams,
): MarginResult[] {
  validateBinancePmParams(params);
  return evaluatePreparedBinancePm(binancePmMarket(snapshot, params), portfolio);
}

/**
 * `evaluateBinancePm` against a prepared market (prepared.ts: instrument states and bracket
 * tables found once per market, shared by every account).
 */
export function evaluatePreparedBinancePm(
  market: BinancePmMarket,
  portfolio: Portfolio,
): MarginResult[] {
  const { snapshot, params } = market;
  const warnings: string[] = [];
  const unverified: string[] = [];
  const assumedOne = new Set<Currency>();

  const sums = balanceSums(portfolio);
  const legs = futuresLegs(portfolio, market, sums, assumedOne, warnings);
  const assets = assetRows(sums, snapshot, params, assumedOne, warnings, unverified);
  const loanMmr = params.marginLoanMmr[String(params.marginLeverage)]!;
  for (const c of [...assumedOne].sort())
    warnings.push(
      `${c} valued at 1 USD: the snapshot has no ${c} market (set underlyings.${c}.index to its asset index price)`,
    );

  let equityAe = 0;
  let equity = 0;
  let futuresMm = 0;
  let marginMm = 0;
  for (const a of assets) {
    equityAe += a.equityUsd;
    equity += a.collateralUsd;
    marginMm += a.marginMMUsd;
  }
  for (const l of legs) futuresMm += l.maintenanceMarginUsd;
  const openLoss = 0;
  const adjustedEquity = requireFinite(equity - openLoss, 'equity');
  const totalMm = requireFinite(futuresMm + marginMm, 'maintenanceMargin');
  const uniMMR = totalMm > 0 ? adjustedEquity / totalMm : null;
  const liquidation = uniMMR !== null && uniMMR <= params.liquidationThreshold;
  const band = statusOf(uniMMR, params);

  unverified.push(
    'Binance PM initial margin: PM Pro has no IM requirement [V]; the newer PM checks new orders by a rule not in the notes [G] (new orders are refused in the REDUCE_ONLY band); initialMargin is reported = maintenanceMargin',
  );

  const addOns: AddOn[] = assets
    .filter((a) => a.marginMMUsd > 0)
    .map((a) => ({
      name: `margin loan MM (${a.asset})`,
      amount: a.marginMMUsd,
      appliesTo: 'both' as const,
      description: `loan ${a.loan} ${a.asset} × ${loanMmr} (${params.marginLeverage}x) × ${a.indexPrice} USD`,
    }));

  const details: BinancePmDetails = {
    uniMMR,
    adjustedEquity,
    equityWithoutHaircut: equityAe,
    openLoss,
    futuresMaintenanceUsd: futuresMm,
    marginMaintenanceUsd: marginMm,
    totalMaintenanceMargin: totalMm,
    liquidationThreshold: params.liquidationThreshold,
    liquidation,
    status: band.status,
    statusDescription: band.description,
    liquidationEquity: params.liquidationThreshold * totalMm,
    legs,
    assets,
  };

  return [
    marginResult({
      model: BINANCE_PM_ID,
      modelVersion: BINANCE_PM_VERSION,
      currency: 'USD',
      equity: adjustedEquity,
      initialMargin: totalMm,
      maintenanceMargin: totalMm,
      worstScenario: undefined,
      contributions: [],
      addOns,
      unverified,
      warnings: [
        ...warnings,
        'Binance PM Pro has no initial margin: initialMargin = maintenanceMargin (Σ tiered MM)',
      ],
      inputsHash: marginInputsHash(BINANCE_PM_ID, BINANCE_PM_VERSION, params, portfolio, snapshot),
      details,
    }),
  ];
}

/**
 * Binance portfolio margin (uniMMR) as a `MarginModel`: adjusted equity over Σ tiered
 * maintenance margins, no scenarios; liquidation at uniMMR ≤ 1.05 (docs/methodology/binance-bybit.md Part A).
 */
export const binancePmModel: MarginModel<BinancePmParams> = Object.freeze({
  id: BINANCE_PM_ID,
  version: BINANCE_PM_VERSION,
  title: 'Binance portfolio margin (uniMMR = adjusted equity / Σ tiered MM; no scenarios)',
  scenarioBased: false,
  defaultParams: BINANCE_PM_DEFAULTS,
  evaluate: evaluateBinancePm,
});
