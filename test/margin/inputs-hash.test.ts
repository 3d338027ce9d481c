/**
 * margin/inputs-hash.ts writes the hashed text itself (the portfolio key's positions as
 * fixed-order fields, the digests' surrounding object) and digests it with the core's SHA-256
 * port. Every input hash must be what it was: the hash of `canonicalize` (the RFC 8785
 * package) of `{model, version, params: digest, portfolio: portfolioKey, snapshot: digest}`
 * by `@noble/hashes` directly, on random books of the real market (entry prices or none,
 * several balances, after trades, books in any order, a balance with an extra field, symbols
 * with non-ASCII characters), under the pure-JS and the node:crypto SHA-256; pinned digests
 * computed by the code before this change; a non-finite size or a lone surrogate is still the
 * core's typed error naming the path. Over the prepared book: a what-if's after-trade results
 * carry the hash `deribitPmInputsHash` gives the after book.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { BallastError } from '../../src/core/errors.ts';
import { installSha256, pureSha256Hex } from '../../src/core/hash.ts';
import { installNativeSha256 } from '../../src/io/native-sha256.ts';
import {
  deribitPmInputsHash,
  deribitPmModel,
  prepareDeribitPmBook,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { marginInputsHash } from '../../src/margin/inputs-hash.ts';
import { withHistory } from '../../src/market/market-history.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { portfolio, portfolioKey, type Portfolio } from '../../src/risk/portfolio.ts';
import { withTrades } from '../../src/risk/with-trades.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const inst = realInstruments();
const params = deribitPmModel.defaultParams;

const refDigest = (v: unknown): string =>
  bytesToHex(sha256(utf8ToBytes((canonicalize as unknown as (x: unknown) => string)(v))));
const digests = new Map<unknown, string>();
const memo = (v: object): string => {
  let d = digests.get(v);
  if (d === undefined) digests.set(v, (d = refDigest(v)));
  return d;
};

/** The input hash as the code before this change defined it, by the reference packages. */
function reference(
  model: string,
  version: string,
  ps: unknown,
  book: Portfolio,
  s: MarketSnapshot,
) {
  return refDigest({
    model,
    version,
    params: typeof ps === 'object' && ps !== null ? memo(ps) : refDigest(ps ?? null),
    portfolio: portfolioKey(book),
    snapshot: memo(s),
  });
}

const bookArb = fc
  .record({
    positions: fc.uniqueArray(
      fc.record({
        i: fc.nat({ max: inst.length - 1 }),
        size: fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constant(-0)),
        entry: fc.option(
          fc.oneof(
            fc.double({ min: 1, max: 1e5, noNaN: true }),
            fc.double({ min: 1e-7, max: 1, noNaN: true }),
          ),
        ),
      }),
      { minLength: 0, maxLength: 40, selector: (p) => p.i },
    ),
    btc: fc.double({ min: 0, max: 100, noNaN: true }),
    usdc: fc.option(fc.double({ min: -1e5, max: 1e6, noNaN: true })),
    reverse: fc.boolean(),
  })
  .map(({ positions, btc, usdc, reverse }) => {
    const b = portfolio(
      positions.map((p) => ({
        instrument: inst[p.i]!,
        size: p.size,
        ...(p.entry === null ? {} : { entryPrice: p.entry }),
      })),
      [
        ...(usdc === null ? [] : [{ currency: 'USDC' as const, amount: usdc }]),
        { currency: 'BTC' as const, amount: btc },
      ],
    );
    return reverse
      ? { positions: [...b.positions].reverse(), balances: [...b.balances].reverse() }
      : b;
  });

const cases = (label: string) =>
  it(`${label}: the reference hash on random books, after trades, other models and params`, () => {
    fc.assert(
      fc.property(bookArb, fc.nat({ max: inst.length - 1 }), (book, t) => {
        expect(deribitPmInputsHash(book, snapshot, params)).toBe(
          reference('deribit-pm', '1.0.0', params, book, snapshot),
        );
        const after = withTrades(book, [{ instrument: inst[t]!, size: -0.5 }], snapshot);
        expect(deribitPmInputsHash(after, snapshot, params)).toBe(
          reference('deribit-pm', '1.0.0', params, after, snapshot),
        );
        expect(marginInputsHash('m', 'v2', 7, book, snapshot)).toBe(
          reference('m', 'v2', 7, book, snapshot),
        );
      }),
      { numRuns: 150, seed: 21 },
    );
  });

