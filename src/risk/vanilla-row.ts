/**
 * The P&L row of a vanilla option over a scenario list (the hot loop of `buildPnlMatrix`):
 *
 *   P[s] = V(F·m_s, K, T − Δt_s, σ_s) − V0,   V = Black-76 (÷ F·m_s for inverse options),
 *
 * with everything that does not change along the row computed once: ln(K/F) per row; per
 * distinct time shift T_c, √T_c and the discount factor e^{−r·T_c}; per vol class
 * (`VolClasses`: scenarios sharing a vol shock and a time shift) the shocked vol σ_c and
 * σ_c·√T_c (a plain relative shock, Monte Carlo's per-path vol move, as max(σ·f, 0)); per
 * cell the forward, x = −|ln(K/F) − ln m_s| (ln m_s once per scenario, in the columns) and
 * `blackTimeValueAt` (at most one exponential, a fixed series or rational Mills ratios).
 * A cell is `vanillaCellValue`, which `scenarioPnl` calls too, so the same bits as
 * `scenarioPnl` (test/risk/pnl-matrix-row.test.ts); cells outside Black-76's valid
 * domain (expired at the shifted date, invalid inputs) take the per-cell path, which values
 * the payoff or throws its typed error.
 */
import type { VanillaOption } from '../instruments/instrument.ts';
import { black76Price, blackTimeValueAt } from '../pricing/black76.ts';
import { optionValue } from '../pricing/option-value.ts';
import { shockVolAt, termFactor } from '../scenarios/scenario.ts';
import type { InstrumentState } from './instrument-state.ts';
import type { ScenarioColumns } from './scenario-columns.ts';

/** Per-class quantities of one row (capacity: the number of vol classes). */
export interface ClassScratch {
  /** Shocked vol σ_c (decimal). */
  readonly vol: Float64Array;
  /** Shifted time to expiry T_c (ACT/365 years). */
  readonly T: Float64Array;
  /** σ_c·√T_c. */
  readonly sd: Float64Array;
  /** e^{−r·T_c}. */
  readonly df: Float64Array;
  /**
   * 1 when the class is inside Black-76's domain (T_c > 0, σ_c and df valid); 2 when it is
   * expired at the shifted date (T_c ≤ 0: the payoff, `optionValue`'s intrinsic value); 0 else.
   */
  readonly ok: Uint8Array;
  /**
   * Term factors k_c = `termFactor(shock_c.term, dte − shift_c)` per option day count `dte`
   * (1 for no shock), memoised for the columns `termOf` (a chain has a few expiries, so a few
   * `Math.pow` per class and build instead of one per class and row); cleared for other columns.
   */
  readonly termK: Map<number, Float64Array>;
  termOf: ScenarioColumns | undefined;
}

/** Scratch for rows with up to `n` vol classes. */
export function classScratch(n: number): ClassScratch {
  return {
    vol: new Float64Array(n),
    T: new Float64Array(n),
    sd: new Float64Array(n),
    df: new Float64Array(n),
    ok: new Uint8Array(n),
    termK: new Map(),
    termOf: undefined,
  };
}

/** k_c of every class of `cols` for an option `dteDays` from expiry (see `ClassScratch`). */
function termFactors(dteDays: number, cols: ScenarioColumns, k: ClassScratch): Float64Array {
  if (k.termOf !== cols) {
    k.termK.clear();
    k.termOf = cols;
  }
  // ±0 share a Map key but not `termFactor`'s bits (pivot/±0): not memoised.
  let t = dteDays === 0 ? undefined : k.termK.get(dteDays);
  if (t === undefined) {
    const { shock, shiftDays } = cols.classes;
    t = new Float64Array(shock.length);
    for (let c = 0; c < t.length; c++) {
      const v = shock[c]!;
      t[c] = v.kind === 'none' ? 1 : termFactor(v.term, dteDays - shiftDays[c]!);
    }
    if (dteDays !== 0) k.termK.set(dteDays, t);
  }
  return t;
}

