/**
 * Worker-thread side of an off-thread LP solve: rebuilds the model from its data, solves it
 * with HiGHS (loaded once per worker) and returns the solution data, or the typed error as
 * data (code, reason, field, details) for the calling thread to throw again.
 */
import { BallastError, errorData, type BallastErrorData } from '../core/errors.ts';
import {
  lpModelFromData,
  lpSolutionData,
  type LpModelData,
  type LpSolutionData,
} from '../optimize/lp-transport.ts';
import { loadSolver, type SolveOptions } from '../optimize/solver.ts';

/** One solve. */
export interface LpTask {
  readonly model: LpModelData;
  readonly options: SolveOptions;
}

/** What comes back: the solution, or the typed error as data. */
export type LpTaskResult =
  | { readonly ok: true; readonly solution: LpSolutionData }
  | { readonly ok: false; readonly error: BallastErrorData };

/** Solves the task's model. */
export default async function solveTask(task: LpTask): Promise<LpTaskResult> {
  try {
    const solver = await loadSolver();
    const sol = solver.solve(lpModelFromData(task.model), task.options);
    return { ok: true, solution: lpSolutionData(sol) };
  } catch (e) {
    const b =
      e instanceof BallastError
        ? e
        : new BallastError('SOLVER_FAILED', e instanceof Error ? e.message : String(e), 'solver');
    return { ok: false, error: errorData(b) };
  }
}
