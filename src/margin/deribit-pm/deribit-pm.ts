/**
 * Deribit segregated portfolio margin (S:PM, "Extended Risk Matrix"), methodology
 * deribit-pm.md. One `MarginResult` per settlement currency (the pool currency is the
 * settlement currency: BTC and ETH pools in coin, USDC/USDT pools in USD(C)).
 *
 * Pipeline per pool (§2):
 * 1. positions grouped by vector key `<underlying>_<settlement>`; each key revalued on its
 *    pair's grid (27 standard + 8 extended cells) → `initial_risk_vectors` per instrument and
 *    their sum `pre_aggregated_risk_vectors` (vectors.ts, §5, §7.1);
 * 2. gains × `pnl_offset` (capped by `max_offsetable_pnl`), extended entries dampened →
 *    `aggregated_risk_vectors` (aggregate.ts, §7.2, §8);
 * 3. `worst_case = max(0, −min(aggregated))` with Deribit's tie-break (§9); several keys in one
 *    pool: sum of per-key worst cases (default) or joint [G];
 * 4. roll shock and delta shock per key (shocks.ts, §10, §11);
 * 5. `risk_matrix_margin = round9(worst_case) + roll_shock + delta_shock + correlation_contingency`,
 *    `initial_margin = round9(risk_matrix_margin + open_orders_margin + mmp_margin + spot_margin)`,
 *    `maintenance_margin = mm_factor · risk_matrix_margin` (§12) [R].
 *
 * `details` mirrors `private/pme/simulate` (§15) next to our own breakdown. Cross PM (X:PM) is
 * not modelled.
 */
import { marginInputsHash } from '../inputs-hash.ts';
import { deribitPmWhatIf } from './incremental.ts';
import type { Currency } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import { type Portfolio, type Position } from '../../risk/portfolio.ts';
import type { DeribitGridCell } from '../../scenarios/deribit-grid.ts';
import { positionsIn, settlementPools } from '../book.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type AddOn,
  type Contribution,
  type MarginResult,
  type WorstScenario,
} from '../margin-result.ts';
import {
  aggregateVectors,
  worstCaseOf,
  type AggregationResult,
  type WorstCase,
  type WorstCaseBucket,
} from './aggregate.ts';
import {
  accountInputs,
  currencyBlockKey,
  currencyParams,
  DERIBIT_PM_DEFAULT_PARAMS,
  roundDecimals,
  validateRules,
  type DeribitPmAccountInputs,
  type DeribitPmParams,
} from './params.ts';
import { deltaShockOf, rollShockOf, type DeltaShock, type RollShock } from './shocks.ts';
import { buildKeyVectors, type KeyVectors } from './vectors.ts';

export type { DeribitPmParams } from './params.ts';

/** Model id. */
export const DERIBIT_PM_ID = 'deribit-pm';
/** Model version (bump when results change for the same inputs). */
export const DERIBIT_PM_VERSION = '1.0.0';

/** `{standard: [27], extended: [8]}` as in `pme/simulate`. */
export interface RiskVectors {
  readonly standard: number[];
  readonly extended: number[];
}

/** `margins[<ccy>]` of `pme/simulate`. */
export interface PmeMargins {
  readonly initial_margin: number;
  readonly maintenance_margin: number;
  readonly initial_margin_details: {
    readonly open_orders_margin: number;
    readonly mmp_margin: number;
    readonly spot_margin: number;
    readonly risk_matrix_margin: number;
    readonly risk_matrix_margin_details: {
      readonly worst_case: number;
      readonly worst_case_bucket: WorstCaseBucket;
      readonly roll_shock: number;
      readonly delta_shock: number;
      readonly correlation_contingency: number;
    };
  };
}

/** The part of a `private/pme/simulate` result this pool reproduces (§15). */
export interface PmeSimulateMirror {
  readonly currency: Currency;
  /** The parameters used (as passed in). */
  readonly model_params: DeribitPmParams['model_params'];
  readonly index_price: Record<string, number>;
  readonly portfolio: { readonly position: Record<string, number> };
  readonly initial_risk_vectors: Record<string, RiskVectors>;
  readonly pre_aggregated_risk_vectors: Record<string, RiskVectors>;
  readonly aggregated_risk_vectors: Record<string, RiskVectors>;
  readonly margins: Record<string, PmeMargins>;
}