/** Fills `k` with the per-class quantities of `inst`'s row (see module doc); ln(K/F) given. */
function fillClasses(
  inst: VanillaOption,
  st: InstrumentState,
  cols: ScenarioColumns,
  k: ClassScratch,
  logMoneyness: number,
): void {
  const { shock, shiftDays, factor } = cols.classes;
  const kt = termFactors(st.dteDays, cols, k);
  const n = shock.length;
  const strikeOk = inst.strike > 0 && inst.strike < Infinity;
  const rightOk = inst.right === 'call' || inst.right === 'put';
  let shift = NaN;
  let T1 = NaN;
  let df = NaN;
  let sqrtT = NaN;
  for (let c = 0; c < n; c++) {
    const days = shiftDays[c]!;
    if (!(days === shift)) {
      shift = days;
      T1 = st.T - shift / 365;
      df = Math.exp(-st.rate * T1);
      sqrtT = Math.sqrt(T1);
    }
    const f = factor[c]!;
    // A plain relative shock (Monte Carlo's per-path moves) is max(σ·f, 0): `shockVol`'s bits.
    const vol =
      f === f ? Math.max(st.vol * f, 0) : shockVolAt(shock[c]!, st.vol, kt[c]!, logMoneyness);
    k.vol[c] = vol;
    k.T[c] = T1;
    const sd = vol * sqrtT;
    k.df[c] = df;
    k.sd[c] = sd;
    const ok = strikeOk && rightOk && T1 > 0 && T1 < Infinity && vol >= 0 && vol < Infinity;
    k.ok[c] = ok && df > 0 && df < Infinity ? 1 : strikeOk && rightOk && T1 <= 0 ? 2 : 0;
  }
}

/** One cell by the per-cell path (outside Black-76's domain: payoff, or the typed error). */
function slowCell(inst: VanillaOption, st: InstrumentState, mult: number, T1: number, vol: number) {
  const F1 = st.price * mult;
  if (T1 <= 0)
    return optionValue(inst, { spot: st.spot * mult, forward: F1, T: T1, vol, rate: st.rate });
  const usd = black76Price(inst.right, F1, inst.strike, T1, vol, Math.exp(-st.rate * T1));
  return inst.settlement === 'inverse' ? usd / F1 : usd;
}

/**
 * Value of one unit of a vanilla option at the shocked forward F1 = F·m inside Black-76's
 * domain (T1 > 0, σ1 ≥ 0, df > 0, F1 > 0, all finite), settlement currency:
 *   df·(intrinsic(F1) + time value) (÷ F1 for inverse options),
 * the time value by `blackTimeValueAt` at x = −|ln(K/F) − ln m| (`lnKF` = ln(K/F), `lnM` =
 * ln m), `sd` = σ1·√T1, `sqrtK` = √K. The matrix row and `scenarioPnl` both price a cell
 * with it, so the same bits either way.
 */
export function vanillaCellValue(
  call: boolean,
  inverse: boolean,
  F1: number,
  K: number,
  sqrtK: number,
  sd: number,
  df: number,
  lnKF: number,
  lnM: number,
): number {
  const intrinsic = call ? (F1 > K ? F1 - K : 0) : K > F1 ? K - F1 : 0;
  const x = -Math.abs(lnKF - lnM);
  const usd = df * (sd > 0 ? intrinsic + blackTimeValueAt(x, F1, K, sd, sqrtK) : intrinsic);
  return inverse ? usd / F1 : usd;
}

/**
 * `revalueVanillaRow` for columns whose classes are all plain relative vol moves with one
 * time shift (`plainOneShift`, Monte Carlo paths): T1, √T1 and e^{−r·T1} once per row, the
 * shocked vol max(σ·f, 0) and σ1·√T1 per cell (the same operations as `fillClasses`, so the
 * same bits), no per-class scratch.
 */
