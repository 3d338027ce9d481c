/**
 * What a revaluation row needs of a scenario list for one underlying, read once per matrix
 * build instead of once per cell: the spot multiplier and the time shift of every scenario as
 * typed arrays, and the scenarios' vol classes (the distinct (vol shock, time shift) pairs, so
 * a row computes each shocked vol, σ√T, discount factor and Gaussian factor once per class).
 */
import {
  moveFor,
  plainRelativeFactor,
  type Scenario,
  type VolShock,
} from '../scenarios/scenario.ts';

/**
 * The distinct (vol shock, time shift) pairs of a scenario list for one underlying: `cls[s]`
 * is scenario s's class, `first[c]` a scenario of class c. Shocks are keyed by content
 * (grids build one shock object per cell), so a row computes each shocked vol once per class.
 */
export interface VolClasses {
  readonly cls: Int32Array;
  readonly first: Int32Array;
  /** Class c's vol shock (`moveFor(scenarios[first[c]], underlying).vol`). */
  readonly shock: readonly VolShock[];
  /** Class c's time shift in calendar days (`scenarios[first[c]].timeShiftDays`). */
  readonly shiftDays: Float64Array;
  /** `plainRelativeFactor(shock[c])`: 1 + size for a plain relative shock, else NaN. */
  readonly factor: Float64Array;
  /**
   * Every class a plain relative shock (`factor` not NaN) and one time shift for all (Monte
   * Carlo paths with a vol move each): a row's T, √T and discount factor are one per row.
   */
  readonly plainOneShift: boolean;
}

/** Vol classes of `scenarios` for `underlying` (see `VolClasses`), in O(scenarios). */
export function volClasses(scenarios: readonly Scenario[], underlying: string): VolClasses {
  const cls = new Int32Array(scenarios.length);
  const first: number[] = [];
  const shock: VolShock[] = [];
  const shiftDays: number[] = [];
  const byKey = new Map<string, number>();
  scenarios.forEach((sc, s) => {
    const vol = moveFor(sc, underlying).vol;
    const key = `${shockKey(vol)}|${sc.timeShiftDays}`;
    let c = byKey.get(key);
    if (c === undefined) {
      c = first.length;
      first.push(s);
      shock.push(vol);
      shiftDays.push(sc.timeShiftDays);
      byKey.set(key, c);
    }
    cls[s] = c;
  });
  const factor = Float64Array.from(shock, plainRelativeFactor);
  return {
    cls,
    first: Int32Array.from(first),
    shock,
    shiftDays: Float64Array.from(shiftDays),
    factor,
    plainOneShift:
      factor.every((f) => f === f) && shiftDays.every((d) => Object.is(d, shiftDays[0])),
  };
}

/**
 * Content key of a vol shock: every field `shockVol` reads, numbers as their round-trip
 * strings (−0 and 0 share a key; they shock a vol identically).
 */
function shockKey(v: VolShock): string {
  if (v.kind === 'none') return 'none';
  const t = v.term;
  const term = t ? `${t.pivotDays},${t.shortPower},${t.longPower},${t.dteFloorDays}` : '-';
  return `${v.kind},${v.kind === 'skew' ? v.slope : v.size},${v.floor},${v.cap},${term}`;
}

/** A scenario list read for one underlying (see module doc). */
export interface ScenarioColumns {
  readonly underlying: string;
  readonly scenarios: readonly Scenario[];
  /** `moveFor(scenarios[s], underlying).spotMultiplier` (dimensionless). */
  readonly mult: Float64Array;
  /** `Math.log(mult[s])`: ln(F1/K) of a cell is ln m − ln(K/F), one log per scenario. */
  readonly logMult: Float64Array;
  readonly classes: VolClasses;
}

/** The columns of `scenarios` for `underlying`, in O(scenarios). */
export function scenarioColumns(
  scenarios: readonly Scenario[],
  underlying: string,
): ScenarioColumns {
  const mult = new Float64Array(scenarios.length);
  const logMult = new Float64Array(scenarios.length);
  for (let s = 0; s < scenarios.length; s++) {
    mult[s] = moveFor(scenarios[s]!, underlying).spotMultiplier;
    logMult[s] = Math.log(mult[s]!);
  }
  return { underlying, scenarios, mult, logMult, classes: volClasses(scenarios, underlying) };
}
