/**
 * The input hash every margin result carries: SHA-256 of the canonical JSON of the model id,
 * version, parameters, the portfolio (order-independent) and the market snapshot, its price
 * history included (`market.history`: each series' symbol, interval, times and closes as
 * number arrays, and the source; a snapshot without one hashes as before the field existed).
 * The snapshot's and the parameters' own digests are memoised per object (both are
 * immutable), so hashing a what-if or a batch of books does not re-serialise the whole market
 * each time.
 *
 * The text around the digests is written here directly (`hashText`: the keys of the hashed
 * object in canonical order, the portfolio key's positions as fixed-order fields), the same
 * text as `canonicalJson` of the object (test/margin/inputs-hash.test.ts compares them); any
 * value that writer would not pass through unchanged (a non-finite number, a string with a
 * surrogate, an entry price that is not a number) goes through `canonicalHash` of the object,
 * which raises the typed error naming the path. The digest is the core's SHA-256 port
 * (node:crypto's once an adapter installed it, core/hash.ts).
 */
import { canonicalJson } from '../core/canonical-json.ts';
import { canonicalHash, sha256Hex } from '../core/hash.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolioKey, type Balance, type Portfolio } from '../risk/portfolio.ts';

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

/** `portfolioKey(p)` as its type is. */
interface PortfolioKey {
  readonly positions: readonly {
    readonly symbol: unknown;
    readonly size: unknown;
    readonly entryPrice: unknown;
  }[];
  readonly balances: readonly Balance[];
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** A string `JSON.stringify` writes as canonical JSON does (no surrogate at all). */
const plainString = (x: unknown): x is string => typeof x === 'string' && !SURROGATE.test(x);

/** A finite number (its canonical text is `String(x)`, as `JSON.stringify` writes it). */
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * The canonical JSON of the hashed object `{model, params, portfolio: portfolioKey(…),
 * snapshot, version}`, or undefined when a value needs `canonicalJson`'s checks (module doc).
 * Positions are `{"entryPrice","size","symbol"}` in that (sorted) order; balances (a few
 * objects of any shape) go through `canonicalJson`.
 */
function hashText(
  model: string,
  version: string,
  params: string,
  key: PortfolioKey,
  snapshot: string,
): string | undefined {
  if (!plainString(model) || !plainString(version)) return undefined;
  let balances: string | undefined;
  try {
    balances = canonicalJson(key.balances);
  } catch {
    return undefined;
  }
  let out = `{"model":${JSON.stringify(model)},"params":${JSON.stringify(params)},"portfolio":{"balances":${balances},"positions":[`;
  const ps = key.positions;
  for (let i = 0; i < ps.length; i++) {
    const { symbol, size, entryPrice } = ps[i]!;
    if (!finite(size) || !plainString(symbol)) return undefined;
    if (entryPrice !== null && !finite(entryPrice)) return undefined;
    out += `${i === 0 ? '' : ','}{"entryPrice":${entryPrice === null ? 'null' : String(entryPrice)},"size":${String(size)},"symbol":${JSON.stringify(symbol)}}`;
  }
  return `${out}]},"snapshot":${JSON.stringify(snapshot)},"version":${JSON.stringify(version)}}`;
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
  const key = portfolioKey(portfolio) as PortfolioKey;
  const s = snapshotDigest(snapshot);
  const text = hashText(model, version, p, key, s);
  if (text !== undefined) return sha256Hex(text);
  return canonicalHash({ model, version, params: p, portfolio: key, snapshot: s });
}
