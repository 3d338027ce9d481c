/**
 * The optimizer routes answer exactly the CLI's `--json` object for the same inputs:
 * POST /v1/optimize (margin objective, with a constraints value), /v1/cure and /v1/allocate
 * (route mode, the example accounts with their portfolio files inlined), on the bundled
 * Deribit BTC snapshot; bad inputs are problem+json naming the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { apiSuite, inlineAccounts, post, repoJson } from './api-fixture.ts';

let app: FastifyInstance;
let market: unknown;
const suite = apiSuite();
const cliJson = suite.cliJson;
beforeAll(() => void ({ app, market } = suite));

describe('optimizer routes answer the CLI --json objects', () => {
  it('POST /v1/optimize equals ballast optimize --json (constraints file → constraints value)', async () => {
    const cli = await cliJson([
      'optimize',
      'examples/hedged-book.json',
      '--constraints',
      'examples/hedge-constraints.json',
      '--scenarios',
      '300',
    ]);
    const r = await post(app, '/v1/optimize', {
      portfolio: repoJson('examples/hedged-book.json'),
      constraints: repoJson('examples/hedge-constraints.json'),
      scenarios: 300,
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
    expect((r.body as { trades: unknown[] }).trades.length).toBeGreaterThan(0);
  }, 120_000);

  it('POST /v1/cure equals ballast cure --json', async () => {
    const cli = await cliJson([
      'cure',
      'examples/short-strangle.json',
      '--target-utilization',
      '0.2',
    ]);
    const r = await post(app, '/v1/cure', {
      portfolio: repoJson('examples/short-strangle.json'),
      targetUtilization: 0.2,
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
    expect((r.body as { needed: boolean }).needed).toBe(true);
  }, 120_000);

  it('POST /v1/allocate equals ballast allocate --json (route mode)', async () => {
    const cli = await cliJson(['allocate', 'examples/accounts.json']);
    const r = await post(app, '/v1/allocate', {
      accounts: inlineAccounts(),
      market,
      allowStale: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual(cli);
    expect((r.body as { mode: string }).mode).toBe('route');
  }, 120_000);

  it('bad inputs are problem+json naming the field', async () => {
    const bad = await post(app, '/v1/optimize', {
      portfolio: repoJson('examples/hedged-book.json'),
      constraints: { maxsize: 3 },
      market,
      allowStale: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toMatch(/application\/problem\+json/);
    const ref = await post(app, '/v1/allocate', {
      accounts: repoJson('examples/accounts.json'),
      market,
      allowStale: true,
    });
    expect(ref.status).toBe(400);
    expect(ref.body.field).toBe('accounts.accounts[0].portfolio');
    const big = await post(app, '/v1/optimize', {
      portfolio: repoJson('examples/hedged-book.json'),
      scenarios: 1_000_000,
      market,
      allowStale: true,
    });
    expect(big.status).toBe(413);
    expect(big.body.field).toBe('scenarios');
  }, 60_000);
});
