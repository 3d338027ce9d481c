/**
 * Load on loopback (`npm run bench:server`): a real `ballast serve` child process on a fresh
 * SQLite file, a 20-position BTC book on the bundled Deribit snapshot stored once (requests name
 * it by `marketId`), and bounded autocannon runs (BENCH_SECONDS each, default 5 s, 10
 * connections): GET /healthz as the baseline, POST /v1/margin, POST /v1/whatif with
 * `detail: "summary"` and with the full answer, at full speed and held at 1,000 requests/s
 * (autocannon's `overallRate`). The same runs are made against `serve --workers 1` and
 * `--workers N` (BENCH_WORKERS, default 2), both started first and the runs alternated between
 * them, each repeated BENCH_REPEATS times (default 3), and the medians printed side by side: requests per second, p50 and p99 latency, the server's CPU
 * per request (every server process, from /proc) and the load generator's own CPU (this
 * process: autocannon shares the machine's cores with the server), with the load average
 * before and after. Not a unit test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildSnapshotFromFile } from '../src/io/load-market.ts';
import { snapshotToJson } from '../src/io/snapshot-json.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const RATE = 1000;
/** Each run is repeated this many times (BENCH_REPEATS, default 3); medians are printed. */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

/** A started server: its URL, primary process and a stop function. */
interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `ballast serve --workers n` on a fresh SQLite file. */
async function startServer(n: number): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-load-'));
  const args = ['bin/ballast.js', 'serve', '--port', '0', '--host', '127.0.0.1'];
  args.push('--db', join(dir, 'ballast.db'), '--rate-limit', '100000000', '--workers', `${n}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url, child, stop };
}

/** CPU time (user + system, ms) of process `pid` and every descendant, from /proc. */
function treeCpuMs(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended while listed
    }
  }
  let ticks = 0;
  const walk = (p: number): void => {
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [c, s] of stats) if (s.ppid === p) walk(c);
  };
  walk(pid);
  return ticks * 10; // USER_HZ = 100 on Linux
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

/** One run's numbers. */
interface Row {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (all its processes) per completed request, ms. */
  serverCpu: number;
  /** This process's (the load generator's) CPU per second of the run, ms. */
  loaderCpu: number;
  errors: number;
  non2xx: number;
}

/** One bounded autocannon run against `server`, with the CPU each side used. */
async function run(server: Server, opts: autocannon.Options): Promise<Row> {
  const cpu0 = treeCpuMs(server.child.pid!);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await autocannon({ connections: 10, duration: SECONDS, ...opts });
  const wall = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    serverCpu: (treeCpuMs(server.child.pid!) - cpu0) / Math.max(1, r.requests.total),
    loaderCpu: (own.user + own.system) / 1000 / wall,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/** The benchmark's requests: name → autocannon options (url filled per server). */
type Runs = ReadonlyArray<[string, Omit<autocannon.Options, 'url'> & { path: string }]>;

/** Stores the market on `url` and builds the runs. */
async function requests(url: string, book: unknown, market: unknown): Promise<Runs> {
  const up = await fetch(`${url}/v1/markets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ market }),
  });
  const { id: marketId } = (await up.json()) as { id: string };
  const common = { portfolio: book, marketId, model: 'deribit-pm', allowStale: true };
  const whatIf = (detail: string) =>
    JSON.stringify({ ...common, trades: [{ instrument: 'BTC-PERPETUAL', size: -0.5 }], detail });
  const post = (path: string, body: string) => ({
    path,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
  });
  const margin = post('/v1/margin', JSON.stringify(common));
  const summary = post('/v1/whatif', whatIf('summary'));
  const full = post('/v1/whatif', whatIf('full'));
  return [
    ['GET /healthz (baseline)', { path: '/healthz' }],
    ['POST /v1/margin', margin],
    [`POST /v1/margin at ${RATE} req/s`, { ...margin, overallRate: RATE }],
    ['POST /v1/whatif summary', summary],
    [`POST /v1/whatif summary at ${RATE} req/s`, { ...summary, overallRate: RATE }],
    ['POST /v1/whatif full', full],
    [`POST /v1/whatif full at ${RATE} req/s`, { ...full, overallRate: RATE }],
  ];
}