describe('marginInputsHash keeps every input hash', () => {
  cases('pure-JS SHA-256');

  it('pinned digests (computed by the code before the hash writer)', () => {
    const book = portfolio(
      inst.slice(0, 12).map((instrument, i) => ({
        instrument,
        size: (i % 2 ? -1 : 1) * (0.5 + i * 0.25),
        ...(i % 3 === 0 ? { entryPrice: 0.01 * (i + 1) } : {}),
      })),
      [
        { currency: 'USDC', amount: 2500.5 },
        { currency: 'BTC', amount: 3 },
      ],
    );
    expect(deribitPmInputsHash(book, snapshot, params)).toBe(
      '68b475927c48bef676531a0e13acba18a0d8f6bd9596811d06e0a5398f877ffb',
    );
    expect(marginInputsHash('m', '1', 7, book, snapshot)).toBe(
      'b5fee01d0f3304903a3838248e068c3835dd0cf2fa65bec74a4bbf53547aebc6',
    );
    expect(marginInputsHash('m', '1', undefined, portfolio([], []), snapshot)).toBe(
      '9aee5638b81f76d3eb161240417a414347ca54c81a9880fac3e07eb5f6f15a91',
    );
  });

  it('odd books: extra balance field, non-ASCII symbols, a price history', () => {
    const book = fc.sample(bookArb, { numRuns: 1, seed: 3 })[0]!;
    const extra: Portfolio = {
      ...book,
      balances: [{ currency: 'BTC', amount: 2, note: 'x' } as Portfolio['balances'][number]],
    };
    const odd = (symbols: string[]): Portfolio => ({
      positions: [
        ...symbols.map((symbol, i) => ({ instrument: { ...inst[5 + i]!, symbol }, size: 1 - i })),
        ...book.positions,
      ],
      balances: book.balances,
    });
    const written = odd(['BTC-é', 'BTC-\u2028"\\\u0001', 'BTC-\u007f€']);
    const pairs = odd(['BTC-é😀', 'BTC-x']);
    const hist = withHistory(snapshot, {
      series: [
        {
          symbol: 'BTC',
          interval: 'daily',
          timesMs: new Float64Array([0, 86400000, 172800000]),
          closes: new Float64Array([60000, 61000, 60500]),
        },
      ],
      source: 'test',
    });
    for (const b of [extra, written, pairs])
      expect(deribitPmInputsHash(b, snapshot, params)).toBe(
        reference('deribit-pm', '1.0.0', params, b, snapshot),
      );
    const h = deribitPmInputsHash(book, hist, params);
    expect(h).not.toBe(deribitPmInputsHash(book, snapshot, params));
    expect(deribitPmInputsHash(book, hist, params)).toBe(h);
  });

  it('a non-finite size or entry price, a lone surrogate: the typed errors naming the path', () => {
    const fail = (b: Portfolio): BallastError => {
      try {
        deribitPmInputsHash(b, snapshot, params);
      } catch (e) {
        return e as BallastError;
      }
      throw new Error('no error');
    };
    const nan = fail({ positions: [{ instrument: inst[0]!, size: Number.NaN }], balances: [] });
    expect(nan).toBeInstanceOf(BallastError);
    expect([nan.code, nan.field]).toEqual(['NOT_FINITE', '$.portfolio.positions[0].size']);
    const inf = fail({
      positions: [
        { instrument: inst[1]!, size: 1 },
        { instrument: inst[0]!, size: 1, entryPrice: Infinity },
      ],
      balances: [],
    });
    // BTC-PERPETUAL sorts after the dated future
    expect([inf.code, inf.field]).toEqual(['NOT_FINITE', '$.portfolio.positions[1].entryPrice']);
    const lone = fail({
      positions: [{ instrument: { ...inst[0]!, symbol: 'BTC-\uD800' }, size: 1 }],
      balances: [],
    });
    expect(lone.code).toBe('INVALID_INPUT');
  });

  it("a prepared book's after-trade results carry the after book's deribitPmInputsHash", () => {
    const book = fc.sample(bookArb, { numRuns: 1, seed: 5 })[0]!;
    const trades = [{ instrument: inst[3]!, size: 2 }];
    const after = prepareDeribitPmBook(book, snapshot, params).whatIf(trades).after;
    const want = reference(
      'deribit-pm',
      '1.0.0',
      params,
      withTrades(book, trades, snapshot),
      snapshot,
    );
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) expect(r.inputsHash).toBe(want);
  });

  it('node:crypto installed', () => {
    installNativeSha256();
  });
  cases('node:crypto SHA-256');
  it('pure-JS again', () => installSha256('pure-js', pureSha256Hex));
});
