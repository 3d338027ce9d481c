/**
 * `ballast serve --workers 2` on one SQLite file (server/serve-cluster.ts): two processes answer
 * on one address (told apart by `/healthz`'s pid, one keep-alive connection each); an account
 * created through one is read back through the other, trades appended through both are all in
 * the book read through either, a stored market is found by id through the other process, and
 * SIGTERM to the primary stops every worker. A worker that cannot listen (port taken) fails
 * the start with exit code 2 instead of hanging; `--workers 2` with `:memory:` is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/run-cli.ts';
import { startServe, stopServe, type ServeProcess } from './serve-process.ts';
import { snapshotToJson } from '../../src/io/snapshot-json.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const running: ServeProcess[] = [];
const agents: Agent[] = [];
afterAll(async () => {
  for (const a of agents) a.destroy();
  for (const p of running) await stopServe(p, 'SIGKILL');
});

/** One HTTP/1.1 keep-alive connection (so one server process). */
interface Conn {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

function connection(base: string): Conn {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  const url = new URL(base);
  return {
    call: (method, path, body) =>
      new Promise((resolve, reject) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method,
            path,
            headers: text ? { 'content-type': 'application/json' } : {},
          },
          (res) => {
            let out = '';
            res.on('data', (d: Buffer) => (out += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(out) }));
          },
        );
        req.on('error', reject);
        req.end(text);
      }),
  };
}

const pidOf = async (c: Conn): Promise<number> =>
  ((await c.call('GET', '/healthz')).json as { pid: number }).pid;

/** Two connections served by different processes (new connections go round robin). */
async function twoProcesses(base: string): Promise<[Conn, Conn, number, number]> {
  const a = connection(base);
  const pa = await pidOf(a);
  for (let k = 0; k < 20; k++) {
    const b = connection(base);
    const pb = await pidOf(b);
    if (pb !== pa) return [a, b, pa, pb];
  }
  throw new Error('every connection reached the same server process');
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('serve --workers 2, one SQLite file', () => {
  it('writes through one process are read back through the other', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'ballast-workers-')), 'ballast.db');
    const server = await startServe(db, 180_000, ['--workers', '2']);
    running.push(server);
    const [a, b, pa, pb] = await twoProcesses(server.url);
    expect(pa).not.toBe(pb);
    expect((await a.call('POST', '/v1/accounts', { id: 'shared' })).status).toBe(201);
    const read = await b.call('GET', '/v1/accounts/shared');
    expect(read.status).toBe(200);
    expect((read.json as { version: number }).version).toBe(1);
    const n = 12;
    const statuses = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        (k % 2 ? a : b)
          .call('POST', '/v1/accounts/shared/trades', {
            trades: [{ instrument: 'BTC-PERPETUAL', size: k + 1 }],
          })
          .then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array(n).fill(200));
    for (const c of [a, b]) {
      const acct = (await c.call('GET', '/v1/accounts/shared')).json as {
        version: number;
        book: { positions: { size: number }[] };
      };
      expect(acct.version).toBe(n + 1);
      expect(acct.book.positions.map((p) => p.size).sort((x, y) => x - y)).toEqual(
        Array.from({ length: n }, (_, k) => k + 1),
      );
    }
    const stored = await b.call('POST', '/v1/markets', { market: snapshotToJson(realSnapshot()) });
    expect(stored.status).toBe(201);
    const id = (stored.json as { id: string }).id;
    expect((await a.call('GET', `/v1/markets/${id}`)).status).toBe(200);

    await stopServe(server, 'SIGTERM');
    for (let k = 0; k < 100 && (alive(pa) || alive(pb)); k++)
      await new Promise((r) => setTimeout(r, 100));
    expect([alive(pa), alive(pb)]).toEqual([false, false]);
  }, 240_000);

  it('a worker that cannot listen fails the start (exit 2), it does not hang', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    const db = join(mkdtempSync(join(tmpdir(), 'ballast-workers-')), 'ballast.db');
    const args = ['bin/ballast.js', 'serve', '--port', `${port}`, '--workers', '2', '--db', db];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
    taken.close();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a server worker exited while starting/);
  }, 180_000);

  it('refuses --workers 2 with a private in-memory database', async () => {
    const r = await runCli(['serve', '--port', '0', '--workers', '2', '--db', ':memory:']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--db: --workers 2 needs a store every process can open/);
  }, 120_000);
});
