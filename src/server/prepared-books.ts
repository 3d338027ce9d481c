/**
 * The service's memory of books it has margined: for a (book, market, model, params) it has
 * seen, the model's `evaluate` result and, for Deribit PM what-ifs, the book prepared at the
 * fail-closed default (margin/deribit-pm/prepared-book.ts: each open reading's keys built
 * once), so a client repeating a book (a what-if loop, a dashboard refresh, a stored account
 * margined again at an unchanged market) pays the per-trade work only.
 *
 * Keys: the book by the SHA-256 of its canonical content (`portfolioKey`: sizes, entry
 * prices, balances; the same digest as the input hash's), memoized per parsed object; the
 * market by object identity (stored markets are parsed once per id, market-source.ts; an
 * inline or moved market is a new object, so it never hits); the params by the SHA-256 of
 * their canonical JSON, memoized per object. Both maps are LRU-bounded by entries and by
 * weight (a prepared book holds every open reading's key vectors: readings × positions × 35 ×
 * 16 bytes; a book too heavy for the budget is prepared per request and not kept). Results are shared, never mutated (the use cases copy before adding
 * warnings). Errors are not cached.
 */
import { canonicalHash } from '../core/hash.ts';
import {
  DERIBIT_PM_ID,
  prepareDeribitPmBook,
  type DeribitPmParams,
} from '../margin/deribit-pm/deribit-pm.ts';
import type { PreparedBook } from '../margin/deribit-pm/prepared-book.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolioKey, type Portfolio } from '../risk/portfolio.ts';

/** Entries kept per map by default. */
export const PREPARED_BOOKS_CAPACITY = 64;

/**
 * Total weight kept per map by default: positions × readings prepared for the books (a
 * position-reading holds a unit row and a position vector, 35 cells each: ≈ 0.6 kB), positions
 * for the results (a result's details list each position). 200,000 ≈ 120 MB of key vectors.
 */
export const PREPARED_BOOKS_BUDGET = 200_000;

/** The cached faces the routes use (see module doc). */
export interface PreparedBooks {
  /** `model.evaluate(portfolio, snapshot, params)`, from memory when the inputs were seen. */
  evaluate(
    model: MarginModel<unknown>,
    portfolio: Portfolio,
    snapshot: MarketSnapshot,
    params: unknown,
  ): readonly MarginResult[];
  /** The Deribit PM book prepared at the default of `params` (prepared once per key). */
  deribitPm(portfolio: Portfolio, snapshot: MarketSnapshot, params: unknown): PreparedBook;
  /** Entries held: evaluate results, prepared books. */
  readonly size: { results: number; books: number };
}

/** A bounded map that forgets the least recently used entries (count and total weight). */
function lru<V>(
  capacity: number,
  budget: number,
  weigh: (v: V) => number,
): { get(k: string): V | undefined; set(k: string, v: V): void; size(): number } {
  const m = new Map<string, { v: V; w: number }>();
  let total = 0;
  const drop = (k: string) => {
    const e = m.get(k);
    if (e) total -= e.w;
    m.delete(k);
  };
  return {
    get(k) {
      const e = m.get(k);
      if (e === undefined) return undefined;
      m.delete(k);
      m.set(k, e);
      return e.v;
    },
    set(k, v) {
      drop(k);
      const w = weigh(v);
      if (w > budget) return; // too big to keep: computed per request
      while (m.size > 0 && (m.size >= capacity || total + w > budget)) drop(m.keys().next().value!);
      m.set(k, { v, w });
      total += w;
    },
    size: () => m.size,
  };
}

/** Per-object memo of a digest (objects here are immutable). */
function memoDigest<T extends object>(digest: (x: T) => string): (x: T) => string {
  const memo = new WeakMap<T, string>();
  return (x) => {
    let d = memo.get(x);
    if (d === undefined) memo.set(x, (d = digest(x)));
    return d;
  };
}

/** A cache of results and prepared books (see module doc). */
export function preparedBooks(
  capacity = PREPARED_BOOKS_CAPACITY,
  budget = PREPARED_BOOKS_BUDGET,
): PreparedBooks {
  const results = lru<readonly MarginResult[]>(capacity, budget, (r) =>
    Math.max(
      1,
      r.reduce((n, x) => n + x.contributions.length, 0),
    ),
  );
  const books = lru<PreparedBook>(
    capacity,
    budget,
    (b) => Math.max(1, b.portfolio.positions.length) * b.readingsPrepared,
  );
  const bookDigest = memoDigest<Portfolio>((p) => canonicalHash(portfolioKey(p)));
  const paramsDigest = memoDigest<object>((p) => canonicalHash(p));
  const marketIds = new WeakMap<MarketSnapshot, number>();
  let nextMarket = 0;
  const marketId = (s: MarketSnapshot): number => {
    let id = marketIds.get(s);
    if (id === undefined) marketIds.set(s, (id = nextMarket++));
    return id;
  };
  const keyOf = (model: string, p: Portfolio, s: MarketSnapshot, params: unknown): string =>
    `${model}\u0000${marketId(s)}\u0000${
      typeof params === 'object' && params !== null
        ? paramsDigest(params)
        : canonicalHash(params ?? null)
    }\u0000${bookDigest(p)}`;
  const deribitPm = (p: Portfolio, s: MarketSnapshot, params: unknown): PreparedBook => {
    const key = keyOf(DERIBIT_PM_ID, p, s, params);
    let b = books.get(key);
    if (!b) books.set(key, (b = prepareDeribitPmBook(p, s, params as DeribitPmParams)));
    return b;
  };
  return {
    evaluate(model, p, s, params) {
      const key = keyOf(model.id, p, s, params);
      let r = results.get(key);
      if (!r) {
        const prepared = model.id === DERIBIT_PM_ID ? books.get(key) : undefined;
        results.set(key, (r = prepared ? prepared.before : model.evaluate(p, s, params)));
      }
      return r;
    },
    deribitPm,
    get size() {
      return { results: results.size(), books: books.size() };
    },
  };
}
