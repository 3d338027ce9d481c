/**
 * Parsed request books, cached: the same portfolio value (by its JSON text) on the same
 * snapshot object (stored markets are parsed once and kept, market-source.ts) parses to the
 * same `Portfolio`, so a client repeating a book (a what-if loop, a dashboard refresh) skips
 * the symbol parsing and size conversion, which dominated a 20-position what-if's server time
 * (profile in bench/server-load.ts's notes). At most `PER_SNAPSHOT` books per snapshot, oldest
 * dropped first; a snapshot's books go with it (WeakMap). Errors are not cached. Portfolios
 * are immutable, so sharing one between requests is safe.
 */
import { portfolioFromValue } from '../app/portfolio-input.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** Books kept per snapshot. */
const PER_SNAPSHOT = 256;

/** The request's portfolio (`portfolioFromValue`), from the cache when seen before. */
export type BookParser = (value: unknown, field: string, snapshot: MarketSnapshot) => Portfolio;

/** A cached book parser (see module doc). */
export function bookCache(): BookParser {
  const bySnapshot = new WeakMap<MarketSnapshot, Map<string, Portfolio>>();
  return (value, field, snapshot) => {
    const key = `${field}\u0000${typeof value === 'string' ? value : JSON.stringify(value)}`;
    let books = bySnapshot.get(snapshot);
    if (!books) {
      books = new Map();
      bySnapshot.set(snapshot, books);
    }
    const hit = books.get(key);
    if (hit) return hit;
    const p = portfolioFromValue(value, field, snapshot);
    if (books.size >= PER_SNAPSHOT) books.delete(books.keys().next().value!);
    books.set(key, p);
    return p;
  };
}
