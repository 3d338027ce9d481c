/** Small order statistics shared by the fits and estimators. */

/** Median of `xs` (mean of the two middle values for an even count); NaN for none. Does not modify `xs`. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? s[(n - 1) / 2]! : 0.5 * (s[n / 2 - 1]! + s[n / 2]!);
}
