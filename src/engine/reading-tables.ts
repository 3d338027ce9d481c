/**
 * The batch engine's default, fail closed on hypotheses (src/margin/hypotheses.ts): one
 * instrument table per reading of the Deribit PM hypothesis rules, and per account the highest
 * IM and MM per pool over the readings that can move that account, as
 * `deribitPmModel.evaluate` charges them. A layer above the kernel (deribit-pm-batch.ts).
 * An account whose readings span several priced tables goes through the shared kernel
 * (readings-kernel.ts: one pass over its positions for every priced table's distinct cell
 * columns, reading-columns.ts; each priced table's worst case once; per view only the roll,
 * delta shock and IM/MM). An account with one priced table's readings (a futures book), or
 * tables that differ in more than their unit values, calls the kernel's steps (`accumulate`,
 * `keyWorstCases`, `poolAmounts`) once per reading. Either way the per-pool maxima are kept in
 * reading order (the first reading, or a strictly higher one, sets IM) and are the same bits.
 *
 * Method. Row rules (`inverseOptionPnl`, `extendedCoinConversion`, `minVolForShockUp`,
 * `extendedUsdConversion`) change the per-unit cell values: one priced table per combination
 * (only the rules some table instrument can move, pinned rules excluded). Rule-only rules
 * (`rollShockOptions`, `deltaShock` H1/H2) change only `TableRules`: views sharing the rows.
 * An account evaluates only the readings whose non-default values are on rules it can move
 * (options: roll grouping and min-vol floor; coin-settled options: the inverse P&L and
 * extended conversion; USD-settled rows: the USD extended conversion; the delta shock when
 * 2·Σ|size|·index of a key exceeds its threshold), exactly the model's enumeration, so a
 * futures account costs one kernel pass. Readings are in the order of `combinations`.
 *
 * No reading is skipped by dominance: the row rules' readings are not ordered for a mixed book
 * (a higher vol floor raises long options' values and lowers short ones'), and the views that
 * are (per-instrument roll ≥ per-expiry roll by the triangle inequality, in exact arithmetic)
 * cost only a few additions per pool once the priced table's worst case is shared.
 */
import { isUsdLike } from '../core/currency.ts';
import { combinations, openRules, withDominant, withReadings } from '../margin/hypotheses.ts';
import type { Readings } from '../margin/margin-result.ts';
import { DERIBIT_PM_HYPOTHESES } from '../margin/deribit-pm/hypotheses.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import { portfolio } from '../risk/portfolio.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { AccountBook } from './account-book.ts';
import { addCashPools } from './cash-pools.ts';
import {
  accumulate,
  batchScratch,
  combine,
  keyWorstCases,
  poolAmounts,
  poolIm,
  type BatchScratch,
} from './deribit-pm-batch.ts';
import { STATE_ERROR } from './health-state.ts';
import { buildInstrumentTable, ROW_OPTION, type InstrumentTable } from './instrument-table.ts';
import {
  buildReadingColumns,
  refreshReadingColumns,
  type ReadingColumns,
} from './reading-columns.ts';
import { accountMaxShared, maxScratch, type MaxScratch } from './readings-kernel.ts';
import { simdFor } from './key-vectors-simd.ts';
import type { BatchResults } from './results.ts';
import { applyTickToTable, type Tick } from './ticks.ts';

/** Rules that change only `TableRules` (views share the priced rows). */
const VIEW_RULES = new Set(['rollShockOptions', 'deltaShock']);

/** Bits of the rules an account can move (`ReadingTables.needs`). */
export const NEED_OPTION = 1;
export const NEED_COIN_OPTION = 2;
export const NEED_USD = 4;
export const NEED_DELTA = 8;

const NEED_OF: Readonly<Record<string, number>> = {
  rollShockOptions: NEED_OPTION,
  minVolForShockUp: NEED_OPTION,
  inverseOptionPnl: NEED_COIN_OPTION,
  extendedCoinConversion: NEED_COIN_OPTION,
  extendedUsdConversion: NEED_USD,
  deltaShock: NEED_DELTA,
};

/** One table per reading (same rows, keys and pools layout). */
export interface ReadingTables {
  readonly readings: readonly Readings[];
  /** `tables[0]` is the default reading (every rule at its first reading). */
  readonly tables: readonly InstrumentTable[];
  /** The prepared market of each table (tables sharing rows share the market). */
  readonly markets: readonly DeribitPmMarket[];
  /** Index of the table whose rows each table shares (itself for a priced table). */
  readonly rowsOf: Int32Array;
  /** Per reading: the NEED_* bits of the rules it sets away from their first reading. */
  readonly needs: Int32Array;
  /** Per key: 1 if its pool is coin-settled. */
  readonly coinKey: Uint8Array;
  /** The priced tables' distinct cell columns (the shared kernel's input; refreshed on ticks). */
  readonly columns: ReadingColumns;
}

