/**
 * Batch-engine benchmarks (issue 8) on the bundled real Deribit BTC chain, every ratio
 * measured in this run:
 * - batch deribit-pm (full model) accounts/s, ten positions, in this thread (one-key, one-pool
 *   accounts to their results and the cell loop in WebAssembly when available; a CPU-time A/B
 *   against the JavaScript pipeline), against the per-account public path
 *   (`deribitPmModel.evaluate`) and against
 *   the numpy peer (bench/numpy_grid_margin.py, a simplified margin: no dampener, roll or
 *   delta shock) in CPU time on both sides (bench/cpu_time.py for numpy);
 * - the same batch on 1 and 2 worker threads (speed-up), bytes per account;
 * - (`runWhatIfBench`, `npm run bench -- whatif`) what-if µs per trade on a prepared
 *   100-position account (one reading) and on a book prepared at the default (every open
 *   reading), against the model's what-if and re-evaluation; the 100-position full margin
 *   with and without the report;
 * - matrix build (chain × 35 Deribit cells) and Monte Carlo full revaluation (chain × 10k)
 *   against numpy (bench/numpy_mc_revaluation.py);
 * - tick latency on 1M accounts: one expiry moved (only its holders re-margined, counted) and
 *   the index moved (everyone).
 * Python baselines are skipped with a printed reason when python3 + numpy + scipy are absent.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  deribitPmModel,
  evaluatePrepared,
  prepareDeribitPmBook,
} from '../src/margin/deribit-pm/deribit-pm.ts';
import { whatIfByRevaluation } from '../src/margin/what-if.ts';
import { installSha256, pureSha256Hex } from '../src/core/hash.ts';
import { installNativeSha256 } from '../src/io/native-sha256.ts';
import { prepareDeribitPm } from '../src/margin/deribit-pm/prepared.ts';
import { buildInstrumentTable, type InstrumentTable } from '../src/engine/instrument-table.ts';
import { bookBytesPerAccount, type AccountBook } from '../src/engine/account-book.ts';
import { batchScratch, marginAccounts } from '../src/engine/deribit-pm-batch.ts';
import { batchResults, RESULT_BYTES_PER_ACCOUNT } from '../src/engine/results.ts';
import { simdAvailable } from '../src/engine/key-vectors-simd.ts';
import { buildReadingTables, marginAccountsOverReadings } from '../src/engine/reading-tables.ts';
import { syntheticAccounts } from '../src/engine/synthetic.ts';
import { prepareAccount, tradeMargin } from '../src/engine/prepared-account.ts';
import { accountsHolding, applyTickToTable, holdersOf, type Tick } from '../src/engine/ticks.ts';
import { marginPool } from '../src/workers/margin-pool.ts';
import { revaluationPool, sharedMatrixBuffer } from '../src/workers/reval-pool.ts';
import type { Scenario } from '../src/scenarios/scenario.ts';
import type { Instrument } from '../src/instruments/instrument.ts';
import { buildPnlMatrix, instrumentState } from '../src/risk/pnl-matrix.ts';
import { portfolio, type Portfolio } from '../src/risk/portfolio.ts';
import { parseSymbol } from '../src/instruments/symbol.ts';
import type { MarketSnapshot } from '../src/market/snapshot.ts';
import {
  bestMs,
  bestMsAsync,
  bundledBtc,
  mcScenarios,
  medianCpuMs,
  optionsBook,
  printRows,
} from './harness.ts';

const BATCH_ACCOUNTS = 200_000;
const TICK_ACCOUNTS = 1_000_000;
const NUMPY_RUNS = 3;

/**
 * Runs a python baseline; its stdout, or why it was skipped. `cpu`: through bench/cpu_time.py,
 * so the script's own timings are CPU time of its process.
 */
function python(
  script: string,
  args: readonly number[],
  cpu = false,
): { out?: string; skipped?: string } {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const argv = [file, ...args.map(String)];
  if (cpu) argv.unshift(fileURLToPath(new URL('./cpu_time.py', import.meta.url)));
  const r = spawnSync('python3', argv, { encoding: 'utf8' });
  if (r.error) return { skipped: `python3 not runnable (${r.error.message})` };
  if (r.status !== 0) return { skipped: `python3 failed: ${r.stderr.trim().split('\n').pop()}` };
  return { out: r.stdout };
}

