/**
 * The HTTP API in process (fastify inject): each analytics route answers exactly the CLI's
 * `--json` object for the same inputs (examples/hedged-book.json on the bundled Deribit BTC
 * snapshot), and the OpenAPI document lists every route.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { apiSuite, post, repoJson } from './api-fixture.ts';

let app: FastifyInstance;
let market: unknown;
const suite = apiSuite();
const cliJson = suite.cliJson;
beforeAll(() => void ({ app, market } = suite));
const book = repoJson('examples/hedged-book.json');

describe('analytics routes answer the CLI --json objects', () => {
  it('POST /v1/margin equals ballast margin --json (hedged-book, deribit-pm)', async () => {
    const cli = await cliJson(['margin', 'examples/hedged-book.json', '--model', 'deribit-pm']);
    const r = await post(app, '/v1/margin', {
      portfolio: book,
      market,
      model: 'deribit-pm',
      allowStale: true,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(cli);
    expect((r.body as { initialMargin: number }).initialMargin).toBeGreaterThan(0);
  });

  it('POST /v1/margin takes CSV text as the portfolio, like a .csv file', async () => {
    const cli = await cliJson([
      'margin',
      'examples/short-strangle.csv',
      '--model',
      'deribit-standard',
    ]);
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync('examples/short-strangle.csv', 'utf8');
    const r = await post(app, '/v1/margin', {
      portfolio: csv,
      market,
      model: 'deribit-standard',
      allowStale: true,
    });
    expect(r.status).toBe(200);
    expect((r.body as { initialMargin: number }).initialMargin).toBe(
      (cli as { initialMargin: number }).initialMargin,
    );
  });

  it('POST /v1/compare equals ballast compare --json', async () => {
    const cli = await cliJson(['compare', 'examples/hedged-book.json']);
    const r = await post(app, '/v1/compare', { portfolio: book, market, allowStale: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(cli);
  });

  it('POST /v1/whatif equals ballast whatif --json and carries the simulate_portfolio / pme/simulate fields', async () => {
    const cli = (await cliJson([
      'whatif',
      'examples/hedged-book.json',
      '--model',
      'deribit-pm',
      '--trade',
      'BTC-PERPETUAL:-0.5',
    ])) as Record<string, unknown>;
    const r = await post(app, '/v1/whatif', {
      portfolio: book,
      market,
      model: 'deribit-pm',
      allowStale: true,
      trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }],
    });
    expect(r.status).toBe(200);
    const { simulate_portfolio, pme_simulate, ...rest } = r.body as Record<string, unknown>;
    expect(rest).toEqual(cli);
    expect(rest.warnings).toEqual([expect.stringMatching(/old .*--allow-stale/)]);
    const before = (
      cli.before as { currency: string; initialMargin: number; maintenanceMargin: number }[]
    )[0]!;
    const after = (
      cli.after as {
        initialMargin: number;
        maintenanceMargin: number;
        equity: number;
        details: { simulate: unknown };
      }[]
    )[0]!;
    const sp = (simulate_portfolio as Record<string, Record<string, number>>).btc!;
    expect(sp.initial_margin).toBe(before.initialMargin);
    expect(sp.projected_initial_margin).toBe(after.initialMargin);
    expect(sp.projected_maintenance_margin).toBe(after.maintenanceMargin);
    expect(sp.available_funds).toBe(after.equity - after.initialMargin);
    expect((pme_simulate as Record<string, unknown>).btc).toEqual(after.details.simulate);
    expect(
      (pme_simulate as Record<string, { margins: Record<string, { initial_margin: number }> }>).btc!
        .margins.btc!.initial_margin,
    ).toBeGreaterThan(0);
  });

  it('POST /v1/health equals ballast health --json (liquidation distances included)', async () => {
    const cli = await cliJson([
      'health',
      'examples/hedged-book.json',
      '--model',
      'deribit-pm',
      '--shock',
      'BTC:-20%',
    ]);
    const r = await post(app, '/v1/health', {
      portfolio: book,
      market,
      model: 'deribit-pm',
      allowStale: true,
      shock: { underlying: 'BTC', move: -0.2 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(cli);
    expect(JSON.stringify((r.body as { liquidation: unknown }).liquidation)).toMatch(/price/i);
  }, 120_000);

  it('POST /v1/var equals ballast var --method mc --json (same seed, same bits)', async () => {
    const cli = await cliJson([
      'var',
      'examples/hedged-book.json',
      '--method',
      'mc',
      '--paths',
      '2000',
      '--seed',
      '7',
      '--measure',
      'es',
      '--confidence',
      '0.975',
    ]);
    const r = await post(app, '/v1/var', {
      portfolio: book,
      market,
      allowStale: true,
      measure: 'es',
      confidence: 0.975,
      paths: 2000,
      seed: 7,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(cli);
  }, 120_000);

  it('POST /v1/risk-matrix: 3 vol states × 9 spot moves, the worst cell is the one that set the margin', async () => {
    const cli = (await cliJson([
      'margin',
      'examples/hedged-book.json',
      '--model',
      'deribit-pm',
    ])) as {
      worstScenario: { id: string; pnl: number };
      details: { simulate: { aggregated_risk_vectors: Record<string, { standard: number[] }> } };
    };
    const r = await post(app, '/v1/risk-matrix', { portfolio: book, market, allowStale: true });
    expect(r.status).toBe(200);
    const grid = (
      r.body as {
        grids: {
          spotMoves: number[];
          volStates: string[];
          pnl: number[][];
          worst: { id: string; pnl: number; move: number };
        }[];
      }
    ).grids[0]!;
    expect(grid.volStates).toEqual(['up', 'same', 'down']);
    expect(grid.spotMoves).toHaveLength(9);
    expect(grid.worst.id).toBe(cli.worstScenario.id);
    const vec = Object.values(cli.details.simulate.aggregated_risk_vectors)[0]!.standard;
    expect(grid.worst.pnl).toBe(vec[Number(cli.worstScenario.id.replace('std-', ''))]);
    expect(grid.worst.pnl).toBe(Math.min(...grid.pnl.flat()));
    expect((r.body as { pme_simulate: Record<string, unknown> }).pme_simulate.btc).toEqual(
      cli.details.simulate,
    );
  });

  it("POST /v1/pnl-curve: 0 at today's spot, a long perp gains when spot rises, a short mirrors it", async () => {
    const long = {
      positions: [{ instrument: 'BTC-PERPETUAL', size: 2, entryPrice: 60000 }],
      balances: [],
    };
    const short = {
      positions: [{ instrument: 'BTC-PERPETUAL', size: -2, entryPrice: 60000 }],
      balances: [],
    };
    const curve = async (portfolio: unknown) =>
      (
        (
          await post(app, '/v1/pnl-curve', {
            portfolio,
            market,
            allowStale: true,
            points: 11,
            span: 0.2,
          })
        ).body as {
          points: { multiplier: number; pnlUsd: number }[];
        }
      ).points;
    const a = await curve(long);
    const b = await curve(short);
    expect(a).toHaveLength(11);
    expect(a[5]!.multiplier).toBe(1);
    expect(a[5]!.pnlUsd).toBeCloseTo(0, 9);
    for (let i = 1; i < a.length; i++) expect(a[i]!.pnlUsd).toBeGreaterThan(a[i - 1]!.pnlUsd);
    a.forEach((p, i) => expect(b[i]!.pnlUsd).toBeCloseTo(-p.pnlUsd, 6));
  });

  it('GET /v1/models lists every registered model', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/models' });
    const ids = (r.json() as { id: string }[]).map((m) => m.id);
    expect(ids).toContain('deribit-pm');
    expect(ids.length).toBeGreaterThan(5);
  });
});

describe('markets and accounts over the store', () => {
  let marketId = '';

  it('stores a snapshot, lists it, finds the latest BTC one; margin by marketId equals inline', async () => {
    const up = await post(app, '/v1/markets', { market });
    expect(up.status).toBe(201);
    marketId = String((up.body as { id: string }).id);
    expect(marketId).toMatch(/^[0-9a-f]{16}$/);
    const again = await post(app, '/v1/markets', { market });
    expect((again.body as { id: string }).id).toBe(marketId);
    const list = (await app.inject({ method: 'GET', url: '/v1/markets' })).json() as {
      id: string;
    }[];
    expect(list.map((m) => m.id)).toEqual([marketId]);
    const latest = (await app.inject({ method: 'GET', url: '/v1/markets/latest/btc' })).json() as {
      id: string;
    };
    expect(latest.id).toBe(marketId);
    const byId = await post(app, '/v1/margin', {
      portfolio: book,
      marketId,
      model: 'deribit-pm',
      allowStale: true,
    });
    const inline = await post(app, '/v1/margin', {
      portfolio: book,
      market,
      model: 'deribit-pm',
      allowStale: true,
    });
    expect(byId.body).toEqual(inline.body);
    const missing = await app.inject({ method: 'GET', url: '/v1/markets/latest/SOL' });
    expect(missing.statusCode).toBe(404);
  });

  it('creates an account from a portfolio, appends trades as new versions, keeps old versions', async () => {
    const c = await post(app, '/v1/accounts', { id: 'desk-a', name: 'Desk A', portfolio: book });
    expect(c.status).toBe(201);
    expect((c.body as { version: number }).version).toBe(1);
    const t = await post(app, '/v1/accounts/desk-a/trades', {
      trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }],
      expectedVersion: 1,
    });
    expect(t.status).toBe(200);
    expect((t.body as { version: number }).version).toBe(2);
    const stale = await post(app, '/v1/accounts/desk-a/trades', {
      trades: [{ instrument: 'BTC-PERPETUAL', size: 1 }],
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', field: 'expectedVersion' });
    const v1 = (
      await app.inject({ method: 'GET', url: '/v1/accounts/desk-a?version=1' })
    ).json() as {
      book: { positions: unknown[] };
    };
    const now = (await app.inject({ method: 'GET', url: '/v1/accounts/desk-a' })).json() as {
      version: number;
      book: { positions: unknown[] };
    };
    expect(now.version).toBe(2);
    expect(now.book.positions.length).toBe(v1.book.positions.length + 1);
  });

  it('margins the stored book, stores the result with its inputs hash, and lists the history', async () => {
    const m = await post(app, '/v1/accounts/desk-a/margin', {
      marketId,
      model: 'deribit-pm',
      allowStale: true,
    });
    expect(m.status).toBe(200);
    const res = m.body as {
      result: { inputsHash: string; initialMargin: number };
      accountVersion: number;
    };
    expect(res.accountVersion).toBe(2);
    const h = (
      await app.inject({ method: 'GET', url: '/v1/accounts/desk-a/margin-history' })
    ).json() as {
      inputsHash: string;
      initialMarginUsd: number;
      marketId: string;
    }[];
    expect(h).toHaveLength(1);
    expect(h[0]!.inputsHash).toBe(res.result.inputsHash);
    expect(h[0]!.marketId).toBe(marketId);
    expect(h[0]!.initialMarginUsd).toBeGreaterThan(0);
  });

  it('PUT /v1/accounts/:id/book replaces the book with any portfolio format', async () => {
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync('examples/short-strangle.csv', 'utf8');
    const r = await app.inject({
      method: 'PUT',
      url: '/v1/accounts/desk-a/book',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ portfolio: csv }),
    });
    expect(r.statusCode).toBe(200);
    expect((r.json() as { version: number }).version).toBe(3);
  });
});

describe('OpenAPI document and docs', () => {
  it('/openapi.json lists every route; /docs serves the browser', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/margin',
      '/v1/compare',
      '/v1/whatif',
      '/v1/health',
      '/v1/var',
      '/v1/risk-matrix',
      '/v1/pnl-curve',
      '/v1/models',
      '/v1/markets',
      '/v1/markets/{id}',
      '/v1/markets/latest/{underlying}',
      '/v1/accounts',
      '/v1/accounts/{id}',
      '/v1/accounts/{id}/book',
      '/v1/accounts/{id}/trades',
      '/v1/accounts/{id}/margin',
      '/v1/accounts/{id}/margin-history',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    const home = await app.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-type']).toMatch(/text\/html/);
    expect(home.body).toMatch(/<div id="app"|<main id="app"/);
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toMatch(/swagger/i);
  });
});
