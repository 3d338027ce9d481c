import { describe, expect, it } from 'vitest';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { LpModel } from '../../src/optimize/lp-model.ts';
import { loadSolver } from '../../src/optimize/solver.ts';

/** min x + 2y s.t. x + y ≥ 2, x − y ≤ 1: optimum x = 1.5, y = 0.5, objective 2.5. */
function small(): LpModel {
  const m = new LpModel('small');
  const x = m.addVariable('x', { cost: 1 });
  const y = m.addVariable('y', { cost: 2 });
  m.addConstraint(
    'cover',
    [
      [x, 1],
      [y, 1],
    ],
    { lb: 2 },
  );
  m.addConstraint(
    'spread',
    [
      [x, 1],
      [y, -1],
    ],
    { ub: 1 },
  );
  return m;
}

/** A different LP on the same variable names: min −x − y s.t. x + 2y ≤ 4, 3x + y ≤ 6. */
function other(): LpModel {
  const m = new LpModel('other');
  const x = m.addVariable('x', { cost: -1 });
  const y = m.addVariable('y', { cost: -1 });
  m.addConstraint(
    'a',
    [
      [x, 1],
      [y, 2],
    ],
    { ub: 4 },
  );
  m.addConstraint(
    'b',
    [
      [x, 3],
      [y, 1],
    ],
    { ub: 6 },
  );
  return m;
}

async function error(f: () => unknown): Promise<BallastError> {
  try {
    await f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

describe('LP/QP solver adapter (HiGHS)', () => {
  it('solves a named LP with duals and binding constraints', async () => {
    const s = (await loadSolver()).solve(small());
    expect(s.objective).toBeCloseTo(2.5, 12);
    expect(s.value('x')).toBeCloseTo(1.5, 12);
    expect(s.value('y')).toBeCloseTo(0.5, 12);
    expect(s.dual('cover')).toBeCloseTo(1.5, 12);
    expect(s.dual('spread')).toBeCloseTo(-0.5, 12);
    expect(
      s
        .binding()
        .map((b) => `${b.name}:${b.bound}`)
        .sort(),
    ).toEqual(['cover:lower', 'spread:upper']);
  });

  it('solves a convex QP (quadratic objective terms)', async () => {
    // min (x − 1)² + (y − 2)² + x·y  = x² + y² + xy − 2x − 4y + 5; optimum x = 0, y = 2 (x ≥ 0 binds).
    const m = new LpModel('qp');
    const x = m.addVariable('x', { cost: -2 });
    const y = m.addVariable('y', { cost: -4 });
    m.addQuadratic(x, x, 1);
    m.addQuadratic(y, y, 1);
    m.addQuadratic(x, y, 1);
    m.addOffset(5);
    const s = (await loadSolver()).solve(m);
    expect(s.value('x')).toBeCloseTo(0, 6);
    expect(s.value('y')).toBeCloseTo(2, 6);
    expect(s.objective).toBeCloseTo(1, 6);
    expect(m.objectiveAt(s.values)).toBeCloseTo(s.objective, 9);
  });

  it('infeasible problems are a typed INFEASIBLE error naming the constraints involved', async () => {
    const m = small();
    const x = m.variable('x')!;
    const y = m.variable('y')!;
    m.addConstraint(
      'cap',
      [
        [x, 1],
        [y, 1],
      ],
      { ub: 1 },
    );
    m.addConstraint('unrelated', [[x, 1]], { ub: 100 });
    const e = await error(async () => (await loadSolver()).solve(m));
    expect(e.code).toBe('INFEASIBLE');
    expect(e.message).toMatch(/cover/);
    expect(e.message).toMatch(/cap/);
    expect(e.message).not.toMatch(/unrelated/);
    expect((e.details as { constraints: string[] }).constraints.sort()).toEqual(['cap', 'cover']);
  });

  it('crossed bounds are INFEASIBLE before solving', async () => {
    const m = new LpModel('crossed');
    m.addVariable('x', { lb: 2, ub: 1 });
    const e = await error(async () => (await loadSolver()).solve(m));
    expect(e.code).toBe('INFEASIBLE');
    expect(e.message).toMatch(/x has lower bound 2 above its upper bound 1/);
  });

  it('unbounded problems are a typed UNBOUNDED error naming the free direction', async () => {
    const m = new LpModel('unbounded');
    const x = m.addVariable('buy[BTC-PERPETUAL]', { cost: -1 });
    const y = m.addVariable('y', { cost: 1 });
    m.addConstraint(
      'link',
      [
        [x, 1],
        [y, -2],
      ],
      { ub: 3 },
    );
    m.addVariable('idle', { ub: 1 });
    const e = await error(async () => (await loadSolver()).solve(m));
    expect(e.code).toBe('UNBOUNDED');
    expect(e.message).toMatch(/buy\[BTC-PERPETUAL\]/);
    expect(e.message).not.toMatch(/idle/);
  });

  it('no state leaks between solves: A, B, A give the same answers', async () => {
    const solver = await loadSolver();
    const a1 = solver.solve(small());
    const b = solver.solve(other());
    const a2 = solver.solve(small());
    expect(b.objective).toBeCloseTo(-2.8, 12);
    expect(a2.objective).toBe(a1.objective);
    expect(Array.from(a2.values)).toEqual(Array.from(a1.values));
    expect(Array.from(a2.rowDuals)).toEqual(Array.from(a1.rowDuals));
    // An infeasible solve in between changes nothing either.
    const bad = small();
    bad.addConstraint(
      'cap',
      [
        [0, 1],
        [1, 1],
      ],
      { ub: 1 },
    );
    await error(() => solver.solve(bad));
    expect(solver.solve(small()).objective).toBe(a1.objective);
  });

  it('exports CPLEX LP and MPS text that HiGHS re-parses to the same optimum (ranges, free and fixed bounds, QP, offset)', async () => {
    const m = new LpModel('export check');
    const a = m.addVariable('buy[BTC-25SEP26-70000-C]', { cost: 0.3, ub: 5 });
    const b = m.addVariable('sell[BTC-25SEP26-70000-C]', { cost: 0.2, ub: 5 });
    const t = m.addVariable('t', { lb: -Infinity, cost: 1 });
    const f = m.addVariable('fixed', { lb: 1.25, ub: 1.25 });
    const e = m.addVariable('e1', { lb: -3, ub: 2 });
    m.addConstraint(
      'worst[btc_btc][std-0]',
      [
        [t, 1],
        [a, 0.1],
        [b, -0.1],
      ],
      { lb: 0.05 },
    );
    m.addConstraint(
      'delta[BTC]',
      [
        [a, 0.4],
        [b, -0.4],
        [e, 1],
      ],
      { lb: -0.5, ub: 0.5 },
    );
    m.addConstraint(
      'eq',
      [
        [e, 1],
        [f, 1],
      ],
      { lb: 1, ub: 1 },
    );
    m.addQuadratic(a, a, 0.5);
    m.addQuadratic(a, b, 0.1);
    m.addOffset(-2);
    const solver = await loadSolver();
    const direct = solver.solve(m);
    const lp = m.toLpText();
    expect(lp).toMatch(/delta_BTC_\.lo: /);
    expect(lp).toMatch(/\\ row delta_BTC_ = delta\[BTC\]/);
    const fromLp = solver.solveText(lp, 'lp');
    const fromMps = solver.solveText(m.toMps(), 'mps');
    expect(fromLp.objective).toBeCloseTo(direct.objective, 9);
    expect(fromMps.objective).toBeCloseTo(direct.objective, 9);
  });
});
