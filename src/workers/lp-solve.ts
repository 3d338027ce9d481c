/**
 * LP solves off the calling thread: a model large enough that its solve is expected to take
 * more than about a second (≥ `WORKER_NONZEROS` non-zeros, from the measurements in
 * bench/optimize.bench.ts) is solved in a worker thread (piscina, one thread started for the
 * solve and stopped after), so the CLI's progress output and the service's event loop keep
 * running; smaller ones are solved in this thread, where starting a worker would cost more
 * than the solve. Same solution either way (test/optimize/lp-worker.test.ts); a typed error
 * in the worker is thrown again here as the same `BallastError`.
 */
import { Piscina } from 'piscina';
import { errorFromData } from '../core/errors.ts';
import type { LpModel } from '../optimize/lp-model.ts';
import { lpModelData, lpSolutionFromData } from '../optimize/lp-transport.ts';
import { loadSolver, type LpSolution, type SolveOptions } from '../optimize/solver.ts';
import type { LpTask, LpTaskResult } from './lp-worker.ts';

/** Non-zeros from which a solve goes to a worker thread (HiGHS-WASM: ~0.7 s at 250k). */
export const WORKER_NONZEROS = 250_000;

/** Solves `model` in a worker thread (always). */
export async function solveInWorker(
  model: LpModel,
  options: SolveOptions = {},
): Promise<LpSolution> {
  const piscina = new Piscina({
    filename: new URL('./lp-worker-entry.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  let r: LpTaskResult;
  try {
    const task: LpTask = { model: lpModelData(model), options };
    r = (await piscina.run(task)) as LpTaskResult;
  } finally {
    await piscina.destroy();
  }
  if (r.ok) return lpSolutionFromData(model, r.solution);
  throw errorFromData(r.error);
}

/** Solves `model` in a worker thread when it has ≥ `minNonzeros` non-zeros, else here. */
export async function solveOffThread(
  model: LpModel,
  options: SolveOptions = {},
  minNonzeros = WORKER_NONZEROS,
): Promise<LpSolution> {
  if (model.numNonzeros < minNonzeros) return (await loadSolver()).solve(model, options);
  return solveInWorker(model, options);
}
