/**
 * Load on loopback (`npm run bench:server`): a real `ballast serve` child process (in-memory
 * SQLite), a 20-position BTC book on the bundled Deribit snapshot stored once (requests name
 * it by `marketId`), and bounded autocannon runs (BENCH_SECONDS each, default 5 s, 10
 * connections): GET /healthz as the baseline of the same run, POST /v1/margin at full speed,
 * then POST /v1/whatif with the full answer and with `detail: "summary"`, each at full speed
 * and held at 1,000 requests/s. Prints requests per second, p50 and p99 latency, the ratio to
 * the baseline and the two answers' sizes. Not a unit test.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildSnapshotFromFile } from '../src/io/load-market.ts';
import { snapshotToJson } from '../src/io/snapshot-json.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** Starts the server; resolves with its URL and a stop function. */
async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      'bin/ballast.js',
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--db',
      ':memory:',
      '--rate-limit',
      '100000000',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** A deterministic 20-position book: 18 options spread over the listed chain, a future, the perp. */
function twentyPositionBook(symbols: readonly string[]): unknown {
  const options = symbols.filter((s) => /-[CP]$/.test(s)).sort();
  const futures = symbols.filter((s) => !/-[CP]$/.test(s) && !s.endsWith('PERPETUAL')).sort();
  const step = Math.max(1, Math.floor(options.length / 18));
  const picked = Array.from({ length: 18 }, (_, i) => options[(i * step) % options.length]!);
  const positions = [
    ...picked.map((instrument, i) => ({ instrument, size: (i % 2 ? -1 : 1) * (0.5 + (i % 5)) })),
    { instrument: futures[0]!, size: -2, entryPrice: 60000 },
    { instrument: 'BTC-PERPETUAL', size: 1.5, entryPrice: 61000 },
  ];
  return { positions, balances: [{ currency: 'BTC', amount: 25 }] };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(name: string, opts: autocannon.Options): Promise<Row> {
  const r = await autocannon({ connections: 10, duration: SECONDS, ...opts });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

const built = buildSnapshotFromFile(`${ROOT}data/deribit-quantflow/deribit_btc.json.gz`);
const book = twentyPositionBook(built.listedSymbols);
const server = await startServer();
try {
  const up = await fetch(`${server.url}/v1/markets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ market: snapshotToJson(built.snapshot) }),
  });
  const { id: marketId } = (await up.json()) as { id: string };
  const json = { 'content-type': 'application/json' };
  const margin = JSON.stringify({
    portfolio: book,
    marketId,
    model: 'deribit-pm',
    allowStale: true,
  });
  const whatifOf = (detail: 'full' | 'summary'): string =>
    JSON.stringify({
      portfolio: book,
      marketId,
      model: 'deribit-pm',
      allowStale: true,
      trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }],
      detail,
    });
  const whatif = whatifOf('full');
  const summary = whatifOf('summary');
  const post = (path: string, body: string): autocannon.Options => ({
    url: `${server.url}${path}`,
    method: 'POST',
    headers: json,
    body,
  });
  const runs: ReadonlyArray<[string, autocannon.Options]> = [
    ['GET /healthz (baseline)', { url: `${server.url}/healthz` }],
    ['POST /v1/margin (20 positions)', post('/v1/margin', margin)],
    ['POST /v1/whatif full (20 pos., 1 trade)', post('/v1/whatif', whatif)],
    ['POST /v1/whatif full at 1,000 req/s', { ...post('/v1/whatif', whatif), overallRate: 1000 }],
    ['POST /v1/whatif summary (20 pos., 1 trade)', post('/v1/whatif', summary)],
    [
      'POST /v1/whatif summary at 1,000 req/s',
      { ...post('/v1/whatif', summary), overallRate: 1000 },
    ],
  ];
  const bytes: string[] = [];
  for (const [, o] of runs.slice(1)) {
    const check = await fetch(o.url as string, {
      method: 'POST',
      headers: json,
      body: o.body as string,
    });
    const text = await check.text();
    if (check.status !== 200) throw new Error(`warm-up failed: ${check.status} ${text}`);
    if (o.overallRate === undefined && o.url!.toString().endsWith('/v1/whatif'))
      bytes.push(`${(text.length / 1000).toFixed(1)} kB`);
  }
  const rows: Row[] = [];
  for (const [name, o] of runs) rows.push(await run(name, o));
  const base = rows[0]!.rps;
  console.log(`\nserver load on loopback, ${SECONDS} s per run, 10 connections (autocannon)`);
  console.log(
    'run                                         req/s    p50 ms   p99 ms   vs baseline   errors/non-2xx',
  );
  for (const r of rows)
    console.log(
      `${r.name.padEnd(42)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(8)} ${(r.rps / base).toFixed(3).padStart(13)}   ${r.errors}/${r.non2xx}`,
    );
  console.log(`what-if answer size: full ${bytes[0]}, summary ${bytes[1]}`);
  for (const held of [rows[3]!, rows[5]!])
    console.log(
      `${held.name.replace('POST /v1/', '')} target: achieved ${held.rps.toFixed(0)} req/s, p99 ${held.p99.toFixed(1)} ms (target p99 ≤ 5 ms: ${held.rps >= 950 && held.p99 <= 5 ? 'met' : 'not met on this run'})`,
    );
} finally {
  server.stop();
}
