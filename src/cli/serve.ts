/**
 * `ballast serve`: the HTTP API and dashboard over a store. Prints `listening on
 * http://HOST:PORT` once it accepts requests. On a non-loopback address it refuses to start
 * unless API keys exist (`ballast keys create`). Stops cleanly on SIGINT/SIGTERM. With
 * `--workers N` (N > 1) it runs N server processes on the same address and store
 * (server/serve-cluster.ts).
 */
import { Command } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { DEFAULT_LIMITS } from '../server/limits.ts';
import { buildServer } from '../server/server.ts';
import { isServeWorker, leaveServeCluster, startServeCluster } from '../server/serve-cluster.ts';
import { defaultDbPath, openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { guarded } from './errors.ts';

/** True for addresses only this machine can reach. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

/** Parses a TCP port (0 = any free port). */
function portOption(v: string): number {
  const p = Number(v);
  if (!Number.isInteger(p) || p < 0 || p > 65535)
    throw new BallastError('INVALID_INPUT', `expected a port 0–65535, got "${v}"`, '--port');
  return p;
}

/** Parses a whole number ≥ 1 for `flag`. */
function positiveInt(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new BallastError('INVALID_INPUT', `expected a whole number ≥ 1, got "${v}"`, flag);
    return n;
  };
}

/** The options `serve` acts on. */
interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly db?: string;
  readonly rateLimit: number;
  readonly log: boolean;
  readonly workers: number;
}

/** Refuses a non-loopback address without API keys (the store is open; closed on refusal). */
async function checkKeys(store: Store, o: ServeOptions): Promise<void> {
  if (isLoopback(o.host) || (await store.countKeys()) > 0) return;
  await store.close();
  throw new BallastError(
    'FORBIDDEN',
    `refusing to serve on ${o.host} without API keys: create one with ballast keys create --name NAME${o.db ? ` --db ${o.db}` : ''}, or bind to 127.0.0.1`,
    '--host',
  );
}

/** Prints the address clients use once the service accepts requests. */
function printListening(host: string, port: number): void {
  const shown = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`listening on http://${shown}:${port}\n`);
}

/** Resolves on SIGINT or SIGTERM. */
const stopSignal = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

/**
 * One server process: the whole service (`--workers 1`), or one worker of several
 * (server/serve-cluster.ts: it listens on the shared address and prints nothing).
 */
async function serveOne(o: ServeOptions, db: string): Promise<void> {
  const store = await openStore(db);
  await checkKeys(store, o);
  const app = await buildServer({
    store,
    logger: o.log,
    limits: { ratePerWindow: o.rateLimit, rateWindowMs: 60_000 },
  });
  await app.listen({ port: o.port, host: o.host });
  const addr = app.server.address();
  if (!isServeWorker())
    printListening(o.host, typeof addr === 'object' && addr ? addr.port : o.port);
  await stopSignal();
  await app.close();
  await store.close();
}

/**
 * The primary of `--workers N`: migrates the store and checks keys once, then forks the
 * workers (server/serve-cluster.ts), prints the address once all listen, and stops them on
 * SIGINT/SIGTERM. A private in-memory database cannot be shared, so it is refused.
 */
async function servePrimary(o: ServeOptions, db: string): Promise<void> {
  if (db === ':memory:')
    throw new BallastError(
      'INVALID_INPUT',
      `--workers ${o.workers} needs a store every process can open: a SQLite file or a postgres:// URL, not :memory:`,
      '--db',
    );
  const store = await openStore(db);
  await checkKeys(store, o);
  await store.close();
  const workers = await startServeCluster(o.workers);
  printListening(o.host, workers.port);
  await stopSignal();
  await workers.stop();
}

/** Builds the `serve` command. */
export function serveCommand() {
  return new Command('serve')
    .description('Serve the HTTP API (OpenAPI at /openapi.json, /docs) and the dashboard at /')
    .option('--port <n>', 'TCP port (0 = any free port)', portOption, 8080)
    .option('--host <address>', 'address to bind; other than loopback needs API keys', '127.0.0.1')
    .option('--db <path|url>', `SQLite file or postgres:// URL (default ${defaultDbPath()})`)
    .option(
      '--rate-limit <n>',
      'requests per minute per API key (per client address without a key)',
      positiveInt('--rate-limit'),
      DEFAULT_LIMITS.ratePerWindow,
    )
    .option('--log', 'log every request (JSON lines)', false)
    .option(
      '--workers <n>',
      'server processes sharing the address and the store (each keeps its own caches)',
      positiveInt('--workers'),
      1,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ ballast serve
  $ ballast serve --port 9090 --db ./ballast.db
  $ ballast keys create --name ops --db ./ballast.db && ballast serve --host 0.0.0.0 --db ./ballast.db
  $ ballast serve --db postgres://postgres@127.0.0.1:5432/test
  $ ballast serve --workers 2 --db ./ballast.db

Then: curl -s localhost:8080/openapi.json, or open http://127.0.0.1:8080/ .`,
    )
    .action(
      guarded(async (o) => {
        const db = o.db ?? defaultDbPath();
        if (!isServeWorker()) await (o.workers > 1 ? servePrimary(o, db) : serveOne(o, db));
        else {
          try {
            await serveOne(o, db);
          } finally {
            leaveServeCluster(); // its channel to the primary would keep a worker running
          }
        }
      }),
    );
}
