/**
 * Shared setup of the API tests: the bundled Deribit BTC snapshot built once with
 * `ballast market build` into a temp folder, and a server over a private SQLite store.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildServer } from '../../src/server/server.ts';
import type { ServerLimits } from '../../src/server/limits.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { ROOT, runCli } from '../cli/run-cli.ts';

/** Builds the bundled snapshot into a temp folder; returns its path and parsed document. */
export async function bundledSnapshot(): Promise<{ path: string; doc: unknown; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-api-'));
  const path = join(dir, 'snapshot.json');
  const r = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    path,
  ]);
  if (r.status !== 0) throw new Error(`market build failed: ${r.stderr}`);
  return { path, doc: JSON.parse(readFileSync(path, 'utf8')), dir };
}

/** A repository file parsed as JSON. */
export const repoJson = (rel: string): unknown => JSON.parse(readFileSync(join(ROOT, rel), 'utf8'));

/** A server over a fresh in-memory SQLite store. */
export async function testServer(
  limits: Partial<ServerLimits> = {},
): Promise<{ app: FastifyInstance; store: Store }> {
  const store = await openStore(':memory:');
  const app = await buildServer({ store, limits });
  return { app, store };
}

/** POSTs JSON with `app.inject`; returns status, content type and parsed body. */
export async function post(
  app: FastifyInstance,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const r = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.statusCode, type: String(r.headers['content-type']), body: r.json() };
}

/** examples/accounts.json with its portfolio file references replaced by the files' JSON. */
export function inlineAccounts(): Record<string, unknown> {
  const v = repoJson('examples/accounts.json') as Record<string, unknown>;
  const inline = (p: unknown) => (typeof p === 'string' ? repoJson(`examples/${p}`) : p);
  return {
    ...v,
    accounts: (v.accounts as Array<Record<string, unknown>>).map((a) => ({
      ...a,
      portfolio: inline(a.portfolio),
    })),
    book: inline(v.book),
  };
}

/**
 * An API test file's server on the bundled snapshot: opened in `beforeAll`, closed in
 * `afterAll`; `cliJson` runs `ballast <args> --market <that snapshot> --allow-stale --json`.
 */
export interface ApiSuite {
  app: FastifyInstance;
  store: Store;
  snapPath: string;
  market: unknown;
  cliJson(args: string[]): Promise<Record<string, unknown>>;
}

/** Registers the hooks of an `ApiSuite` in the calling test file and returns it. */
export function apiSuite(): ApiSuite {
  const s = {} as ApiSuite;
  s.cliJson = async (args) => {
    const r = await runCli([...args, '--market', s.snapPath, '--allow-stale', '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  beforeAll(async () => {
    const b = await bundledSnapshot();
    s.snapPath = b.path;
    s.market = b.doc;
    ({ app: s.app, store: s.store } = await testServer());
  }, 120_000);
  afterAll(async () => {
    await s.app?.close();
    await s.store?.close();
  });
  return s;
}
