/**
 * Incremental what-if for Deribit PM on the prepared market (prepared.ts): a trade of `dq`
 * units of an instrument changes the pool's pre-aggregated vector by `dq × unit row` (the
 * instrument's 35 per-unit cell values, priced once per market and shared with `evaluate`;
 * already in the book's matrix if the instrument is held). Aggregation, worst case, roll and
 * delta shocks are then re-run on the updated vectors: O(cells + positions) per trade
 * instead of repricing the book.
 *
 * `before` and `after` are full reports (details, input hash), as `evaluate` gives. Each
 * trade's `after` is computed with the numbers only; its `details` and `inputsHash` (the
 * O(positions × cells) report and the SHA-256 of the book) are built on first read, equal to
 * what re-evaluation gives. test/margin/deribit-pm-whatif.test.ts checks all of it against
 * full re-evaluation to 1e-12 relative.
 */
import { BallastError } from '../../core/errors.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { instrumentState, type InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { settlementPools } from '../book.ts';
import type { MarginResult } from '../margin-result.ts';
import { withTrades } from '../../risk/with-trades.ts';
import type { WhatIfResult } from '../margin-model.ts';
import { whatIfResult } from '../what-if.ts';
import type { DeribitPmParams } from './params.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';
import { unitCellValue, type KeyVectors } from './vectors.ts';

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
): { row: Float64Array; index: number; st: InstrumentState } {
  const nC = kv.grid.cells.length;
  const index = kv.positions.findIndex((p) => p.instrument.symbol === trade.instrument.symbol);
  if (index >= 0)
    return { row: kv.unit.subarray(index * nC, (index + 1) * nC), index, st: kv.states[index]! };
  if (market) {
    const r = market.row(trade.instrument);
    return { row: r.unit, index: -1, st: r.state };
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
  const { row, index, st } = unitRow(kv, trade, snapshot, params, market);
  const pre = new Float64Array(kv.preAggregated);
  for (let c = 0; c < nC; c++) pre[c] = pre[c]! + trade.size * row[c]! + 0;
  if (index >= 0) {
    const size = kv.positions[index]!.size + trade.size;
    const vectors = kv.vectors.map((v, i) => (i === index ? row.map((x) => size * x + 0) : v));
    const positions = kv.positions.map((p, i) => (i === index ? { ...p, size } : p));
    return { ...kv, positions, vectors, preAggregated: pre };
  }
  const at = kv.positions.findIndex((p) => p.instrument.symbol > trade.instrument.symbol);
  const k = at < 0 ? kv.positions.length : at;
  const option = isOptionLike(trade.instrument);
  const unit = new Float64Array(kv.unit.length + nC);
  unit.set(kv.unit.subarray(0, k * nC), 0);
  unit.set(row, k * nC);
  unit.set(kv.unit.subarray(k * nC), (k + 1) * nC);
  const insert = <T>(xs: readonly T[], x: T): T[] => [...xs.slice(0, k), x, ...xs.slice(k)];
  return {
    ...kv,
    positions: insert(kv.positions, { instrument: trade.instrument, size: trade.size }),
    states: insert(kv.states, st),
    deltas: undefined,
    vectors: insert(
      kv.vectors,
      row.map((x) => trade.size * x + 0),
    ),
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
}

/**
 * A result with the numbers now and `details`/`inputsHash` built on first read (`full()`,
 * once): enumerable getters, so JSON output and comparisons see the full report.
 */
function lazyReport(numbers: MarginResult, full: () => MarginResult): MarginResult {
  let done: MarginResult | undefined;
  const get = (): MarginResult => (done ??= full());
  const out = { ...numbers } as Record<string, unknown>;
  for (const k of ['inputsHash', 'details'] as const)
    Object.defineProperty(out, k, { enumerable: true, get: () => get()[k] });
  return out as unknown as MarginResult;
}

/** Incremental what-if over all pools touched by the book or the trades (see module doc). */
export function deribitPmWhatIf(
  ev: PoolEvaluator,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  trades: readonly Position[],
): WhatIfResult {
  const market = deribitPmMarket(snapshot, params);
  const pools = settlementPools({ positions: [...portfolio.positions, ...trades], balances: [] });
  const inPool = (ps: readonly Position[], ccy: string) =>
    ps.filter((p) => p.instrument.settlementCurrency === ccy);
  const baseKeys = new Map(
    pools.map((ccy) => [
      ccy,
      ev.buildPoolKeys(inPool(portfolio.positions, ccy), snapshot, params, ccy, market),
    ]),
  );
  const apply = (ts: readonly Position[]): Map<string, KeyVectors[]> => {
    const out = new Map<string, KeyVectors[]>();
    for (const [ccy, keys] of baseKeys) {
      let ks = keys;
      for (const t of inPool(ts, ccy)) {
        const i = ks.findIndex((k) => k.underlying === t.instrument.underlying);
        if (i >= 0) ks = ks.map((k, j) => (j === i ? addTrade(k, t, snapshot, params, market) : k));
        else
          ks = [...ks, ...ev.buildPoolKeys([t], snapshot, params, ccy, market)].sort((a, b) =>
            a.underlying < b.underlying ? -1 : 1,
          );
      }
      out.set(ccy, ks);
    }
    return out;
  };
  const full = (p: Portfolio, keys: Map<string, KeyVectors[]>): MarginResult[] => {
    const hash = ev.inputsHash(p, snapshot, params);
    return pools
      .filter((ccy) => keys.get(ccy)!.length > 0)
      .map((ccy) => ev.evaluatePoolKeys(p, keys.get(ccy)!, params, ccy, hash));
  };
  const numbersFirst = (p: Portfolio, keys: Map<string, KeyVectors[]>): MarginResult[] => {
    let report: MarginResult[] | undefined;
    return pools
      .filter((ccy) => keys.get(ccy)!.length > 0)
      .map((ccy, i) =>
        lazyReport(
          ev.evaluatePoolKeys(p, keys.get(ccy)!, params, ccy, '', { details: false }),
          () => (report ??= full(p, keys))[i]!,
        ),
      );
  };
  const before = full(portfolio, baseKeys);
  const after = full(withTrades(portfolio, trades, snapshot), apply(trades));
  const alone = trades.map((t) => numbersFirst(withTrades(portfolio, [t], snapshot), apply([t])));
  return whatIfResult(snapshot, before, after, trades, alone);
}
