/**
 * A Deribit PM book prepared at the fail-closed default (src/margin/hypotheses.ts), for
 * what-ifs of trades. Two paths:
 *
 * - incremental (the usual one): the book is held under all its readings at once
 *   (book-readings.ts: per key, one pre-aggregated vector per priced table, the shock sums);
 *   a trade changes only its key (book-trades.ts: `pre_t + q · unit_t row`, the key's shocks
 *   re-summed from its positions, its worst case per table), then IM and MM per reading, the
 *   maxima, and the pool equity (book-equity.ts, the same bits as re-evaluation): about
 *   O(tables × cells + positions of the key + readings × pools) per trade, no pricing but the
 *   trade's mark (kept per symbol). The report fields are built on first read
 *   (fast-results.ts). A what-if of one trade copies no key (`keysAfterOneTrade`), prices an
 *   option trade's equity without a traded book (`equityAfterOneTrade`) and builds its
 *   results only when read (`fastWhatIf`: the USD totals from the numbers).
 * - per-reading (fallback): a trade that opens a pool or an underlying's key, or changes which
 *   readings are charged (the first option in a futures book opens four rules; a gross size
 *   crossing the delta-shock threshold opens or closes `deltaShock`), or a book the shared
 *   readings do not apply to. Per reading k, the book's key vectors at that reading (built on
 *   first use from the reading's prepared market and kept), the traded keys built once and
 *   each reading's pre-aggregated vector with the trades (`pre + q · unit row`); the readings
 *   charged are those of the book after the trades (`readingsToCharge` on it: fail closed,
 *   never fewer readings than `evaluate`). The lazy report of an incremental result is this
 *   path's report of the reading the incremental numbers say set IM.
 *
 * `paths` counts the calls of each. Each pool is charged the highest IM and MM over the
 * readings (`chargeOverReadings`), with the same notes, hypothesis table and charging
 * readings as `evaluate`. `before` is `evaluate` of the book (computed once). `details` and
 * `inputsHash` of a result after trades are built on first read, separately; on the
 * incremental path `inputsHash` and `unverified` are read without the report (`earlyFields`:
 * the traded book's hash, the notes from the keys after the trades, book-notes.ts). Equal to
 * `whatIfByRevaluation` to 1e-12 relative (test/margin/deribit-pm-prepared-book.test.ts,
 * test/margin/deribit-pm-book-readings.test.ts, which also checks the path each trade takes).
 */
import { markInstrument } from '../../market/marks.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { withTrades } from '../../risk/with-trades.ts';
import { positionsIn, settlementPools } from '../book.ts';
import {
  chargedNotes,
  chargeOverReadings,
  pinnedNotes,
  readingsToCharge,
  withReadings,
  type PoolCharge,
  type Readings,
} from '../hypotheses.ts';
import type { WhatIfResult } from '../margin-model.ts';
import type { MarginResult } from '../margin-result.ts';
import { poolsInUsd, type PoolsInUsd } from '../usd-totals.ts';
import { whatIfResult } from '../what-if.ts';
import { equityAfterOneTrade, equityAfterTrades, poolValues } from './book-equity.ts';
import {
  buildBookReadings,
  poolCharges,
  pricedReading,
  readingRuns,
  type BookReadings,
  type ReadingRuns,
} from './book-readings.ts';
import { bookPoolNotes } from './book-notes.ts';
import { fastResults, fastWhatIf, type EarlyFields } from './fast-results.ts';
import {
  keysAfterOneTrade,
  keysAfterTrades,
  movableBefore,
  readingsStay,
  type MovableBefore,
} from './book-trades.ts';
import { DERIBIT_PM_HYPOTHESES } from './hypotheses.ts';
import { shockMemo } from './key-eval.ts';
import { lazyReport, withPoolTrades, type PoolEvaluator } from './incremental.ts';
import type { DeribitPmParams } from './params.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';
import type { KeyVectors } from './vectors.ts';