/** Our breakdown of one vector key. */
export interface DeribitPmKeyDetail {
  readonly key: string;
  readonly underlying: string;
  readonly pairKey: string;
  readonly index: number;
  /** The grid cells (move, vol state, weight, conversion) aligned with the vectors. */
  readonly cells: readonly (DeribitGridCell & {
    readonly id: string;
    readonly label: string;
    readonly allowance: number;
  })[];
  readonly worstCase: number;
  readonly worstCaseBucket: WorstCaseBucket;
  /** Cap on a credited gain, pool currency (§8). */
  readonly gainCap: number;
  readonly rollShock: RollShock;
  readonly deltaShock: DeltaShock;
}

/** `details` of a Deribit PM result. */
export interface DeribitPmDetails {
  /** Mirror of `private/pme/simulate` for this pool. */
  readonly simulate: PmeSimulateMirror;
  readonly keys: readonly DeribitPmKeyDetail[];
  /** Worst case before rounding, and rounded (round9, §12). */
  readonly worstCaseUnrounded: number;
  readonly worstCaseRounded: number;
  readonly riskMatrixMargin: number;
  readonly account: DeribitPmAccountInputs;
  readonly mmFactor: number;
  /** Provenance of the parameter blocks used (stale flags). */
  readonly sources: DeribitPmParams['sources'];
}

function riskVectors(v: Float64Array, nStandard: number): RiskVectors {
  const all = Array.from(v, (x) => x + 0);
  return { standard: all.slice(0, nStandard), extended: all.slice(nStandard) };
}

interface KeyEval {
  readonly kv: KeyVectors;
  readonly agg: AggregationResult;
  readonly worst: WorstCase;
  readonly roll: RollShock;
  readonly delta: DeltaShock;
  /** Worst case of the undamped extended table exceeds the reported worst case. */
  readonly dampenerMatters: boolean;
}

function evaluateKey(kv: KeyVectors, params: DeribitPmParams, settlement: Currency): KeyEval {
  const ccy = currencyParams(params, settlement);
  const agg = aggregateVectors({
    pre: kv.preAggregated,
    cells: kv.grid.cells,
    currency: ccy,
    rules: params.rules,
    index: kv.index,
    priceRange: kv.grid.params.priceRange,
    coinSettled: kv.coinSettled,
  });
  const worst = worstCaseOf(agg.aggregated, kv.grid.cells);
  let undampedExtMin = 0;
  for (let c = kv.grid.nStandard; c < kv.preAggregated.length; c++)
    undampedExtMin = Math.min(undampedExtMin, kv.preAggregated[c]!);
  const dampenerMatters = -undampedExtMin > worst.worstCase * (1 + 1e-12) + 1e-15;
  return {
    kv,
    agg,
    worst,
    roll: rollShockOf(kv, ccy, params.rules),
    delta: deltaShockOf(kv, params.rules),
    dampenerMatters,
  };
}

/** Unverified-rule notes, keyed by a stable id (each names its section of deribit-pm.md). */
export const DERIBIT_PM_UNVERIFIED = {
  optionRepricing:
    'option-repricing: options repriced with Black-76 on the shocked forward, time not advanced; inverse option P&L OPT-A/OPT-B (deribit-pm §5.3) [I]',
  volShock:
    'vol-shock: relative vol shocks scaled by (30/DTE)^p with fractional DTE floored at dteFloorDays (deribit-pm §6) [T/G]',
  volCellOrder:
    'vol-cell-order: order of the vol cells inside a bucket (up, same, down) (deribit-pm §4) [G]',
  minVolFloor:
    'min-vol-floor: min_volatility_for_shock_up read as a floor on the shocked IV (deribit-pm §6) [T]',
  extendedWeighting:
    'extended-weighting: extended-table conversion factor for options / USD-settled products (deribit-pm §7.1) [I]',
  dampener:
    'dampener: extended dampener allowance (size, conversion at index) set the worst case (deribit-pm §7.2) [T/I]',
  dampenerGains:
    'dampener-gains: extended gains beyond the allowance credited sign-aware (deribit-pm §7.2) [I]',
  gainCap: 'gain-cap: max_offsetable_pnl cap unit and order (deribit-pm §8) [I]',
  multiPair:
    'multi-pair: several currency pairs in one settlement currency combined (deribit-pm §8.3) [G]',
  linearDeltaOne:
    'linear-delta-one: USD-settled futures/perps P&L X·F0·m and USD block parameters (deribit-pm §5.2, §14) [I]',
  rollShockTime:
    'roll-shock-time: roll shock above its floor (exp vs linear in T) (deribit-pm §10) [I]',
  rollShockOptions:
    'roll-shock-options: option deltas in the roll shock (grouping per expiry, delta convention) (deribit-pm §10) [I]',
  rollShockUsd:
    'roll-shock-usd: roll shock of a USD pool in coins × index (deribit-pm §10, §14) [I]',
  deltaShock: 'delta-shock: delta shock formula (deribit-pm §11) [I]',
  worstCaseBucket:
    'worst-case-bucket: worst_case_bucket fields for extended / 0 % bucket worst cases or unusual ties (deribit-pm §9) [G/I]',
  exotics:
    'exotics: digital/barrier options are not listed on Deribit; revalued with our models (deribit-pm §5.3) [I]',
} as const;

