/**
 * The scenario P&L matrix, the hub of every scenario-based model (docs/architecture.md):
 *
 *   P[i, s] = value of one unit (one coin of size) of instrument i in scenario s − its value now,
 *             in the instrument's settlement currency, unweighted.
 *
 * Each instrument is priced once per scenario. Conventions per kind (Deribit PM notes §5):
 * - linear delta-one (spot, futures, perps): `F·m` (USD), F the instrument's price;
 * - inverse delta-one, size in coin-equivalent at the mark: `1 − F0/F1 = m/(1+m)` (coin);
 * - options: revalued with `optionValue` at the shocked forward `F·mult`, shocked vol and
 *   shifted time. Inverse options by default as the change of the coin value
 *   `V1/F1 − V0/F0` (OPT-A); `inverseOptionPnl: 'usd-at-shocked'` gives `(V1 − V0)/F1` (OPT-B).
 */
import { BallastError } from '../core/errors.ts';
import { daysBetween, yearFraction } from '../core/time.ts';
import type { Currency } from '../core/currency.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { black76Price } from '../pricing/black76.ts';
import { optionValue } from '../pricing/option-value.ts';
import { forwardAt } from '../market/forwards.ts';
import { perpMark, surfaceVol, underlyingMarket } from '../market/marks.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { moveFor, shockVol, type Scenario, type VolShock } from '../scenarios/scenario.ts';

/** How inverse options' coin P&L is defined (Deribit PM notes §5.3). */
export type InverseOptionPnl = 'coin-value' | 'usd-at-shocked';

/** Options for `buildPnlMatrix`. */
export interface PnlMatrixOptions {
  readonly inverseOptionPnl?: InverseOptionPnl;
  /** Use and fill the per-snapshot row cache (default true; benchmarks of pricing pass false). */
  readonly cache?: boolean;
}

/** The base (unshocked) state of one instrument, computed once. */
export interface InstrumentState {
  /** Price the delta-one move applies to: forward (futures, options), perp mark, index (spot). */
  readonly price: number;
  readonly spot: number;
  readonly rate: number;
  /** Years to expiry (0 for undated). */
  readonly T: number;
  readonly dteDays: number;
  /** Implied vol at the strike (0 for delta-one). */
  readonly vol: number;
  /** Value of one unit now, settlement currency (options); 0 for delta-one. */
  readonly value: number;
}

/** The matrix and what it was built from. Row i ↔ instruments[i]; column s ↔ scenarios[s]. */
export interface PnlMatrix {
  readonly instruments: readonly Instrument[];
  readonly scenarios: readonly Scenario[];
  readonly states: readonly InstrumentState[];
  readonly nInstruments: number;
  readonly nScenarios: number;
  /** Row-major P&L per unit: `pnl[i * nScenarios + s]`. */
  readonly pnl: Float64Array;
  /** Settlement currency per row. */
  readonly currencies: readonly Currency[];
  /** Row of each symbol. */
  readonly rowOf: ReadonlyMap<string, number>;
}

/** The base state of an instrument in a snapshot (typed errors for missing data). */
export function instrumentState(inst: Instrument, snapshot: MarketSnapshot): InstrumentState {
  const u = underlyingMarket(snapshot, inst.underlying, `${inst.symbol}.underlying`);
  const base = { spot: u.index, rate: u.rate, T: 0, dteDays: 0, vol: 0, value: 0 };
  switch (inst.kind) {
    case 'spot':
      return { ...base, price: u.index };
    case 'perpetual':
      return { ...base, price: perpMark(u) };
    case 'future': {
      if (!(inst.expiryMs > snapshot.asOfMs))
        throw new BallastError(
          'EXPIRED',
          'the future has expired at the snapshot time',
          inst.symbol,
        );
      return {
        ...base,
        price: forwardAt(u, inst.expiryMs, snapshot.asOfMs, inst.symbol),
        T: yearFraction(snapshot.asOfMs, inst.expiryMs),
        dteDays: daysBetween(snapshot.asOfMs, inst.expiryMs),
      };
    }
    default: {
      if (!(inst.expiryMs > snapshot.asOfMs))
        throw new BallastError(
          'EXPIRED',
          'the option has expired at the snapshot time',
          inst.symbol,
        );
      const F = forwardAt(u, inst.expiryMs, snapshot.asOfMs, inst.symbol);
      const T = yearFraction(snapshot.asOfMs, inst.expiryMs);
      const vol = surfaceVol(u, inst.strike, inst.expiryMs, snapshot.asOfMs, inst.symbol);
      const value = optionValue(inst, { spot: u.index, forward: F, T, vol, rate: u.rate });
      return {
        ...base,
        price: F,
        T,
        dteDays: daysBetween(snapshot.asOfMs, inst.expiryMs),
        vol,
        value,
      };
    }
  }
}

