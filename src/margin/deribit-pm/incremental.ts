/**
 * Incremental what-if for Deribit PM on the prepared market (prepared.ts): a trade of `dq`
 * units of an instrument changes the pool's pre-aggregated vector by `dq × unit row` (the
 * instrument's 35 per-unit cell values, priced once per market and shared with `evaluate`;
 * already in the book's matrix if the instrument is held). Aggregation, worst case, roll and
 * delta shocks are then re-run on the updated vectors: O(cells + positions) per trade
 * instead of repricing the book.
 *
 * The pieces here work on one reading's keys; prepared-book.ts runs them over every reading the
 * fail-closed default charges (the what-if of `deribitPmModel`): `addTrade` / `withPoolTrades`
 * update the keys, `lazyReport` defers a result's `details` and `inputsHash` to first read.
 * test/margin/deribit-pm-whatif.test.ts and deribit-pm-prepared-book.test.ts check the result
 * against full re-evaluation to 1e-12 relative.
 */
import { BallastError } from '../../core/errors.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { instrumentState, type InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import type { MarginResult } from '../margin-result.ts';
import type { DeribitPmParams } from './params.ts';
import type { ShockMemo } from './key-eval.ts';
import type { DeribitPmMarket } from './prepared.ts';
import { unitCellValue, type KeyVectors } from './vectors.ts';
import { LAZY, lazyFields, withLazy } from './lazy-fields.ts';

/**
 * The unit row of the traded instrument under the key's grid: reused from the key when it is
 * already held (`index` its row), else priced once (`index` −1, with its base state).
 */
function unitRow(
  kv: KeyVectors,
  trade: Position,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  market?: DeribitPmMarket,
): {
  row: Float64Array;
  index: number;
  st: InstrumentState;
  deltas?: { coin: number; roll: number };
} {
  const nC = kv.grid.cells.length;
  const index = kv.positions.findIndex((p) => p.instrument.symbol === trade.instrument.symbol);
  if (index >= 0)
    return { row: kv.unit.subarray(index * nC, (index + 1) * nC), index, st: kv.states[index]! };
  if (market) {
    const r = market.row(trade.instrument);
    return {
      row: r.unit,
      index: -1,
      st: r.state,
      deltas: { coin: r.deltaCoin, roll: r.deltaRoll },
    };
  }
  const st = instrumentState(trade.instrument, snapshot);
  const row = new Float64Array(nC);
  for (let c = 0; c < nC; c++) {
    const v = unitCellValue(
      trade.instrument,
      st,
      kv.grid.cells[c]!,
      kv.grid.scenarios[c]!,
      kv.grid,
      params.rules,
    );
    if (!Number.isFinite(v))
      throw new BallastError(
        'NOT_FINITE',
        `risk vector entry ${kv.grid.scenarios[c]!.id} is ${v}`,
        trade.instrument.symbol,
      );
    row[c] = v;
  }
  return { row, index: -1, st };
}

/**
 * The key vectors with one trade added (positions stay in canonical symbol order). A new
 * instrument's row comes from `market` when given (priced once per market), else is priced.
 */
