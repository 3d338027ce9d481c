/**
 * Reference test: the CVaR LP against Rockafellar & Uryasev (2000), "Optimization of
 * conditional value-at-risk", §3 example: three assets (S&P 500, a government bond index, a
 * small-cap index) with monthly mean returns m and covariance V below, long only, weights
 * summing to 1, expected return ≥ 0.011. The paper's optimum (the minimum-variance portfolio,
 * which coincides with the minimum-CVaR one for normal returns) is w ≈ (0.452, 0.116, 0.432)
 * with CVaR_0.99 ≈ 0.153; the LP on 20,000 quasi-random (Sobol) normal scenarios must land
 * within 2 %.
 */
import { describe, expect, it } from 'vitest';
import { sobolNormals } from '../../src/core/sobol.ts';
import { empiricalEs, minimizeCvarPortfolio } from '../../src/optimize/cvar.ts';

const m = [0.010111, 0.0043532, 0.0137058];
const V = [
  [0.00324625, 0.00022983, 0.00420395],
  [0.00022983, 0.00049937, 0.00019247],
  [0.00420395, 0.00019247, 0.00764097],
];

function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const L = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  return L;
}

/** Returns per asset and scenario (row-major) from Sobol normals: r = m + L·z. */
function scenarios(S: number): Float64Array {
  const L = cholesky(V);
  const z = sobolNormals(3, S);
  const out = new Float64Array(3 * S);
  z.forEach((p, s) => {
    for (let i = 0; i < 3; i++) {
      let r = m[i]!;
      for (let k = 0; k <= i; k++) r += L[i]![k]! * p[k]!;
      out[i * S + s] = r;
    }
  });
  return out;
}

describe('CVaR LP (Rockafellar–Uryasev 2000, §3)', () => {
  const paperWeights = [0.452, 0.116, 0.432];
  const paperCvar = 0.153;

  it('approaches the paper optimum as scenarios grow: CVaR within 0.5 % and every weight within 0.001 at 20,000 Sobol scenarios', async () => {
    const results: { S: number; cvar: number; w: number[] }[] = [];
    for (const S of [1000, 5000, 20000]) {
      const r = await minimizeCvarPortfolio({
        returns: scenarios(S),
        nAssets: 3,
        nScenarios: S,
        beta: 0.99,
        means: m,
        minReturn: 0.011,
        names: ['S&P', 'bonds', 'small-cap'],
      });
      results.push({ S, cvar: r.conditionalValueAtRisk, w: r.weights });
      expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(r.expectedReturn).toBeGreaterThanOrEqual(0.011 - 1e-9);
    }
    const last = results[results.length - 1]!;
    // README: "0.15241 … (paper 0.153)" is 0.4 % off (the paper's 3 digits); weights to the third decimal.
    expect(Math.abs(last.cvar / paperCvar - 1)).toBeLessThan(0.005);
    last.w.forEach((w, i) => expect(Math.abs(w - paperWeights[i]!)).toBeLessThan(0.001));
    // Convergence: the error at 20,000 scenarios is no larger than at 1,000.
    expect(Math.abs(last.cvar - paperCvar)).toBeLessThanOrEqual(
      Math.abs(results[0]!.cvar - paperCvar) + 1e-3,
    );
    // Report the numbers (visible with --reporter=verbose).
    console.info(
      `R-U CVaR_0.99: ${results.map((r) => `S=${r.S}: ${r.cvar.toFixed(5)} w=(${r.w.map((x) => x.toFixed(6)).join(', ')})`).join('; ')}`,
    );
  });

  it('the LP optimum equals the empirical ES of the optimal weights on the same scenarios', async () => {
    const S = 4000;
    const R = scenarios(S);
    const r = await minimizeCvarPortfolio({
      returns: R,
      nAssets: 3,
      nScenarios: S,
      beta: 0.95,
      means: m,
      minReturn: 0.011,
    });
    const pnl = new Float64Array(S);
    for (let s = 0; s < S; s++)
      for (let i = 0; i < 3; i++) pnl[s] = pnl[s]! + r.weights[i]! * R[i * S + s]!;
    expect(empiricalEs(pnl, 0.95).expectedShortfall).toBeCloseTo(r.conditionalValueAtRisk, 9);
  });

  it('empirical ES: mean loss beyond the quantile (R–U fractional tail)', () => {
    const pnl = Array.from({ length: 100 }, (_, i) => -(i + 1)); // losses 1..100
    const e = empiricalEs(pnl, 0.95);
    expect(e.valueAtRisk).toBe(95);
    expect(e.expectedShortfall).toBeCloseTo(95 + (1 + 2 + 3 + 4 + 5) / 5, 12);
    expect(e.worstLoss).toBe(100);
  });
});
