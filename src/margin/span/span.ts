/**
 * SPAN-style margin (CME Standard Portfolio Analysis of Risk; methodology notes
 * docs/methodology/span-tims.md §1), one USD pool for the whole account.
 *
 * Per combined commodity CC (all instruments on one underlying coin):
 * 1. risk arrays (§1.1, §1.8): per unit (one coin = one contract, ours), the USD value change
 *    under each of the 16 scenarios of `spanScenarios` over the look-ahead, loss positive,
 *    × the scenario weight (35 % for the ±2 PSR extremes); inverse products in USD as in
 *    src/margin/clearing/usd-book.ts;
 * 2. scan risk = max(0, max_s Σ q·array[s]) (§1.3), split into time / volatility / price risk;
 * 3. composite deltas (§1.4) → intra-commodity spread charge by tiers (§1.5), delivery charge
 *    (positions in their last `withinDays`), inter-commodity spread credit from the net USD
 *    deltas of paired commodities × credit rate × WFPR;
 * 4. short option minimum SOM = short options × rate;
 *    risk(CC) = max(scan + intra + delivery − credit, SOM), the credit capped so the sum
 *    before the SOM floor never goes below zero.
 *
 * Maintenance margin = Σ_CC risk(CC); initial = MM × `initialToMaintenance`.
 *
 * Net option value (§1.5): SPAN asks for `total risk − NOV` in funds beyond the options'
 * value. Equity here already contains the options at their marks (long +, short −), so the
 * requirement compared with equity is the total risk itself: `equity ≥ total risk` is the
 * same test as `cash ≥ total risk − NOV`. `details.fundsRequiredBeyondOptionValue` reports the
 * latter.
 */
import { marginInputsHash } from '../inputs-hash.ts';
import { BallastError } from '../../core/errors.ts';
import { toIso } from '../../core/time.ts';
import { isDated, isOptionLike } from '../../instruments/instrument.ts';
import { underlyingMarket } from '../../market/marks.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { type Portfolio } from '../../risk/portfolio.ts';
import { spanPriceMove, spanScenarios, type SpanScanRanges } from '../../scenarios/span-grid.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { underlyingsOf } from '../book.ts';
import { buildUsdBook, rowsByUnderlying, usdPoolEquity } from '../clearing/usd-book.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type AddOn,
  type Contribution,
  type MarginResult,
  type WorstScenario,
  initialMultiplierAddOn,
} from '../margin-result.ts';
import { compositeDeltas, compositeDeltaScenarios } from './composite-delta.ts';
import { deliveryCharge } from './delivery-charge.ts';
import { interCommodityCredits, type InterCommodityCredits } from './inter-commodity.ts';
import { intraCommoditySpreadCharge, type IntraCommodityCharge } from './intra-commodity.ts';
import { SPAN_DEFAULT_PARAMS, validateSpanParams, type SpanParams } from './params.ts';
import { riskArrays, scanDecomposition, scanRisk, type ScanDecomposition } from './scan-risk.ts';
import { shortOptionMinimum, type ShortOptionMinimum } from './short-option-minimum.ts';

export type { SpanParams, SpanCommodityParams } from './params.ts';
export { SPAN_DEFAULT_PARAMS, validateSpanParams } from './params.ts';

/** Model id. */
export const SPAN_MODEL_ID = 'span';
/** Model version (bump on any change of results). */
export const SPAN_MODEL_VERSION = '1.0.0';

/** One position's risk array and composite delta. */
export interface SpanPositionArray {
  readonly symbol: string;
  /** Signed size, coins (= contracts). */
  readonly size: number;
  /** Loss-positive weighted USD value change of one unit (coin) per scenario. */
  readonly riskArray: number[];
  /** Composite delta per unit, coins. */
  readonly compositeDelta: number;
}

