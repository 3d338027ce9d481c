/**
 * Load on loopback (`npm run bench:server`): a real `ballast serve` child process on a fresh
 * SQLite file, a 20-position BTC book on the bundled Deribit snapshot stored once (requests name
 * it by `marketId`), bounded runs (BENCH_SECONDS each, default 5 s): GET /healthz as the
 * baseline, POST /v1/margin, POST /v1/whatif with `detail: "summary"` and with the full answer
 * at full speed (autocannon, 10 connections, closed loop); margin and the summary what-if held
 * at 1,000 requests/s by an open-loop pacer (bench/open-loop.ts: one request scheduled every
 * 1 ms, latency from the scheduled time), and the summary what-if once more under autocannon's
 * `overallRate` for comparison (its pacing releases each connection's budget in a burst per
 * second, see open-loop.ts). Every server process loads bench/server-probe.mjs, which reports
 * per run its event-loop delay, GC pauses and own time per request. The same runs are made
 * against `serve --workers 1` and `--workers N` (BENCH_WORKERS, default 2), both started first
 * and the runs alternated between them, each repeated BENCH_REPEATS times (default 3); the
 * medians are printed: requests per second, p50/p90/p99/max latency, the server's view, its CPU
 * per request (every server process, from /proc) and the load generator's own CPU (this
 * process shares the machine's cores with the server), with the load average before and after.
 * BENCH_SERVER_FLAGS adds node flags to every server process; BENCH_AB_FLAGS="…" compares one
 * process without and with those flags instead; BENCH_ONLY="a|b" keeps the runs whose name
 * contains a or b. Not a unit test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { buildSnapshotFromFile } from '../src/io/load-market.ts';
import { snapshotToJson } from '../src/io/snapshot-json.ts';
import { openLoop } from './open-loop.ts';
import { probeDump, serverView } from './server-probe-stats.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const RATE = 1000;
/** Each run is repeated this many times (BENCH_REPEATS, default 3); medians are printed. */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Node flags from an environment variable (space-separated). */
const flagsOf = (name: string): string[] => (process.env[name] ?? '').split(' ').filter(Boolean);
/** Extra node flags for every server process (BENCH_SERVER_FLAGS). */
const SERVER_FLAGS = flagsOf('BENCH_SERVER_FLAGS');
/**
 * With BENCH_AB_FLAGS set, the bench compares one process without and with these flags
 * (A/B, runs alternated) instead of 1 and BENCH_WORKERS processes.
 */
const AB_FLAGS = flagsOf('BENCH_AB_FLAGS');
/** Only the runs whose name contains one of BENCH_ONLY's `|`-separated parts (default: all). */
const ONLY = (process.env.BENCH_ONLY ?? '').split('|');

/** A started server: its URL, primary process and a stop function. */
interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  /** Where its processes write bench/server-probe.mjs's dumps. */
  readonly probeDir: string;
  stop(): Promise<void>;
}

/**
 * Starts `ballast serve --workers n` on a fresh SQLite file, with bench/server-probe.mjs
 * loaded in every server process (it only watches) and SERVER_FLAGS.
 */
async function startServer(n: number, flags: readonly string[]): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-load-'));
  const args = [
    ...SERVER_FLAGS,
    ...flags,
    '--import',
    './bench/server-probe.mjs',
    'bin/ballast.js',
  ];
  args.push('serve', '--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'ballast.db'));
  args.push('--rate-limit', '100000000', '--workers', `${n}`);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BALLAST_PROBE_DIR: dir },
  });
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
  return { url, child, probeDir: dir, stop };
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

/** One run's numbers (latencies in ms; NaN where the load generator does not measure it). */
interface Row {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The open-loop generator's lateness p99 (scheduled → written), ms. */
  lag: number;
  /** Server CPU (all its processes) per completed request, ms. */
  serverCpu: number;
  /** This process's (the load generator's) CPU per second of the run, ms. */
  loaderCpu: number;
  /** Inside the server (bench/server-probe.mjs): event-loop delay p99, server time p99. */
  loopP99: number;
  servedP99: number;
  /** Scavenges and mark-compacts during the run (all processes) and the longest of each, ms. */
  minorN: number;
  minorTotal: number;
  minorMax: number;
  majorN: number;
  majorMax: number;
  errors: number;
  non2xx: number;
}

/** How a run loads the server: autocannon (full speed, or its `overallRate`) or open loop. */
type Load =
  | { kind: 'autocannon'; opts: Omit<autocannon.Options, 'url'> }
  | { kind: 'open'; method: 'GET' | 'POST'; body?: string; rate: number };

