/**
 * `ballast serve`: the HTTP API and dashboard over a store. Prints `listening on
 * http://HOST:PORT` once it accepts requests. On a non-loopback address it refuses to start
 * unless API keys exist (`ballast keys create`). Stops cleanly on SIGINT/SIGTERM.
 */
import { Command } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { DEFAULT_LIMITS } from '../server/limits.ts';
import { buildServer } from '../server/server.ts';
import { defaultDbPath, openStore } from '../store/open-store.ts';
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
    .addHelpText(
      'after',
      `
Examples:
  $ ballast serve
  $ ballast serve --port 9090 --db ./ballast.db
  $ ballast keys create --name ops --db ./ballast.db && ballast serve --host 0.0.0.0 --db ./ballast.db
  $ ballast serve --db postgres://postgres@127.0.0.1:5432/test

Then: curl -s localhost:8080/openapi.json, or open http://127.0.0.1:8080/ .`,
    )
    .action(
      guarded(async (o) => {
        const store = await openStore(o.db ?? defaultDbPath());
        if (!isLoopback(o.host) && (await store.countKeys()) === 0) {
          await store.close();
          throw new BallastError(
            'FORBIDDEN',
            `refusing to serve on ${o.host} without API keys: create one with ballast keys create --name NAME${o.db ? ` --db ${o.db}` : ''}, or bind to 127.0.0.1`,
            '--host',
          );
        }
        const app = await buildServer({
          store,
          logger: o.log,
          limits: { ratePerWindow: o.rateLimit, rateWindowMs: 60_000 },
        });
        await app.listen({ port: o.port, host: o.host });
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : o.port;
        const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
        process.stdout.write(`listening on http://${shown}:${port}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
        await store.close();
      }),
    );
}
