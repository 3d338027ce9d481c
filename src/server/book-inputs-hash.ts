/**
 * The Deribit PM input hash of books on one (market, params), for the service's prepared books
 * (server/prepared-books.ts hashes every what-if's after-trade book): the same bits as
 * `deribitPmInputsHash` (margin/inputs-hash.ts: hex SHA-256 of the canonical JSON of
 * `{model, params: digest, portfolio: portfolioKey(book), snapshot: digest, version}`), at less
 * cost per book: the text around the portfolio is built once per (market, params), only the
 * portfolio's canonical JSON is written per book, and the digest is node:crypto's SHA-256 (the
 * same function as the core's pure-JS one, native). The portfolio key's canonical JSON is
 * `JSON.stringify` of it rebuilt with its keys in sorted order (`balances` {amount, currency},
 * `positions` {entryPrice, size, symbol}): the same text as core/canonical-json.ts's writer
 * when every number is finite, no string holds a surrogate and each balance has exactly those
 * two fields, which is checked first (otherwise the core writer runs).
 *
 * Fail-safe: the fast form is used only if it reproduces `deribitPmInputsHash` of the book the
 * hasher is built for (a mismatch, a market with a price history or params that are not an
 * object fall back to `deribitPmInputsHash` for every book), and any book whose canonical JSON
 * cannot be written goes through `deribitPmInputsHash`, which raises the typed error.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.ts';
import { canonicalHash } from '../core/hash.ts';
import {
  DERIBIT_PM_ID,
  DERIBIT_PM_VERSION,
  deribitPmInputsHash,
  type DeribitPmParams,
} from '../margin/deribit-pm/deribit-pm.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolioKey, type Portfolio } from '../risk/portfolio.ts';

/** Digests of immutable objects (snapshots, params), computed once per object. */
const digests = new WeakMap<object, string>();
const digestOf = (x: object): string => {
  let d = digests.get(x);
  if (d === undefined) digests.set(x, (d = canonicalHash(x)));
  return d;
};

/** Marks where the portfolio goes in the canonical text (a number: no string can equal it). */
const HOLE = 0;

const SURROGATE = /[\uD800-\uDFFF]/;

/** True for a number JSON.stringify writes as canonical JSON does. */
const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

/** The canonical JSON of `portfolioKey(book)` by JSON.stringify, or undefined (module doc). */
function plainKeyText(book: Portfolio): string | undefined {
  const balances = [];
  for (const b of [...book.balances].sort((a, c) => (a.currency < c.currency ? -1 : 1))) {
    if (Object.keys(b).length !== 2 || !finite(b.amount) || typeof b.currency !== 'string')
      return undefined;
    if (SURROGATE.test(b.currency)) return undefined;
    balances.push({ amount: b.amount, currency: b.currency });
  }
  const positions = [];
  for (const x of book.positions) {
    const symbol = x.instrument.symbol;
    const entryPrice = x.entryPrice ?? null;
    if (!finite(x.size) || (entryPrice !== null && !finite(entryPrice))) return undefined;
    if (typeof symbol !== 'string' || SURROGATE.test(symbol)) return undefined;
    positions.push({ entryPrice, size: x.size, symbol });
  }
  positions.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return JSON.stringify({ balances, positions });
}

/**
 * `deribitPmInputsHash(book, snapshot, params)` for any book (see module doc); `fast` says
 * whether the fast form passed its check (false: every book goes through the core's hash).
 */
export type BookInputsHash = ((book: Portfolio) => string) & { readonly fast: boolean };

/**
 * A hasher for books on `snapshot` with `params`, checked on `reference` (a book on them,
 * e.g. the prepared book itself) against `deribitPmInputsHash` (see module doc).
 */
export function bookInputsHasher(
  reference: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
): BookInputsHash {
  const slow = Object.assign((book: Portfolio) => deribitPmInputsHash(book, snapshot, params), {
    fast: false,
  });
  if (snapshot.history !== undefined || typeof params !== 'object' || params === null) return slow;
  const around = canonicalJson({
    model: DERIBIT_PM_ID,
    version: DERIBIT_PM_VERSION,
    params: digestOf(params),
    portfolio: HOLE,
    snapshot: digestOf(snapshot),
  })!;
  const at = around.indexOf(`"portfolio":${HOLE}`) + '"portfolio":'.length;
  const head = around.slice(0, at);
  const tail = around.slice(at + String(HOLE).length);
  const fast = (book: Portfolio): string => {
    let text = plainKeyText(book);
    try {
      text ??= canonicalJson(portfolioKey(book));
    } catch {
      return slow(book); // raises the typed error
    }
    return createHash('sha256').update(`${head}${text}${tail}`).digest('hex');
  };
  return fast(reference) === slow(reference) ? Object.assign(fast, { fast: true }) : slow;
}