/** Everything computed for one combined commodity (USD; deltas in coins unless `Usd`). */
export interface SpanCommodityDetail {
  readonly commodity: string;
  readonly index: number;
  readonly priceScanRange: number;
  readonly positions: SpanPositionArray[];
  /** Σ q · riskArray per scenario. */
  readonly portfolioArray: number[];
  readonly scanRisk: number;
  readonly scanFloored: boolean;
  readonly worstScenario:
    { readonly index: number; readonly id: string; readonly label: string } | undefined;
  readonly decomposition: ScanDecomposition;
  readonly netCompositeDelta: number;
  readonly netDeltaUsd: number;
  readonly intraCommodity: IntraCommodityCharge;
  readonly delivery: { readonly charge: number; readonly deltaInPeriod: number };
  /** Credit from the inter-commodity step and the part of it applied (capped at scan + charges). */
  readonly interCommodityCredit: number;
  readonly creditApplied: number;
  readonly shortOptionMinimum: ShortOptionMinimum;
  /** Uplift from the SOM floor. */
  readonly somUplift: number;
  /** risk(CC) = max(scan + intra + delivery − credit, SOM). */
  readonly risk: number;
}

/** `MarginResult.details` of the SPAN model. */
export interface SpanDetails {
  readonly scenarios: { readonly id: string; readonly label: string; readonly weight: number }[];
  readonly commodities: SpanCommodityDetail[];
  readonly interCommodity: InterCommodityCredits;
  readonly totalRisk: number;
  /** Net option value (long − short option marks), USD. */
  readonly netOptionValue: number;
  /** total risk − NOV: funds needed beyond the options' value (SPAN's own presentation). */
  readonly fundsRequiredBeyondOptionValue: number;
  readonly collateralUsd: number;
  readonly positionsValueUsd: number;
}

const U = {
  parameters:
    'span.parameters: PSR/VSR, tiers, spread, credit, delivery and short-option-minimum rates are illustrative crypto parameters (ours), not an exchange parameter file',
  usd: 'span.inverse-in-usd: coin-settled products are revalued in USD as their USD-settled twins (coin P&L × scenario price) [I]',
  lookAhead:
    'span.look-ahead: options revalued one look-ahead period later (crypto: calendar days, ours)',
  floor:
    'span.scan-floor: scan risk floored at 0 when every scenario gains [I]; switch floorScanRiskAtZero',
  compositeDelta:
    'span.composite-delta: delta points and weights of the composite delta are ours [I]',
  tiers:
    'span.intra-commodity: tier assignment, intra-tier/priority/residual spread mechanics are standard-SPAN readings [I]',
  inter:
    'span.inter-commodity: credit = spreads × ratio × rate × WFPR with WFPR from the time/volatility/price split of the scan [I]',
  som: 'span.short-option-minimum: short options counted gross (no long offsets) [I]; switch shortOptionCount',
  somNet:
    'span.short-option-minimum: long options offset short ones of the same right (net-per-right) [I]',
  nov: 'span.nov: requirement compared with equity including option marks (= total risk − NOV against cash) [I]',
  im: 'span.initial-margin: IM = MM × initialToMaintenance (CME ≈ 110 % for speculative accounts) [I]',
  delivery:
    'span.delivery: spot-month charge on gross delta in the last days before expiry (crypto, ours)',
};

function monthKey(expiryMs: number | undefined): string {
  return expiryMs === undefined ? 'undated' : toIso(expiryMs).slice(0, 10);
}

/** Scan ranges of the commodities the book needs (throws if one is missing). */
function rangesFor(
  underlyings: readonly string[],
  params: SpanParams,
): Record<string, SpanScanRanges> {
  const out: Record<string, SpanScanRanges> = {};
  for (const u of underlyings) {
    const cc = params.commodities[u];
    if (!cc)
      throw new BallastError(
        'INVALID_INPUT',
        `no SPAN parameters for the combined commodity ${u}: add them to params.commodities`,
        `params.commodities.${u}`,
      );
    out[u] = cc;
  }
  return out;
}

/** A commodity's detail before the inter-commodity credit and the short option minimum. */
type SpanPartial = Omit<
  SpanCommodityDetail,
  'interCommodityCredit' | 'creditApplied' | 'somUplift' | 'risk'
>;

/** The book revalued on the SPAN scenarios, with composite deltas (shared by every commodity). */
interface SpanScan {
  readonly scenarios: Scenario[];
  readonly book: ReturnType<typeof buildUsdBook>;
  readonly deltas: ReturnType<typeof compositeDeltas>;
  readonly arrays: ReturnType<typeof riskArrays>;
  readonly decompRows: { priceMove: number; volMultiplier: number; weight: number }[];
}