function revaluePlainRow(
  inst: VanillaOption,
  st: InstrumentState,
  cols: ScenarioColumns,
  out: Float64Array,
  off: number,
): number {
  const { mult, logMult } = cols;
  const { cls, factor, shiftDays } = cols.classes;
  const K = inst.strike;
  const F = st.price;
  const V0 = st.value;
  const call = inst.right === 'call';
  const inverse = inst.settlement === 'inverse';
  const T1 = st.T - shiftDays[0]! / 365;
  const df = Math.exp(-st.rate * T1);
  const sqrtT = Math.sqrt(T1);
  const valid = K > 0 && K < Infinity && (call || inst.right === 'put');
  const live = valid && T1 > 0 && T1 < Infinity && df > 0 && df < Infinity;
  const expired = valid && T1 <= 0;
  const sqrtK = Math.sqrt(K);
  const lnKF = Math.log(K / F);
  const sigma = st.vol;
  let bad = 0;
  for (let s = 0; s < mult.length; s++) {
    const F1 = F * mult[s]!;
    const vol = Math.max(sigma * factor[cls[s]!]!, 0);
    let v: number;
    if (live && vol >= 0 && vol < Infinity && F1 > 0 && F1 < Infinity)
      v = vanillaCellValue(call, inverse, F1, K, sqrtK, vol * sqrtT, df, lnKF, logMult[s]!);
    else if (expired && F1 > 0 && F1 < Infinity) {
      const intrinsic = call ? (F1 > K ? F1 - K : 0) : K > F1 ? K - F1 : 0;
      v = inverse ? intrinsic / F1 : intrinsic;
    } else v = slowCell(inst, st, mult[s]!, T1, vol);
    const p = v - V0;
    if (!(Math.abs(p) < Infinity)) bad++;
    out[off + s] = p;
  }
  return bad;
}

/**
 * Writes the P&L of one unit of the vanilla option `inst` (state `st`) in every scenario of
 * `cols` into `out[off + s]`, settlement currency (coin for inverse options: V1/F1 − V0).
 * Returns the number of non-finite cells written (the caller reports them).
 */
export function revalueVanillaRow(
  inst: VanillaOption,
  st: InstrumentState,
  cols: ScenarioColumns,
  out: Float64Array,
  off: number,
  k: ClassScratch,
): number {
  if (cols.classes.plainOneShift) return revaluePlainRow(inst, st, cols, out, off);
  const lnKF = Math.log(inst.strike / st.price);
  fillClasses(inst, st, cols, k, lnKF);
  const { mult } = cols;
  const cls = cols.classes.cls;
  const K = inst.strike;
  const F = st.price;
  const V0 = st.value;
  const call = inst.right === 'call';
  const inverse = inst.settlement === 'inverse';
  const { ok, sd, df } = k;
  const { logMult } = cols;
  const sqrtK = Math.sqrt(K);
  let bad = 0;
  for (let s = 0; s < mult.length; s++) {
    const c = cls[s]!;
    const F1 = F * mult[s]!;
    const okc = ok[c]!;
    let v: number;
    if (okc === 1 && F1 > 0 && F1 < Infinity)
      v = vanillaCellValue(call, inverse, F1, K, sqrtK, sd[c]!, df[c]!, lnKF, logMult[s]!);
    else if (okc === 2 && F1 > 0 && F1 < Infinity) {
      // The payoff, as `optionValue` takes it at expiry (max(F1 − K, 0) for a call).
      const intrinsic = call ? (F1 > K ? F1 - K : 0) : K > F1 ? K - F1 : 0;
      v = inverse ? intrinsic / F1 : intrinsic;
    } else v = slowCell(inst, st, mult[s]!, k.T[c]!, k.vol[c]!);
    const p = v - V0;
    if (!(Math.abs(p) < Infinity)) bad++;
    out[off + s] = p;
  }
  return bad;
}