/**
 * Builds the tables of every reading of the open rules for `instruments` on `market` (its
 * params: pinned rules stay at their reading, dominant rules are set to it), with the extra
 * `collateral` pools of `buildInstrumentTable`.
 */
export function buildReadingTables(
  market: DeribitPmMarket,
  instruments: readonly Instrument[],
  shared = false,
  collateral: readonly string[] = [],
): ReadingTables {
  const params = withDominant(DERIBIT_PM_HYPOTHESES, market.params);
  const every = portfolio(instruments.map((instrument) => ({ instrument, size: 1 })));
  const open = openRules(DERIBIT_PM_HYPOTHESES, every, market.snapshot, params);
  const pinned = new Set(params.hypotheses?.pinned ?? []);
  if (!pinned.has('deltaShock')) open.deltaShock = ['H1', 'H2'];
  if (!instruments.some((i) => i.kind === 'option')) delete open.rollShockOptions;
  const rowRules = Object.fromEntries(Object.entries(open).filter(([k]) => !VIEW_RULES.has(k)));
  const viewRules = Object.fromEntries(Object.entries(open).filter(([k]) => VIEW_RULES.has(k)));
  const readings: Readings[] = [];
  const tables: InstrumentTable[] = [];
  const markets: DeribitPmMarket[] = [];
  const rowsOf: number[] = [];
  for (const rowReading of combinations(rowRules)) {
    const m = prepareDeribitPm(
      market.snapshot,
      withReadings(DERIBIT_PM_HYPOTHESES, params, rowReading),
    );
    const priced = buildInstrumentTable(m, instruments, shared, collateral);
    const at = tables.length;
    for (const view of combinations(viewRules)) {
      const p = withReadings(DERIBIT_PM_HYPOTHESES, m.params, view);
      readings.push({ ...rowReading, ...view });
      tables.push({
        ...priced,
        rules: {
          ...priced.rules,
          perExpiry: p.rules.rollShockOptions === 'per-expiry',
          deltaShock: p.rules.deltaShock,
        },
      });
      markets.push(m);
      rowsOf.push(at);
    }
  }
  const rules = DERIBIT_PM_HYPOTHESES.rules;
  const needs = Int32Array.from(readings, (r) => {
    let bits = 0;
    for (const [name, v] of Object.entries(r)) {
      const first = rules.find((x) => x.name === name)!.enumerated[0];
      if (v !== first) bits |= NEED_OF[name] ?? 0;
    }
    return bits;
  });
  const t0 = tables[0]!;
  const coinKey = Uint8Array.from(t0.keys.names, (_, k) =>
    isUsdLike(t0.pools.currencies[t0.keys.pool[k]!]!) ? 0 : 1,
  );
  const rowsOfArr = Int32Array.from(rowsOf);
  const columns = buildReadingColumns(tables, rowsOfArr, shared);
  return { readings, tables, markets, rowsOf: rowsOfArr, needs, coinKey, columns };
}

/**
 * The NEED_* bits of account `a` (which rules its positions can move). `gross` is per-key
 * scratch (USD gross notional), zero on entry and left zero.
 */
export function accountNeeds(
  rt: ReadingTables,
  book: AccountBook,
  a: number,
  gross: Float64Array = new Float64Array(rt.tables[0]!.keys.names.length),
): number {
  const t = rt.tables[0]!;
  const R = t.rows;
  let bits = 0;
  const from = book.ptr[a]!;
  const end = book.ptr[a + 1]!;
  for (let j = from; j < end; j++) {
    const r = book.row[j]!;
    const k = R.key[r]!;
    if (k < 0) continue;
    if (R.kind[r] === ROW_OPTION)
      bits |= rt.coinKey[k] ? NEED_OPTION | NEED_COIN_OPTION : NEED_OPTION;
    if (!rt.coinKey[k]) bits |= NEED_USD;
    gross[k] = gross[k]! + Math.abs(book.size[j]!) * R.indexUsd[r]!;
  }
  for (let j = from; j < end; j++) {
    const k = R.key[book.row[j]!]!;
    if (k < 0 || gross[k] === 0) continue;
    if (2 * gross[k]! > t.keys.deltaThreshold[k]!) bits |= NEED_DELTA;
    gross[k] = 0;
  }
  return bits;
}

/**
 * Margins accounts `from` ≤ a < `to` (or `list[from..to)`) at the highest IM and MM per pool
 * over the readings each account can move; writes `results` as `marginAccounts` does.
 */
