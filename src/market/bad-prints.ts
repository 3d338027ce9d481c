/**
 * Bad prints in a close-price history: a close that leaves and comes back within one step.
 *
 * Rule (robust, stated): with r_t = ln(P_t / P_{t−1}) the log returns and s_t the robust scale
 * 1.4826 · median(|r − median(r)|) of the `window` returns before r_t (at least `minWindow`),
 * P_t is a bad print when both legs are large and opposite:
 *
 *   |r_t|, |r_{t+1}| > max(z · s_t, minMove),  sign(r_t) ≠ sign(r_{t+1}),
 *   and the round trip comes back: |r_t + r_{t+1}| < `returnFraction` · min(|r_t|, |r_{t+1}|).
 *
 * s_t is floored at `MIN_SCALE` (flat, illiquid stretches have a zero MAD). A move that does
 * not come back (a real crash) is never flagged, however large. Defaults:
 * z = 4, minMove = 0.2 (a 20 % log move each way), window = 60 returns (minWindow 20),
 * returnFraction = 0.5. Excluding a print drops
 * the point; the return across it then spans two steps.
 */
import type { PriceSeries } from './history.ts';

/** The rule's parameters (see module doc). */
export interface BadPrintRule {
  readonly z: number;
  readonly window: number;
  readonly minWindow: number;
  readonly returnFraction: number;
  /** Each leg must also exceed this absolute log move (0.2 ≈ 20 %). */
  readonly minMove: number;
}

/** Floor of the robust scale (0.5 % per step), for flat stretches of an illiquid history. */
export const MIN_SCALE = 0.005;

/** The documented defaults. */
export const DEFAULT_BAD_PRINT_RULE: BadPrintRule = {
  z: 4,
  window: 60,
  minWindow: 20,
  returnFraction: 0.5,
  minMove: 0.2,
};

/** One flagged close: its index and time, the close and its neighbours, the larger leg in robust z. */
export interface BadPrint {
  readonly index: number;
  readonly timeMs: number;
  readonly close: number;
  readonly previous: number;
  readonly next: number;
  readonly z: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Robust scale (1.4826 · MAD) of `xs`. */
export function robustScale(xs: number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

/** The bad prints of a series by the module's rule, oldest first. */
export function findBadPrints(
  series: PriceSeries,
  rule: BadPrintRule = DEFAULT_BAD_PRINT_RULE,
): BadPrint[] {
  const c = series.closes;
  const r: number[] = [];
  for (let t = 1; t < c.length; t++) r.push(Math.log(c[t]! / c[t - 1]!));
  const out: BadPrint[] = [];
  // r[j] is the return into close j + 1.
  for (let j = rule.minWindow; j + 1 < r.length; j++) {
    const a = r[j]!;
    const b = r[j + 1]!;
    if (Math.sign(a) === Math.sign(b)) continue;
    if (Math.min(Math.abs(a), Math.abs(b)) <= rule.minMove) continue;
    if (!(Math.abs(a + b) < rule.returnFraction * Math.min(Math.abs(a), Math.abs(b)))) continue;
    const s = Math.max(robustScale(r.slice(Math.max(0, j - rule.window), j)), MIN_SCALE);
    const z = Math.min(Math.abs(a), Math.abs(b)) / s;
    if (z <= rule.z) continue;
    out.push({
      index: j + 1,
      timeMs: series.timesMs[j + 1]!,
      close: c[j + 1]!,
      previous: c[j]!,
      next: c[j + 2]!,
      z,
    });
  }
  return out;
}

/** The series without the given prints (by index). */
export function withoutBadPrints(series: PriceSeries, prints: readonly BadPrint[]): PriceSeries {
  if (prints.length === 0) return series;
  const drop = new Set(prints.map((p) => p.index));
  const keep = Array.from({ length: series.closes.length }, (_, i) => i).filter(
    (i) => !drop.has(i),
  );
  return {
    ...series,
    timesMs: Float64Array.from(keep, (i) => series.timesMs[i]!),
    closes: Float64Array.from(keep, (i) => series.closes[i]!),
  };
}
