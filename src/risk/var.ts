/**
 * Value at Risk and Expected Shortfall, on scenario P&L vectors (historical simulation, Monte
 * Carlo) and in closed form for normal returns. Loss = −P&L (or −return). Results are losses
 * in the P&L's currency, **not floored at 0**: a negative VaR means even the tail is a gain
 * (margin models floor it themselves).
 *
 * Order-statistic convention (used by `valueAtRisk`, `expectedShortfall`, `tailScenarios`):
 * sort the n losses from worst, L(1) ≥ L(2) ≥ … ≥ L(n), and let
 *
 *   k = ⌈n(1 − α)⌉   (at least 1; n(1 − α) within 1e-9 of an integer counts as that integer,
 *                     so 20 scenarios at 95 % give k = 1, not 2 from 20·0.05000000000000004)
 *   VaR_α = L(k)                        (the k-th worst loss)
 *   ES_α  = (1/k) Σ_{i ≤ k} L(i)        (the mean of the k worst losses)
 *
 * ES is then the expectation of the k worst losses, the CVaR at level 1 − k/n, which is
 * coherent (sub-additive) for every k (Acerbi & Tasche, "On the coherence of expected
 * shortfall", J. Banking & Finance 26 (2002), the case n(1 − α) integer). Ties are broken by
 * scenario index, so the tail set is deterministic.
 *
 * With probability weights p_s (≥ 0, normalised by their sum; e.g. BRW age weighting —
 * *not* the P&L multipliers of `Scenario.weight`): VaR is L(k) for the first k with
 * Σ_{i≤k} p(i) ≥ 1 − α (same 1e-9 tolerance) and ES the p-weighted mean of L(1..k). With
 * equal weights both reduce to the unweighted formulas.
 */
import { BallastError } from '../core/errors.ts';
import { normInv, normPdf } from '../core/normal.ts';

const TOL = 1e-9;

/** Validates a confidence level α ∈ (0, 1); the error names `field` (default `confidence`). */
export function requireConfidence(confidence: number, field = 'confidence'): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new BallastError(
      'INVALID_INPUT',
      `must be in (0, 1) (e.g. 0.99), got ${confidence}`,
      field,
    );
  }
  return confidence;
}

/** Number of tail scenarios k = ⌈n(1 − α)⌉ (≥ 1) of the unweighted convention. */
export function tailCount(n: number, confidence: number): number {
  requireConfidence(confidence);
  const x = n * (1 - confidence);
  const r = Math.round(x);
  const k = Math.abs(x - r) <= TOL * Math.max(1, x) ? r : Math.ceil(x);
  return Math.min(n, Math.max(1, k));
}

function probabilities(
  n: number,
  weights: ArrayLike<number> | undefined,
): Float64Array | undefined {
  if (weights === undefined) return undefined;
  if (weights.length !== n)
    throw new BallastError(
      'INVALID_INPUT',
      `${weights.length} weights for ${n} scenarios`,
      'weights',
    );
  let sum = 0;
  for (let s = 0; s < n; s++) {
    const w = weights[s]!;
    if (!(w >= 0) || !Number.isFinite(w))
      throw new BallastError('INVALID_INPUT', `must be finite and >= 0, got ${w}`, `weights[${s}]`);
    sum += w;
  }
  if (!(sum > 0)) throw new BallastError('INVALID_INPUT', 'weights sum to 0', 'weights');
  return Float64Array.from({ length: n }, (_, s) => weights[s]! / sum);
}

/** Scenario indices in order from worst loss (lowest P&L), ties by index; the k of the tail. */
function tail(
  pnl: ArrayLike<number>,
  confidence: number,
  weights?: ArrayLike<number>,
): { order: Int32Array; k: number; p: Float64Array | undefined } {
  requireConfidence(confidence);
  const n = pnl.length;
  if (n === 0) throw new BallastError('INVALID_INPUT', 'no scenarios', 'pnl');
  for (let s = 0; s < n; s++) {
    if (!Number.isFinite(pnl[s]))
      throw new BallastError('NOT_FINITE', `must be finite, got ${pnl[s]}`, `pnl[${s}]`);
  }
  const p = probabilities(n, weights);
  const order = Int32Array.from({ length: n }, (_, s) => s).sort(
    (a, b) => pnl[a]! - pnl[b]! || a - b,
  );
  if (!p) return { order, k: tailCount(n, confidence), p };
  const target = 1 - confidence;
  let cum = 0;
  let k = n;
  for (let i = 0; i < n; i++) {
    cum += p[order[i]!]!;
    if (cum >= target - TOL) {
      k = i + 1;
      break;
    }
  }
  return { order, k, p };
}