/** What deribit-pm.ts injects (avoids an import cycle): the pool functions and `evaluate`. */
export interface BookEvaluator extends PoolEvaluator {
  /** The model's default evaluation (`deribitPmModel.evaluate`, validated params). */
  evaluate(portfolio: Portfolio, snapshot: MarketSnapshot, params: DeribitPmParams): MarginResult[];
  /** `evaluate` with the book under its readings when it built one (`evaluateDefault`). */
  evaluateDefault?(
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: DeribitPmParams,
  ): { results: MarginResult[]; book?: BookReadings };
}

/** The book at one reading: that reading's params, prepared market and pool keys. */
interface ReadingBook {
  readonly params: DeribitPmParams;
  readonly market: DeribitPmMarket;
  /** The book's key vectors per pool currency. */
  readonly keys: ReadonlyMap<string, readonly KeyVectors[]>;
}

/** A book prepared for what-ifs at the default (see module doc). */
export interface PreparedBook {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  /** The caller's params (validated; the readings are derived from them). */
  readonly params: DeribitPmParams;
  /** `evaluate` of the book (full reports). */
  readonly before: readonly MarginResult[];
  /**
   * Readings the book is prepared for: its own readings (held at once for the incremental
   * path, else each reading's keys built at once), or more once trades opened readings whose
   * keys were built (the service weighs its cache by positions × this).
   */
  readonly readingsPrepared: number;
  /**
   * How many `after` calls took each path: `incremental` (book-trades.ts: the trades changed
   * only their keys' vectors and sums) or `fallback` (a new pool or key, a changed set of
   * readings, or a book the shared readings do not apply to: the per-reading keys).
   */
  readonly paths: { readonly incremental: number; readonly fallback: number };
  /** `evaluate(withTrades(book, trades))` at the default; details and hash built on first read. */
  after(trades: readonly Position[]): MarginResult[];
  /** Before, after all trades and each trade alone (`whatIfByRevaluation`'s result). */
  whatIf(trades: readonly Position[]): WhatIfResult;
}

/**
 * Prepares `portfolio` at the default of `params` (validated by the caller): the book's open
 * readings' keys and its `evaluate` result. Throws the typed errors `evaluate` throws.
 */
export function prepareBook(
  ev: BookEvaluator,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): PreparedBook {
  const table = DERIBIT_PM_HYPOTHESES;
  const own = readingsToCharge(table, portfolio, snapshot, params);
  const charged = own.charged;
  const pools = settlementPools(portfolio);
  const states = new Map<string, ReadingBook>();
  const stateOf = (r: Readings): ReadingBook => {
    const key = JSON.stringify(r);
    let st = states.get(key);
    if (!st) {
      const p = withReadings(table, charged, r);
      // the rows of a view reading are its priced table's (priced once, not per view)
      const market = deribitPmMarket(snapshot, withReadings(table, charged, pricedReading(r)));
      const keys = new Map(
        pools.map((ccy) => [
          ccy,
          ev.buildPoolKeys(positionsIn(portfolio, ccy), snapshot, p, ccy, market),
        ]),
      );
      states.set(key, (st = { params: p, market, keys }));
    }
    return st;
  };
  const { results: before, book: built } = ev.evaluateDefault
    ? ev.evaluateDefault(portfolio, snapshot, params)
    : { results: ev.evaluate(portfolio, snapshot, params), book: undefined };
  const ctx: BookContext = { portfolio, snapshot, params, charged, stateOf };
  const fast = incrementalBook(portfolio, snapshot, charged, own.readings, built);
  if (!fast) own.readings.forEach(stateOf);
  const paths = { incremental: 0, fallback: 0 };
  type Fast = NonNullable<ReturnType<typeof incrementalAfter>>;
  const fastAfter = (trades: readonly Position[], f: Fast): MarginResult[] => {
    const hash = () => ev.inputsHash(withTrades(portfolio, trades, snapshot), snapshot, params);
    const early = earlyFields(fast!.book, trades, own, hash);
    const slow = () =>
      afterTrades(ev, ctx, trades, poolCharges(fast!.book, f.runs), early.inputsHash);
    return fastResults(before, own.readings, f.runs, f.equity, slow, early);
  };
  const after = (trades: readonly Position[]): MarginResult[] => {
    const f = fast && incrementalAfter(fast, trades);
    if (!f) {
      paths.fallback++;
      return afterTrades(ev, ctx, trades);
    }
    paths.incremental++;
    return fastAfter(trades, f);
  };
  // before's USD totals and prices (the same for every what-if), on first use
  let usd: PoolsInUsd | undefined;
  const usdOf = (): PoolsInUsd => (usd ??= poolsInUsd(before, snapshot));
  return {
    portfolio,
    snapshot,
    params,
    before,
    get readingsPrepared() {
      return Math.max(states.size, own.readings.length);
    },
    paths,
    after,
    whatIf(trades) {
      const f = trades.length === 1 && fast ? incrementalAfter(fast, trades) : undefined;
      if (f) {
        paths.incremental++;
        return fastWhatIf(before, usdOf(), trades[0]!, f.runs, f.equity, () =>
          fastAfter(trades, f),
        );
      }
      const all = after(trades);
      const alone = trades.length === 1 ? [all] : trades.map((t) => after([t]));
      return whatIfResult(snapshot, before, all, trades, alone);
    },
  };
}