/** Revalues the book on the scan scenarios and the composite-delta scenarios (§1.1–§1.2). */
function spanScan(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: SpanParams,
  ranges: Record<string, SpanScanRanges>,
  underlyings: readonly string[],
): SpanScan {
  const scenarios: Scenario[] = spanScenarios(ranges, {
    lookAheadDays: params.lookAheadDays,
    rows: params.scenarioRows,
  });
  const book = buildUsdBook(portfolio.positions, snapshot, scenarios);
  const psr = (u: string): number => ranges[u]!.priceScanRange;
  const psrs = Object.fromEntries(underlyings.map((u) => [u, psr(u)]));
  const deltaBook = buildUsdBook(
    portfolio.positions,
    snapshot,
    compositeDeltaScenarios(psrs, params.compositeDelta, params.lookAheadDays),
  );
  const deltas = compositeDeltas(deltaBook, params.compositeDelta, psr);
  const decompRows = params.scenarioRows.map((r) => ({
    priceMove: spanPriceMove(r),
    volMultiplier: r.volMultiplier,
    weight: r.weight,
  }));
  return { scenarios, book, deltas, arrays: riskArrays(book, scenarios), decompRows };
}

/** Position arrays, net composite delta and delta per contract month of one commodity. */
function commodityPositions(
  scan: SpanScan,
  rows: readonly number[],
): {
  positions: SpanPositionArray[];
  netDelta: number;
  months: { month: string; dteDays: number; delta: number }[];
} {
  const { book, deltas, arrays } = scan;
  const nS = scan.scenarios.length;
  let netDelta = 0;
  const byMonth = new Map<string, { dteDays: number; delta: number }>();
  const positions: SpanPositionArray[] = rows.map((i) => {
    const p = book.positions[i]!;
    const d = deltas[i]! * p.size;
    netDelta += d;
    const key = monthKey(isDated(p.instrument) ? p.instrument.expiryMs : undefined);
    const m = byMonth.get(key) ?? { dteDays: book.matrix.states[i]!.dteDays, delta: 0 };
    m.delta += d;
    byMonth.set(key, m);
    return {
      symbol: p.instrument.symbol,
      size: p.size,
      riskArray: Array.from(arrays.subarray(i * nS, (i + 1) * nS)),
      compositeDelta: deltas[i]!,
    };
  });
  const months = [...byMonth.entries()]
    .sort((a, b) => a[1].dteDays - b[1].dteDays || (a[0] < b[0] ? -1 : 1))
    .map(([month, m]) => ({ month, dteDays: m.dteDays, delta: m.delta }));
  return { positions, netDelta, months };
}

/** One combined commodity: scan risk, intra-commodity, delivery and short-option minimum. */
function commodityPartial(
  scan: SpanScan,
  u: string,
  rows: readonly number[],
  snapshot: MarketSnapshot,
  params: SpanParams,
): SpanPartial {
  const { book, deltas, arrays, scenarios } = scan;
  const nS = scenarios.length;
  const cc = params.commodities[u]!;
  const index = underlyingMarket(snapshot, u, `${u}.index`).index;
  const rowArrays = rows.map((i) => arrays.subarray(i * nS, (i + 1) * nS));
  const sizes = rows.map((i) => book.sizes[i]!);
  const risk = scanRisk(rowArrays, sizes, params.floorScanRiskAtZero);
  const decomposition = scanDecomposition(risk, scan.decompRows);
  const { positions, netDelta, months } = commodityPositions(scan, rows);
  const intraCommodity = intraCommoditySpreadCharge(
    months,
    cc,
    index,
    `params.commodities.${u}.tiers`,
  );
  const delivery = deliveryCharge(
    rows.map((i) => ({
      dteDays: isDated(book.positions[i]!.instrument) ? book.matrix.states[i]!.dteDays : undefined,
      delta: deltas[i]! * book.sizes[i]!,
    })),
    cc.deliveryCharge,
    index,
  );
  const som = shortOptionMinimum(
    rows.map((i) => book.positions[i]!),
    cc.shortOptionMinimum,
    params.shortOptionCount,
    index,
  );
  const ws =
    risk.scenarioIndex >= 0
      ? {
          index: risk.scenarioIndex,
          id: scenarios[risk.scenarioIndex]!.id,
          label: scenarios[risk.scenarioIndex]!.label,
        }
      : undefined;
  return {
    commodity: u,
    index,
    priceScanRange: cc.priceScanRange,
    positions,
    portfolioArray: risk.portfolioArray,
    scanRisk: risk.risk,
    scanFloored: risk.floored,
    worstScenario: ws,
    decomposition,
    netCompositeDelta: netDelta,
    netDeltaUsd: netDelta * index,
    intraCommodity,
    delivery,
    shortOptionMinimum: som,
  };
}