/** The book's accounts as portfolios (for the per-account path). */
function portfolios(t: InstrumentTable, book: AccountBook, n: number): Portfolio[] {
  const nP = t.pools.currencies.length;
  return Array.from({ length: n }, (_, a) => {
    const positions = [];
    for (let j = book.ptr[a]!; j < book.ptr[a + 1]!; j++)
      positions.push({
        instrument: parseSymbol(t.rows.symbols[book.row[j]!]!, 'deribit'),
        size: book.size[j]!,
      });
    const balances = t.pools.currencies.map((currency, p) => ({
      currency,
      amount: book.collateral[a * nP + p]!,
    }));
    return portfolio(positions, balances);
  });
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

/** Batch vs per-account vs numpy, workers, bytes. */
async function batchRows(snapshot: MarketSnapshot, table: InstrumentTable) {
  const rows: [string, string, string][] = [];
  const book = syntheticAccounts(table, { accounts: BATCH_ACCOUNTS, positions: 10, seed: 1 });
  const res = batchResults(book.nAccounts);
  const s = batchScratch(table);
  const ms = bestMs(() => marginAccounts(table, book, res, 0, book.nAccounts, s), 3, 1);
  const batchRate = (book.nAccounts / ms) * 1000;
  const few = portfolios(table, book, 2000);
  const params = deribitPmModel.defaultParams;
  const perMs = bestMs(
    () => few.forEach((p) => deribitPmModel.evaluate(p, snapshot, params)),
    2,
    1,
  );
  const perRate = (few.length / perMs) * 1000;
  const market = prepareDeribitPm(snapshot, params);
  const leanMs = bestMs(
    () => few.forEach((p) => evaluatePrepared(market, p, { details: false, hash: false })),
    2,
    1,
  );
  rows.push([
    `batch deribit-pm (pinned reading), ${book.nAccounts} accounts × 10 positions, 1 thread`,
    `${f0(ms)} ms`,
    `${f0(batchRate)} accounts/s wall time (best of 3; the CPU-time rate is in the A/B line)`,
  ]);
  // The default (highest over the hypothesis readings) beside the pinned reading above.
  const readings = buildReadingTables(market, table.instruments);
  const hMs = bestMs(
    () => marginAccountsOverReadings(readings, book, res, 0, book.nAccounts, s),
    3,
    1,
  );
  rows.push([
    `batch deribit-pm default: highest over ${readings.readings.length} hypothesis readings`,
    `${f0(hMs)} ms`,
    `${f0((book.nAccounts / hMs) * 1000)} accounts/s (${f1(hMs / ms)}× the pinned reading)`,
  ]);
  // The WebAssembly path (one-key accounts in the module, src/engine/account-block-simd.ts, and
  // the SIMD cell loop; the rows above use it when this runtime has it) against the JavaScript
  // pipeline, the reference: an in-process A/B on CPU time.
  const sw = batchScratch(table, 'wasm');
  const sj = batchScratch(table, 'js');
  const n = book.nAccounts;
  const [pw, pj, dw, dj] = medianCpuMs([
    () => marginAccounts(table, book, res, 0, n, sw),
    () => marginAccounts(table, book, res, 0, n, sj),
    () => marginAccountsOverReadings(readings, book, res, 0, n, sw),
    () => marginAccountsOverReadings(readings, book, res, 0, n, sj),
  ]);
  const perS = (cpuMs: number) => f0((n / cpuMs) * 1000);
  rows.push([
    `  ${simdAvailable() ? 'WebAssembly' : '(no WebAssembly SIMD here: JS)'} / JavaScript, CPU time A/B`,
    `${f2(pj! / pw!)}×`,
    `pinned ${perS(pw!)} / ${perS(pj!)} accounts/s/core (target 2,000,000: ${f2(n / pw! / 2000)}×); default ${f2(dj! / dw!)}×: ${perS(dw!)} / ${perS(dj!)} (medians of 5, alternating)`,
  ]);
  rows.push([
    'per-account evaluate (full report, hash), 2000 accounts',
    `${f0(perMs)} ms`,
    `${f0(perRate)} accounts/s; batch is ${f1(batchRate / perRate)}×`,
  ]);
  rows.push([
    'per-account prepared evaluate (no details, no hash)',
    `${f0(leanMs)} ms`,
    `${f0((few.length / leanMs) * 1000)} accounts/s; batch is ${f1(batchRate / ((few.length / leanMs) * 1000))}×`,
  ]);
  rows.push(numpyPeerRow(pw!, dw!, table.rows.nRows));
  rows.push([
    'bytes per account (CSR book + results), 10 positions',
    f0(bookBytesPerAccount(book) + RESULT_BYTES_PER_ACCOUNT),
    `target ≤ 400; 10M accounts = ${f1(((bookBytesPerAccount(book) + RESULT_BYTES_PER_ACCOUNT) * 1e7) / 2 ** 30)} GiB`,
  ]);
  rows.push(...(await workerRows(table, batchRate)));
  return { rows };
}

/**
 * The numpy peer against the batch in CPU time on both sides (load-robust: each process is
 * charged only the time it ran): numpy's margin step timed by its own script under
 * bench/cpu_time.py (process CPU time), the best of `NUMPY_RUNS` runs, against the batch's
 * CPU-time medians `pinnedMs` and `defaultMs` (the A/B above) for the same 200,000 × 10 on
 * `nRows` instruments.
 */
function numpyPeerRow(
  pinnedMs: number,
  defaultMs: number,
  nRows: number,
): [string, string, string] {
  let best: number | undefined;
  let skipped: string | undefined;
  for (let i = 0; i < NUMPY_RUNS; i++) {
    const peer = python('./numpy_grid_margin.py', [BATCH_ACCOUNTS, 10, nRows], true);
    const m = peer.out && /margin .*?: (\d+) ms = /.exec(peer.out);
    if (m) best = Math.min(best ?? Infinity, Number(m[1]));
    else skipped = peer.skipped ?? 'no timing in its output';
  }
  if (best === undefined) return ['numpy peer', 'skipped', skipped ?? ''];
  return [
    `numpy peer (simplified margin), ${BATCH_ACCOUNTS} × 10, CPU time`,
    `${f0(best)} ms`,
    `${f0((BATCH_ACCOUNTS / best) * 1000)} accounts/s; batch in CPU time is ${f2(best / pinnedMs)}× (target ≥ 1.5×), the default ${f2(best / defaultMs)}× (best of ${NUMPY_RUNS} numpy runs)`,
  ];
}

/** 1 and 2 worker threads on shared memory. */
async function workerRows(table: InstrumentTable, inThread: number) {
  const shared = buildSharedTable(table);
  const book = syntheticAccounts(shared, {
    accounts: BATCH_ACCOUNTS,
    positions: 10,
    seed: 1,
    shared: true,
  });
  const res = batchResults(book.nAccounts, true);
  const rates: number[] = [];
  for (const w of [1, 2]) {
    const pool = marginPool(w);
    try {
      const ms = await bestMsAsync(() => pool.run(shared, book, res), 3, 1);
      rates.push((book.nAccounts / ms) * 1000);
    } finally {
      await pool.close();
    }
  }
  return [
    ['batch on 1 worker thread', `${f0(rates[0]!)} /s`, `${f2(rates[0]! / inThread)}× this thread`],
    [
      'batch on 2 worker threads',
      `${f0(rates[1]!)} /s`,
      `speed-up ${f2(rates[1]! / rates[0]!)}× over 1 worker (2 cores shared with other work)`,
    ],
  ] as [string, string, string][];
}

let sharedMarket: InstrumentTable | undefined;
function buildSharedTable(t: InstrumentTable): InstrumentTable {
  sharedMarket ??= buildInstrumentTable(
    prepareDeribitPm(bundledSnapshot!, deribitPmModel.defaultParams),
    t.rows.symbols.map((s) => parseSymbol(s, 'deribit')),
    true,
  );
  return sharedMarket;
}
let bundledSnapshot: MarketSnapshot | undefined;

/** What-if per trade and the 100-position full margin. */
function whatIfRows(snapshot: MarketSnapshot, options: ReturnType<typeof bundledBtc>['options']) {
  const params = deribitPmModel.defaultParams;
  const book = portfolio(optionsBook(options), [{ currency: 'BTC', amount: 50 }]);
  const candidates = options.filter((_, i) => i % 7 === 0).slice(0, 100);
  const market = prepareDeribitPm(snapshot, params);
  const prepMs = bestMs(() => prepareAccount(market, book, candidates), 3, 1);
  const acct = prepareAccount(market, book, candidates);
  const n = 20_000;
  const ms = bestMs(
    () => {
      let s = 0;
      for (let i = 0; i < n; i++)
        s += tradeMargin(
          acct,
          candidates[i % candidates.length]!.symbol,
          (i % 2 ? 1 : -1) * 0.7,
        ).initialMargin;
      return s;
    },
    3,
    1,
  );
  const trade = [{ instrument: candidates[3]!, size: 1 }];
  const modelMs = bestMs(() => deribitPmModel.whatIf!(book, snapshot, params, trade), 5, 2);
  const revalMs = bestMs(
    () => whatIfByRevaluation(deribitPmModel, book, snapshot, params, trade),
    3,
    1,
  );
  const bookMs = bestMs(() => prepareDeribitPmBook(book, snapshot, params), 3, 1);
  const prepared = prepareDeribitPmBook(book, snapshot, params);
  const readings = prepared.before[0]!.hypotheses?.length ?? 1;
  // CPU time (process.cpuUsage), median of alternating rounds: the wall time of a few hundred
  // µs-scale calls on the shared machine measures the other sessions and the JIT more than this
  const nBook = 2000;
  const tradeLoop =
    (held: boolean, read: boolean): (() => number) =>
    () => {
      let s = 0;
      for (let i = 0; i < nBook; i++) {
        const instrument = held
          ? book.positions[i % book.positions.length]!.instrument
          : candidates[i % candidates.length]!;
        const w = prepared.whatIf([{ instrument, size: (i % 2 ? 1 : -1) * 0.7 }]);
        s += read
          ? w.after[0]!.initialMargin + w.trades[0]!.incrementalInitialMarginUsd
          : w.afterUsd.initialMargin;
      }
      return s;
    };
  const [bookTradeMs, heldTradeMs, readTradeMs] = medianCpuMs(
    [tradeLoop(false, false), tradeLoop(true, false), tradeLoop(false, true)],
    7,
  ).map((ms) => ms / nBook) as [number, number, number];
  const paths = { ...prepared.paths };
  const bookReportMs = bestMs(() => prepared.whatIf(trade).after[0]!.details, 5, 2);
  const fullMs = bestMs(() => deribitPmModel.evaluate(book, snapshot, params), 5, 2);
  const hashAb = fullMarginHashAb(book, snapshot);
  const leanMs = bestMs(
    () => evaluatePrepared(market, book, { details: false, hash: false }),
    5,
    2,
  );
  const us = (ms * 1000) / n;
  return [
    [
      'what-if, one trade on a prepared 100-position account',
      `${f2(us)} µs`,
      `one pinned reading; target ≤ 20 µs; prepare the account once: ${f2(prepMs)} ms`,
    ],
    [
      `what-if, one trade on a book prepared at the default (${readings} readings)`,
      `${f2(bookTradeMs * 1000)} µs`,
      `CPU, median of 7 alternating rounds of ${nBook}; new instruments; numbers (before, after, alone: the USD totals); target ≤ 20 µs; prepare the book once: ${f2(bookMs)} ms`,
    ],
    [
      '  the same, trades in held instruments',
      `${f2(heldTradeMs * 1000)} µs`,
      `CPU; paths so far: ${paths.incremental} incremental, ${paths.fallback} fallback`,
    ],
    [
      '  the same, reading the results after the trade (no report)',
      `${f2(readTradeMs * 1000)} µs`,
      "CPU; new instruments; after[0].initialMargin and the trade's increment (the result objects built)",
    ],
    [
      '  the same with the report after the trade (details, hash)',
      `${f2(bookReportMs)} ms`,
      'what the --json what-if prints',
    ],
    [
      'model what-if of one trade (prepares the book, reports)',
      `${f2(modelMs)} ms`,
      `by re-evaluation of every reading: ${f2(revalMs)} ms`,
    ],
    [
      '100-position full margin with the report (prepared market cached)',
      `${f2(fullMs)} ms`,
      `target ≤ 1 ms; CPU per evaluation, median of 11 alternating rounds × 100: ${f2(hashAb.native)} ms with node:crypto SHA-256 (as the CLI and the service install it), ${f2(hashAb.pure)} ms with the pure-JS default`,
    ],
    ['100-position margin, no details, no hash', `${f2(leanMs)} ms`, ''],
  ] as [string, string, string][];
}

/**
 * CPU ms per `deribitPmModel.evaluate` of `book` (details and hash) with node:crypto's SHA-256
 * and with the core's pure-JS one, alternating (`medianCpuMs`, 100 evaluations per timing);
 * node:crypto's is left installed.
 */
function fullMarginHashAb(book: Portfolio, snapshot: MarketSnapshot) {
  const params = deribitPmModel.defaultParams;
  const run = (install: () => void) => () => {
    install();
    for (let i = 0; i < 100; i++) deribitPmModel.evaluate(book, snapshot, params);
  };
  const [native, pure] = medianCpuMs(
    [run(installNativeSha256), run(() => installSha256('pure-js', pureSha256Hex))],
    11,
  );
  installNativeSha256();
  return { native: native! / 100, pure: pure! / 100 };
}

/** CPU ms of one call of `fn` (user + system, this process). */
function cpuMs(fn: () => unknown): number {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

/** Best wall and CPU ms of `fn` over `rounds` runs after one warm-up. */
function bestWallCpu(fn: () => unknown, rounds: number): { wall: number; cpu: number } {
  fn();
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    cpu = Math.min(cpu, cpuMs(fn));
    wall = Math.min(wall, performance.now() - t0);
  }
  return { wall, cpu };
}

/**
 * Best and median wall and CPU ms a numpy script prints for its step (`re`), `runs` runs of
 * each: numpy's own time swings run to run (its fresh temporaries are page-fault bound on
 * this machine: the Monte Carlo step took 357–1,372 ms CPU in one day's runs), so a ratio is
 * given against both its best (the strict one) and its median.
 */
interface NumpyTiming {
  readonly wall?: number;
  readonly cpu?: number;
  readonly wallMedian?: number;
  readonly cpuMedian?: number;
  readonly runs: number;
  readonly skipped?: string;
}

/** The median of `xs` (non-empty). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `script` `runs` times with wall-clock and `runs` times with CPU timings. */
function numpyBest(script: string, args: readonly number[], re: RegExp, runs: number): NumpyTiming {
  const timings = (cpu: boolean) => {
    const ms: number[] = [];
    let skipped: string | undefined;
    for (let i = 0; i < runs; i++) {
      const py = python(script, args, cpu);
      const m = py.out && re.exec(py.out);
      if (m) ms.push(Number(m[1]));
      else skipped = py.skipped ?? 'no timing in its output';
    }
    return { ms, skipped };
  };
  const w = timings(false);
  if (w.ms.length === 0) return { runs, skipped: w.skipped };
  const c = timings(true);
  return {
    runs,
    wall: Math.min(...w.ms),
    wallMedian: median(w.ms),
    ...(c.ms.length > 0 ? { cpu: Math.min(...c.ms), cpuMedian: median(c.ms) } : {}),
  };
}

/**
 * "numpy best a ms (median b): r× numpy's best (r'× its median) (target ≤ 1×); CPU c ms vs
 * numpy's best d ms (median e): q× (q'×)", or why skipped.
 */
function vsNumpy(np: NumpyTiming, wall: number, cpu: number, digits: number): string {
  const f = (x: number) => x.toFixed(digits);
  if (np.wall === undefined) return `numpy skipped: ${np.skipped}; CPU ${f(cpu)} ms`;
  const c =
    np.cpu === undefined
      ? ''
      : ` vs numpy's best ${f(np.cpu)} ms (median ${f(np.cpuMedian!)}): ${f2(cpu / np.cpu)}× (${f2(cpu / np.cpuMedian!)}×)`;
  return `numpy best ${f(np.wall)} ms (median ${f(np.wallMedian!)} of ${np.runs}): ${f2(wall / np.wall)}× numpy's best (${f2(wall / np.wallMedian!)}× its median) (target ≤ 1×); CPU ${f(cpu)} ms${c}`;
}

/**
 * Matrix build and Monte Carlo revaluation against numpy: Ballast's wall and CPU time, best
 * of n, against the best of the numpy scripts' own timings of their step, wall-clock and
 * CPU (bench/cpu_time.py) (5 peer runs each, best and median), run right after.
 */
async function revaluationRows(
  snapshot: MarketSnapshot,
  chain: ReturnType<typeof bundledBtc>['chain'],
) {
  const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
  const statesMs = bestMs(() => chain.map((inst) => instrumentState(inst, snapshot)), 20, 2);
  const mx = bestWallCpu(
    () => buildPnlMatrix(chain, snapshot, grid.scenarios, { cache: false }),
    30,
  );
  const tableMs = bestMs(
    () => buildInstrumentTable(prepareDeribitPm(snapshot, deribitPmModel.defaultParams), chain),
    3,
    1,
  );
  const npMatrix = numpyBest(
    './numpy_grid_margin.py',
    [1000, 10, chain.length],
    /matrix \d+x\d+: ([\d.]+) ms/,
    5,
  );
  const rows: [string, string, string][] = [
    [
      `matrix build, ${chain.length} instruments × ${grid.scenarios.length} Deribit cells`,
      `${f2(mx.wall)} ms`,
      `${vsNumpy(npMatrix, mx.wall, mx.cpu, 2)}; states shared per market`,
    ],
    [
      'instrument states of the chain (surface vol, forward, value), cold',
      `${f2(statesMs)} ms`,
      'once per market (instrumentStates)',
    ],
    ['prepared engine table (rows, deltas, marks) of the chain', `${f1(tableMs)} ms`, ''],
  ];
  const scenarios = mcScenarios(snapshot);
  const fresh = bestWallCpu(() => buildPnlMatrix(chain, snapshot, scenarios, { cache: false }), 2);
  const out = new Float64Array(chain.length * scenarios.length);
  const reused = bestWallCpu(
    () => buildPnlMatrix(chain, snapshot, scenarios, { cache: false, out }),
    2,
  );
  const spotOnly = mcScenarios(snapshot, true);
  const still = bestWallCpu(
    () => buildPnlMatrix(chain, snapshot, spotOnly, { cache: false, out }),
    2,
  );
  const np = numpyBest('./numpy_mc_revaluation.py', [chain.length, 10_000], /: ([\d.]+) ms/, 5);
  rows.push(
    [
      `Monte Carlo full revaluation, ${chain.length} × 10,000, 1 thread`,
      '',
      'both sides: a spot and a relative vol move per path (every cell its own F and σ)',
    ],
    [
      '  Ballast: bundled BTC chain, Student-t paths, vol of vol 1, ρ −0.5',
      `${f0(fresh.wall)} ms`,
      `${vsNumpy(np, fresh.wall, fresh.cpu, 0)}; a new 70 MB matrix`,
    ],
    [
      '  numpy: random inverse options, t paths, σ·max(1 − z/2, ·)',
      '',
      'numpy_mc_revaluation.py, Black-76 with ndtr over the 881 × 10,000 arrays',
    ],
    [
      '  Ballast into a reused buffer (options.out)',
      `${f0(reused.wall)} ms`,
      vsNumpy(np, reused.wall, reused.cpu, 0),
    ],
    ...(await workerMcRows(snapshot, chain, scenarios, np, reused.wall)),
    [
      '  Ballast, spot moves only (not like for like), reused buffer',
      `${f0(still.wall)} ms`,
      `CPU ${f0(still.cpu)} ms; one vol class per row`,
    ],
  );
  return rows;
}

/**
 * The Monte Carlo matrix on a warm pool of 2 worker threads (workers/reval-pool.ts) into a
 * reused shared buffer: the first call (pool start-up, tsx loading in each worker, the
 * scenarios serialized once and read by each worker) and then the best and median wall of 7
 * warm builds, with the process CPU (the workers' plus this thread's) of the best.
 */
async function workerMcRows(
  snapshot: MarketSnapshot,
  chain: readonly Instrument[],
  scenarios: readonly Scenario[],
  np: NumpyTiming,
  oneThreadWall: number,
): Promise<[string, string, string][]> {
  const out = sharedMatrixBuffer(chain.length * scenarios.length);
  const t0 = performance.now();
  const pool = revaluationPool(2);
  const walls: number[] = [];
  const cpus: number[] = [];
  let first = 0;
  try {
    for (let k = 0; k < 8; k++) {
      const t = performance.now();
      const c = process.cpuUsage();
      await pool.build(chain, snapshot, scenarios, { out });
      const d = process.cpuUsage(c);
      if (k === 0) first = performance.now() - t0;
      else {
        walls.push(performance.now() - t);
        cpus.push((d.user + d.system) / 1000);
      }
    }
  } finally {
    await pool.close();
  }
  const best = walls.indexOf(Math.min(...walls));
  const median = [...walls].sort((a, b) => a - b)[3]!;
  return [
    [
      '  Ballast on 2 worker threads, reused shared buffer (warm pool)',
      `${f0(walls[best]!)} ms`,
      `${vsNumpy(np, walls[best]!, cpus[best]!, 0)} (process CPU: both workers + this thread); median ${f0(median)} ms; ${f2(oneThreadWall / walls[best]!)}× the 1-thread reused wall`,
    ],
    [
      '  the same, first call (pool start-up included)',
      `${f0(first)} ms`,
      'once per process: 2 threads started, tsx loaded, scenarios serialized and read once',
    ],
  ];
}

/** Matrix build and Monte Carlo revaluation against numpy, alone (`npm run bench -- revaluation`). */
export async function runEngineRevaluationBench(): Promise<void> {
  const { snapshot, chain } = bundledBtc();
  printRows('Revaluation against numpy (same run)', await revaluationRows(snapshot, chain));
}

/** Tick latency on 1M accounts. */
function tickRows(snapshot: MarketSnapshot, chain: ReturnType<typeof bundledBtc>['chain']) {
  const market = prepareDeribitPm(snapshot, deribitPmModel.defaultParams);
  const table = buildInstrumentTable(market, chain);
  const t0 = performance.now();
  const book = syntheticAccounts(table, { accounts: TICK_ACCOUNTS, positions: 10, seed: 2 });
  const genMs = performance.now() - t0;
  const res = batchResults(book.nAccounts);
  const s = batchScratch(table);
  const t1 = performance.now();
  marginAccounts(table, book, res, 0, book.nAccounts, s);
  const fullMs = performance.now() - t1;
  const holders = holdersOf(book, table.rows.nRows);
  const expiry = snapshot.underlyings.BTC!.surface[8]!.expiryMs;
  const day = new Date(expiry).toISOString().slice(0, 10);
  const base = { timeMs: snapshot.asOfMs + 1000, underlying: 'BTC' };
  const dayMs = Date.parse(day);
  const ticks: [string, Tick][] = [
    [
      `one expiry (${day}) forward −3 %, ATM vol +5 pts`,
      {
        ...base,
        forwards: new Map([
          [
            dayMs,
            snapshot.underlyings.BTC!.forwards.find((f) => f.expiryMs === expiry)!.forward * 0.97,
          ],
        ]),
        atmVolShift: new Map([[dayMs, 0.05]]),
      },
    ],
    [
      'index −8 % (every row of BTC)',
      {
        ...base,
        index: snapshot.underlyings.BTC!.index * 0.92,
        forwards: new Map(),
        atmVolShift: new Map(),
      },
    ],
  ];
  const rows: [string, string, string][] = [
    [
      `${TICK_ACCOUNTS} accounts × 10: generate / first full margin`,
      `${f0(fullMs)} ms`,
      `generation ${f0(genMs)} ms`,
    ],
  ];
  let m = market;
  for (const [label, tick] of ticks) {
    const before = res.state.slice();
    const ta = performance.now();
    const moved = applyTickToTable(m, table, tick);
    m = moved.market;
    const list = accountsHolding(holders, moved.rows, book.nAccounts);
    marginAccounts(table, book, res, 0, list.length, s, list);
    let events = 0;
    for (const a of list) if (res.state[a] !== before[a]) events++;
    const ms = performance.now() - ta;
    rows.push([
      `tick: ${label}`,
      `${f0(ms)} ms`,
      `${moved.rows.length} rows re-priced, ${list.length} of ${book.nAccounts} accounts re-margined, ${events} state changes (tick to last event)`,
    ]);
  }
  return rows;
}

/** Runs only the what-if and 100-position margin rows (`npm run bench -- whatif`). */
export async function runWhatIfBench(): Promise<void> {
  const { snapshot, options } = bundledBtc();
  printRows('What-if and single-book margin', whatIfRows(snapshot, options));
  return Promise.resolve();
}

/** Runs the engine benchmarks and prints their table. */
export async function runEngineBench(): Promise<void> {
  const { snapshot, chain } = bundledBtc();
  bundledSnapshot = snapshot;
  const table = buildInstrumentTable(
    prepareDeribitPm(snapshot, deribitPmModel.defaultParams),
    chain,
  );
  const batch = await batchRows(snapshot, table);
  printRows('Batch margin engine (deribit-pm, full model; bundled BTC chain)', batch.rows);
  printRows('Revaluation against numpy (same run)', await revaluationRows(snapshot, chain));
  printRows('Ticks (1M accounts, this thread)', tickRows(snapshot, chain));
}