/** `f`, called once, on first use. */
function memo<T>(f: () => T): () => T {
  let done = false;
  let v: T | undefined;
  return () => {
    if (!done) {
      v = f();
      done = true;
    }
    return v as T;
  };
}

/**
 * The after-trade `inputsHash` (`hash`, called once: `inputsHash` of the book with the trades,
 * the bits the report carries: it reads this one) and each pool's `unverified` notes without the report: the notes of
 * the IM-setting reading from the keys after the trades (`keysAfterTrades`, made once on first
 * read; book-notes.ts) with the pinned readings' notes and the readings line, as
 * `chargeOverReadings` adds them (`readings`, `charged`: the book's, the trades keep them).
 */
function earlyFields(
  book: BookReadings,
  trades: readonly Position[],
  own: { readonly charged: DeribitPmParams; readonly readings: readonly Readings[] },
  hash: () => string,
): EarlyFields {
  const keys = memo(() => keysAfterTrades(book, trades)?.keys);
  const pinned = memo(() => pinnedNotes(DERIBIT_PM_HYPOTHESES, own.charged));
  return {
    inputsHash: memo(hash),
    unverified(i, kIm, kMm) {
      const ks = keys();
      if (!ks) return undefined;
      return chargedNotes(bookPoolNotes(book, ks, i, kIm), pinned(), own.readings, kIm, kMm);
    },
  };
}

/** The book held for incremental what-ifs (book-trades.ts). */
interface IncrementalBook {
  readonly book: BookReadings;
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly charged: DeribitPmParams;
  readonly before: MovableBefore;
  readonly values: ReturnType<typeof poolValues>;
  /** An instrument's state, as the key vectors hold it (the first priced table's row). */
  stateOf(p: Position): InstrumentState;
  /** The book's position of a symbol. */
  heldOf(symbol: string): Position | undefined;
  /** `markInstrument`'s price per symbol on the snapshot, kept (the trades' fills). */
  markOf(inst: Position['instrument']): number;
}

/**
 * The book under its readings for incremental what-ifs, or undefined where they do not apply
 * (`buildBookReadings`, a book listing a symbol twice, an error: the per-reading path then
 * answers, and throws the typed error if there is one).
 */