/** Inter-commodity credits applied, then the short option minimum (§1.4–§1.5). */
function creditedCommodities(
  partials: readonly SpanPartial[],
  params: SpanParams,
): { commodities: SpanCommodityDetail[]; inter: InterCommodityCredits; floorUplift: number } {
  const inter = interCommodityCredits(
    Object.fromEntries(
      partials.map((c) => [
        c.commodity,
        { netDeltaUsd: c.netDeltaUsd, priceRisk: c.decomposition.priceRisk },
      ]),
    ),
    params.interCommoditySpreads,
  );
  let floorUplift = 0;
  const commodities: SpanCommodityDetail[] = partials.map((c) => {
    const charged = c.scanRisk + c.intraCommodity.charge + c.delivery.charge;
    const base = Math.max(0, charged);
    floorUplift += base - charged;
    const credit = inter.credits[c.commodity] ?? 0;
    const creditApplied = Math.min(credit, base);
    const after = base - creditApplied;
    const somUplift = Math.max(0, c.shortOptionMinimum.amount - after);
    return {
      ...c,
      interCommodityCredit: credit,
      creditApplied,
      somUplift,
      risk: after + somUplift,
    };
  });
  return { commodities, inter, floorUplift };
}

/** The SPAN add-ons (charges, credit, SOM, scan floor, IM multiplier). */
function spanAddOns(
  commodities: readonly SpanCommodityDetail[],
  floorUplift: number,
  params: SpanParams,
  im: number,
  mm: number,
): AddOn[] {
  const sum = (f: (c: SpanCommodityDetail) => number): number =>
    commodities.reduce((a, c) => a + f(c), 0);
  const addOns: AddOn[] = [
    {
      name: 'intra-commodity spread charge',
      amount: sum((c) => c.intraCommodity.charge),
      appliesTo: 'both',
      description: 'Σ_CC (intra-tier + tier-pair + residual spreads) × rate × index',
    },
    {
      name: 'delivery charge',
      amount: sum((c) => c.delivery.charge),
      appliesTo: 'both',
      description: 'Σ_CC |delta| in the delivery period × rate × index',
    },
    {
      name: 'inter-commodity spread credit',
      amount: -sum((c) => c.creditApplied),
      appliesTo: 'both',
      description:
        'Σ_CC spreads × ratio × credit rate × WFPR (capped at scan + charges); negative: a credit',
    },
    {
      name: 'short option minimum',
      amount: sum((c) => c.somUplift),
      appliesTo: 'both',
      description:
        'Σ_CC max(0, SOM − (scan + intra + delivery − credit)), SOM = short options × rate',
    },
  ];
  if (floorUplift > 0)
    addOns.push({
      name: 'negative scan floor',
      amount: floorUplift,
      appliesTo: 'both',
      description: 'scan + charges of a commodity floored at 0',
    });
  addOns.push(...initialMultiplierAddOn(params.initialToMaintenance, im, mm));

  return addOns;
}

/** The worst scenario: that of the commodity with the largest scan risk (each CC scans alone). */
function spanWorstScenario(commodities: readonly SpanCommodityDetail[]): {
  worstScenario: WorstScenario | undefined;
  contributions: Contribution[];
} {
  let worstScenario: WorstScenario | undefined;
  let contributions: Contribution[] = [];
  const top = [...commodities].sort(
    (a, b) => b.scanRisk - a.scanRisk || (a.commodity < b.commodity ? -1 : 1),
  )[0];
  if (top && top.worstScenario) {
    const s = top.worstScenario.index;
    const pnl = -top.portfolioArray[s]!;
    worstScenario = {
      id: top.worstScenario.id,
      label: `${top.commodity} ${top.worstScenario.label}`,
      index: s,
      pnl,
      loss: Math.max(0, -pnl),
    };
    contributions = top.positions.map((p) => ({
      symbol: p.symbol,
      size: p.size,
      pnl: -p.size * p.riskArray[s]!,
    }));
  }

  return { worstScenario, contributions };
}

