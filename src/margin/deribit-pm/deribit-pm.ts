/**
 * Deribit segregated portfolio margin (S:PM, "Extended Risk Matrix"), methodology
 * docs/methodology/deribit-pm.md. One `MarginResult` per settlement currency (the pool currency is the
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
 *
 * `deribitPmModel.evaluate` runs this pipeline under every combination of the readings of the
 * hypothesis rules that can move the book (deribit-pm/hypotheses.ts) and charges the highest
 * IM and MM per pool (src/margin/hypotheses.ts); `evaluatePrepared` is one reading.
 */
import { BallastError } from '../../core/errors.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import {
  chargeOverReadings,
  evaluateOverReadings,
  readingsToCharge,
  validateSettings,
} from '../hypotheses.ts';
import {
  buildBookReadings,
  poolCharges,
  readingRuns,
  type BookReadings,
  type ReadingRuns,
} from './book-readings.ts';
import { DERIBIT_PM_HYPOTHESES } from './hypotheses.ts';
import { prepareBook, type PreparedBook } from './prepared-book.ts';
import { deribitPmLinearTerms } from './linear-terms.ts';
import type { Currency } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import { type Portfolio, type Position } from '../../risk/portfolio.ts';
import { canonicalPositions, positionsIn, settlementPools } from '../book.ts';
import type { MarginModel } from '../margin-model.ts';
import {
  marginResult,
  type Contribution,
  type MarginResult,
  type WorstScenario,
} from '../margin-result.ts';
import { worstCaseOf } from './aggregate.ts';
import { evaluateKey, type KeyEval, type ShockMemo } from './key-eval.ts';
import {
  accountInputs,
  currencyBlockKey,
  DERIBIT_PM_DEFAULT_PARAMS,
  roundDecimals,
  validateRules,
  type DeribitPmParams,
} from './params.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';
import type { PoolRequirements, PoolWorstCase } from './pool-types.ts';
import { poolAddOns, poolDetails } from './report.ts';
import { keyEvalFlags, poolNotes, worstBucketNote } from './unverified.ts';

export type { PoolRequirements, PoolWorstCase } from './pool-types.ts';
import { buildKeyVectors, positionCell, type KeyVectors } from './vectors.ts';

export type {
  DeribitPmDetails,
  DeribitPmKeyDetail,
  PmeMargins,
  PmeSimulateMirror,
  RiskVectors,
} from './report.ts';
export type { KeyEval } from './key-eval.ts';
export type { DeribitPmParams } from './params.ts';

/** Model id. */
export const DERIBIT_PM_ID = 'deribit-pm';
/** Model version (bump when results change for the same inputs). */
export const DERIBIT_PM_VERSION = '1.0.0';

export { DERIBIT_PM_UNVERIFIED } from './unverified.ts';

/** A pool's notes from its evaluated keys (`poolNotes` of each key's `keyEvalFlags`). */
function unverifiedOf(
  keys: readonly KeyEval[],
  worstKey: KeyEval | undefined,
  jointAmbiguous: boolean,
): string[] {
  return poolNotes(
    keys.map(keyEvalFlags),
    worstKey !== undefined && worstBucketNote(worstKey.worst),
    jointAmbiguous,
  );
}

/** The key vectors of a pool: one per underlying, keys sorted. */
export function buildPoolKeys(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  settlement: Currency,
  market: DeribitPmMarket = deribitPmMarket(snapshot, params),
): KeyVectors[] {
  const byUnderlying = new Map<string, Position[]>();
  for (const p of positions) {
    const list = byUnderlying.get(p.instrument.underlying) ?? [];
    list.push(p);
    byUnderlying.set(p.instrument.underlying, list);
  }
  return [...byUnderlying.keys()]
    .sort()
    .map((und) =>
      buildKeyVectors(byUnderlying.get(und)!, snapshot, params, und, settlement, market),
    );
}