function incrementalBook(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  charged: DeribitPmParams,
  readings: readonly Readings[],
  built?: BookReadings,
): IncrementalBook | undefined {
  const symbols = new Set(portfolio.positions.map((p) => p.instrument.symbol));
  if (symbols.size !== portfolio.positions.length) return undefined;
  try {
    // the build `evaluate` made (same portfolio, snapshot and readings), else a new one
    const book =
      built && built.readings.length === readings.length
        ? built
        : buildBookReadings(portfolio, snapshot, charged, readings);
    if (!book || !readingRuns(book)) return undefined;
    const stateOf = (p: Position) => book.markets[0]!.row(p.instrument).state;
    const values = poolValues(portfolio, book.pools, stateOf);
    const before = movableBefore(portfolio, snapshot, charged);
    const held = new Map(portfolio.positions.map((p) => [p.instrument.symbol, p]));
    const marks = new Map<string, number>();
    const markOf = (inst: Position['instrument']): number => {
      let m = marks.get(inst.symbol);
      if (m === undefined) marks.set(inst.symbol, (m = markInstrument(inst, snapshot).price));
      return m;
    };
    const heldOf = (symbol: string) => held.get(symbol);
    return { book, portfolio, snapshot, charged, before, values, stateOf, heldOf, markOf };
  } catch {
    return undefined;
  }
}

/**
 * IM and MM per reading and pool, and each pool's equity, after `trades` (book-trades.ts,
 * book-equity.ts), or undefined when the trades need the per-reading path (a new pool or key,
 * other readings charged, a non-finite amount, an error).
 */
function incrementalAfter(
  f: IncrementalBook,
  trades: readonly Position[],
): { runs: ReadingRuns; equity: number[] } | undefined {
  try {
    const traded =
      trades.length === 1 ? keysAfterOneTrade(f.book, trades[0]!) : keysAfterTrades(f.book, trades);
    if (!traded) return undefined;
    if (!readingsStay(f.before, trades, traded.grossChange, f.snapshot, f.charged))
      return undefined;
    const runs = readingRuns(f.book, traded.keys);
    if (!runs) return undefined;
    // (the book's functions, made once: a closure made per trade costs tsx's keepNames a
    // defineProperty of its name)
    const equity =
      (trades.length === 1
        ? equityAfterOneTrade(f.portfolio, f.values, trades[0]!, f.stateOf, f.heldOf, f.markOf)
        : undefined) ??
      equityAfterTrades(f.portfolio, f.values, trades, f.snapshot, f.stateOf, f.heldOf, f.markOf);
    if (!equity.every(Number.isFinite)) return undefined;
    return { runs, equity };
  } catch {
    return undefined;
  }
}

/** What `afterTrades` needs of the prepared book. */
interface BookContext {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly params: DeribitPmParams;
  readonly charged: DeribitPmParams;
  stateOf(r: Readings): ReadingBook;
}

/**
 * The pre-aggregated vector of the book's key `kv` (one reading) with `trades` (of that key)
 * added, exactly as `addTrade` adds them (`pre + q · unit row + 0`, the row the key holds or
 * the reading's market row), without updating the rest of the key.
 */
function preWithTrades(
  kv: KeyVectors,
  trades: readonly Position[],
  market: DeribitPmMarket,
): Float64Array {
  const nC = kv.grid.cells.length;
  const pre = new Float64Array(kv.preAggregated);
  for (const t of trades) {
    const j = kv.positions.findIndex((p) => p.instrument.symbol === t.instrument.symbol);
    const row = j >= 0 ? kv.unit.subarray(j * nC, (j + 1) * nC) : market.row(t.instrument).unit;
    for (let c = 0; c < nC; c++) pre[c] = pre[c]! + t.size * row[c]! + 0;
  }
  return pre;
}

