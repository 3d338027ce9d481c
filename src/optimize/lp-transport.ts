/**
 * An `LpModel` and an `LpSolution` as plain data (typed arrays and strings), so a solve can
 * run in another thread (src/workers/lp-worker.ts): structured clone keeps the data, not the
 * classes. `lpModelFromData(lpModelData(m))` has the same variables, constraints, bounds,
 * costs, offset, integrality and quadratic terms, in the same order, so it solves to the
 * same solution.
 */
import { LpModel } from './lp-model.ts';
import { LpSolution } from './solver.ts';

/** An LP/QP as plain data. */
export interface LpModelData {
  readonly name: string;
  readonly colNames: readonly string[];
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly colCost: Float64Array;
  readonly integrality: Int32Array | undefined;
  readonly rowNames: readonly string[];
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
  readonly offset: number;
  /** Lower triangle of Q by column (`LpModel.hessian`), or undefined for an LP. */
  readonly hessian: { starts: Int32Array; indices: Int32Array; values: Float64Array } | undefined;
}

/** The model as plain data. */
export function lpModelData(m: LpModel): LpModelData {
  const cols = m.columns();
  const rows = m.rows();
  const csr = m.csr();
  return {
    name: m.name,
    colNames: Array.from({ length: m.numVariables }, (_, j) => m.variableName(j)),
    colLower: cols.lower,
    colUpper: cols.upper,
    colCost: cols.cost,
    integrality: m.integrality(),
    rowNames: Array.from({ length: m.numConstraints }, (_, r) => m.constraintName(r)),
    rowLower: rows.lower,
    rowUpper: rows.upper,
    starts: csr.starts,
    indices: csr.indices,
    values: csr.values,
    offset: m.offset,
    hessian: m.hessian(),
  };
}

/** Rebuilds the model from its data (the inverse of `lpModelData`). */
export function lpModelFromData(d: LpModelData): LpModel {
  const m = new LpModel(d.name);
  d.colNames.forEach((name, j) =>
    m.addVariable(name, {
      lb: d.colLower[j]!,
      ub: d.colUpper[j]!,
      cost: d.colCost[j]!,
      integer: d.integrality?.[j] === 1,
    }),
  );
  d.rowNames.forEach((name, r) => {
    const a = d.starts[r]!;
    const b = d.starts[r + 1]!;
    m.addConstraint(
      name,
      { indices: d.indices.subarray(a, b), values: d.values.subarray(a, b) },
      { lb: d.rowLower[r]!, ub: d.rowUpper[r]! },
    );
  });
  if (d.offset !== 0) m.addOffset(d.offset);
  const h = d.hessian;
  if (h)
    for (let j = 0; j < d.colNames.length; j++)
      for (let k = h.starts[j]!; k < h.starts[j + 1]!; k++) {
        const i = h.indices[k]!;
        // Q stores 2·coef on the diagonal, coef off it (LpModel.addQuadratic).
        m.addQuadratic(i, j, i === j ? h.values[k]! / 2 : h.values[k]!);
      }
  return m;
}

/** A solution as plain data. */
export interface LpSolutionData {
  readonly objective: number;
  readonly values: Float64Array;
  readonly activities: Float64Array;
  readonly rowDuals: Float64Array;
  readonly reducedCosts: Float64Array;
  readonly iterations: number;
  readonly method: string;
}

/** The solution as plain data. */
export function lpSolutionData(s: LpSolution): LpSolutionData {
  return {
    objective: s.objective,
    values: s.values,
    activities: s.activities,
    rowDuals: s.rowDuals,
    reducedCosts: s.reducedCosts,
    iterations: s.iterations,
    method: s.method,
  };
}

/** The solution of `model` from its data. */
export function lpSolutionFromData(model: LpModel, d: LpSolutionData): LpSolution {
  return new LpSolution(
    model,
    d.objective,
    d.values,
    d.activities,
    d.rowDuals,
    d.reducedCosts,
    d.iterations,
    d.method,
  );
}
