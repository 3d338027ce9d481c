/**
 * Trades on a book held under every reading (book-readings.ts): the incremental what-if at the
 * fail-closed default. A trade of `q` units of an instrument of key K changes only K: its size
 * (`size + q`, or a new position inserted in canonical order), and per priced table its
 * pre-aggregated vector `pre_t + q · unit_t row + 0` (as `addTrade`, the row the market holds
 * for that reading); K's roll and delta shocks are then re-summed from its positions (the
 * same additions as a re-evaluation: O(positions of K), no pricing) and its worst case
 * re-taken per table. Every other key keeps its vectors, worst cases and shocks. The readings'
 * IM and MM follow (`readingRuns`): O(tables × cells + readings × pools) per trade. Several
 * trades work on copies of their keys (`keysAfterTrades`); one trade reads the book's key with
 * the trade in and allocates only K's new totals (`keysAfterOneTrade`, the same bits).
 *
 * A trade in a pool or underlying the book does not hold (a new key) returns undefined: the
 * caller re-evaluates (prepared-book.ts). So does a trade that would change which readings
 * are charged (`readingsStay`): an instrument that opens a rule, or the gross size crossing
 * (or coming within 1e-9 relative of) the delta-shock threshold.
 */
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import {
  insertPosition,
  keyShocks,
  keySums,
  positionFields,
  worstOf,
  type BookKey,
  type BookReadings,
  type KeyTotals,
} from './book-readings.ts';
import { DERIBIT_PM_HYPOTHESES, deltaShockExcess, grossSizes } from './hypotheses.ts';
import type { DeribitPmParams } from './params.ts';

/**
 * A copy of a key a what-if may change (its arrays copied; constants shared). `slice` of
 * these ~100-element arrays is cheaper than copying into reused arrays element by element
 * (measured: 0.8 against 4 µs per key, the copy loop being megamorphic over element kinds).
 */
export function copyKey(k: BookKey): BookKey {
  return {
    ...k,
    instruments: k.instruments.slice(),
    sizes: k.sizes.slice(),
    kind: k.kind.slice(),
    move: k.move.slice(),
    deltaRoll: k.deltaRoll.slice(),
    deltaCoin: k.deltaCoin.slice(),
    group: k.group.slice(),
    groupExpiry: k.groupExpiry.slice(),
    groupMove: k.groupMove.slice(),
    pre: k.pre.map((p) => p.slice()),
    worst: k.worst.slice(),
    shocks: k.shocks.slice(),
  };
}

/** The position of `symbol` in the key (canonical order): its index, or where it goes. */
function find(key: BookKey, symbol: string): { at: number; held: boolean } {
  let lo = 0;
  let hi = key.instruments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key.instruments[mid]!.symbol < symbol) lo = mid + 1;
    else hi = mid;
  }
  return { at: lo, held: lo < key.instruments.length && key.instruments[lo]!.symbol === symbol };
}

/** Adds one trade to a (copied) key; returns the size before and after. */
function addTrade(book: BookReadings, key: BookKey, t: Position): { old: number; now: number } {
  const { at, held } = find(key, t.instrument.symbol);
  const inst = held ? key.instruments[at]! : t.instrument;
  const old = held ? key.sizes[at]! : 0;
  if (held) key.sizes[at] = old + t.size;
  else insertPosition(key, at, t, book.markets, book.currencies[key.pool]!, book.params[0]!);
  for (let m = 0; m < book.markets.length; m++) {
    const unit = book.markets[m]!.row(inst).unit;
    const pre = key.pre[m]!;
    for (let c = 0; c < pre.length; c++) pre[c] = pre[c]! + t.size * unit[c]! + 0;
  }
  return { old, now: held ? key.sizes[at]! : t.size };
}

/** Index of the book's key of `inst` (its pool and underlying), or −1. */
function keyIndex(keys: readonly BookKey[], pool: number, inst: Position['instrument']): number {
  if (pool < 0) return -1;
  for (let j = 0; j < keys.length; j++)
    if (keys[j]!.pool === pool && keys[j]!.underlying === inst.underlying) return j;
  return -1;
}

/**
 * The book's keys after `trades` (changed keys copied, shocks and worst cases re-taken) and
 * the change of each traded underlying's gross size Σ|size|; undefined for a trade that opens
 * a pool or a key, or has a non-finite size.
 */
