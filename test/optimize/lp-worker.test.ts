import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { LpModel } from '../../src/optimize/lp-model.ts';
import { lpModelData, lpModelFromData } from '../../src/optimize/lp-transport.ts';
import { addExpectedShortfall, esLpMethod } from '../../src/optimize/cvar.ts';
import { loadSolver } from '../../src/optimize/solver.ts';
import { solveInWorker, solveOffThread } from '../../src/workers/lp-solve.ts';

// Off-thread LP solves: the model crosses to a worker as plain data and solves to the same
// solution as in this thread (values, duals, objective to 1e-9); a typed error in the worker
// is the same BallastError here. Independent numbers: the QP below has the closed-form
// optimum x = 1, y = 2, z = 0, objective 0; the ES LP is compared with the in-thread solve.

/** min (x−1)² + (y−2)² + z s.t. x + y + z ≥ 1, z integer in [0, 3]: x = 1, y = 2, z = 0. */
function qp(): LpModel {
  const m = new LpModel('qp');
  const x = m.addVariable('x', { lb: -10, ub: 10, cost: -2 });
  const y = m.addVariable('y', { lb: -10, ub: 10, cost: -4 });
  const z = m.addVariable('z', { lb: 0, ub: 3, cost: 1 });
  m.addQuadratic(x, x, 1);
  m.addQuadratic(y, y, 1);
  m.addOffset(5);
  m.addConstraint(
    'sum',
    [
      [x, 1],
      [y, 1],
      [z, 1],
    ],
    { lb: 1 },
  );
  return m;
}

/** A small R–U ES LP: 3 assets × 400 scenarios (deterministic P&L). */
function esLp(): LpModel {
  const m = new LpModel('es');
  const S = 400;
  const vars = [0, 1, 2].map((k) => m.addVariable(`w${k}`, { lb: -1, ub: 1 }));
  const pnl = new Float64Array(3 * S);
  for (let k = 0; k < 3; k++)
    for (let s = 0; s < S; s++) pnl[k * S + s] = Math.sin(0.7 * s * (k + 1)) * (k + 1);
  const base = Float64Array.from({ length: S }, (_, s) => 2 * Math.cos(0.3 * s));
  const es = addExpectedShortfall(m, {
    name: 'es',
    beta: 0.95,
    nScenarios: S,
    base,
    variables: vars,
    pnl,
  });
  for (const [v, a] of es.terms) m.addCost(v, a);
  return m;
}

describe('LP solves in a worker thread', () => {
  it('model data round trip keeps every row, bound, cost and quadratic term', () => {
    const m = qp();
    const back = lpModelFromData(lpModelData(m));
    expect(lpModelData(back)).toEqual(lpModelData(m));
    const e = esLp();
    expect(lpModelData(lpModelFromData(lpModelData(e)))).toEqual(lpModelData(e));
  });

  it('the same solution as in this thread (QP and an ES LP)', async () => {
    const solver = await loadSolver();
    const q = await solveInWorker(qp());
    expect(q.value('x')).toBeCloseTo(1, 6);
    expect(q.value('y')).toBeCloseTo(2, 6);
    expect(q.objective).toBeCloseTo(0, 6);
    const m = esLp();
    const here = solver.solve(m, { method: esLpMethod(m.numNonzeros) });
    const there = await solveInWorker(m, { method: esLpMethod(m.numNonzeros) });
    expect(there.method).toBe('simplex');
    expect(Math.abs(there.objective - here.objective)).toBeLessThanOrEqual(1e-9);
    let n = 0;
    for (let j = 0; j < m.numVariables; j++) {
      expect(Math.abs(there.values[j]! - here.values[j]!)).toBeLessThanOrEqual(1e-9);
      n++;
    }
    for (let r = 0; r < m.numConstraints; r++)
      expect(Math.abs(there.rowDuals[r]! - here.rowDuals[r]!)).toBeLessThanOrEqual(1e-9);
    expect(n).toBe(m.numVariables);
    // below the threshold solveOffThread stays in this thread, same answer
    const small = await solveOffThread(m);
    expect(Math.abs(small.objective - here.objective)).toBeLessThanOrEqual(1e-9);
  }, 60_000);

  it('an infeasible model is the same typed error from the worker', async () => {
    const m = new LpModel('bad');
    const x = m.addVariable('x', { lb: 0, ub: 1 });
    m.addConstraint('too-big', [[x, 1]], { lb: 5 });
    const err = await solveInWorker(m).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBallastError(err, 'INFEASIBLE')).toBe(true);
    expect(String((err as Error).message)).toContain('too-big');
  }, 60_000);
});
