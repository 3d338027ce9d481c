/**
 * Kupiec's proportion-of-failures (POF) test of a margin or VaR model's coverage
 * (P. Kupiec, "Techniques for verifying the accuracy of risk measurement models",
 * Journal of Derivatives 3(2), 1995).
 *
 * With `n` observations, `x` breaches and an expected breach rate `p = 1 − confidence`:
 *
 *   LR = −2·ln[(1 − p)^(n−x) · p^x] + 2·ln[(1 − x/n)^(n−x) · (x/n)^x]      (0·ln 0 = 0)
 *
 * LR is asymptotically χ² with one degree of freedom under the null "the breach rate is p";
 * the p-value is `1 − F_χ²₁(LR)`. Since χ²₁ is the square of a standard normal,
 * `F_χ²₁(x) = P(Z² ≤ x) = 2Φ(√x) − 1`, so the p-value is `2·Φ(−√LR)` (computed from the lower
 * tail, without cancellation).
 */
import { BallastError } from '../core/errors.ts';
import { normCdf } from '../core/normal.ts';
import { requireConfidence } from './var.ts';

/** CDF of the χ² distribution with one degree of freedom: `2Φ(√x) − 1` (0 for x ≤ 0). */
export function chiSquare1Cdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  return 1 - 2 * normCdf(-Math.sqrt(x));
}

/** Upper tail of χ²₁: `1 − F(x) = 2Φ(−√x)` (1 for x ≤ 0). */
export function chiSquare1Survival(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return 2 * normCdf(-Math.sqrt(x));
}

/** `k·ln(q)` with the convention `0·ln 0 = 0`. */
function xlogy(k: number, q: number): number {
  return k === 0 ? 0 : k * Math.log(q);
}

/** Result of the Kupiec POF test. */
export interface KupiecResult {
  /** Observations. */
  readonly observations: number;
  /** Breaches observed. */
  readonly breaches: number;
  /** Expected breach rate p = 1 − confidence. */
  readonly expectedRate: number;
  /** Observed breach rate x/n. */
  readonly observedRate: number;
  /** Expected number of breaches n·p. */
  readonly expectedBreaches: number;
  /** Likelihood-ratio statistic (≥ 0). */
  readonly lr: number;
  /** p-value `1 − F_χ²₁(LR)`, in [0, 1]. */
  readonly pValue: number;
  /** True if the null (correct coverage) is rejected at `significance`. */
  readonly rejected: boolean;
  readonly significance: number;
}

/**
 * Kupiec POF test of `breaches` out of `observations` against coverage `confidence` (e.g. 0.99
 * ⇒ expected breach rate 1 %). `significance` (default 0.05) only sets `rejected`.
 * Throws INVALID_INPUT for n < 1, x outside [0, n], confidence outside (0, 1).
 */
export function kupiecPof(
  breaches: number,
  observations: number,
  confidence: number,
  significance = 0.05,
): KupiecResult {
  if (!Number.isInteger(observations) || observations < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `must be a whole number ≥ 1, got ${observations}`,
      'observations',
    );
  if (!Number.isInteger(breaches) || breaches < 0 || breaches > observations)
    throw new BallastError(
      'INVALID_INPUT',
      `must be a whole number in [0, ${observations}], got ${breaches}`,
      'breaches',
    );
  requireConfidence(confidence);
  if (!(significance > 0 && significance < 1))
    throw new BallastError(
      'INVALID_INPUT',
      `must be in (0, 1), got ${significance}`,
      'significance',
    );
  const n = observations;
  const x = breaches;
  const p = 1 - confidence;
  const phat = x / n;
  const logNull = xlogy(n - x, 1 - p) + xlogy(x, p);
  const logAlt = xlogy(n - x, 1 - phat) + xlogy(x, phat);
  // The alternative maximises the likelihood, so LR ≥ 0 up to rounding.
  const lr = Math.max(0, -2 * (logNull - logAlt));
  const pValue = chiSquare1Survival(lr);
  return {
    observations: n,
    breaches: x,
    expectedRate: p,
    observedRate: phat,
    expectedBreaches: n * p,
    lr,
    pValue,
    rejected: pValue < significance,
    significance,
  };
}
