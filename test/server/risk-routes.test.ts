/**
 * /v1/stress and historical /v1/var answer the CLI's `--json` objects for the same inputs
 * (examples/hedged-book.json on the bundled Deribit BTC snapshot, the bundled history), and
 * an uploaded price series gives the same margin as `--history BTC=<file>` (on /v1/var, and on
 * /v1/margin, where it is attached to the market; a `history` parameter is refused).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { apiSuite, post, repoJson } from './api-fixture.ts';

let app: FastifyInstance;
let market: unknown;
const suite = apiSuite();
const cliJson = suite.cliJson;
beforeAll(() => void ({ app, market } = suite));
const book = repoJson('examples/hedged-book.json');

describe('stress and historical VaR over the API', () => {
  it('POST /v1/stress (default: hypotheticals + covered library) equals ballast stress --json', async () => {
    const cli = await cliJson(['stress', 'examples/hedged-book.json']);
    const r = await post(app, '/v1/stress', { portfolio: book, market, allowStale: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
    expect((r.body.scenarios as unknown[]).length).toBeGreaterThan(4);
  }, 120_000);

  it('POST /v1/stress with an id, a library event and inline shocks equals --scenario …', async () => {
    const cli = await cliJson([
      'stress',
      'examples/hedged-book.json',
      '--scenario',
      'crash-30',
      '--scenario',
      'china-ban-2017-09-14',
      '--scenario',
      'examples/stress-shocks.json',
    ]);
    const r = await post(app, '/v1/stress', {
      portfolio: book,
      scenarios: [
        'crash-30',
        'china-ban-2017-09-14',
        { shocks: repoJson('examples/stress-shocks.json') },
      ],
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
    const bad = await post(app, '/v1/stress', {
      portfolio: book,
      scenarios: ['no-such-event'],
      market,
      allowStale: true,
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'INVALID_INPUT', field: 'scenarios' });
  }, 120_000);

  it('POST /v1/var method hs (bundled history) equals ballast var --method hs --json', async () => {
    const cli = await cliJson([
      'var',
      'examples/hedged-book.json',
      '--method',
      'hs',
      '--measure',
      'es',
      '--confidence',
      '0.975',
    ]);
    const r = await post(app, '/v1/var', {
      portfolio: book,
      method: 'hs',
      measure: 'es',
      confidence: 0.975,
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
  }, 120_000);

  it('POST /v1/var with an uploaded BTC series: the margin of --history BTC=<file>', async () => {
    const file = 'data/crypto-ohlc/Coinbase_BTCUSD_d.csv';
    const cli = await cliJson([
      'var',
      'examples/hedged-book.json',
      '--method',
      'fhs',
      '--history',
      `BTC=${file}`,
    ]);
    const r = await post(app, '/v1/var', {
      portfolio: book,
      method: 'fhs',
      history: [{ symbol: 'BTC', csv: readFileSync(file, 'utf8') }],
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const im = (o: Record<string, unknown>) =>
      (o.pools as { initialMargin: number }[]).map((p) => p.initialMargin);
    expect(im(r.body)).toEqual(im(cli));
    expect(im(r.body)[0]).toBeGreaterThan(0);
    // the bundled history gives a different number: the upload was used
    const bundled = await post(app, '/v1/var', {
      portfolio: book,
      method: 'fhs',
      market,
      allowStale: true,
    });
    expect(im(bundled.body)).not.toEqual(im(r.body));
  }, 120_000);
});

describe('price history is market data over the API (POST /v1/margin)', () => {
  const file = 'data/crypto-ohlc/Coinbase_BTCUSD_d.csv';
  const params = repoJson('examples/es-fhs-params.json');

  it('an uploaded series is attached to the market: the margin of ballast margin --history BTC=<file>', async () => {
    const cli = await cliJson([
      'margin',
      'examples/hedged-book.json',
      '--model',
      'es',
      '--params',
      'examples/es-fhs-params.json',
      '--history',
      `BTC=${file}`,
    ]);
    const r = await post(app, '/v1/margin', {
      portfolio: book,
      model: 'es',
      params,
      history: [{ symbol: 'BTC', csv: readFileSync(file, 'utf8') }],
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // the same numbers (the source line names the file on the CLI and the upload here)
    const im = (o: Record<string, unknown>) =>
      (o.pools as { initialMargin: number; maintenanceMargin: number }[]).map((p) => [
        p.initialMargin,
        p.maintenanceMargin,
      ]);
    expect(im(r.body)).toEqual(im(cli));
    expect(r.body.initialMargin as number).toBeGreaterThan(0);
    const none = await post(app, '/v1/margin', {
      portfolio: book,
      model: 'es',
      params,
      market,
      allowStale: true,
    });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ code: 'INVALID_INPUT', field: 'market.history' });
  }, 120_000);

  it('params that still carry history are refused, saying it moved', async () => {
    const r = await post(app, '/v1/margin', {
      portfolio: book,
      model: 'var',
      params: { method: 'hs', history: { series: [] } },
      market,
      allowStale: true,
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'SCHEMA', field: 'params.history' });
    expect(r.body.detail as string).toMatch(/moved to market\.history/);
  }, 120_000);
});
