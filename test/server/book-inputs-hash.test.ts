/**
 * server/book-inputs-hash.ts: the service's hash of after-trade books has the same bits as
 * `deribitPmInputsHash` on random books of the real market (with and without entry prices,
 * several balances, after trades, and a book object in any order), with other params, and for a balance with an extra field
 * (the core writer's path); it takes the fast form on the real market with the default
 * params (so the comparisons test it, not the fallback), falls back on a market with a price
 * history, and a non-finite size raises the core's typed error. Over the prepared book: a
 * what-if's after-trade results carry the hash `deribitPmInputsHash` gives the after book.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BallastError } from '../../src/core/errors.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import {
  deribitPmInputsHash,
  deribitPmModel,
  type DeribitPmParams,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { withHistory } from '../../src/market/market-history.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { withTrades } from '../../src/risk/with-trades.ts';
import { bookInputsHasher } from '../../src/server/book-inputs-hash.ts';
import { prepareServedBook } from '../../src/server/prepared-books.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const inst = realInstruments();
const params = deribitPmModel.defaultParams;

const bookArb = fc
  .record({
    positions: fc.array(
      fc.record({
        i: fc.nat({ max: inst.length - 1 }),
        size: fc.double({ min: -50, max: 50, noNaN: true }),
        entry: fc.option(fc.double({ min: 1, max: 1e5, noNaN: true })),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    btc: fc.double({ min: 0, max: 100, noNaN: true }),
    usdc: fc.option(fc.double({ min: -1e5, max: 1e6, noNaN: true })),
  })
  .map(({ positions, btc, usdc }) =>
    portfolio(
      positions.map((p) => ({
        instrument: inst[p.i]!,
        size: p.size,
        ...(p.entry === null ? {} : { entryPrice: p.entry }),
      })),
      [
        ...(usdc === null ? [] : [{ currency: 'USDC' as const, amount: usdc }]),
        { currency: 'BTC' as const, amount: btc },
      ],
    ),
  );

const reference = portfolio([{ instrument: inst[0]!, size: 1 }], [{ currency: 'BTC', amount: 1 }]);

describe('bookInputsHasher', () => {
  it('has the bits of deribitPmInputsHash on random books and after-trade books', () => {
    const h = bookInputsHasher(reference, snapshot, params);
    expect(h.fast).toBe(true);
    fc.assert(
      fc.property(bookArb, fc.nat({ max: inst.length - 1 }), (book, t) => {
        expect(h(book)).toBe(deribitPmInputsHash(book, snapshot, params));
        const after = withTrades(book, [{ instrument: inst[t]!, size: -0.5 }], snapshot);
        expect(h(after)).toBe(deribitPmInputsHash(after, snapshot, params));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('other params; a balance with an extra field; a history falls back', () => {
    const moved = mergeParams(params, { rules: { inverseOptionPnl: 'usd-at-shocked' } }, 'p');
    const hm = bookInputsHasher(reference, snapshot, moved as DeribitPmParams);
    expect(hm.fast).toBe(true);
    const book = fc.sample(bookArb, { numRuns: 1, seed: 3 })[0]!;
    expect(hm(book)).toBe(deribitPmInputsHash(book, snapshot, moved as DeribitPmParams));
    expect(hm(book)).not.toBe(deribitPmInputsHash(book, snapshot, params));
    const extra: Portfolio = {
      ...book,
      balances: [{ currency: 'BTC', amount: 2, note: 'x' } as Portfolio['balances'][number]],
    };
    const h = bookInputsHasher(reference, snapshot, params);
    expect(h(extra)).toBe(deribitPmInputsHash(extra, snapshot, params));
    // a book object not built by portfolio(): positions and balances in any order
    const unordered: Portfolio = {
      positions: [...book.positions, { instrument: inst[0]!, size: 3 }].reverse(),
      balances: [...book.balances].reverse(),
    };
    expect(h(unordered)).toBe(deribitPmInputsHash(unordered, snapshot, params));
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
    const hh = bookInputsHasher(reference, hist, params);
    expect(hh.fast).toBe(false);
    expect(hh(book)).toBe(deribitPmInputsHash(book, hist, params));
  });

  it('a non-finite size is the core hash error', () => {
    const h = bookInputsHasher(reference, snapshot, params);
    const bad: Portfolio = {
      positions: [{ instrument: inst[0]!, size: Number.NaN }],
      balances: [],
    };
    let err: unknown;
    try {
      h(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BallastError);
    expect((err as BallastError).code).toBe('NOT_FINITE');
  });

  it("a prepared book's after-trade results carry the after book's deribitPmInputsHash", () => {
    const book = fc.sample(bookArb, { numRuns: 1, seed: 5 })[0]!;
    const trades = [{ instrument: inst[3]!, size: 2 }];
    const after = prepareServedBook(book, snapshot, params).whatIf(trades).after;
    const want = deribitPmInputsHash(withTrades(book, trades, snapshot), snapshot, params);
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) expect(r.inputsHash).toBe(want);
  });
});
