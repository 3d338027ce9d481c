/**
 * Bisection for the point where a boolean predicate switches: given pred(lo) false (by the
 * caller's knowledge or check), halve [lo, hi] keeping the false end at lo and the true end
 * at hi. Each step halves the bracket; it ends after `maxIter` steps or when the midpoint is
 * no longer distinct from an end (the bracket is two adjacent doubles).
 */

/** The final bracket: pred(lo) false-side, pred(hi) true-side, as kept by the bisection. */
export interface SwitchBracket {
  readonly lo: number;
  readonly hi: number;
}

/** Bisects [lo, hi] for the switch of `pred` from false to true (see module doc) [maxIter 60]. */
export function bisectSwitch(
  pred: (x: number) => boolean,
  lo: number,
  hi: number,
  maxIter = 60,
): SwitchBracket {
  let a = lo;
  let b = hi;
  for (let i = 0; i < maxIter; i++) {
    const mid = 0.5 * (a + b);
    if (mid === a || mid === b) break;
    if (pred(mid)) b = mid;
    else a = mid;
  }
  return { lo: a, hi: b };
}