export function addTrade(
  kv: KeyVectors,
  trade: Position,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  market?: DeribitPmMarket,
): KeyVectors {
  const nC = kv.grid.cells.length;
  const { row, index, st, deltas } = unitRow(kv, trade, snapshot, params, market);
  const pre = new Float64Array(kv.preAggregated);
  for (let c = 0; c < nC; c++) pre[c] = pre[c]! + trade.size * row[c]! + 0;
  if (index >= 0) {
    const size = kv.positions[index]!.size + trade.size;
    const positions = kv.positions.map((p, i) => (i === index ? { ...p, size } : p));
    return { ...kv, positions, preAggregated: pre };
  }
  const at = kv.positions.findIndex((p) => p.instrument.symbol > trade.instrument.symbol);
  const k = at < 0 ? kv.positions.length : at;
  const option = isOptionLike(trade.instrument);
  const unit = new Float64Array(kv.unit.length + nC);
  unit.set(kv.unit.subarray(0, k * nC), 0);
  unit.set(row, k * nC);
  unit.set(kv.unit.subarray(k * nC), (k + 1) * nC);
  const insert = <T>(xs: readonly T[], x: T): T[] => [...xs.slice(0, k), x, ...xs.slice(k)];
  const insertAt = (xs: Float64Array, x: number): Float64Array =>
    Float64Array.from(insert([...xs], x));
  return {
    ...kv,
    positions: insert(kv.positions, { instrument: trade.instrument, size: trade.size }),
    states: insert(kv.states, st),
    // the market row's deltas are the ones shocks.ts would compute from the state
    deltas:
      kv.deltas && deltas
        ? {
            coin: insertAt(kv.deltas.coin, deltas.coin),
            roll: insertAt(kv.deltas.roll, deltas.roll),
          }
        : undefined,
    unit,
    preAggregated: pre,
    // The same flags as buildKeyVectors sets for a held instrument.
    hasOptions: kv.hasOptions || option,
    minVolFloorMatters:
      kv.minVolFloorMatters || (option && st.vol < kv.grid.params.minVolatilityForShockUp),
  };
}

/** Dependencies injected by deribit-pm.ts (avoids an import cycle). */
export interface PoolEvaluator {
  buildPoolKeys(
    positions: readonly Position[],
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
    settlement: string,
    market?: DeribitPmMarket,
  ): KeyVectors[];
  evaluatePoolKeys(
    portfolio: Portfolio,
    keys: readonly KeyVectors[],
    params: DeribitPmParams,
    settlement: string,
    inputsHash: string,
    options?: { details?: boolean },
  ): MarginResult;
  inputsHash(portfolio: Portfolio, snapshot: MarketSnapshot, params: DeribitPmParams): string;
  /** IM and MM of a pool from its keys (the numbers `evaluatePoolKeys` gives, nothing else). */
  poolMargins(
    keys: readonly KeyVectors[],
    params: DeribitPmParams,
    settlement: string,
    memo?: ShockMemo,
  ): { initialMargin: number; maintenanceMargin: number };
}

/** A `lazyReport` result's state: the full result (built on first read, once) and the hash. */
interface LateReport {
  readonly full: () => MarginResult;
  readonly hash: () => string;
  done: MarginResult | undefined;
}

/** `lazyReport`'s late fields, shared by every result (lazy-fields.ts). */
const LATE_REPORT = lazyFields<LateReport>({
  inputsHash() {
    return this[LAZY].hash();
  },
  details() {
    const s = this[LAZY];
    return (s.done ??= s.full()).details;
  },
});

/**
 * A result with the numbers now, `inputsHash` from `hash()` and `details` from `full()` (built
 * on first read, once): enumerable getters, so JSON output and comparisons see the full report.
 */
export function lazyReport(
  numbers: MarginResult,
  full: () => MarginResult,
  hash: () => string,
): MarginResult {
  const s: LateReport = { full, hash, done: undefined };
  return withLazy({ ...numbers }, LATE_REPORT, s);
}

/**
 * A pool's key vectors with `trades` (of that pool) added: `addTrade` on the key of the
 * trade's underlying, or a new key built from the market's row (keys stay sorted).
 */
export function withPoolTrades(
  ev: PoolEvaluator,
  keys: readonly KeyVectors[],
  trades: readonly Position[],
  market: DeribitPmMarket,
  settlement: string,
): KeyVectors[] {
  const { snapshot, params } = market;
  let ks = [...keys];
  for (const t of trades) {
    const i = ks.findIndex((k) => k.underlying === t.instrument.underlying);
    if (i >= 0) ks = ks.map((k, j) => (j === i ? addTrade(k, t, snapshot, params, market) : k));
    else
      ks = [...ks, ...ev.buildPoolKeys([t], snapshot, params, settlement, market)].sort((a, b) =>
        a.underlying < b.underlying ? -1 : 1,
      );
  }
  return ks;
}
