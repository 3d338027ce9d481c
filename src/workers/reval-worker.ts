/**
 * Worker-thread side of the parallel matrix build (reval-pool.ts): revalues rows
 * [from, to) of the P&L matrix with `revalueRow`, the row function `buildPnlMatrix` uses,
 * writing `pnl[i · nScenarios + s]` in place. `pnl` is a view on a SharedArrayBuffer (shared,
 * not copied); the instrument states come computed from the calling thread. A typed error
 * comes back as data (code, reason, field, details) for the calling thread to throw again.
 */
import { deserialize } from 'node:v8';
import { BallastError, errorData, type BallastErrorData } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { InstrumentState } from '../risk/instrument-state.ts';
import { revalueRow, type InverseOptionPnl } from '../risk/pnl-matrix.ts';
import { scenarioColumns, type ScenarioColumns } from '../risk/scenario-columns.ts';
import { classScratch } from '../risk/vanilla-row.ts';
import type { Scenario } from '../scenarios/scenario.ts';

/**
 * A scenario list serialized once (`v8.serialize`) into shared memory, with an id unique in
 * the calling thread: a worker deserializes it on first sight and keeps the last one (and its
 * columns per underlying), so a rebuild on the same scenarios copies nothing per call.
 */
export interface SharedScenarios {
  readonly id: number;
  readonly bytes: Uint8Array;
}

/** One task: rows `from` ≤ i < `to` of the matrix (instruments and states of those rows). */
export interface RevalTask {
  /** `instruments[k]` is matrix row `from + k`. */
  readonly instruments: readonly Instrument[];
  readonly states: readonly InstrumentState[];
  readonly scenarios: SharedScenarios;
  readonly mode: InverseOptionPnl;
  /** The whole matrix, row-major, on a SharedArrayBuffer. */
  readonly pnl: Float64Array;
  readonly from: number;
  readonly to: number;
}

/** What comes back: done, or the typed error as data. */
export type RevalTaskResult =
  { readonly ok: true } | { readonly ok: false; readonly error: BallastErrorData };

/** The last scenario list this worker saw, and its columns per underlying. */
let last: { id: number; scenarios: readonly Scenario[]; columns: Map<string, ScenarioColumns> } = {
  id: -1,
  scenarios: [],
  columns: new Map(),
};

/** The task's scenario list (deserialized once per id), with its column cache. */
function scenariosOf(sh: SharedScenarios): typeof last {
  if (last.id !== sh.id) {
    const scenarios = deserialize(Buffer.from(sh.bytes)) as Scenario[];
    last = { id: sh.id, scenarios, columns: new Map() };
  }
  return last;
}

/** Writes the task's rows (columns built once per underlying, as `buildPnlMatrix` does). */
export function revalueRows(task: RevalTask): void {
  const { scenarios, columns } = scenariosOf(task.scenarios);
  const nS = scenarios.length;
  let scratch = classScratch(0);
  for (let i = task.from; i < task.to; i++) {
    const inst = task.instruments[i - task.from]!;
    let cols = columns.get(inst.underlying);
    if (!cols) columns.set(inst.underlying, (cols = scenarioColumns(scenarios, inst.underlying)));
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
    return { ok: false, error: errorData(e) };
  }
}
