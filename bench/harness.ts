/**
 * What the margin, risk and optimizer benchmarks share: best-of-n timing, the bundled real
 * Deribit BTC snapshot with its chain, the deterministic 100-position options book, and the
 * printed table.
 */
import { fileURLToPath } from 'node:url';
import { buildSnapshotFromFile, loadRawMarketFile } from '../src/io/load-market.ts';
import type { Instrument } from '../src/instruments/instrument.ts';
import { parseSymbol } from '../src/instruments/symbol.ts';
import type { MarketSnapshot } from '../src/market/snapshot.ts';
import type { Position } from '../src/risk/portfolio.ts';
import { monteCarloScenarios } from '../src/scenarios/monte-carlo.ts';
import { atmImpliedVol } from '../src/market/market-vols.ts';

/** The bundled recorded Deribit BTC book summary. */
export const BUNDLED_BTC_FILE = fileURLToPath(
  new URL('../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url),
);

/** Best wall time in ms of `fn` over `rounds` runs after `warm` warm-up runs. */
export function bestMs(fn: () => unknown, rounds = 3, warm = 1): number {
  for (let i = 0; i < warm; i++) fn();
  let t = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/**
 * A/B in one process: the median CPU time in ms (`process.cpuUsage`, user + system) of each
 * function over `rounds` rounds, run in alternating order (a, b, …, then reversed) after one
 * warm-up each. Less sensitive to other processes' load than wall time.
 */
export function medianCpuMs(fns: readonly (() => unknown)[], rounds = 5): number[] {
  fns.forEach((f) => f());
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    const order = fns.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const c = process.cpuUsage();
      fns[i]!();
      const d = process.cpuUsage(c);
      times[i]!.push((d.user + d.system) / 1000);
    }
  }
  return times.map((t) => t.sort((x, y) => x - y)[t.length >> 1]!);
}

/** `bestMs` for a function that may return a promise (awaited inside the timed region). */
export async function bestMsAsync(fn: () => unknown, rounds = 3, warm = 1): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  let t = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** The bundled BTC snapshot and its chain. */
export interface BundledBtc {
  readonly snapshot: MarketSnapshot;
  /** Every option on a fitted expiry, then the futures, market by market of the recorded file. */
  readonly chain: readonly Instrument[];
  /** The options of `chain`, in the same order. */
  readonly options: readonly Instrument[];
}

/** Builds the snapshot of the bundled BTC file and lists its chain (see `BundledBtc`). */
export function bundledBtc(): BundledBtc {
  const { snapshot } = buildSnapshotFromFile(BUNDLED_BTC_FILE);
  const fitted = new Set(snapshot.underlyings.BTC!.surface.map((s) => s.expiryMs));
  const chain: Instrument[] = [];
  for (const m of loadRawMarketFile(BUNDLED_BTC_FILE).markets) {
    for (const o of m.options) {
      const inst = parseSymbol(o.symbol, 'deribit');
      if (inst.kind === 'option' && fitted.has(inst.expiryMs)) chain.push(inst);
    }
    for (const f of m.futures) chain.push(parseSymbol(f.symbol, 'deribit'));
  }
  return { snapshot, chain, options: chain.filter((i) => i.kind === 'option') };
}

/**
 * A deterministic `n`-position options book: every 37th option of `options` (cyclically,
 * repeats skipped), sizes alternating long and short, 0.5 to 10 coins.
 */
export function optionsBook(options: readonly Instrument[], n = 100): Position[] {
  const positions: Position[] = [];
  for (let k = 0; positions.length < n; k++) {
    const inst = options[(k * 37) % options.length]!;
    if (positions.some((p) => p.instrument.symbol === inst.symbol)) continue;
    positions.push({ instrument: inst, size: (k % 2 ? -1 : 1) * (0.5 + (k % 20) * 0.5) });
  }
  return positions;
}

/** Prints `title` and rows of (what, time, remark), the first two columns aligned. */
export function printRows(
  title: string,
  rows: readonly (readonly [string, string, string])[],
): void {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`);
}

/**
 * The bench's Monte Carlo scenarios: 10,000 one-day Student-t (ν 4) BTC paths, each with its
 * own spot and implied-vol move (`volOfVol` 1, spot–vol ρ −0.5: a relative shock of the whole
 * surface per path), like bench/numpy_mc_revaluation.py, which moves each path's vol against
 * its spot move; `spotOnly` leaves vol unchanged (one vol class per row).
 */
export function mcScenarios(snapshot: MarketSnapshot, spotOnly = false) {
  return monteCarloScenarios({
    underlyings: ['BTC'],
    vols: [atmImpliedVol(snapshot, 'BTC')],
    correlation: [[1]],
    horizonDays: 1,
    paths: 10_000,
    seed: 1,
    model: 'student-t' as const,
    degreesOfFreedom: 4,
    ...(spotOnly ? {} : { volOfVol: 1, spotVolCorrelation: -0.5 }),
  });
}