/** P&L of one unit of `inst` (state `st`) in scenario `sc` (see module doc). */
export function scenarioPnl(
  inst: Instrument,
  st: InstrumentState,
  sc: Scenario,
  inverseOptionPnl: InverseOptionPnl = 'coin-value',
): number {
  const move = moveFor(sc, inst.underlying);
  const mult = move.spotMultiplier;
  if (!isOptionLike(inst)) {
    if (inst.settlement === 'inverse') return 1 - 1 / mult;
    return st.price * (mult - 1);
  }
  const F1 = st.price * mult;
  const T1 = st.T - sc.timeShiftDays / 365;
  const vol1 = shockVol(
    move.vol,
    st.vol,
    st.dteDays - sc.timeShiftDays,
    Math.log(inst.strike / st.price),
  );
  const inputs = { spot: st.spot * mult, forward: F1, T: T1, vol: vol1, rate: st.rate };
  if (inst.settlement === 'inverse' && inverseOptionPnl === 'usd-at-shocked') {
    const usd = optionValue({ ...inst, settlement: 'linear' }, inputs) - st.value * st.price;
    return usd / F1;
  }
  return optionValue(inst, inputs) - st.value;
}

/**
 * The distinct (vol shock, time shift) pairs of a scenario list for one underlying: `cls[s]`
 * is scenario s's class, `first[c]` a scenario of class c. Shocks are keyed by content
 * (grids build one shock object per cell), so a row computes each shocked vol once per class.
 */
export interface VolClasses {
  readonly cls: Int32Array;
  readonly first: Int32Array;
}

