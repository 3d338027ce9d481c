/**
 * The API the dashboard adds (fastify inject): market `overrides` on every market-reading
 * request (the margin of a moved market equals `ballast margin --index … --vol …` for the same
 * moves; a roll and a vol scale change the numbers and say so in the warnings), POST /v1/greeks
 * against finite differences of Black-76, and the P&L at expiry with breakevens in
 * POST /v1/pnl-curve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/store.ts';
import { black76Price } from '../../src/pricing/black76.ts';
import { markInstrument } from '../../src/market/marks.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realSnapshot } from '../helpers/real-market.ts';
import { runCli } from '../cli/run-cli.ts';
import { bundledSnapshot, post, repoJson, testServer } from './api-fixture.ts';

let app: FastifyInstance;
let store: Store;
let snapPath: string;
let market: unknown;
const book = repoJson('examples/hedged-book.json');

beforeAll(async () => {
  const s = await bundledSnapshot();
  snapPath = s.path;
  market = s.doc;
  ({ app, store } = await testServer());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

type Margin = { initialMargin: number; maintenanceMargin: number; warnings: string[] };

describe('market overrides on the API', () => {
  it("POST /v1/margin with overrides equals the CLI's --index/--vol run", async () => {
    const r = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--model',
      'deribit-pm',
      '--market',
      snapPath,
      '--allow-stale',
      '--index',
      'BTC=55000',
      '--vol',
      'BTC-28AUG26-60000-C=0.7',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const api = await post(app, '/v1/margin', {
      portfolio: book,
      market,
      model: 'deribit-pm',
      allowStale: true,
      overrides: { index: { BTC: 55000 }, vol: { 'BTC-28AUG26-60000-C': 0.7 } },
    });
    expect(api.status).toBe(200);
    const cli = JSON.parse(r.stdout) as Margin;
    expect((api.body as unknown as Margin).initialMargin).toBe(cli.initialMargin);
    expect((api.body as unknown as Margin).maintenanceMargin).toBe(cli.maintenanceMargin);
    const plain = (
      await post(app, '/v1/margin', {
        portfolio: book,
        market,
        model: 'deribit-pm',
        allowStale: true,
      })
    ).body as unknown as Margin;
    expect(cli.initialMargin).not.toBe(plain.initialMargin);
  });

  it('volScale and days change the margin and are named in the warnings', async () => {
    const base = { portfolio: book, market, model: 'deribit-pm', allowStale: true };
    const plain = (await post(app, '/v1/margin', base)).body as unknown as Margin;
    const moved = (
      await post(app, '/v1/margin', { ...base, overrides: { volScale: 1.5, days: 7 } })
    ).body as unknown as Margin;
    expect(moved.initialMargin).not.toBe(plain.initialMargin);
    expect(moved.warnings.join('\n')).toMatch(/every implied vol × 1\.5/);
    expect(moved.warnings.join('\n')).toMatch(/rolled forward 7 days/);
  });

  it('bad overrides are problem+json naming the field', async () => {
    const base = { portfolio: book, market, model: 'deribit-pm', allowStale: true };
    const a = await post(app, '/v1/margin', { ...base, overrides: { index: { DOGE: 1 } } });
    expect(a.status).toBe(422);
    expect(a.body.field).toBe('overrides.index');
    const b = await post(app, '/v1/margin', { ...base, overrides: { volScale: -1 } });
    expect(b.status).toBe(400); // schema: exclusiveMinimum 0
    const c = await post(app, '/v1/margin', { ...base, overrides: { spot: 1 } });
    expect(c.status).toBe(400); // schema: unknown field
    const d = await post(app, '/v1/margin', { ...base, overrides: { days: 400 } });
    expect(d.status).toBe(422);
    expect(String(d.body.detail)).toMatch(/expired/i);
  });
});

describe('POST /v1/greeks', () => {
  it('one long call: delta/gamma/vega/theta against finite differences of Black-76 in USD', async () => {
    const sym = 'BTC-28AUG26-72000-C';
    const r = await post(app, '/v1/greeks', {
      portfolio: { positions: [{ instrument: sym, size: 3 }], balances: [] },
      market,
      allowStale: true,
    });
    expect(r.status).toBe(200);
    const g = r.body as unknown as {
      positions: {
        instrument: string;
        delta: number;
        gamma: number;
        vega: number;
        theta: number;
      }[];
      totals: Record<string, { delta: number; gamma: number; vega: number; theta: number }>;
      units: Record<string, string>;
    };
    const s = realSnapshot();
    const inst = parseSymbol(sym, 'deribit');
    const m = markInstrument(inst, s);
    const F = m.forward;
    const T = m.T!;
    const vol = m.vol!;
    const usd = (f: number, v: number, t: number) => black76Price('call', f, 72000, t, v, 1);
    const h = 1e-4;
    const vega = (usd(F, vol + h, T) - usd(F, vol - h, T)) / (2 * h) / 100;
    // theta per calendar day as the derivative in T (1/365 y per day), by a small step
    const theta = (usd(F, vol, T - 1e-6) - usd(F, vol, T)) / 1e-6 / 365;
    const dF = F * 1e-3;
    const gammaUsd = (usd(F + dF, vol, T) - 2 * usd(F, vol, T) + usd(F - dF, vol, T)) / dF ** 2;
    // Deribit delta_total of an inverse option: Black-76 delta minus the coin mark
    const delta = (usd(F + dF, vol, T) - usd(F - dF, vol, T)) / (2 * dF) - usd(F, vol, T) / F;
    const p = g.positions[0]!;
    expect(p.vega).toBeCloseTo(3 * vega, 4);
    expect(p.theta).toBeCloseTo(3 * theta, 3);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(rel(p.gamma, 3 * gammaUsd * F * 0.01)).toBeLessThan(2e-4); // central differences, step 0.1 % of F
    expect(rel(p.delta, 3 * delta)).toBeLessThan(2e-4);
    expect(g.totals.BTC!.vega).toBe(p.vega);
    expect(g.units.vega).toMatch(/USD per vol point/);
  });

  it('the hedged book: totals are the sum of the positions; a perpetual has delta = size', async () => {
    const r = await post(app, '/v1/greeks', { portfolio: book, market, allowStale: true });
    expect(r.status).toBe(200);
    const g = r.body as unknown as {
      positions: { instrument: string; size: number; delta: number; vega: number }[];
      totals: Record<string, { delta: number; vega: number }>;
    };
    const sum = (k: 'delta' | 'vega') => g.positions.reduce((a, p) => a + p[k], 0);
    expect(g.totals.BTC!.delta).toBeCloseTo(sum('delta'), 10);
    expect(g.totals.BTC!.vega).toBeCloseTo(sum('vega'), 10);
    for (const p of g.positions.filter((x) =>
      /PERPETUAL|-\d{1,2}[A-Z]{3}\d{2}$/.test(x.instrument),
    ))
      expect(p.delta).toBe(p.size);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/v1/greeks');
  });
});

describe('POST /v1/pnl-curve at expiry', () => {
  it('short strangle without collateral: breakevens are the strikes ∓ the premium per coin', async () => {
    const r = await post(app, '/v1/pnl-curve', {
      portfolio: {
        positions: [
          { instrument: 'BTC-28AUG26-55000-P', size: -10 },
          { instrument: 'BTC-28AUG26-72000-C', size: -10 },
        ],
        balances: [],
      },
      market,
      allowStale: true,
      points: 81,
      span: 0.6,
    });
    expect(r.status).toBe(200);
    const s = realSnapshot();
    const prem =
      (markInstrument(parseSymbol('BTC-28AUG26-55000-P', 'deribit'), s).price +
        markInstrument(parseSymbol('BTC-28AUG26-72000-C', 'deribit'), s).price) *
      s.underlyings.BTC!.index;
    const e = (r.body as { expiry: { breakevens: number[]; expiryMs: number } }).expiry;
    expect(e.breakevens[0]!).toBeCloseTo(55000 - prem, 3);
    expect(e.breakevens[1]!).toBeCloseTo(72000 + prem, 3);
    expect(new Date(e.expiryMs).toISOString()).toBe('2026-08-28T08:00:00.000Z');
  });
});