export function keysAfterTrades(
  book: BookReadings,
  trades: readonly Position[],
): { keys: BookKey[]; grossChange: Map<string, number> } | undefined {
  const keys = book.keys.slice();
  const copied: number[] = [];
  const grossChange = new Map<string, number>();
  for (const t of trades) {
    if (!Number.isFinite(t.size)) return undefined;
    const inst = t.instrument;
    const j = keyIndex(keys, book.pools.indexOf(inst.settlementCurrency), inst);
    if (j < 0) return undefined;
    if (!copied.includes(j)) {
      keys[j] = copyKey(keys[j]!);
      copied.push(j);
    }
    const { old, now } = addTrade(book, keys[j]!, t);
    const u = inst.underlying;
    grossChange.set(u, (grossChange.get(u) ?? 0) - Math.abs(old) + Math.abs(now));
  }
  for (const j of copied) keySums(keys[j]!);
  return { keys, grossChange };
}

/**
 * `keysAfterTrades` of one trade without copying its key: the traded key's worst case per
 * priced table taken from `pre_t + q · unit_t` as it is summed (`worstOf` with the row), its
 * shocks from the key read with the trade's position changed or inserted (`keyShocks`); the
 * other keys are the book's. The same operations in the same order as `addTrade` and
 * `keySums` on a copy (test/margin/deribit-pm-book-readings.test.ts compares the bits). Only
 * the traded key's totals are new (`KeyTotals`: `readingRuns` reads no more).
 */
export function keysAfterOneTrade(
  book: BookReadings,
  t: Position,
): { keys: KeyTotals[]; grossChange: Map<string, number> } | undefined {
  if (!Number.isFinite(t.size)) return undefined;
  const inst = t.instrument;
  const pool = book.pools.indexOf(inst.settlementCurrency);
  const j = keyIndex(book.keys, pool, inst);
  if (j < 0) return undefined;
  const key = book.keys[j]!;
  const { at, held } = find(key, inst.symbol);
  const old = held ? key.sizes[at]! : 0;
  const now = held ? old + t.size : t.size;
  const added = held
    ? undefined
    : positionFields(key, t, book.markets, book.currencies[pool]!, book.params[0]!);
  const worst: number[] = [];
  for (let m = 0; m < book.markets.length; m++) {
    const unit = book.markets[m]!.row(held ? key.instruments[at]! : inst).unit;
    worst.push(worstOf(key.pre[m]!, key.agg[m]!, unit, t.size));
  }
  const shocks = [0, 0, 0, 0];
  keyShocks(key, shocks, added ? { at, size: now, added } : { at, size: now });
  const keys: KeyTotals[] = book.keys.slice();
  keys[j] = { pool: key.pool, worst, shocks };
  const grossChange = new Map([[inst.underlying, 0 - Math.abs(old) + Math.abs(now)]]);
  return { keys, grossChange };
}

/** What `readingsStay` needs of the book before the trades. */
export interface MovableBefore {
  /** The rules that can move the book (`DERIBIT_PM_HYPOTHESES.movable`). */
  readonly movable: ReadonlySet<string>;
  /** Σ|size| per underlying, and whether it holds a digital or barrier (`grossSizes`). */
  readonly gross: ReadonlyMap<string, number>;
  readonly exotic: boolean;
}

/** `MovableBefore` of a book. */
export function movableBefore(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): MovableBefore {
  const { gross, exotic } = grossSizes(portfolio.positions);
  const movable = DERIBIT_PM_HYPOTHESES.movable(portfolio, snapshot, params);
  return { movable, gross, exotic };
}

/**
 * Whether the rules that can move the book stay the same after the trades (so the readings
 * charged do): every rule the trades' instruments can move is already movable, and the
 * delta-shock test gives the book's answer with each traded underlying's gross size moved
 * by `grossChange`, not within 1e-9 relative of its threshold (too close to call: false).
 */
export function readingsStay(
  before: MovableBefore,
  trades: readonly Position[],
  grossChange: ReadonlyMap<string, number>,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): boolean {
  // `movable` reads only the positions (no merge or validation needed)
  const own = DERIBIT_PM_HYPOTHESES.movable({ positions: trades, balances: [] }, snapshot, params);
  for (const r of own) if (r !== 'deltaShock' && !before.movable.has(r)) return false;
  const exotic =
    before.exotic ||
    trades.some((t) => t.instrument.kind === 'digital' || t.instrument.kind === 'barrier');
  let charges = exotic;
  for (const [u, g] of before.gross) {
    const change = grossChange.get(u);
    const e = deltaShockExcess(u, change === undefined ? g : g + change, snapshot, params);
    if (change !== undefined && Math.abs(e.excess) <= 1e-9 * e.threshold) return false;
    if (e.excess > 0) charges = true;
  }
  return charges === before.movable.has('deltaShock');
}
