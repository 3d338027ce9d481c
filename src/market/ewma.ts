/**
 * Exponentially weighted volatility, RiskMetrics style (J.P. Morgan/Reuters, "RiskMetrics —
 * Technical Document", 4th ed. 1996, §5.2.1; λ = 0.94 for daily data).
 */
import { BallastError } from '../core/errors.ts';

/** The RiskMetrics daily decay factor. */
export const RISKMETRICS_LAMBDA = 0.94;
/** Default number of returns whose mean square seeds the recursion. */
export const DEFAULT_EWMA_SEED_WINDOW = 30;

/** Validates λ ∈ (0, 1) (field `lambda`). */
export function requireLambda(lambda: number): number {
  if (!(lambda > 0 && lambda < 1))
    throw new BallastError('INVALID_INPUT', `must be in (0, 1), got ${lambda}`, 'lambda');
  return lambda;
}

/** Validates and defaults the seed window: an integer in [1, n] (field `seedWindow`). */
export function resolveSeedWindow(seedWindow: number | undefined, n: number): number {
  const w = seedWindow ?? Math.min(n, DEFAULT_EWMA_SEED_WINDOW);
  if (!Number.isInteger(w) || w < 1 || w > n)
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer in [1, ${n}], got ${w}`,
      'seedWindow',
    );
  return w;
}

/**
 * Per-step EWMA volatility of a return series r_0 … r_{n−1} (any step; no annualisation),
 * zero mean as in RiskMetrics:
 *
 *   σ²_0 = (1/w) Σ_{t<w} r_t²          (seed: mean square of the first w = `seedWindow` returns,
 *                                        default min(n, 30); it looks ahead w steps)
 *   σ²_t = λ σ²_{t−1} + (1 − λ) r²_{t−1},   t = 1 … n
 *
 * Returns n + 1 values: `σ[t]` for t < n is the vol of return t given the returns before it
 * (the scale filtered historical simulation divides r_t by), and `σ[n]` is the forecast for
 * the next, unobserved step ("σ now"). Throws INVALID_INPUT for no returns, a non-finite
 * return (field `returns[t]`), λ outside (0, 1) or a bad seed window.
 */
export function ewmaVolatility(
  returns: ArrayLike<number>,
  lambda = RISKMETRICS_LAMBDA,
  seedWindow?: number,
): Float64Array {
  const n = returns.length;
  if (n === 0) throw new BallastError('INVALID_INPUT', 'needs at least one return', 'returns');
  requireLambda(lambda);
  const w = resolveSeedWindow(seedWindow, n);
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(returns[t]))
      throw new BallastError('NOT_FINITE', `must be finite, got ${returns[t]}`, `returns[${t}]`);
  }
  let v = 0;
  for (let t = 0; t < w; t++) v += returns[t]! * returns[t]!;
  v /= w;
  const out = new Float64Array(n + 1);
  out[0] = Math.sqrt(v);
  for (let t = 1; t <= n; t++) {
    const r = returns[t - 1]!;
    v = lambda * v + (1 - lambda) * r * r;
    out[t] = Math.sqrt(v);
  }
  return out;
}