export function marginAccountsOverReadings(
  rt: ReadingTables,
  book: AccountBook,
  results: BatchResults,
  from: number,
  to: number,
  s: BatchScratch = batchScratch(rt.tables[0]!),
  list?: Int32Array,
): number {
  const rc = rt.columns;
  const { m, pricedNeeds, h2 } = planOf(rt);
  const t0 = rt.tables[0]!;
  const D = rc.meta[0]!;
  const w =
    rc.meta[1] === 1
      ? simdFor(s.cells, to - from, rc.cols.subarray(0, t0.rows.nRows * D), D, t0.keys.names.length)
      : null;
  const ahead = list ? 0 : book.ptr[to]!;
  for (let i = from; i < to; i++) {
    const a = list ? list[i]! : i;
    if (book.errors.has(a)) {
      results.state[a] = STATE_ERROR;
      continue;
    }
    const needs = accountNeeds(rt, book, a, m.gross);
    // Readings of one priced table: its own passes; of several: the shared kernel.
    let priced = 0;
    for (let x = 0; x < pricedNeeds.length; x++) if ((pricedNeeds[x]! & ~needs) === 0) priced++;
    const n =
      priced > 1 && rc.meta[1] === 1
        ? accountMaxShared(rt.tables, rt.needs, rc, book, a, s, m, needs, h2[needs]!, w, ahead)
        : accountMax(rt, book, a, s, m, needs);
    if (n < 0) {
      results.state[a] = STATE_ERROR;
      continue;
    }
    for (let x = 0; x < n; x++) {
      const p = s.poolList[x]!;
      s.poolIm[p] = m.im[p]!;
      s.poolMm[p] = m.mm[p]!;
      s.poolWorstKey[p] = m.key[p]!;
      s.poolCell[p] = m.cell[p]!;
    }
    combine(t0, s, results, a, addCashPools(t0, book, a, s, n, poolIm));
  }
  return to - from;
}

/** What `marginAccountsOverReadings` derives from the tables once (kept per tables object). */
interface ReadingsPlan {
  readonly m: MaxScratch;
  /** NEED_* bits of each priced table's first view (its row rules). */
  readonly pricedNeeds: Int32Array;
  /** Per NEED_* combination: whether one of its readings charges the H2 delta shock. */
  readonly h2: readonly boolean[];
}

const plans = new WeakMap<ReadingTables, ReadingsPlan>();

/** The plan of `rt` (scratch reused by every call on the same tables in this thread). */
function planOf(rt: ReadingTables): ReadingsPlan {
  let plan = plans.get(rt);
  if (!plan) {
    const rc = rt.columns;
    plan = {
      m: maxScratch(rt.tables[0]!, rc.colOf.length),
      pricedNeeds: Int32Array.from(rc.priced, (k) => rt.needs[k]!),
      h2: Array.from({ length: 16 }, (_, bits) =>
        rt.tables.some((t, k) => (rt.needs[k]! & ~bits) === 0 && t.rules.deltaShock === 'H2'),
      ),
    };
    plans.set(rt, plan);
  }
  return plan;
}

/** One account over its readings: per-pool maxima in `m`; the pool count, −1 if not finite. */
function accountMax(
  rt: ReadingTables,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  m: MaxScratch,
  needs: number,
): number {
  let n = 0;
  let first = true;
  for (let k = 0; k < rt.tables.length; k++) {
    if ((rt.needs[k]! & ~needs) !== 0) continue;
    const t = rt.tables[k]!;
    const nKeys = accumulate(t, book, a, s);
    keyWorstCases(t, s, nKeys);
    n = poolAmounts(t, book, a, s, nKeys);
    if (n < 0) return -1;
    for (let x = 0; x < n; x++) {
      const p = s.poolList[x]!;
      if (first || s.poolIm[p]! > m.im[p]!) {
        m.im[p] = s.poolIm[p]!;
        m.key[p] = s.poolWorstKey[p]!;
        m.cell[p] = s.poolCell[p]!;
      }
      if (first || s.poolMm[p]! > m.mm[p]!) m.mm[p] = s.poolMm[p]!;
    }
    first = false;
  }
  return n;
}

/**
 * Each reading table's market after `tick`, given table 0's (`first`, re-priced by the caller
 * with `applyTickToTable`): every other priced table is re-priced in place once; views share
 * the market of the table whose rows they share.
 */
export function tickReadings(
  rt: ReadingTables,
  markets: readonly DeribitPmMarket[],
  first: DeribitPmMarket,
  tick: Tick,
): DeribitPmMarket[] {
  const next = [...markets];
  for (let i = 0; i < rt.tables.length; i++) {
    const own = rt.rowsOf[i]!;
    if (own === 0) next[i] = first;
    else if (own === i) next[i] = applyTickToTable(markets[i]!, rt.tables[i]!, tick).market;
    else next[i] = next[own]!;
  }
  refreshReadingColumns(rt.tables, rt.columns);
  return next;
}
