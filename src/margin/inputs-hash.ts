/**
 * The input hash every margin result carries: SHA-256 of the canonical JSON of the model id,
 * version, parameters, the portfolio (order-independent) and the market snapshot, its price
 * history included (`market.history`: each series' symbol, interval, times and closes as
 * number arrays, and the source; a snapshot without one hashes as before the field existed).
 * The snapshot's and the parameters' own digests are memoised per object (both are
 * immutable), so hashing a what-if or a batch of books does not re-serialise the whole market
 * each time.
 */
import { canonicalHash } from '../core/hash.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolioKey, type Portfolio } from '../risk/portfolio.ts';

const digests = new WeakMap<object, string>();

/** SHA-256 of the canonical JSON of an immutable object, computed once per object. */
function digestOf(value: object): string {
  let d = digests.get(value);
  if (d === undefined) {
    d = canonicalHash(value);
    digests.set(value, d);
  }
  return d;
}

/** The digest of a snapshot, its history's typed arrays written as JSON arrays (module doc). */
function snapshotDigest(snapshot: MarketSnapshot): string {
  const h = snapshot.history;
  if (h === undefined) return digestOf(snapshot);
  let d = digests.get(snapshot);
  if (d === undefined) {
    const series = h.series.map((s) => ({
      symbol: s.symbol,
      interval: s.interval,
      timesMs: Array.from(s.timesMs),
      closes: Array.from(s.closes),
    }));
    d = canonicalHash({ ...snapshot, history: { series, source: h.source } });
    digests.set(snapshot, d);
  }
  return d;
}

/** Input hash of one model evaluation (see module doc). */
export function marginInputsHash(
  model: string,
  version: string,
  params: unknown,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
): string {
  const p =
    typeof params === 'object' && params !== null
      ? digestOf(params)
      : canonicalHash(params ?? null);
  return canonicalHash({
    model,
    version,
    params: p,
    portfolio: portfolioKey(portfolio),
    snapshot: snapshotDigest(snapshot),
  });
}
