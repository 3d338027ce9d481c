/**
 * The P&L matrix built on worker threads (piscina), split by rows: the matrix lives in a
 * SharedArrayBuffer (shared, not copied), the calling thread computes the instrument states
 * (`instrumentStates`, so a state error is thrown here, as in `buildPnlMatrix`) and each
 * worker writes its contiguous range of rows with `revalueRow`, the row function of the
 * one-thread build: the same bits (test/engine/reval-pool.test.ts). The pool is started once
 * and kept warm; src/risk stays pure, this is the only threaded layer over it. A typed error
 * in a worker is thrown here as the same `BallastError` (the lowest row range's first, which
 * is the row the one-thread build would have stopped at).
 */
import { serialize } from 'node:v8';
import { Piscina } from 'piscina';
import { BallastError, errorFromData } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { instrumentStates } from '../risk/instrument-state.ts';
import { pnlMatrixOf, type InverseOptionPnl, type PnlMatrix } from '../risk/pnl-matrix.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import type { RevalTask, RevalTaskResult, SharedScenarios } from './reval-worker.ts';

/** Options of a parallel build (as `PnlMatrixOptions`, without the row cache). */
export interface ParallelMatrixOptions {
  readonly inverseOptionPnl?: InverseOptionPnl;
  /** Buffer on a SharedArrayBuffer, instruments × scenarios cells, reused across builds. */
  readonly out?: Float64Array;
}

/** A warm pool of revaluation workers. */
export interface RevaluationPool {
  readonly workers: number;
  /** `buildPnlMatrix(instruments, snapshot, scenarios, { cache: false, ... })`, in parallel. */
  build(
    instruments: readonly Instrument[],
    snapshot: Parameters<typeof instrumentStates>[1],
    scenarios: readonly Scenario[],
    options?: ParallelMatrixOptions,
  ): Promise<PnlMatrix>;
  close(): Promise<void>;
}

/** A new shared matrix of `cells` cells (8 bytes each). */
export function sharedMatrixBuffer(cells: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(cells * Float64Array.BYTES_PER_ELEMENT));
}

/** `out` if shared and `cells` long, else INVALID_INPUT naming `out`; a new one if none. */
function sharedOut(out: Float64Array | undefined, cells: number): Float64Array {
  if (out === undefined) return sharedMatrixBuffer(cells);
  if (out.length !== cells)
    throw new BallastError(
      'INVALID_INPUT',
      `the output buffer has ${out.length} cells, the matrix ${cells}`,
      'out',
    );
  if (!(out.buffer instanceof SharedArrayBuffer))
    throw new BallastError('INVALID_INPUT', 'the output buffer is not shared memory', 'out');
  return out;
}

/**
 * Row ranges [from, to) splitting `n` rows into `parts` contiguous ranges whose sizes differ
 * by at most one (the first `n mod parts` one longer); empty ranges are left out.
 */
export function rowRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  let from = 0;
  for (let p = 0; p < parts; p++) {
    const to = from + base + (p < extra ? 1 : 0);
    if (to > from) out.push([from, to]);
    from = to;
  }
  return out;
}

/** Scenario lists already in shared memory (arrays are immutable values, as for the row cache). */
const sharedSets = new WeakMap<readonly Scenario[], SharedScenarios>();
let nextSetId = 0;

/** `scenarios` serialized once into a SharedArrayBuffer (see `SharedScenarios`). */
function sharedScenarios(scenarios: readonly Scenario[]): SharedScenarios {
  let sh = sharedSets.get(scenarios);
  if (!sh) {
    const data = serialize(scenarios);
    const bytes = new Uint8Array(new SharedArrayBuffer(data.length));
    bytes.set(data);
    sh = { id: nextSetId++, bytes };
    sharedSets.set(scenarios, sh);
  }
  return sh;
}

/** Throws the first failed range's error (in row order) as the same `BallastError`. */
function throwFirstError(results: readonly RevalTaskResult[]): void {
  for (const r of results) if (!r.ok) throw errorFromData(r.error);
}

/** Starts a pool of `workers` threads (≥ 1), kept warm until `close`. */
export function revaluationPool(workers: number): RevaluationPool {
  if (!(Number.isInteger(workers) && workers >= 1))
    throw new BallastError(
      'INVALID_INPUT',
      `workers must be an integer ≥ 1, got ${workers}`,
      'workers',
    );
  const piscina = new Piscina({
    filename: new URL('./reval-worker-entry.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
  });
  return {
    workers,
    async build(instruments, snapshot, scenarios, options = {}) {
      const nI = instruments.length;
      const nS = scenarios.length;
      const pnl = sharedOut(options.out, nI * nS);
      const mode = options.inverseOptionPnl ?? 'coin-value';
      const states = instrumentStates(instruments, snapshot);
      const set = sharedScenarios(scenarios);
      const tasks = rowRanges(nI, workers).map(([from, to]) => {
        const task: RevalTask = {
          instruments: instruments.slice(from, to),
          states: states.slice(from, to),
          scenarios: set,
          mode,
          pnl,
          from,
          to,
        };
        return piscina.run(task) as Promise<RevalTaskResult>;
      });
      throwFirstError(await Promise.all(tasks));
      return pnlMatrixOf(instruments, scenarios, states, pnl);
    },
    close: () => piscina.destroy(),
  };
}