/** Sends each POST over fresh connections a few times, so every server process has its caches. */
async function warm(url: string, runs: Runs, processes: number): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const [name, o] of runs) {
    if (o.method !== 'POST') continue;
    for (let k = 0; k < 4 * processes; k++) {
      const r = await fetch(`${url}${o.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: o.body as string,
      });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`warm-up of ${name} failed: ${r.status} ${text}`);
      sizes[name] = text.length;
    }
  }
  return sizes;
}

/** A started, warmed server with its runs. */
interface Target {
  readonly server: Server;
  readonly runs: Runs;
  readonly sizes: Record<string, number>;
  readonly rows: Row[];
}

/** Starts `serve --workers n`, stores the market and warms every process. */
async function target(n: number, book: unknown, market: unknown): Promise<Target> {
  const server = await startServer(n);
  const runs = await requests(server.url, book, market);
  return { server, runs, sizes: await warm(server.url, runs, n), rows: [] };
}

/**
 * Every run against both servers (both started first; the idle one costs nothing), taking
 * them in turn (which goes first alternates from run to run and from repeat to repeat), so a
 * load average that drifts during the bench weighs on both alike; BENCH_REPEATS times, medians.
 */
async function measureBoth(a: Target, b: Target): Promise<void> {
  const all = new Map<Target, Row[][]>([
    [a, a.runs.map(() => [])],
    [b, b.runs.map(() => [])],
  ]);
  for (let rep = 0; rep < REPEATS; rep++)
    for (let i = 0; i < a.runs.length; i++) {
      for (const t of (i + rep) % 2 ? [b, a] : [a, b]) {
        const { path, ...rest } = t.runs[i]![1];
        all.get(t)![i]!.push(await run(t.server, { ...rest, url: `${t.server.url}${path}` }));
      }
    }
  for (const [t, rows] of all) rows.forEach((r, i) => (t.rows[i] = medianRow(r)));
}

/** The median of each field over repeated runs (errors: the total). */
function medianRow(rows: readonly Row[]): Row {
  const med = (k: keyof Row): number => {
    const xs = rows.map((r) => r[k]).sort((x, y) => x - y);
    const m = xs.length >> 1;
    return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  };
  const sum = (k: 'errors' | 'non2xx') => rows.reduce((n, r) => n + r[k], 0);
  return {
    rps: med('rps'),
    p50: med('p50'),
    p99: med('p99'),
    serverCpu: med('serverCpu'),
    loaderCpu: med('loaderCpu'),
    errors: sum('errors'),
    non2xx: sum('non2xx'),
  };
}

const cell = (r: Row): string =>
  `${r.rps.toFixed(0).padStart(6)} ${r.p50.toFixed(1).padStart(6)} ${r.p99.toFixed(1).padStart(7)} ${r.serverCpu.toFixed(2).padStart(6)} ${r.loaderCpu.toFixed(0).padStart(5)} ${`${r.errors}/${r.non2xx}`.padStart(5)}`;

const built = buildSnapshotFromFile(`${ROOT}data/deribit-quantflow/deribit_btc.json.gz`);
const book = twentyPositionBook(built.listedSymbols);
const market = snapshotToJson(built.snapshot);
const one = await target(1, book, market);
const many = await target(WORKERS, book, market);
const loadBefore = loadavg()[0]!;
try {
  await measureBoth(one, many);
} finally {
  await one.server.stop();
  await many.server.stop();
}
const loadAfter = loadavg()[0]!;
const head = 'req/s p50 ms p99 ms cpu/rq gen/s  err';
console.log(
  `\nserver load on loopback, medians of ${REPEATS} runs of ${SECONDS} s each, 10 connections (autocannon in this process), ${WORKERS} processes vs 1, ${availableParallelism()} CPUs`,
);
console.log(
  "cpu/rq: server CPU ms per request (all its processes); gen/s: the load generator's CPU ms per second",
);
console.log(
  `load average (1 min) ${loadBefore.toFixed(2)} before the runs, ${loadAfter.toFixed(2)} after (runs alternate between the two servers)`,
);
console.log(`${'run'.padEnd(38)} | 1 process ${head.padStart(29)} | ${WORKERS} processes ${head}`);
for (let i = 0; i < one.runs.length; i++)
  console.log(`${one.runs[i]![0].padEnd(38)} | ${cell(one.rows[i]!)} | ${cell(many.rows[i]!)}`);
const kb = (name: string) => `${((one.sizes[name] ?? 0) / 1000).toFixed(1)} kB`;
console.log(
  `answer sizes: margin ${kb('POST /v1/margin')}, what-if summary ${kb('POST /v1/whatif summary')}, full ${kb('POST /v1/whatif full')}`,
);
for (const [label, m] of [
  ['1 process', one],
  [`${WORKERS} processes`, many],
] as const) {
  const i = m.runs.findIndex(([name]) => name === `POST /v1/whatif summary at ${RATE} req/s`);
  const r = m.rows[i]!;
  const met = r.rps >= 0.95 * RATE && r.p99 <= 5;
  console.log(
    `what-if summary at ${RATE} req/s, ${label}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms (target p99 ≤ 5 ms: ${met ? 'met' : `not met on this run, ${(r.p99 / 5).toFixed(1)}× the bound`})`,
  );
}