function unverifiedOf(
  keys: readonly KeyEval[],
  worstKey: KeyEval | undefined,
  jointAmbiguous: boolean,
): string[] {
  const u = new Set<string>();
  const U = DERIBIT_PM_UNVERIFIED;
  for (const k of keys) {
    const { kv } = k;
    if (kv.hasOptions) {
      u.add(U.optionRepricing);
      u.add(U.volShock);
      u.add(U.volCellOrder);
      if (kv.minVolFloorMatters) u.add(U.minVolFloor);
      u.add(U.rollShockOptions);
    }
    if (
      kv.positions.some((p) => p.instrument.kind === 'digital' || p.instrument.kind === 'barrier')
    )
      u.add(U.exotics);
    const extNonZero = Array.from(k.agg.aggregated.subarray(kv.grid.nStandard)).some((x) => x < 0);
    if (extNonZero && (kv.hasOptions || !kv.coinSettled)) u.add(U.extendedWeighting);
    if (k.dampenerMatters) u.add(U.dampener);
    if (k.agg.extendedGainBeyondAllowance) u.add(U.dampenerGains);
    if (k.agg.gainCapMatters) u.add(U.gainCap);
    if (!kv.coinSettled && kv.positions.length > 0) {
      u.add(U.linearDeltaOne);
      if (k.roll.amount > 0) u.add(U.rollShockUsd);
    }
    if (k.roll.items.some((it) => it.aboveFloor && it.amount > 0)) u.add(U.rollShockTime);
    if (k.delta.amount > 0) u.add(U.deltaShock);
  }
  if (keys.length > 1) u.add(U.multiPair);
  if (
    worstKey &&
    worstKey.worst.worstCase > 0 &&
    (worstKey.worst.bucket.source === 'extended' ||
      worstKey.worst.bucket.side === 'center' ||
      worstKey.worst.ambiguousTie)
  )
    u.add(U.worstCaseBucket);
  if (jointAmbiguous) u.add(U.worstCaseBucket);
  return [...u];
}

/** The key vectors of a pool: one per underlying, keys sorted. */
export function buildPoolKeys(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  settlement: Currency,
): KeyVectors[] {
  const byUnderlying = new Map<string, Position[]>();
  for (const p of positions) {
    const list = byUnderlying.get(p.instrument.underlying) ?? [];
    list.push(p);
    byUnderlying.set(p.instrument.underlying, list);
  }
  return [...byUnderlying.keys()]
    .sort()
    .map((und) => buildKeyVectors(byUnderlying.get(und)!, snapshot, params, und, settlement));
}

/**
 * Margins one settlement-currency pool from its key vectors (deribit-pm.md §8–§12). The
 * what-if path (incremental.ts) calls this with vectors updated in O(cells) per trade.
 */