/** Worst case of a pool: sum of per-key worst cases, or of the joint vector [G] (§8.3). */
export function poolWorstCase(keys: readonly KeyEval[], params: DeribitPmParams): PoolWorstCase {
  if (params.rules.multiPairAggregation === 'joint' && keys.length > 1) {
    const n = keys[0]!.agg.aggregated.length;
    const joint = new Float64Array(n);
    for (const k of keys) for (let c = 0; c < n; c++) joint[c] = joint[c]! + k.agg.aggregated[c]!;
    const w = worstCaseOf(joint, keys[0]!.kv.grid.cells);
    return {
      worstCaseUnrounded: w.worstCase,
      worstKey: keys[0],
      jointAmbiguous: w.ambiguousTie,
      reported: { cell: w.cell, bucket: w.bucket, key: keys[0]! },
    };
  }
  let worstCaseUnrounded = 0;
  let worstKey: KeyEval | undefined;
  for (const k of keys) {
    worstCaseUnrounded += k.worst.worstCase;
    if (!worstKey || k.worst.worstCase > worstKey.worst.worstCase) worstKey = k;
  }
  const reported = worstKey
    ? { cell: worstKey.worst.cell, bucket: worstKey.worst.bucket, key: worstKey }
    : undefined;
  return { worstCaseUnrounded, worstKey, reported, jointAmbiguous: false };
}

/**
 * `risk_matrix_margin = round9(worst_case) + Σ roll_shock + Σ delta_shock + correlation_contingency`,
 * `IM = round9(risk_matrix_margin + open_orders + mmp + spot)`, `MM = mm_factor · risk_matrix_margin` (§12).
 */
export function poolRequirements(
  worstCaseUnrounded: number,
  keys: readonly KeyEval[],
  params: DeribitPmParams,
  settlement: Currency,
): PoolRequirements {
  const decimals = params.rules.roundingDecimals;
  const worstCaseRounded = roundDecimals(worstCaseUnrounded, decimals);
  let rollShock = 0;
  let deltaShock = 0;
  for (const k of keys) {
    rollShock += k.roll.amount;
    deltaShock += k.delta.amount;
  }
  const correlationContingency = 0;
  const riskMatrixMargin = worstCaseRounded + rollShock + deltaShock + correlationContingency;
  const account = accountInputs(params, settlement);
  const initialMargin = roundDecimals(
    riskMatrixMargin + account.open_orders_margin + account.mmp_margin + account.spot_margin,
    decimals,
  );
  const mmFactor = params.model_params.general.mm_factor;
  return {
    worstCaseRounded,
    rollShock,
    deltaShock,
    correlationContingency,
    riskMatrixMargin,
    initialMargin,
    maintenanceMargin: mmFactor * riskMatrixMargin,
    account,
    mmFactor,
  };
}

/**
 * IM and MM of a pool from its key vectors: `evaluatePoolKeys`'s numbers (the same functions
 * in the same order) without equity, contributions, notes or report. NOT_FINITE as
 * `marginResult` throws it. The what-if at the default ranks its readings with this
 * (prepared-book.ts), sharing the shocks of one book across readings through `memo`.
 */
export function poolMargins(
  keyVectors: readonly KeyVectors[],
  params: DeribitPmParams,
  settlement: Currency,
  memo?: ShockMemo,
): { initialMargin: number; maintenanceMargin: number } {
  const keys = keyVectors.map((kv) => evaluateKey(kv, params, settlement, memo));
  const w = poolWorstCase(keys, params);
  const req = poolRequirements(w.worstCaseUnrounded, keys, params, settlement);
  for (const name of ['initialMargin', 'maintenanceMargin'] as const)
    if (!Number.isFinite(req[name]))
      throw new BallastError(
        'NOT_FINITE',
        `the ${DERIBIT_PM_ID} computation gave ${req[name]}`,
        `${DERIBIT_PM_ID}.${settlement}.${name}`,
      );
  return { initialMargin: req.initialMargin, maintenanceMargin: req.maintenanceMargin };
}

/**
 * Equity of a pool: segregated collateral + marked positions of the pool, summed in canonical
 * (symbol) order so the listing order changes nothing. Sizes and entry prices come from the
 * portfolio (the what-if path updates only the vectors); states from the key vectors.
 */
export function poolEquity(
  portfolio: Portfolio,
  keys: readonly KeyEval[],
  settlement: Currency,
): { equity: number; warnings: string[] } {
  const stateOf = new Map(
    keys.flatMap((k) =>
      k.kv.positions.map((p, i) => [p.instrument.symbol, k.kv.states[i]!] as const),
    ),
  );
  const poolPositions = canonicalPositions(
    portfolio.positions.filter(
      (p) => p.instrument.settlementCurrency === settlement && stateOf.has(p.instrument.symbol),
    ),
  );
  const pv = positionsValue(
    poolPositions,
    poolPositions.map((p) => stateOf.get(p.instrument.symbol)!),
  );
  return {
    equity: segregatedCollateral(portfolio.balances, settlement) + pv.value,
    warnings: pv.warnings,
  };
}

