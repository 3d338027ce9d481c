import { describe, expect, it } from 'vitest';
import { nelderMead } from '../../../src/core/optim/nelder-mead.ts';

const rosenbrock = (x: readonly number[]): number =>
  100 * (x[1]! - x[0]! * x[0]!) ** 2 + (1 - x[0]!) ** 2;

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum (1, 1) from (−1.2, 1)', () => {
    let evals = 0;
    const r = nelderMead(
      (x) => {
        evals++;
        return rosenbrock(x);
      },
      [-1.2, 1],
      [0.1, 0.1],
      { maxEval: 2000, fRelTol: 0, fAbsTol: 1e-20 },
    );
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    expect(r.f).toBeLessThan(1e-10);
    expect(evals).toBeGreaterThan(50);
    expect(evals).toBeLessThanOrEqual(2000 + 1);
  });
  it('minimises a 4-D convex quadratic to its known centre (1, −2, 3, 0.5)', () => {
    const c = [1, -2, 3, 0.5];
    const f = (x: readonly number[]) => x.reduce((s, v, i) => s + (i + 1) * (v - c[i]!) ** 2, 0);
    const r = nelderMead(f, [0, 0, 0, 0], [1, 1, 1, 1], {
      maxEval: 5000,
      fRelTol: 0,
      fAbsTol: 1e-24,
    });
    c.forEach((v, i) => expect(r.x[i]).toBeCloseTo(v, 5));
  });
  it('stops on the simplex size (xTol) and on the evaluation budget', () => {
    const loose = nelderMead(rosenbrock, [-1.2, 1], [0.1, 0.1], { maxEval: 5000, xTol: 1e-2 });
    const tight = nelderMead(rosenbrock, [-1.2, 1], [0.1, 0.1], { maxEval: 5000, xTol: 1e-9 });
    expect(tight.f).toBeLessThan(loose.f);
    let evals = 0;
    nelderMead(
      (x) => {
        evals++;
        return rosenbrock(x);
      },
      [-1.2, 1],
      [0.1, 0.1],
      { maxEval: 30 },
    );
    expect(evals).toBeLessThanOrEqual(30 + 1);
  });
});