export function evaluatePoolKeys(
  portfolio: Portfolio,
  keyVectors: readonly KeyVectors[],
  params: DeribitPmParams,
  settlement: Currency,
  inputsHash: string,
): MarginResult {
  const ccyKey = settlement.toLowerCase();
  const decimals = params.rules.roundingDecimals;
  const keys = keyVectors.map((kv) => evaluateKey(kv, params, settlement));

  // Worst case of the pool.
  let worstCaseUnrounded = 0;
  let worstKey: KeyEval | undefined;
  let reported: { cell: number; bucket: WorstCaseBucket; key: KeyEval } | undefined;
  let jointAmbiguous = false;
  if (params.rules.multiPairAggregation === 'joint' && keys.length > 1) {
    const n = keys[0]!.agg.aggregated.length;
    const joint = new Float64Array(n);
    for (const k of keys) for (let c = 0; c < n; c++) joint[c] = joint[c]! + k.agg.aggregated[c]!;
    const w = worstCaseOf(joint, keys[0]!.kv.grid.cells);
    worstCaseUnrounded = w.worstCase;
    worstKey = keys[0];
    jointAmbiguous = w.ambiguousTie;
    reported = { cell: w.cell, bucket: w.bucket, key: keys[0]! };
  } else {
    for (const k of keys) {
      worstCaseUnrounded += k.worst.worstCase;
      if (!worstKey || k.worst.worstCase > worstKey.worst.worstCase) worstKey = k;
    }
    if (worstKey)
      reported = { cell: worstKey.worst.cell, bucket: worstKey.worst.bucket, key: worstKey };
  }
  const worstCaseRounded = roundDecimals(worstCaseUnrounded, decimals);
  let rollShock = 0;
  let deltaShock = 0;
  for (const k of keys) {
    rollShock += k.roll.amount;
    deltaShock += k.delta.amount;
  }
  const correlationContingency = 0;
  const riskMatrixMargin = worstCaseRounded + rollShock + deltaShock + correlationContingency;
  const acct = accountInputs(params, settlement);
  const initialMargin = roundDecimals(
    riskMatrixMargin + acct.open_orders_margin + acct.mmp_margin + acct.spot_margin,
    decimals,
  );
  const mmFactor = params.model_params.general.mm_factor;
  const maintenanceMargin = mmFactor * riskMatrixMargin;

  // Equity: segregated collateral + marked positions of the pool.
  // Sizes and entry prices from the portfolio (the what-if path updates only the vectors).
  const stateOf = new Map(
    keys.flatMap((k) =>
      k.kv.positions.map((p, i) => [p.instrument.symbol, k.kv.states[i]!] as const),
    ),
  );
  const poolPositions = portfolio.positions.filter(
    (p) => p.instrument.settlementCurrency === settlement && stateOf.has(p.instrument.symbol),
  );
  const pv = positionsValue(
    poolPositions,
    poolPositions.map((p) => stateOf.get(p.instrument.symbol)!),
  );
  const equity = segregatedCollateral(portfolio.balances, settlement) + pv.value;

  // Worst scenario and contributions (the reported key's positions, pre-aggregation P&L).
  let worstScenario: WorstScenario | undefined;
  let contributions: Contribution[] = [];
  if (reported) {
    const { key, cell } = reported;
    const sc = key.kv.grid.scenarios[cell]!;
    const multi = keys.length > 1;
    const pnl =
      multi && params.rules.multiPairAggregation === 'joint'
        ? -worstCaseUnrounded
        : key.agg.aggregated[cell]!;
    worstScenario = {
      id: multi ? `${key.kv.key}:${sc.id}` : sc.id,
      label: sc.label,
      index: cell,
      pnl,
      loss: Math.max(0, -pnl),
    };
    const list = params.rules.multiPairAggregation === 'joint' && multi ? keys : [key];
    contributions = list.flatMap((k) =>
      k.kv.positions.map((p, i) => ({
        symbol: p.instrument.symbol,
        size: p.size,
        pnl: k.kv.vectors[i]![cell]!,
      })),
    );
  }

  const addOns: AddOn[] = [
    {
      name: 'roll_shock',
      amount: rollShock,
      appliesTo: 'both',
      description: `Σ|delta|·max(min_annualised_move, f(annualised_move_risk·T)) = ${rollShock}; enters MM as mm_factor (${mmFactor}) × it`,
    },
    {
      name: 'delta_shock',
      amount: deltaShock,
      appliesTo: 'both',
      description: `${params.rules.deltaShock} hypothesis = ${deltaShock}; enters MM as mm_factor × it`,
    },
    {
      name: 'open_orders_margin',
      amount: acct.open_orders_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
    {
      name: 'mmp_margin',
      amount: acct.mmp_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
    {
      name: 'spot_margin',
      amount: acct.spot_margin,
      appliesTo: 'initial',
      description: 'account input (derivation undocumented)',
    },
  ];

  const initialRiskVectors: Record<string, RiskVectors> = {};
  const pre: Record<string, RiskVectors> = {};
  const aggregated: Record<string, RiskVectors> = {};
  const indexPrice: Record<string, number> = {};
  const position: Record<string, number> = {};
  for (const k of keys) {
    const nStd = k.kv.grid.nStandard;
    k.kv.positions.forEach((p, i) => {
      initialRiskVectors[p.instrument.symbol] = riskVectors(k.kv.vectors[i]!, nStd);
      position[p.instrument.symbol] = p.size;
    });
    pre[k.kv.key] = riskVectors(k.kv.preAggregated, nStd);
    aggregated[k.kv.key] = riskVectors(k.agg.aggregated, nStd);
    indexPrice[k.kv.pairKey] = k.kv.index;
  }
  const bucket: WorstCaseBucket = reported?.bucket ?? {
    index: 0,
    source: 'standard',
    bucket: 1,
    side: 'left',
  };
  const simulate: PmeSimulateMirror = {
    currency: settlement,
    model_params: params.model_params,
    index_price: indexPrice,
    portfolio: { position },
    initial_risk_vectors: initialRiskVectors,
    pre_aggregated_risk_vectors: pre,
    aggregated_risk_vectors: aggregated,
    margins: {
      [ccyKey]: {
        initial_margin: initialMargin,
        maintenance_margin: maintenanceMargin,
        initial_margin_details: {
          open_orders_margin: acct.open_orders_margin,
          mmp_margin: acct.mmp_margin,
          spot_margin: acct.spot_margin,
          risk_matrix_margin: riskMatrixMargin,
          risk_matrix_margin_details: {
            worst_case: worstCaseUnrounded,
            worst_case_bucket: bucket,
            roll_shock: rollShock,
            delta_shock: deltaShock,
            correlation_contingency: correlationContingency,
          },
        },
      },
    },
  };
  const details: DeribitPmDetails = {
    simulate,
    keys: keys.map((k) => ({
      key: k.kv.key,
      underlying: k.kv.underlying,
      pairKey: k.kv.pairKey,
      index: k.kv.index,
      cells: k.kv.grid.cells.map((c, i) => ({
        ...c,
        id: k.kv.grid.scenarios[i]!.id,
        label: k.kv.grid.scenarios[i]!.label,
        allowance: k.agg.allowances[i]!,
      })),
      worstCase: k.worst.worstCase,
      worstCaseBucket: k.worst.bucket,
      gainCap: k.agg.gainCap,
      rollShock: k.roll,
      deltaShock: k.delta,
    })),
    worstCaseUnrounded,
    worstCaseRounded,
    riskMatrixMargin,
    account: acct,
    mmFactor,
    sources: params.sources,
  };
  return marginResult({
    model: DERIBIT_PM_ID,
    modelVersion: DERIBIT_PM_VERSION,
    currency: settlement,
    equity,
    initialMargin,
    maintenanceMargin,
    worstScenario,
    contributions,
    addOns,
    unverified: unverifiedOf(keys, worstKey, jointAmbiguous),
    warnings: [...pv.warnings, ...staleWarnings(params, keys, settlement)],
    inputsHash,
    details,
  });
}

function staleWarnings(
  params: DeribitPmParams,
  keys: readonly KeyEval[],
  settlement: Currency,
): string[] {
  const src = params.sources ?? {};
  const used = [
    'general',
    `currency.${currencyBlockKey(settlement)}`,
    ...keys.map((k) => `currency_pair.${k.kv.pairKey}`),
  ];
  return used
    .filter((b) => src[b]?.stale)
    .map(
      (b) =>
        `Deribit PM parameters ${b} are stale (${src[b]!.source}, as of ${src[b]!.asOf}); load current model_params from private/pme/simulate`,
    );
}

/** The input hash of a Deribit PM evaluation (model, version, params, portfolio, snapshot). */
export function deribitPmInputsHash(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): string {
  return marginInputsHash(DERIBIT_PM_ID, DERIBIT_PM_VERSION, params, portfolio, snapshot);
}

/**
 * Deribit segregated portfolio margin (S:PM): one result per settlement currency, amounts in
 * that currency (coin for inverse books, USD(C) for linear ones). Implements
 * deribit-pm.md §4–§12; `details` is a `DeribitPmDetails` (`pme/simulate` mirror + breakdown).
 */
export const deribitPmModel: MarginModel<DeribitPmParams> = {
  id: DERIBIT_PM_ID,
  version: DERIBIT_PM_VERSION,
  title: 'Deribit portfolio margin (S:PM, extended risk matrix), per settlement currency',
  scenarioBased: true,
  defaultParams: DERIBIT_PM_DEFAULT_PARAMS,
  evaluate(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
  ): MarginResult[] {
    validateRules(params);
    const inputsHash = deribitPmInputsHash(portfolio, snapshot, params);
    return settlementPools(portfolio).map((ccy) =>
      evaluatePoolKeys(
        portfolio,
        buildPoolKeys(positionsIn(portfolio, ccy), snapshot, params, ccy),
        params,
        ccy,
        inputsHash,
      ),
    );
  },
  whatIf(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
    trades: readonly Position[],
  ) {
    validateRules(params);
    return deribitPmWhatIf(
      { buildPoolKeys, evaluatePoolKeys, inputsHash: deribitPmInputsHash },
      portfolio,
      snapshot,
      params,
      trades,
    );
  },
};