/** Vol classes of `scenarios` for `underlying` (see `VolClasses`), in O(scenarios). */
export function volClasses(scenarios: readonly Scenario[], underlying: string): VolClasses {
  const cls = new Int32Array(scenarios.length);
  const first: number[] = [];
  const byKey = new Map<string, number>();
  scenarios.forEach((sc, s) => {
    const key = `${shockKey(moveFor(sc, underlying).vol)}|${sc.timeShiftDays}`;
    let c = byKey.get(key);
    if (c === undefined) {
      c = first.length;
      first.push(s);
      byKey.set(key, c);
    }
    cls[s] = c;
  });
  return { cls, first: Int32Array.from(first) };
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

/**
 * Writes `scenarioPnl(inst, st, scenarios[s], mode)` for every scenario into
 * `out[off + s]`. Vanilla options take a loop with the per-instrument work hoisted: ln(K/F)
 * once, the shocked vol once per vol class (`volClasses`, into `volScratch`) and the discount
 * factor once per distinct shifted T, Black-76 called directly with the arguments
 * `optionValue` passes; the same operations in the same order, so the same bits.
 */
export function revalueRow(
  inst: Instrument,
  st: InstrumentState,
  scenarios: readonly Scenario[],
  mode: InverseOptionPnl,
  out: Float64Array,
  off: number,
  classes: VolClasses = volClasses(scenarios, inst.underlying),
  volScratch: Float64Array = new Float64Array(classes.first.length),
): void {
  const nS = scenarios.length;
  if (inst.kind !== 'option' || (inst.settlement === 'inverse' && mode === 'usd-at-shocked')) {
    for (let s = 0; s < nS; s++) out[off + s] = scenarioPnl(inst, st, scenarios[s]!, mode);
    return;
  }
  const logMoneyness = Math.log(inst.strike / st.price);
  for (let c = 0; c < classes.first.length; c++) {
    const sc = scenarios[classes.first[c]!]!;
    const v = moveFor(sc, inst.underlying).vol;
    volScratch[c] = shockVol(v, st.vol, st.dteDays - sc.timeShiftDays, logMoneyness);
  }
  const inverse = inst.settlement === 'inverse';
  const cls = classes.cls;
  let lastT = NaN;
  let df = 1;
  for (let s = 0; s < nS; s++) {
    const sc = scenarios[s]!;
    const mult = moveFor(sc, inst.underlying).spotMultiplier;
    const F1 = st.price * mult;
    const T1 = st.T - sc.timeShiftDays / 365;
    const vol1 = volScratch[cls[s]!]!;
    let v: number;
    if (T1 <= 0) {
      v = optionValue(inst, { spot: st.spot * mult, forward: F1, T: T1, vol: vol1, rate: st.rate });
    } else {
      if (T1 !== lastT) {
        df = Math.exp(-st.rate * T1);
        lastT = T1;
      }
      const usd = black76Price(inst.right, F1, inst.strike, T1, vol1, df);
      v = inverse ? usd / F1 : usd;
    }
    out[off + s] = v - st.value;
  }
}

/** One instrument's state and P&L row under one scenario list, cached per snapshot. */
interface CachedRow {
  readonly instrument: Instrument;
  readonly state: InstrumentState;
  readonly row: Float64Array;
}

/** Rows per snapshot (object identity), then per scenario list and mode, then per symbol. */
const rowCache = new WeakMap<MarketSnapshot, Map<string, Map<string, CachedRow>>>();
const scenarioKeys = new WeakMap<readonly Scenario[], string>();

/** Content key of a scenario list (memoised per array): plain data, numbers exact. */
function scenariosKey(scenarios: readonly Scenario[]): string {
  let k = scenarioKeys.get(scenarios);
  if (k === undefined) {
    k = JSON.stringify(scenarios, (_key, v: unknown) =>
      typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${String(v)}` : v,
    );
    scenarioKeys.set(scenarios, k);
  }
  return k;
}

/** The row cache of (snapshot, scenarios, mode). */
function rowsOf(
  snapshot: MarketSnapshot,
  scenarios: readonly Scenario[],
  mode: InverseOptionPnl,
): Map<string, CachedRow> {
  let bySet = rowCache.get(snapshot);
  if (!bySet) {
    bySet = new Map();
    rowCache.set(snapshot, bySet);
  }
  const key = `${mode}|${scenariosKey(scenarios)}`;
  let rows = bySet.get(key);
  if (!rows) {
    rows = new Map();
    bySet.set(key, rows);
  }
  return rows;
}

/**
 * Builds the P&L matrix: every instrument priced once per scenario. Rows are cached per
 * (snapshot object, scenario list content, inverse-option mode, instrument), so the models
 * that margin many books on one market (okx-pm, span, tims, var, es, span2, stans) price each
 * instrument once per market; a cached row is the same bits as a fresh one.
 */
export function buildPnlMatrix(
  instruments: readonly Instrument[],
  snapshot: MarketSnapshot,
  scenarios: readonly Scenario[],
  options: PnlMatrixOptions = {},
): PnlMatrix {
  const nI = instruments.length;
  const nS = scenarios.length;
  const pnl = new Float64Array(nI * nS);
  const mode = options.inverseOptionPnl ?? 'coin-value';
  const cache =
    options.cache === false ? new Map<string, CachedRow>() : rowsOf(snapshot, scenarios, mode);
  const hit = instruments.map((inst) => {
    const c = cache.get(inst.symbol);
    return c && (c.instrument === inst || JSON.stringify(c.instrument) === JSON.stringify(inst))
      ? c
      : undefined;
  });
  const states = instruments.map((inst, i) => hit[i]?.state ?? instrumentState(inst, snapshot));
  const classes = new Map<string, VolClasses>();
  const volScratch = new Float64Array(nS);
  for (let i = 0; i < nI; i++) {
    const cached = hit[i];
    if (cached) {
      pnl.set(cached.row, i * nS);
      continue;
    }
    const inst = instruments[i]!;
    const st = states[i]!;
    let vc = classes.get(inst.underlying);
    if (!vc) classes.set(inst.underlying, (vc = volClasses(scenarios, inst.underlying)));
    revalueRow(inst, st, scenarios, mode, pnl, i * nS, vc, volScratch);
    for (let s = 0; s < nS; s++) {
      const v = pnl[i * nS + s]!;
      if (!Number.isFinite(v))
        throw new BallastError(
          'NOT_FINITE',
          `revaluation gave ${v} in scenario ${scenarios[s]!.id}`,
          inst.symbol,
        );
    }
    if (options.cache !== false && !cache.has(inst.symbol))
      cache.set(inst.symbol, { instrument: inst, state: st, row: pnl.slice(i * nS, (i + 1) * nS) });
  }
  const rowOf = new Map(instruments.map((inst, i) => [inst.symbol, i]));
  if (rowOf.size !== nI)
    throw new BallastError(
      'INVALID_INPUT',
      'an instrument appears twice in the matrix',
      'instruments',
    );
  return {
    instruments,
    scenarios,
    states,
    nInstruments: nI,
    nScenarios: nS,
    pnl,
    currencies: instruments.map((i) => i.settlementCurrency),
    rowOf,
  };
}

/** Account P&L per scenario: `Σ_i sizes[i] · P[i, :]` (sizes aligned with the matrix rows). */
export function accountPnl(m: PnlMatrix, sizes: Float64Array): Float64Array {
  const out = new Float64Array(m.nScenarios);
  const nS = m.nScenarios;
  for (let i = 0; i < m.nInstruments; i++) {
    const q = sizes[i]!;
    if (q === 0) continue;
    const off = i * nS;
    for (let s = 0; s < nS; s++) out[s] = out[s]! + q * m.pnl[off + s]!;
  }
  return out;
}

/** The row of P for one instrument (a view, not a copy). */
export function matrixRow(m: PnlMatrix, row: number): Float64Array {
  return m.pnl.subarray(row * m.nScenarios, (row + 1) * m.nScenarios);
}
