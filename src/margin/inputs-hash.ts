/**
 * The input hash every margin result carries: SHA-256 of the canonical JSON of the model id,
 * version, parameters, the portfolio (order-independent) and the market snapshot. The
 * snapshot's and the parameters' own digests are memoised per object (both are immutable),
 * so hashing a what-if or a batch of books does not re-serialise the whole market each time.
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
    snapshot: digestOf(snapshot),
  });
}