/** What a load generator reports. */
type Measured = Pick<Row, 'rps' | 'p50' | 'p90' | 'p99' | 'max' | 'lag' | 'errors' | 'non2xx'> & {
  total: number;
};

/** Runs `load` against `url` for SECONDS. */
async function generate(url: string, path: string, load: Load): Promise<Measured> {
  if (load.kind === 'open') {
    const r = await openLoop({ url, path, seconds: SECONDS, ...load });
    return { ...r, ...r.latency, lag: r.sendLag.p99, total: r.completed };
  }
  const r = await autocannon({ connections: 10, duration: SECONDS, ...load.opts, url: url + path });
  const { p50, p90, p99, max } = r.latency;
  return {
    rps: r.requests.average,
    p50,
    p90,
    p99,
    max,
    lag: NaN,
    errors: r.errors,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

/** One bounded run against `server`, with the CPU each side used and the server's view. */
async function run(server: Server, path: string, load: Load): Promise<Row> {
  await probeDump(server.child.pid!, server.probeDir); // starts the server's counts afresh
  const cpu0 = treeCpuMs(server.child.pid!);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const m = await generate(server.url, path, load);
  const wall = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const cpu = treeCpuMs(server.child.pid!) - cpu0;
  const v = serverView(await probeDump(server.child.pid!, server.probeDir));
  return {
    ...m,
    serverCpu: cpu / Math.max(1, m.total),
    loaderCpu: (own.user + own.system) / 1000 / wall,
    loopP99: v.loopP99,
    servedP99: v.servedP99,
    minorN: v.minor.count,
    minorTotal: v.minor.totalMs,
    minorMax: v.minor.maxMs,
    majorN: v.major.count,
    majorMax: v.major.maxMs,
  };
}

/** The benchmark's runs: name, path, load. */
type Runs = ReadonlyArray<readonly [string, string, Load]>;

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
  const post = (body: string) => ({
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
  });
  const full = (body: string): Load => ({ kind: 'autocannon', opts: post(body) });
  const held = (body: string): Load => ({ kind: 'open', method: 'POST', body, rate: RATE });
  const margin = JSON.stringify(common);
  const summary = whatIf('summary');
  const answer = whatIf('full');
  const paced: Load = { kind: 'autocannon', opts: { ...post(summary), overallRate: RATE } };
  const runs: Runs = [
    ['GET /healthz (baseline)', '/healthz', { kind: 'autocannon', opts: {} }],
    ['POST /v1/margin', '/v1/margin', full(margin)],
    ['POST /v1/whatif summary', '/v1/whatif', full(summary)],
    ['POST /v1/whatif full', '/v1/whatif', full(answer)],
    [
      `GET /healthz at ${RATE} req/s (baseline)`,
      '/healthz',
      { kind: 'open', method: 'GET', rate: RATE },
    ],
    [`POST /v1/margin at ${RATE} req/s`, '/v1/margin', held(margin)],
    [`POST /v1/whatif summary at ${RATE} req/s`, '/v1/whatif', held(summary)],
    [`  same, autocannon overallRate ${RATE}`, '/v1/whatif', paced],
  ];
  return runs.filter(([name]) => ONLY.some((part) => name.includes(part)));
}

/** Sends each POST over fresh connections a few times, so every server process has its caches. */
async function warm(url: string, runs: Runs, processes: number): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const [name, path, load] of runs) {
    const body = load.kind === 'open' ? load.body : (load.opts.body as string | undefined);
    if (body === undefined) continue;
    for (let k = 0; k < 4 * processes; k++) {
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body,
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
  readonly label: string;
  readonly server: Server;
  readonly runs: Runs;
  readonly sizes: Record<string, number>;
  readonly rows: Row[];
}

/** Starts `serve --workers n` (node `flags`), stores the market and warms every process. */
async function target(
  n: number,
  flags: readonly string[],
  book: unknown,
  market: unknown,
): Promise<Target> {
  const server = await startServer(n, flags);
  const runs = await requests(server.url, book, market);
  const label = `${n === 1 ? '1 process' : `${n} processes`}${flags.length ? ` ${flags.join(' ')}` : ''}`;
  return { label, server, runs, sizes: await warm(server.url, runs, n), rows: [] };
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
        const [, path, load] = t.runs[i]!;
        all.get(t)![i]!.push(await run(t.server, path, load));
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
  const out = {} as Row;
  for (const k of Object.keys(rows[0]!) as (keyof Row)[]) out[k] = med(k);
  out.errors = rows.reduce((n, r) => n + r.errors, 0);
  out.non2xx = rows.reduce((n, r) => n + r.non2xx, 0);
  return out;
}

/** A number right-aligned in `w` characters with `d` decimals ('-' for NaN). */
const num = (x: number, w: number, d = 1): string =>
  (Number.isNaN(x) ? '-' : x.toFixed(d)).padStart(w);

const HEAD =
  'req/s    p50    p90    p99    max  lag99 loop99 srv99 scav/tot/max ms  m-c/max ms cpu/rq gen/s   err';

const cell = (r: Row): string =>
  [
    num(r.rps, 5, 0),
    num(r.p50, 6),
    num(r.p90, 6),
    num(r.p99, 6),
    num(r.max, 6),
    num(r.lag, 6),
    num(r.loopP99, 6),
    num(r.servedP99, 5),
    `${num(r.minorN, 3, 0)}/${num(r.minorTotal, 4, 0)}/${num(r.minorMax, 4)}`.padStart(13),
    `${num(r.majorN, 3, 0)}/${num(r.majorMax, 5)}`.padStart(11),
    num(r.serverCpu, 6, 2),
    num(r.loaderCpu, 5, 0),
    `${r.errors}/${r.non2xx}`.padStart(5),
  ].join(' ');

/** Prints the table of each server and the target's verdict. */
function report(targets: readonly Target[], loadBefore: number, loadAfter: number): void {
  console.log(
    `\nserver load on loopback, medians of ${REPEATS} runs of ${SECONDS} s each, ${availableParallelism()} CPUs; server node flags: ${SERVER_FLAGS.join(' ') || '(none)'}`,
  );
  console.log(
    `load average (1 min) ${loadBefore.toFixed(2)} before the runs, ${loadAfter.toFixed(2)} after (runs alternate between the servers)`,
  );
  console.log(LEGEND);
  for (const t of targets) {
    console.log(`\n${t.label}\n${'run'.padEnd(38)} | ${HEAD}`);
    t.runs.forEach(([name], i) => console.log(`${name.padEnd(38)} | ${cell(t.rows[i]!)}`));
  }
  const sizes = targets[0]!.sizes;
  const kb = (name: string) => `${((sizes[name] ?? 0) / 1000).toFixed(1)} kB`;
  if (['POST /v1/margin', 'POST /v1/whatif summary', 'POST /v1/whatif full'].every((n) => sizes[n]))
    console.log(
      `\nanswer sizes: margin ${kb('POST /v1/margin')}, what-if summary ${kb('POST /v1/whatif summary')}, full ${kb('POST /v1/whatif full')}`,
    );
  for (const t of targets) {
    const i = t.runs.findIndex(([name]) => name === `POST /v1/whatif summary at ${RATE} req/s`);
    const r = t.rows[i];
    if (!r) continue;
    const met = r.rps >= 0.95 * RATE && r.p99 <= 5 && r.errors + r.non2xx === 0;
    console.log(
      `what-if summary at ${RATE} req/s (open loop), ${t.label}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms (target p99 ≤ 5 ms: ${met ? 'met' : `not met on this run, ${(r.p99 / 5).toFixed(1)}× the bound`})`,
    );
  }
}

const LEGEND = `full-speed rows: autocannon in this process, 10 connections, closed loop (each connection sends its next request when the answer arrives).
"at ${RATE} req/s" rows: open loop (bench/open-loop.ts): one request scheduled every ${1000 / RATE} ms on 32 keep-alive connections, latency from the scheduled time; lag99: p99 of this process's own lateness in releasing them (its timer firing late).
the autocannon overallRate row: autocannon's own pacing, for comparison (per connection rate/10 requests back to back, then idle to the next second; latencies recorded with a 1 ms "expected interval").
loop99: the server's event-loop delay p99 (monitorEventLoopDelay, 1 ms resolution); srv99: the server's time per request p99 (headers parsed → reply handed to the socket), worst process.
scav: scavenges in the run (all server processes), their total and longest pause, ms; m-c: mark-compacts (incremental steps counted) and the longest pause.
cpu/rq: server CPU ms per request (all its processes, /proc); gen/s: the load generator's CPU ms per second. Latencies in ms.`;

const built = buildSnapshotFromFile(`${ROOT}data/deribit-quantflow/deribit_btc.json.gz`);
const book = twentyPositionBook(built.listedSymbols);
const market = snapshotToJson(built.snapshot);
const one = await target(1, [], book, market);
const many = AB_FLAGS.length
  ? await target(1, AB_FLAGS, book, market)
  : await target(WORKERS, [], book, market);
const loadBefore = loadavg()[0]!;
try {
  await measureBoth(one, many);
} finally {
  await one.server.stop();
  await many.server.stop();
}
report([one, many], loadBefore, loadavg()[0]!);
