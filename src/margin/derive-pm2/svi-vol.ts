/**
 * Implied vol of one option from its expiry's raw-SVI parameters, as the PMRM_2 engine
 * evaluates it (methodology spec `docs/methodology/derive-pm2.md`, §5.3): log-moneyness against the SVI
 * forward, clamped to ±4·√(a + b·σ), total variance capped at 144.
 */
import { BallastError } from '../../core/errors.ts';
import { sviTotalVariance } from '../../market/svi.ts';
import type { DerivePm2Svi } from './input.ts';

/** The engine's cap on SVI total variance (§5.3; see §13.3 for the generator's reading). */
export const SVI_TOTAL_VARIANCE_CAP = 144;

/**
 * Total variance at which the published cases' generator apparently capped `MarkVol`
 * (§13.3: tests 44, 45 and 66 publish √(20/τ_svi) where the engine formula gives w ≈ 33).
 * Above it the two readings give different vols; informational only, never applied.
 */
export const GENERATOR_TOTAL_VARIANCE_CAP = 20;

/**
 * Annualised vol σ_i of an option struck at `strike` (USD) (§5.3):
 *
 *   k = clamp(ln(K / F_svi), −B, B),  B = 4·√(a + b·σ_s)
 *   w = min(a + b(ρ(k − m) + √((k − m)² + σ_s²)), 144)
 *   σ_i = √(w / τ_svi)
 *
 * Strike 0 has vol 0. Throws INVALID_VOL (naming `field`) if a + b·σ_s < 0 (no clamp
 * width) or w < 0 (negative total variance is an input error, §12.5).
 */
export function sviOptionVol(svi: DerivePm2Svi, strike: number, field: string): number {
  if (strike === 0) return 0;
  const width = svi.a + svi.b * svi.sigma;
  if (!(width >= 0)) {
    throw new BallastError(
      'INVALID_VOL',
      `SVI a + b·sigma is negative (${width}): no log-moneyness clamp`,
      field,
    );
  }
  const bound = 4 * Math.sqrt(width);
  const kRaw = Math.log(strike / svi.forward);
  const k = Math.min(Math.max(kRaw, -bound), bound);
  const w = Math.min(sviTotalVariance(svi, k), SVI_TOTAL_VARIANCE_CAP);
  if (!(w >= 0)) {
    throw new BallastError(
      'INVALID_VOL',
      `SVI total variance is negative (${w}) at k = ${k}`,
      field,
      { k, w },
    );
  }
  return Math.sqrt(w / svi.tau);
}