/** The worst scenario and each position's P&L in it (the reported key's, pre-aggregation). */
export function worstScenarioOf(
  keys: readonly KeyEval[],
  w: PoolWorstCase,
  params: DeribitPmParams,
): { worstScenario: WorstScenario | undefined; contributions: Contribution[] } {
  if (!w.reported) return { worstScenario: undefined, contributions: [] };
  const { key, cell } = w.reported;
  const sc = key.kv.grid.scenarios[cell]!;
  const multi = keys.length > 1;
  const joint = multi && params.rules.multiPairAggregation === 'joint';
  const pnl = joint ? -w.worstCaseUnrounded : key.agg.aggregated[cell]!;
  const list = joint ? keys : [key];
  return {
    worstScenario: {
      id: multi ? `${key.kv.key}:${sc.id}` : sc.id,
      label: sc.label,
      index: cell,
      pnl,
      loss: Math.max(0, -pnl),
    },
    contributions: list.flatMap((k) =>
      k.kv.positions.map((p, i) => ({
        symbol: p.instrument.symbol,
        size: p.size,
        pnl: positionCell(k.kv, i, cell),
      })),
    ),
  };
}

/** What `evaluatePoolKeys` adds to the numbers: `details` only when asked (default yes). */
export interface PoolReportOptions {
  /** Build the `pme/simulate` mirror and the per-key breakdown (`details`). */
  readonly details?: boolean;
}

/**
 * Margins one settlement-currency pool from its key vectors (docs/methodology/deribit-pm.md §8–§12): worst
 * case, requirements, equity, worst scenario and contributions, add-ons, then the report parts
 * (`details`, when asked). The what-if path (incremental.ts) calls this with vectors updated
 * in O(cells) per trade.
 */
