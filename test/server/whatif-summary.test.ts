/**
 * POST /v1/whatif with `detail: "summary"` (app/what-if-summary.ts): the same request answered
 * both ways carries the same numbers (every summary field is the full answer's field, the
 * change is after − before), without details; the summary never reads an after-trade
 * result's `details`, and the prepared book builds that report only when it is read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { whatIfSummary } from '../../src/app/what-if-summary.ts';
import { whatIfUseCase } from '../../src/app/what-if.ts';
import {
  buildPoolKeys,
  deribitPmInputsHash,
  deribitPmModel,
  evaluatePoolKeys,
  poolMargins,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareBook } from '../../src/margin/deribit-pm/prepared-book.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { withTrades } from '../../src/risk/with-trades.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import { apiSuite, post, repoJson } from './api-fixture.ts';

let app: FastifyInstance;
let market: unknown;
const suite = apiSuite();
beforeAll(() => void ({ app, market } = suite));

type Side = Record<string, unknown> | null;
interface Summary {
  model: string;
  detail: string;
  beforeUsd: unknown;
  afterUsd: unknown;
  trades: unknown;
  warnings: unknown;
  simulate_portfolio: unknown;
  pools: { currency: string; before: Side; after: Side; change: Record<string, number> }[];
}
const KEPT = [
  'equity',
  'initialMargin',
  'maintenanceMargin',
  'utilization',
  'inputsHash',
  'unverified',
] as const;

/** Checks `s` against `full` field by field (see module doc). */
function expectSameNumbers(s: Summary, full: Record<string, unknown>): void {
  expect(s.detail).toBe('summary');
  for (const k of ['model', 'beforeUsd', 'afterUsd', 'trades', 'warnings', 'simulate_portfolio'])
    expect((s as unknown as Record<string, unknown>)[k]).toEqual(full[k]);
  const results = (side: 'before' | 'after') => full[side] as Record<string, unknown>[];
  const ccys = [...new Set([...results('before'), ...results('after')].map((r) => r.currency))];
  expect(s.pools.map((p) => p.currency)).toEqual(ccys.sort());
  for (const p of s.pools) {
    for (const side of ['before', 'after'] as const) {
      const r = results(side).find((x) => x.currency === p.currency)!;
      for (const k of KEPT) expect(p[side]![k]).toEqual(r[k]);
      expect(p[side]!.hypothesisCharge).toEqual(r.hypothesisCharge ?? null); // absent: null
    }
    for (const k of ['equity', 'initialMargin', 'maintenanceMargin', 'utilization'])
      expect(p.change[k]).toBe((p.after![k] as number) - (p.before![k] as number));
  }
  expect(JSON.stringify(s)).not.toContain('"details"');
}

describe('POST /v1/whatif detail: summary', () => {
  const body = {
    portfolio: repoJson('examples/hedged-book.json'),
    model: 'deribit-pm',
    allowStale: true,
    trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }],
  };

  it('on a stored market (prepared book): summary first, then full, same numbers', async () => {
    const up = await post(app, '/v1/markets', { market });
    const marketId = String((up.body as { id: string }).id);
    const s = await post(app, '/v1/whatif', { ...body, marketId, detail: 'summary' });
    expect(s.status).toBe(200);
    const full = await post(app, '/v1/whatif', { ...body, marketId, detail: 'full' });
    const dflt = await post(app, '/v1/whatif', { ...body, marketId });
    expect(full.body).toEqual(dflt.body); // "full" is the default answer
    const sum = s.body as unknown as Summary;
    expect(sum.pools[0]!.after!.hypothesisCharge).not.toBeNull(); // 16 readings: set
    expectSameNumbers(sum, full.body as Record<string, unknown>);
    expect(JSON.stringify(s.body).length).toBeLessThan(JSON.stringify(full.body).length / 10);
  });

  it('inline market, two trades, a model without a prepared book: same numbers', async () => {
    for (const model of ['deribit-pm', 'deribit-standard']) {
      const b = {
        ...body,
        market,
        model,
        trades: [
          { instrument: 'BTC-PERPETUAL', size: 2 },
          { instrument: 'BTC-PERPETUAL', size: -0.5 },
        ],
      };
      const s = await post(app, '/v1/whatif', { ...b, detail: 'summary' });
      const full = await post(app, '/v1/whatif', b);
      expect(s.status).toBe(200);
      expectSameNumbers(s.body as unknown as Summary, full.body as Record<string, unknown>);
    }
  });

  it('the OpenAPI document lists detail with its two values', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
    };
    const schema = doc.paths['/v1/whatif']!.post.requestBody.content['application/json'] as {
      schema: { properties: Record<string, { anyOf?: { const?: string; enum?: string[] }[] }> };
    };
    const values = schema.schema.properties.detail!.anyOf!.map((x) => x.const ?? x.enum?.[0]);
    expect(values).toEqual(['full', 'summary']);
  });

  it('an unknown detail is a 400 naming the field', async () => {
    const r = await post(app, '/v1/whatif', { ...body, market, detail: 'brief' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('detail');
  });
});

describe('the summary does not build the after-trade report', () => {
  it('reads no details; hash and notes without the report, which is built only when read', () => {
    const inst = realInstruments();
    const snapshot = realSnapshot();
    const book = portfolio(
      [
        { instrument: inst[30]!, size: 2 },
        { instrument: inst[0]!, size: -1 },
      ],
      [{ currency: 'BTC', amount: 10 }],
    );
    let reports = 0;
    const pb = prepareBook(
      {
        buildPoolKeys,
        poolMargins,
        inputsHash: deribitPmInputsHash,
        evaluatePoolKeys: (...a: Parameters<typeof evaluatePoolKeys>) => {
          reports++;
          return evaluatePoolKeys(...a);
        },
        evaluate: (p, s, ps) => deribitPmModel.evaluate(p, s, ps),
      },
      book,
      snapshot,
      deribitPmModel.defaultParams,
    );
    reports = 0; // pool evaluations after preparing: the after-trade report (numbers or details)
    const read: string[] = [];
    const spy = (r: MarginResult): MarginResult =>
      new Proxy(r, { get: (t, k) => (read.push(String(k)), Reflect.get(t, k)) });
    const out = whatIfUseCase({
      portfolio: book,
      snapshot,
      modelId: 'deribit-pm',
      trades: [{ instrument: inst[0]!, size: 0.5 }],
      tradeField: (k) => `trades[${k}]`,
      tradesField: 'trades',
      whatIf: (_m, _p, _s, _ps, t) => {
        const w = pb.whatIf(t);
        return { ...w, after: w.after.map(spy) };
      },
    });
    const s = whatIfSummary(out, []);
    expect(read).toContain('inputsHash');
    expect(read).not.toContain('details');
    expect(reports).toBe(0);
    expect(read).toContain('unverified');
    // the hash and notes read without the report are re-evaluation's
    const trades = [{ instrument: inst[0]!, size: 0.5 }];
    const want = deribitPmModel.evaluate(
      withTrades(book, trades, snapshot),
      snapshot,
      deribitPmModel.defaultParams,
    );
    expect(s.pools.map((p) => p.after!.inputsHash)).toEqual(want.map((r) => r.inputsHash));
    expect(s.pools.map((p) => p.after!.unverified)).toEqual(want.map((r) => r.unverified));
    expect(s.pools[0]!.after!.unverified.length).toBeGreaterThan(3);
    expect(s.pools[0]!.after!.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.after[0]!.details).toBeDefined();
    expect(reports).toBeGreaterThan(0);
  });
});
