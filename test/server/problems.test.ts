/**
 * Every bad input is an RFC 9457 problem+json with Ballast's code and the field path, and no
 * stack trace: malformed JSON, unknown instrument, stale market, missing field, oversized
 * body, too many positions, no/wrong key, another account's key, a read-only key writing, the
 * rate limit; and `ballast serve` on a public address without keys refuses to start.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { newApiKey } from '../../src/server/api-keys.ts';
import type { Store } from '../../src/store/store.ts';
import { runCli } from '../cli/run-cli.ts';
import { bundledSnapshot, post, repoJson, testServer } from './api-fixture.ts';

let market: unknown;
let app: FastifyInstance;
let store: Store;
const book = repoJson('examples/hedged-book.json') as { positions: { instrument: string }[] };

beforeAll(async () => {
  market = (await bundledSnapshot()).doc;
  ({ app, store } = await testServer());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** Asserts a problem+json response with `status`, `code` and `field`, and no stack trace. */
function expectProblem(
  r: { status: number; type: string; body: Record<string, unknown> },
  status: number,
  code: string,
  field: string | null,
): void {
  expect(r.type).toMatch(/^application\/problem\+json/);
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ status, code, field });
  expect(typeof r.body.title).toBe('string');
  expect(typeof r.body.detail).toBe('string');
  expect(String(r.body.type)).toMatch(/^urn:ballast:problem:/);
  expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at |\.ts:\d+/);
}

const marginBody = (over: Record<string, unknown> = {}) => ({
  portfolio: book,
  market,
  model: 'deribit-pm',
  allowStale: true,
  ...over,
});

describe('problem+json for bad input', () => {
  it('malformed JSON: 400 MALFORMED_JSON at body', async () => {
    expectProblem(await post(app, '/v1/margin', '{"portfolio": {'), 400, 'MALFORMED_JSON', 'body');
  });

  it('unknown instrument: 422 naming portfolio.positions[0].instrument', async () => {
    const bad = {
      ...book,
      positions: [{ ...book.positions[0]!, instrument: 'BTC-NOPE-X' }, ...book.positions.slice(1)],
    };
    const r = await post(app, '/v1/margin', marginBody({ portfolio: bad }));
    expectProblem(r, 422, 'INVALID_SYMBOL', 'portfolio.positions[0].instrument');
  });

  it('stale market without allowStale: 422 STALE_MARKET at market', async () => {
    const r = await post(app, '/v1/margin', marginBody({ allowStale: false }));
    expectProblem(r, 422, 'STALE_MARKET', 'market');
    expect(String(r.body.detail)).toMatch(/old/);
  });

  it('missing field: 400 SCHEMA naming it', async () => {
    const { model: _m, ...noModel } = marginBody();
    expectProblem(await post(app, '/v1/margin', noModel), 400, 'SCHEMA', 'model');
    const r = await post(app, '/v1/whatif', {
      ...marginBody(),
      trades: [{ instrument: 'BTC-PERPETUAL' }],
    });
    expectProblem(r, 400, 'SCHEMA', 'trades[0].size');
  });

  it('unknown model and mistyped parameter: named', async () => {
    expectProblem(
      await post(app, '/v1/margin', marginBody({ model: 'nope' })),
      422,
      'INVALID_INPUT',
      'model',
    );
    const r = await post(app, '/v1/margin', marginBody({ params: { nope: 1 } }));
    expectProblem(r, 400, 'SCHEMA', 'params.nope');
  });

  it('neither or both of market and marketId: 400', async () => {
    const { market: _m, ...noMarket } = marginBody();
    expectProblem(await post(app, '/v1/margin', noMarket), 400, 'SCHEMA', 'market');
  });

  it('unknown stored market: 404 at marketId', async () => {
    const { market: _m, ...rest } = marginBody();
    expectProblem(
      await post(app, '/v1/margin', { ...rest, marketId: 'ffffffffffffffff' }),
      404,
      'NOT_FOUND',
      'marketId',
    );
  });

  it('unknown route: 404 problem', async () => {
    const r = await post(app, '/v1/nope', {});
    expectProblem(r, 404, 'NOT_FOUND', null);
  });
});