/** The `unverified` readings the result relies on. */
function spanUnverified(
  portfolio: Portfolio,
  commodities: readonly SpanCommodityDetail[],
  hasInverse: boolean,
  params: SpanParams,
  mm: number,
): string[] {
  const hasOptions = portfolio.positions.some((p) => isOptionLike(p.instrument));
  const unverified: string[] = [];
  if (commodities.length > 0) {
    if (params.parametersSource === 'illustrative') unverified.push(U.parameters);
    if (hasInverse) unverified.push(U.usd);
    if (hasOptions && params.lookAheadDays > 0) unverified.push(U.lookAhead);
    if (commodities.some((c) => c.scanFloored) && params.floorScanRiskAtZero)
      unverified.push(U.floor);
    const spreadsFormed =
      commodities.some((c) => c.intraCommodity.charge > 0 || c.delivery.charge > 0) ||
      commodities.some((c) => c.creditApplied > 0);
    if (spreadsFormed) unverified.push(U.compositeDelta);
    if (commodities.some((c) => c.intraCommodity.charge > 0)) unverified.push(U.tiers);
    if (commodities.some((c) => c.delivery.charge > 0)) unverified.push(U.delivery);
    if (commodities.some((c) => c.creditApplied > 0)) unverified.push(U.inter);
    if (commodities.some((c) => c.somUplift > 0))
      unverified.push(params.shortOptionCount === 'gross' ? U.som : U.somNet);
    if (hasOptions) unverified.push(U.nov);
    if (params.initialToMaintenance !== 1 && mm > 0) unverified.push(U.im);
  }

  return unverified;
}

/** Evaluates the SPAN model (module doc). One USD pool. */
export function evaluateSpan(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: SpanParams,
): MarginResult[] {
  validateSpanParams(params);
  const underlyings = underlyingsOf(portfolio.positions);
  const ranges = rangesFor(underlyings, params);
  const scan = spanScan(portfolio, snapshot, params, ranges, underlyings);
  const { scenarios, book } = scan;
  const partials: SpanPartial[] = [];
  for (const [u, rows] of rowsByUnderlying(book))
    partials.push(commodityPartial(scan, u, rows, snapshot, params));
  const { commodities, inter, floorUplift } = creditedCommodities(partials, params);
  const totalRisk = commodities.reduce((a, c) => a + c.risk, 0);
  const mm = Math.max(0, totalRisk);
  const im = mm * params.initialToMaintenance;
  const eq = usdPoolEquity(portfolio, snapshot, book, params.collateralHaircuts);
  const addOns = spanAddOns(commodities, floorUplift, params, im, mm);
  const { worstScenario, contributions } = spanWorstScenario(commodities);
  const unverified = spanUnverified(portfolio, commodities, book.hasInverse, params, mm);
  const details: SpanDetails = {
    scenarios: scenarios.map((s) => ({ id: s.id, label: s.label, weight: s.weight })),
    commodities,
    interCommodity: inter,
    totalRisk,
    netOptionValue: eq.netOptionValueUsd,
    fundsRequiredBeyondOptionValue: totalRisk - eq.netOptionValueUsd,
    collateralUsd: eq.collateralUsd,
    positionsValueUsd: eq.positionsValueUsd,
  };
  return [
    marginResult({
      model: SPAN_MODEL_ID,
      modelVersion: SPAN_MODEL_VERSION,
      currency: 'USD',
      equity: eq.equity,
      initialMargin: im,
      maintenanceMargin: mm,
      worstScenario,
      contributions,
      addOns,
      unverified,
      warnings: eq.warnings,
      inputsHash: marginInputsHash(SPAN_MODEL_ID, SPAN_MODEL_VERSION, params, portfolio, snapshot),
      details,
    }),
  ];
}

/**
 * The SPAN-style model (docs/methodology/span-tims.md §1): 16-scenario scan per combined
 * commodity, intra-commodity spread charge, delivery charge, inter-commodity credit, short
 * option minimum; one USD pool. Default parameters are illustrative BTC/ETH ones (ours).
 */
export const spanModel: MarginModel<SpanParams> = {
  id: SPAN_MODEL_ID,
  version: SPAN_MODEL_VERSION,
  title:
    'SPAN-style: 16 scenarios per combined commodity, spread charges and credits, short option minimum (USD)',
  scenarioBased: true,
  defaultParams: SPAN_DEFAULT_PARAMS,
  evaluate: evaluateSpan,
};
