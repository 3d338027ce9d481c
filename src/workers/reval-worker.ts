/**
 * Worker-thread side of the parallel matrix build (reval-pool.ts): revalues rows
 * [from, to) of the P&L matrix with `revalueRow`, the row function `buildPnlMatrix` uses,
 * writing `pnl[i · nScenarios + s]` in place. `pnl` is a view on a SharedArrayBuffer (shared,
 * not copied); the instrument states come computed from the calling thread. A typed error
 * comes back as data (code, reason, field, details) for the calling thread to throw again.
 */
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { InstrumentState } from '../risk/instrument-state.ts';
import { revalueRow, type InverseOptionPnl } from '../risk/pnl-matrix.ts';
import { scenarioColumns, type ScenarioColumns } from '../risk/scenario-columns.ts';
import { classScratch } from '../risk/vanilla-row.ts';
import type { Scenario } from '../scenarios/scenario.ts';

/** One task: rows `from` ≤ i < `to` of the matrix (instruments and states of those rows). */
export interface RevalTask {
  /** `instruments[k]` is matrix row `from + k`. */
  readonly instruments: readonly Instrument[];
  readonly states: readonly InstrumentState[];
  readonly scenarios: readonly Scenario[];
  readonly mode: InverseOptionPnl;
  /** The whole matrix, row-major, on a SharedArrayBuffer. */
  readonly pnl: Float64Array;
  readonly from: number;
  readonly to: number;
}

/** What comes back: done, or the typed error as data. */
export type RevalTaskResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: {
        code: BallastError['code'];
        reason: string;
        field: string | undefined;
        details: Readonly<Record<string, unknown>> | undefined;
      };
    };

/** Writes the task's rows (columns built once per underlying, as `buildPnlMatrix` does). */
export function revalueRows(task: RevalTask): void {
  const nS = task.scenarios.length;
  const columns = new Map<string, ScenarioColumns>();
  let scratch = classScratch(0);
  for (let i = task.from; i < task.to; i++) {
    const inst = task.instruments[i - task.from]!;
    let cols = columns.get(inst.underlying);
    if (!cols)
      columns.set(inst.underlying, (cols = scenarioColumns(task.scenarios, inst.underlying)));
    if (scratch.ok.length < cols.classes.first.length)
      scratch = classScratch(cols.classes.first.length);
    revalueRow(inst, task.states[i - task.from]!, cols, task.mode, task.pnl, i * nS, scratch);
  }
}

/**
 * Revalues the task's rows; a typed error comes back as data, any other (a bug) is thrown and
 * rejects the task's promise.
 */
export default function revalTask(task: RevalTask): RevalTaskResult {
  try {
    revalueRows(task);
    return { ok: true };
  } catch (e) {
    if (!(e instanceof BallastError)) throw e;
    const b = e;
    return {
      ok: false,
      error: { code: b.code, reason: b.reason, field: b.field, details: b.details },
    };
  }
}
