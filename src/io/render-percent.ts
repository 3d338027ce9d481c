/**
 * The one percent format of every table and report line (src/io/render-*.ts), the same as the
 * scenario labels' (scenarios/move-label.ts): the fraction × 100 with fixed decimals and `%`
 * with no space ("22.0%", "+1.25%", "−30%"); ∞ for an infinite ratio (IM > 0 on equity ≤ 0),
 * `—` for an undefined or NaN value.
 */

/** A ratio or level as a percent: 0.22 → "22.0%" (`decimals` after the point, default 1). */
export function percent(x: number | undefined, decimals = 1): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return `${(100 * x).toFixed(decimals)}%`;
}

/** A signed move as a percent: −0.0125 → "−1.25%", 0.3 → "+30.00%" (default 2 decimals). */
export function signedPercent(x: number | undefined, decimals = 2): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(decimals)}%`;
}

/** A confidence level as a percent without trailing zeros: 0.99 → "99%", 0.975 → "97.5%". */
export function confidencePercent(x: number): string {
  return `${+(100 * x).toFixed(4)}%`;
}
