/**
 * The service's results and prepared books (server/prepared-books.ts): a repeated (book,
 * market, params) is served from memory with the same answer as a fresh evaluation; any
 * change of book content, market object or params content misses; the maps are bounded. Over
 * HTTP: what-ifs and margins repeated on a stored market answer exactly what the same request
 * with the market inline (never cached) answers, and a margin answer's cached text
 * (server/reply-texts.ts) is not reused for the same results with other warnings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { deribitStandardModel } from '../../src/margin/deribit-standard/deribit-standard.ts';
import { whatIfByRevaluation } from '../../src/margin/what-if.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { toJsonCompact, toJsonCompactShared } from '../../src/server/json-reply.ts';
import { preparedBooks } from '../../src/server/prepared-books.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import { apiSuite, post, repoJson } from './api-fixture.ts';

const snapshot = realSnapshot();
const inst = realInstruments();
const book = (size: number) =>
  portfolio(
    [
      { instrument: inst[30]!, size },
      { instrument: inst[0]!, size: -1 },
    ],
    [{ currency: 'BTC', amount: 10 }],
  );
const params = deribitPmModel.defaultParams;

describe('prepared books: hits equal fresh evaluation, misses on any input change', () => {
  it('evaluate: the same content hits (same answer as model.evaluate), other inputs miss', () => {
    const c = preparedBooks(8);
    const a = c.evaluate(deribitPmModel, book(2), snapshot, params);
    expect(a).toEqual(deribitPmModel.evaluate(book(2), snapshot, params));
    expect(c.evaluate(deribitPmModel, book(2), snapshot, params)).toBe(a); // new object, same content
    const copy = JSON.parse(JSON.stringify(params)) as typeof params;
    expect(c.evaluate(deribitPmModel, book(2), snapshot, copy)).toBe(a);
    expect(c.evaluate(deribitPmModel, book(3), snapshot, params)).not.toBe(a);
    const moved = mergeParams(params, { rules: { inverseOptionPnl: 'usd-at-shocked' } }, 'p');
    expect(c.evaluate(deribitPmModel, book(2), snapshot, moved)).not.toBe(a);
    expect(c.evaluate(deribitPmModel, book(2), { ...snapshot }, params)).not.toBe(a);
    const std = c.evaluate(
      deribitStandardModel,
      book(2),
      snapshot,
      deribitStandardModel.defaultParams,
    );
    expect(std[0]!.model).toBe(deribitStandardModel.id);
    expect(c.size.results).toBe(5);
  });

  it('deribit-pm what-if from a prepared book equals re-evaluation; the book is kept', () => {
    const c = preparedBooks(2);
    const trades = [{ instrument: inst[40]!, size: 1 }];
    const b = c.deribitPm(book(2), snapshot, params);
    expect(c.deribitPm(book(2), snapshot, params)).toBe(b);
    const got = b.whatIf(trades);
    const want = whatIfByRevaluation(deribitPmModel, book(2), snapshot, params, trades);
    // A trade in a held instrument takes the served book's incremental path (book-trades.ts),
    // equal to re-evaluation.
    const heldTrade = [{ instrument: inst[30]!, size: 0.5 }];
    const held = b.whatIf(heldTrade);
    expect(b.paths.incremental).toBeGreaterThan(0);
    const heldWant = whatIfByRevaluation(deribitPmModel, book(2), snapshot, params, heldTrade);
    expect(
      Math.abs(held.afterUsd.initialMargin - heldWant.afterUsd.initialMargin),
    ).toBeLessThanOrEqual(1e-12 * heldWant.afterUsd.initialMargin);
    expect(got.before).toEqual(want.before);
    expect(Math.abs(got.afterUsd.initialMargin - want.afterUsd.initialMargin)).toBeLessThanOrEqual(
      1e-12 * want.afterUsd.initialMargin,
    );
    // margin of the prepared book reuses its `before`
    expect(c.evaluate(deribitPmModel, book(2), snapshot, params)).toBe(b.before);
    c.deribitPm(book(3), snapshot, params);
    c.deribitPm(book(4), snapshot, params);
    expect(c.size.books).toBe(2);
    expect(c.deribitPm(book(2), snapshot, params)).not.toBe(b); // evicted (least recently used)
  });

  it('bounded by weight: positions × readings; a book heavier than the budget is not kept', () => {
    const one = preparedBooks(8, 10_000).deribitPm(book(2), snapshot, params);
    const w = one.portfolio.positions.length * one.readingsPrepared; // 2 positions × 16 readings
    expect(w).toBe(32);
    const c = preparedBooks(8, 2 * w);
    const a = c.deribitPm(book(2), snapshot, params);
    c.deribitPm(book(3), snapshot, params);
    expect(c.size.books).toBe(2);
    c.deribitPm(book(4), snapshot, params); // over the budget: the oldest goes
    expect(c.size.books).toBe(2);
    expect(c.deribitPm(book(2), snapshot, params)).not.toBe(a);
    const tiny = preparedBooks(8, w - 1);
    expect(tiny.deribitPm(book(2), snapshot, params)).not.toBe(
      tiny.deribitPm(book(2), snapshot, params),
    );
    expect(tiny.size.books).toBe(0);
  });
});

describe('a shared field serialized once', () => {
  it('gives the text toJsonCompact gives (undefined, non-finite, nested), reused per object', () => {
    const before = [{ a: 1, b: undefined, c: [Infinity, -0, 2.5e-300], d: { e: 'x"y' } }];
    for (const value of [
      { model: 'm', before, after: [{ z: NaN }], warnings: [] as string[], u: undefined },
      { before: [] as unknown[], n: null, s: 'é\u2028' },
    ]) {
      const want = toJsonCompact(value);
      expect(toJsonCompactShared(value, ['before'])).toBe(want);
      expect(toJsonCompactShared(value, ['before'])).toBe(want);
    }
  });
});

let app: FastifyInstance;
let market: unknown;
const suite = apiSuite();
beforeAll(() => void ({ app, market } = suite));

describe('over HTTP: repeated requests on a stored market answer what inline requests answer', () => {
  it('what-if and margin, three times each, equal the inline-market answers', async () => {
    const up = await post(app, '/v1/markets', { market });
    const marketId = String((up.body as { id: string }).id);
    const body = {
      portfolio: repoJson('examples/hedged-book.json'),
      model: 'deribit-pm',
      allowStale: true,
      trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }],
    };
    const inline = await post(app, '/v1/whatif', { ...body, market });
    expect(inline.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await post(app, '/v1/whatif', { ...body, marketId });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(inline.body);
    }
    const other = await post(app, '/v1/whatif', {
      ...body,
      marketId,
      trades: [{ instrument: 'BTC-PERPETUAL', size: 2 }],
    });
    expect(other.body).toEqual(
      (
        await post(app, '/v1/whatif', {
          ...body,
          market,
          trades: [{ instrument: 'BTC-PERPETUAL', size: 2 }],
        })
      ).body,
    );
    const { trades: _t, ...marginBody } = body;
    const mInline = await post(app, '/v1/margin', { ...marginBody, market });
    for (let i = 0; i < 3; i++)
      expect((await post(app, '/v1/margin', { ...marginBody, marketId })).body).toEqual(
        mInline.body,
      );
    // the same cached results with other warnings (no staleness note): its own answer text
    const { allowStale: _s, ...fresh } = marginBody;
    const fInline = await post(app, '/v1/margin', { ...fresh, maxAge: '100000d', market });
    const fStored = await post(app, '/v1/margin', { ...fresh, maxAge: '100000d', marketId });
    expect(fStored.status).toBe(200);
    expect(fStored.body).toEqual(fInline.body);
    expect(fStored.body.warnings).not.toEqual(mInline.body.warnings);
    expect((await post(app, '/v1/margin', { ...marginBody, marketId })).body).toEqual(mInline.body);
  });
});