export function evaluatePoolKeys(
  portfolio: Portfolio,
  keyVectors: readonly KeyVectors[],
  params: DeribitPmParams,
  settlement: Currency,
  inputsHash: string,
  options: PoolReportOptions = {},
): MarginResult {
  const keys = keyVectors.map((kv) => evaluateKey(kv, params, settlement));
  const w = poolWorstCase(keys, params);
  const req = poolRequirements(w.worstCaseUnrounded, keys, params, settlement);
  const eq = poolEquity(portfolio, keys, settlement);
  const { worstScenario, contributions } = worstScenarioOf(keys, w, params);
  const fields = {
    model: DERIBIT_PM_ID,
    modelVersion: DERIBIT_PM_VERSION,
    currency: settlement,
    equity: eq.equity,
    initialMargin: req.initialMargin,
    maintenanceMargin: req.maintenanceMargin,
    worstScenario,
    contributions,
    addOns: poolAddOns(req, params),
    unverified: unverifiedOf(keys, w.worstKey, w.jointAmbiguous),
    warnings: [...eq.warnings, ...staleWarnings(params, keys, settlement)],
    inputsHash,
  };
  if (options.details === false) return marginResult(fields);
  return marginResult({ ...fields, details: poolDetails(keys, w, req, params, settlement) });
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

/** What a prepared evaluation computes besides the numbers (both default to yes). */
export interface PreparedEvaluationOptions extends PoolReportOptions {
  /** Compute the SHA-256 input hash (else `inputsHash` is `NOT_HASHED`). */
  readonly hash?: boolean;
}

/** `inputsHash` of a result evaluated with `hash: false`. */
export const NOT_HASHED = 'not-computed';

/**
 * Margins a portfolio against a prepared market (prepared.ts): one result per settlement
 * currency, identical to `deribitPmModel.evaluate` (which is this with every option on).
 * The batch engine and the service call it with `details`/`hash` off when they only need
 * the numbers. `params` (default: the market's) may differ from the market's only in rules
 * that do not change its rows (`rollShockOptions`, `deltaShock`): the default's report of a
 * view reading uses its priced table's market (book-readings.ts).
 */
export function evaluatePrepared(
  market: DeribitPmMarket,
  portfolio: Portfolio,
  options: PreparedEvaluationOptions = {},
  params: DeribitPmParams = market.params,
): MarginResult[] {
  const { snapshot } = market;
  const inputsHash =
    options.hash === false ? NOT_HASHED : deribitPmInputsHash(portfolio, snapshot, params);
  return settlementPools(portfolio).map((ccy) =>
    evaluatePoolKeys(
      portfolio,
      buildPoolKeys(positionsIn(portfolio, ccy), snapshot, params, ccy, market),
      params,
      ccy,
      inputsHash,
      options,
    ),
  );
}

/**
 * The default over several readings with the readings' shared work (book-readings.ts): IM
 * and MM of every reading from one build of the book's vectors per priced table, the report
 * (`evaluatePrepared` with details) only for the readings that set a pool's IM, `inputsHash`
 * computed once by the caller. The same results as `evaluateOverReadings` with per-reading
 * evaluations (the numbers are the same bits). Undefined with one reading or where the
 * sharing does not apply (the caller then evaluates each reading, throwing any typed error).
 */
function evaluateSharedReadings(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  inputsHash: string,
): { results: MarginResult[]; book: BookReadings } | undefined {
  const table = DERIBIT_PM_HYPOTHESES;
  const { charged, readings } = readingsToCharge(table, portfolio, snapshot, params);
  if (readings.length < 2) return undefined;
  let book: BookReadings | undefined;
  let runs: ReadingRuns | undefined;
  try {
    book = buildBookReadings(portfolio, snapshot, charged, readings);
    runs = book && readingRuns(book);
  } catch {
    return undefined;
  }
  if (!book || !runs) return undefined;
  const b = book;
  const report = (k: number): MarginResult[] =>
    evaluatePrepared(b.markets[b.views[k]!.table]!, portfolio, { hash: false }, b.params[k]!);
  const results = chargeOverReadings(
    table,
    charged,
    readings,
    poolCharges(b, runs),
    report,
    inputsHash,
  );
  return { results, book: b };
}

/**
 * `deribitPmModel.evaluate` (params validated here), with the book under its readings when
 * the shared path built one (`prepareDeribitPmBook` reuses it for its what-ifs).
 */
export function evaluateDefault(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): { results: MarginResult[]; book?: BookReadings } {
  validateRules(params);
  validateSettings(DERIBIT_PM_HYPOTHESES, params);
  const inputsHash = deribitPmInputsHash(portfolio, snapshot, params);
  const shared = evaluateSharedReadings(portfolio, snapshot, params, inputsHash);
  if (shared) return shared;
  const results = evaluateOverReadings(
    DERIBIT_PM_HYPOTHESES,
    portfolio,
    snapshot,
    params,
    inputsHash,
    (p) => evaluatePrepared(deribitPmMarket(snapshot, p), portfolio, { hash: false }),
    (p) =>
      evaluatePrepared(deribitPmMarket(snapshot, p), portfolio, { hash: false, details: false }),
  );
  return { results };
}

/**
 * The book prepared for what-ifs at the default of `params` (validated here): its `before`
 * is `evaluate`'s result and `whatIf(trades)` equals `whatIfByRevaluation` (prepared-book.ts).
 * The service keeps these per (book, market, params) (server/prepared-books.ts) and passes its
 * own `inputsHash` for the after-trade books (the same bits as `deribitPmInputsHash`).
 */
export function prepareDeribitPmBook(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  inputsHash: typeof deribitPmInputsHash = deribitPmInputsHash,
): PreparedBook {
  validateRules(params);
  validateSettings(DERIBIT_PM_HYPOTHESES, params);
  return prepareBook(
    {
      buildPoolKeys,
      evaluatePoolKeys,
      inputsHash,
      poolMargins,
      evaluate: (p, s, ps) => deribitPmModel.evaluate(p, s, ps),
      evaluateDefault,
    },
    portfolio,
    snapshot,
    params,
  );
}

/**
 * Deribit segregated portfolio margin (S:PM): one result per settlement currency, amounts in
 * that currency (coin for inverse books, USD(C) for linear ones). Implements
 * docs/methodology/deribit-pm.md §4–§12; `details` is a `DeribitPmDetails` (`pme/simulate` mirror + breakdown).
 */
export const deribitPmModel: MarginModel<DeribitPmParams> = {
  id: DERIBIT_PM_ID,
  version: DERIBIT_PM_VERSION,
  title: 'Deribit portfolio margin (S:PM, extended risk matrix), per settlement currency',
  scenarioBased: true,
  defaultParams: DERIBIT_PM_DEFAULT_PARAMS,
  hypotheses: DERIBIT_PM_HYPOTHESES,
  /** The highest IM and MM over the readings of the hypothesis rules that can move the book. */
  evaluate(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
  ): MarginResult[] {
    return evaluateDefault(portfolio, snapshot, params).results;
  },
  /**
   * At the default (every open reading, the highest charged): the book prepared once per
   * reading, each trade applied incrementally per reading (prepared-book.ts).
   */
  whatIf(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
    trades: readonly Position[],
  ) {
    return prepareDeribitPmBook(portfolio, snapshot, params).whatIf(trades);
  },
  linearTerms: deribitPmLinearTerms,
};