/**
 * Historical/Monte Carlo VaR at confidence α of a scenario P&L vector: the k-th worst loss,
 * k = ⌈n(1 − α)⌉ (module doc for the weighted form). Units of the P&L.
 */
export function valueAtRisk(
  pnl: ArrayLike<number>,
  confidence: number,
  weights?: ArrayLike<number>,
): number {
  const { order, k } = tail(pnl, confidence, weights);
  return -pnl[order[k - 1]!]!;
}

/**
 * Expected Shortfall at confidence α of a scenario P&L vector: the mean of the k worst
 * losses, k = ⌈n(1 − α)⌉ (probability-weighted mean with weights). ES ≥ VaR. Units of the P&L.
 */
export function expectedShortfall(
  pnl: ArrayLike<number>,
  confidence: number,
  weights?: ArrayLike<number>,
): number {
  const { order, k, p } = tail(pnl, confidence, weights);
  let sum = 0;
  let mass = 0;
  for (let i = 0; i < k; i++) {
    const s = order[i]!;
    const w = p ? p[s]! : 1;
    sum += w * -pnl[s]!;
    mass += w;
  }
  return mass > 0 ? sum / mass : -pnl[order[0]!]!;
}

/**
 * Indices of the tail scenarios, the k worst (k of `valueAtRisk`), worst first; the VaR
 * scenario is the last one. Ties broken by index.
 */
export function tailScenarios(
  pnl: ArrayLike<number>,
  confidence: number,
  weights?: ArrayLike<number>,
): number[] {
  const { order, k } = tail(pnl, confidence, weights);
  return Array.from(order.subarray(0, k));
}

/**
 * Closed-form VaR of a normally distributed return R ~ N(mean, sd²), loss = −R:
 * `VaR_α = −mean + sd·Φ⁻¹(α)`.
 */
export function normalVaR(mean: number, sd: number, confidence: number): number {
  requireConfidence(confidence);
  if (!(sd >= 0)) throw new BallastError('INVALID_INPUT', `must be >= 0, got ${sd}`, 'sd');
  return -mean + sd * normInv(confidence);
}

/**
 * Closed-form ES of a normally distributed return R ~ N(mean, sd²), loss = −R:
 * `ES_α = −mean + sd·φ(Φ⁻¹(α))/(1 − α)` (e.g. McNeil, Frey & Embrechts, "Quantitative Risk
 * Management", 2005, Example 2.18).
 */
export function normalES(mean: number, sd: number, confidence: number): number {
  requireConfidence(confidence);
  if (!(sd >= 0)) throw new BallastError('INVALID_INPUT', `must be >= 0, got ${sd}`, 'sd');
  return -mean + (sd * normPdf(normInv(confidence))) / (1 - confidence);
}

/**
 * Mean and standard deviation of the portfolio return xᵀR for R ~ (means, covariance):
 * `mean = xᵀm`, `sd = √(xᵀVx)`. Covariance as `number[][]`, row-major.
 */
export function portfolioNormal(
  weights: readonly number[],
  means: readonly number[],
  covariance: readonly (readonly number[])[],
): { mean: number; sd: number } {
  const n = weights.length;
  if (means.length !== n)
    throw new BallastError('INVALID_INPUT', `${means.length} means for ${n} weights`, 'means');
  if (covariance.length !== n || covariance.some((r) => r.length !== n))
    throw new BallastError('INVALID_INPUT', `must be ${n}×${n}`, 'covariance');
  let mean = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    mean += weights[i]! * means[i]!;
    for (let j = 0; j < n; j++) variance += weights[i]! * covariance[i]![j]! * weights[j]!;
  }
  if (!Number.isFinite(mean) || !Number.isFinite(variance))
    throw new BallastError('NOT_FINITE', 'portfolio mean or variance is not finite', 'covariance');
  if (variance < 0)
    throw new BallastError(
      'INVALID_INPUT',
      `xᵀVx = ${variance} < 0: not positive semidefinite`,
      'covariance',
    );
  return { mean, sd: Math.sqrt(variance) };
}