describe('limits', () => {
  it('oversized body: 413 LIMIT_EXCEEDED at body', async () => {
    const small = await testServer({ bodyBytes: 2000 });
    try {
      expectProblem(
        await post(small.app, '/v1/margin', marginBody()),
        413,
        'LIMIT_EXCEEDED',
        'body',
      );
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });

  it('too many positions or trades: 413 naming the field', async () => {
    const small = await testServer({ positions: 2, trades: 1 });
    try {
      const r = await post(small.app, '/v1/margin', marginBody());
      expectProblem(r, 413, 'LIMIT_EXCEEDED', 'portfolio.positions');
      const t = await post(small.app, '/v1/whatif', {
        ...marginBody({ portfolio: { positions: [book.positions[0]] } }),
        trades: [
          { instrument: 'BTC-PERPETUAL', size: 1 },
          { instrument: 'BTC-PERPETUAL', size: 2 },
        ],
      });
      expectProblem(t, 413, 'LIMIT_EXCEEDED', 'trades');
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });

  it('too many Monte Carlo paths: 413 at paths', async () => {
    const small = await testServer({ scenarios: 100 });
    try {
      const r = await post(small.app, '/v1/var', {
        portfolio: book,
        market,
        allowStale: true,
        paths: 1000,
      });
      expectProblem(r, 413, 'LIMIT_EXCEEDED', 'paths');
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });

  it('rate limit per key: the request over the limit is 429 RATE_LIMITED', async () => {
    const small = await testServer({ ratePerWindow: 3, rateWindowMs: 60_000 });
    try {
      const codes: number[] = [];
      for (let k = 0; k < 4; k++)
        codes.push((await small.app.inject({ method: 'GET', url: '/v1/models' })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const r = await small.app.inject({ method: 'GET', url: '/v1/models' });
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });
});

describe('API keys', () => {
  let admin = '';
  let viewer = '';
  let deskB = '';

  beforeAll(async () => {
    const a = newApiKey('admin', [], false, 0);
    const v = newApiKey('viewer', [], true, 0);
    const b = newApiKey('desk-b only', ['desk-b'], false, 0);
    for (const k of [a, v, b]) await store.createKey(k.record);
    [admin, viewer, deskB] = [a.key, v.key, b.key];
    await new Promise((r) => setTimeout(r, 2100)); // past the server's 2 s key cache
  });

  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

  it('with keys in the store: no key or a wrong key is 401', async () => {
    expectProblem(
      await post(app, '/v1/margin', marginBody()),
      401,
      'UNAUTHORIZED',
      'authorization',
    );
    expectProblem(
      await post(app, '/v1/margin', marginBody(), bearer('blst_wrong')),
      401,
      'UNAUTHORIZED',
      'authorization',
    );
    const ok = await post(app, '/v1/margin', marginBody(), { 'x-api-key': admin });
    expect(ok.status).toBe(200);
  });

  it("another account's key is 403 FORBIDDEN; its own account is fine", async () => {
    const own = await post(app, '/v1/accounts', { id: 'desk-b', portfolio: book }, bearer(deskB));
    expect(own.status).toBe(201);
    const other = await post(app, '/v1/accounts', { id: 'desk-c' }, bearer(deskB));
    expectProblem(other, 403, 'FORBIDDEN', 'id');
    await post(app, '/v1/accounts', { id: 'desk-c' }, bearer(admin));
    const r = await app.inject({
      method: 'GET',
      url: '/v1/accounts/desk-c',
      headers: bearer(deskB),
    });
    expect(r.statusCode).toBe(403);
    const list = (
      await app.inject({ method: 'GET', url: '/v1/accounts', headers: bearer(deskB) })
    ).json() as { id: string }[];
    expect(list.map((a) => a.id)).toEqual(['desk-b']);
  });

  it('a read-only key computes but cannot write', async () => {
    expect((await post(app, '/v1/margin', marginBody(), bearer(viewer))).status).toBe(200);
    const w = await post(
      app,
      '/v1/accounts/desk-b/trades',
      { trades: [{ instrument: 'BTC-PERPETUAL', size: 1 }] },
      bearer(viewer),
    );
    expectProblem(w, 403, 'FORBIDDEN', 'authorization');
    expectProblem(
      await post(app, '/v1/markets', { market }, bearer(viewer)),
      403,
      'FORBIDDEN',
      'authorization',
    );
  });
});

describe('ballast serve and keys', () => {
  it('refuses to bind a public address without keys (exit 2, one line naming --host)', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'ballast-serve-')), 'b.db');
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[FORBIDDEN\] --host: refusing to serve on 0\.0\.0\.0 without API keys/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('keys create prints the key once and stores only its hash', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'ballast-keys-')), 'k.db');
    const r = await runCli([
      'keys',
      'create',
      '--name',
      'ops',
      '--accounts',
      'a,b',
      '--read-only',
      '--db',
      db,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { key: string; accounts: string[]; readOnly: boolean };
    expect(out.key).toMatch(/^blst_[A-Za-z0-9_-]{43}$/);
    expect(out).toMatchObject({ accounts: ['a', 'b'], readOnly: true });
    const { existsSync, readFileSync } = await import('node:fs');
    const { createHash } = await import('node:crypto');
    const bytes = [db, `${db}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('');
    expect(bytes).not.toContain(out.key);
    expect(bytes).toContain(createHash('sha256').update(out.key).digest('hex'));
  });
});
