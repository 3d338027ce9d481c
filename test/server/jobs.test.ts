/**
 * Optimizer jobs and pre-empting timeouts: a job's result equals the synchronous route's
 * answer; its server-sent events (real listen on 127.0.0.1:0) deliver progress then the
 * result; DELETE cancels a running job and terminates its worker thread; unknown jobs are
 * 404 problem+json; a synchronous run past its budget is stopped (thread gone) and answers
 * 504 TIMEOUT; the OpenAPI document lists the routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { bundledSnapshot, inlineAccounts, post, repoJson } from './api-fixture.ts';

let app: FastifyInstance;
let store: Store;
let market: unknown;
let base: string;

const cureBody = () => ({
  portfolio: repoJson('examples/short-strangle.json'),
  targetUtilization: 0.2,
  market,
  allowStale: true,
});
/** An ES optimisation on many scenarios: seconds of LP work, long enough to cancel or time out. */
const slowBody = () => ({
  portfolio: repoJson('examples/short-strangle.json'),
  objective: 'es',
  scenarios: 20_000,
  constraints: { keepExposures: 0.25 },
  market,
  allowStale: true,
});

async function get(url: string) {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, type: String(r.headers['content-type']), body: r.json() };
}

/** Polls the job until `done(view)` (10 ms steps, at most `ms`). */
async function waitJob(id: string, done: (v: Record<string, unknown>) => boolean, ms = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const v = (await get(`/v1/jobs/${id}`)).body as Record<string, unknown>;
    if (done(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`job ${id} still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const finished = (v: Record<string, unknown>) =>
  ['succeeded', 'failed', 'cancelled'].includes(v.status as string);

beforeAll(async () => {
  market = (await bundledSnapshot()).doc;
  store = await openStore(':memory:');
  app = await buildServer({ store, optimizerThreads: 1 });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('optimizer jobs', () => {
  it('a cure job: 202 with a Location, then succeeded with the synchronous answer', async () => {
    const sync = await post(app, '/v1/cure', cureBody());
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    const r = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'cure', body: cureBody() }),
    });
    expect(r.statusCode, r.body).toBe(202);
    const job = r.json() as { id: string; status: string };
    expect(r.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(['queued', 'running']).toContain(job.status);
    const done = await waitJob(job.id, finished);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual(sync.body);
    expect((done.result as { needed: boolean }).needed).toBe(true);
  }, 120_000);

  it('SSE over a real socket: progress events, then the result equal to POST /v1/allocate', async () => {
    const body = { accounts: inlineAccounts(), market, allowStale: true };
    const sync = await post(app, '/v1/allocate', body);
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    const created = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'allocate', body }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const ev = await fetch(`${base}/v1/jobs/${id}/events`);
    expect(ev.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await ev.text(); // the server ends the stream after the final event
    const events = text
      .trim()
      .split('\n\n')
      .map((f) => {
        const lines = f.split('\n');
        const type = lines[0]!.replace(/^event: /, '');
        const data = JSON.parse(
          lines
            .slice(1)
            .map((l) => l.replace(/^data: /, ''))
            .join('\n'),
        );
        return { type, data };
      });
    const types = events.map((e) => e.type);
    expect(types.at(-1)).toBe('result');
    expect(types.slice(0, -1).every((t) => t === 'progress')).toBe(true);
    const stages = events.filter((e) => e.type === 'progress').map((e) => e.data.stage);
    expect(stages).toContain('started');
    expect(stages).toContain('solving');
    expect(events.at(-1)!.data).toEqual(sync.body);
  }, 120_000);

  it('DELETE cancels a running job: status cancelled, its worker thread terminated', async () => {
    const r = await post(app, '/v1/jobs', { kind: 'optimize', body: slowBody() });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const id = r.body.id as string;
    await waitJob(id, (v) => v.stage === 'solving' || finished(v));
    const threads = app.optimizer.threadIds();
    expect(threads.length).toBe(1); // optimizerThreads: 1, so the job runs on this one
    const del = await app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });
    expect(del.statusCode).toBe(200);
    expect(del.json().status).toBe('cancelled');
    await new Promise((res) => setTimeout(res, 200));
    expect(app.optimizer.threadIds()).not.toContain(threads[0]);
    const after = await get(`/v1/jobs/${id}`);
    expect(after.body.status).toBe('cancelled');
    expect(after.body.result).toBeUndefined();
  }, 120_000);

  it('unknown job: 404 problem+json for GET, events and DELETE; a bad body names the field', async () => {
    for (const [method, url] of [
      ['GET', '/v1/jobs/nope'],
      ['GET', '/v1/jobs/nope/events'],
      ['DELETE', '/v1/jobs/nope'],
    ] as const) {
      const r = await app.inject({ method, url });
      expect(r.statusCode, url).toBe(404);
      expect(String(r.headers['content-type'])).toMatch(/application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    }
    const bad = await post(app, '/v1/jobs', { kind: 'cure', body: { market, allowStale: true } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'SCHEMA' });
    expect(String(bad.body.field)).toMatch(/^body/);
    const kind = await post(app, '/v1/jobs', { kind: 'nope', body: {} });
    expect(kind.status).toBe(400);
  }, 60_000);

  it('the OpenAPI document lists the optimizer and job routes', async () => {
    const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
    for (const p of [
      '/v1/optimize',
      '/v1/cure',
      '/v1/allocate',
      '/v1/jobs',
      '/v1/jobs/{id}',
      '/v1/jobs/{id}/events',
    ])
      expect(Object.keys(doc.paths), p).toContain(p);
  });
});

describe('pre-empting timeouts', () => {
  it('a 1 ms budget: POST /v1/cure answers 504 TIMEOUT problem+json', async () => {
    const s = await openStore(':memory:');
    const tiny = await buildServer({ store: s, limits: { optimizerTimeoutMs: 1 } });
    try {
      const r = await post(tiny, '/v1/cure', cureBody());
      expect(r.status).toBe(504);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(r.body).toMatchObject({ code: 'TIMEOUT', field: 'timeout' });
    } finally {
      await tiny.close();
      await s.close();
    }
  }, 60_000);

  it('a run past its budget is stopped: 504, and the thread it ran on is terminated', async () => {
    const s = await openStore(':memory:');
    const srv = await buildServer({
      store: s,
      limits: { optimizerTimeoutMs: 1500 },
      optimizerThreads: 1,
    });
    try {
      // warm the one thread with a job (loading the worker takes seconds, more than the budget)
      const warm = await post(srv, '/v1/jobs', { kind: 'cure', body: cureBody() });
      expect(warm.status, JSON.stringify(warm.body)).toBe(202);
      for (
        let v = warm.body;
        v.status !== 'succeeded';
        await new Promise((r) => setTimeout(r, 20))
      ) {
        v = (await srv.inject({ method: 'GET', url: `/v1/jobs/${warm.body.id}` })).json();
        expect(['queued', 'running', 'succeeded']).toContain(v.status);
        if (v.status === 'succeeded') break;
      }
      const before = srv.optimizer.threadIds();
      expect(before.length).toBe(1);
      const t0 = Date.now();
      const r = await post(srv, '/v1/optimize', slowBody());
      expect(r.status, JSON.stringify(r.body)).toBe(504);
      expect(r.body).toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      await new Promise((res) => setTimeout(res, 200));
      expect(srv.optimizer.threadIds()).not.toContain(before[0]);
    } finally {
      await srv.close();
      await s.close();
    }
  }, 120_000);
});
