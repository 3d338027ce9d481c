/**
 * Two `ballast serve` processes on one SQLite file (WAL, BEGIN IMMEDIATE), each taking
 * parallel appends to the same account: every acknowledged append is in the final book and
 * the version count matches (no lost update across processes).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, stopServe, type ServeProcess } from './serve-process.ts';

const running: ServeProcess[] = [];
afterAll(async () => {
  for (const p of running) await stopServe(p, 'SIGKILL');
});

const postJson = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('two server processes, one SQLite file', () => {
  it('parallel appends through both servers lose nothing', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'ballast-multi-')), 'ballast.db');
    const a = await startServe(db);
    running.push(a);
    expect((await postJson(`${a.url}/v1/accounts`, { id: 'shared' })).status).toBe(201);
    const b = await startServe(db);
    running.push(b);
    const n = 30;
    const statuses = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        postJson(`${(k % 2 ? a : b).url}/v1/accounts/shared/trades`, {
          trades: [{ instrument: 'BTC-PERPETUAL', size: k + 1 }],
        }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(n).fill(200));
    const acct = (await (await fetch(`${b.url}/v1/accounts/shared`)).json()) as {
      version: number;
      book: { positions: { size: number }[] };
    };
    expect(acct.version).toBe(n + 1);
    expect(acct.book.positions.map((p) => p.size).sort((x, y) => x - y)).toEqual(
      Array.from({ length: n }, (_, k) => k + 1),
    );
  }, 240_000);
});