/** The default's results after `trades` (module doc): ranked on numbers, reported lazily. */
function afterTrades(
  ev: BookEvaluator,
  b: BookContext,
  trades: readonly Position[],
  ranked?: readonly (readonly PoolCharge[])[],
  hashed?: () => string,
): MarginResult[] {
  const table = DERIBIT_PM_HYPOTHESES;
  const book = withTrades(b.portfolio, trades, b.snapshot);
  const { readings } = readingsToCharge(table, book, b.snapshot, b.params);
  const ccys = settlementPools(book);
  // a reading's keys are built on first use (the incremental path needs only the IM-setting ones)
  const stateAt = (k: number): ReadingBook => b.stateOf(readings[k]!);
  const inPool = ccys.map((ccy) => trades.filter((t) => t.instrument.settlementCurrency === ccy));
  // every reading's keys after the trades, built in full only where a report needs them
  const fullKeys = new Map<number, KeyVectors[][]>();
  const keysOf = (k: number): KeyVectors[][] => {
    let keys = fullKeys.get(k);
    if (!keys) {
      const st = stateAt(k);
      keys = ccys.map((ccy, i) =>
        withPoolTrades(ev, st.keys.get(ccy) ?? [], inPool[i]!, st.market, ccy),
      );
      fullKeys.set(k, keys);
    }
    return keys;
  };
  const pool = (k: number, details: boolean): MarginResult[] =>
    ccys.map((ccy, i) =>
      ev.evaluatePoolKeys(book, keysOf(k)[i]!, stateAt(k).params, ccy, '', { details }),
    );
  const runs =
    ranked ??
    rankingRuns(
      ev,
      readings.map((_, k) => stateAt(k)),
      ccys,
      inPool,
      keysOf,
    );
  const reported = (details: boolean) => {
    const done = new Map<number, MarginResult[]>();
    return (k: number): MarginResult[] => {
      let r = done.get(k);
      if (!r) done.set(k, (r = pool(k, details)));
      return r;
    };
  };
  const numbers = chargeOverReadings(table, b.charged, readings, runs, reported(false), '');
  let full: MarginResult[] | undefined;
  let hash: string | undefined;
  const hashOf = (): string =>
    (hash ??= hashed ? hashed() : ev.inputsHash(book, b.snapshot, b.params));
  const reportOf = reported(true);
  const fullOf = (): MarginResult[] =>
    (full ??= chargeOverReadings(table, b.charged, readings, runs, reportOf, hashOf()));
  // the hash on its own (a summary answer reads it without the report), details on first read
  return numbers.map((n, i) => lazyReport(n, () => fullOf()[i]!, hashOf));
}

/**
 * IM and MM per pool of every reading after the trades. The positions, states and deltas of
 * the traded keys do not depend on the reading: they are built once (reading 0, `keysOf`);
 * each other reading contributes its grid and its pre-aggregated vector (`preWithTrades`),
 * and the roll and delta shocks are shared through one memo. A key the trades open (not in
 * the book) is taken from that reading's full keys.
 */
function rankingRuns(
  ev: BookEvaluator,
  states: readonly ReadingBook[],
  ccys: readonly string[],
  inPool: readonly (readonly Position[])[],
  keysOf: (k: number) => KeyVectors[][],
): { currency: string; initialMargin: number; maintenanceMargin: number }[][] {
  const memo = shockMemo();
  const base = keysOf(0);
  return states.map((st, k) =>
    ccys.map((currency, i) => {
      const own = st.keys.get(currency) ?? [];
      const keys =
        k === 0
          ? base[i]!
          : base[i]!.map((kv0, j) => {
              const kv = own.find((x) => x.underlying === kv0.underlying);
              if (!kv) return keysOf(k)[i]![j]!;
              const ts = inPool[i]!.filter((t) => t.instrument.underlying === kv0.underlying);
              return { ...kv0, grid: kv.grid, preAggregated: preWithTrades(kv, ts, st.market) };
            });
      return { currency, ...ev.poolMargins(keys, st.params, currency, memo) };
    }),
  );
}
