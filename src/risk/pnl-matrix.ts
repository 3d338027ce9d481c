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
import type { Currency } from '../core/currency.ts';
import { isOptionLike, type Instrument, type VanillaOption } from '../instruments/instrument.ts';
import { optionValue } from '../pricing/option-value.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { instrumentStates, type InstrumentState } from './instrument-state.ts';
import { moveFor, shockVol, type Scenario } from '../scenarios/scenario.ts';
import { scenarioColumns, type ScenarioColumns } from './scenario-columns.ts';
import {
  classScratch,
  revalueVanillaRow,
  vanillaCellValue,
  type ClassScratch,
} from './vanilla-row.ts';

export { volClasses, type VolClasses } from './scenario-columns.ts';
export { instrumentState, instrumentStates, type InstrumentState } from './instrument-state.ts';

/** How inverse options' coin P&L is defined (Deribit PM notes §5.3). */
export type InverseOptionPnl = 'coin-value' | 'usd-at-shocked';

/** Options for `buildPnlMatrix`. */
export interface PnlMatrixOptions {
  readonly inverseOptionPnl?: InverseOptionPnl;
  /**
   * Use and fill the per-snapshot row cache (default true; benchmarks of pricing pass false).
   * Instrument states are shared per snapshot object either way (`instrumentStates`).
   */
  readonly cache?: boolean;
  /**
   * Buffer to write the matrix into (length instruments × scenarios; it becomes `pnl`), e.g.
   * one reused by a caller that rebuilds a large Monte Carlo matrix on every market update:
   * fresh pages of a new 70 MB buffer cost ~0.25 s of page faults on the development machine.
   */
  readonly out?: Float64Array;
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

/**
 * Whether a vanilla cell is priced by `vanillaCellValue` (the row's test, `revalueVanillaRow`):
 * strike positive and finite, right call or put, 0 < T1, σ1 ≥ 0, 0 < df = e^{−r·T1} and
 * 0 < F1, all finite. Outside it, `optionValue` values the payoff or throws its typed error.
 */
function inBlack76Domain(
  inst: VanillaOption,
  F1: number,
  T1: number,
  vol1: number,
  df: number,
): boolean {
  return (
    inst.strike > 0 &&
    inst.strike < Infinity &&
    (inst.right === 'call' || inst.right === 'put') &&
    T1 > 0 &&
    T1 < Infinity &&
    vol1 >= 0 &&
    vol1 < Infinity &&
    df > 0 &&
    df < Infinity &&
    F1 > 0 &&
    F1 < Infinity
  );
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
  const lnKF = Math.log(inst.strike / st.price);
  const vol1 = shockVol(move.vol, st.vol, st.dteDays - sc.timeShiftDays, lnKF);
  const vanilla =
    inst.kind === 'option' &&
    !(inst.settlement === 'inverse' && inverseOptionPnl === 'usd-at-shocked');
  const df = Math.exp(-st.rate * T1);
  if (vanilla && inBlack76Domain(inst, F1, T1, vol1, df)) {
    const v = vanillaCellValue(
      inst.right === 'call',
      inst.settlement === 'inverse',
      F1,
      inst.strike,
      Math.sqrt(inst.strike),
      vol1 * Math.sqrt(T1),
      df,
      lnKF,
      Math.log(mult),
    );
    return v - st.value;
  }
  const inputs = { spot: st.spot * mult, forward: F1, T: T1, vol: vol1, rate: st.rate };
  if (inst.settlement === 'inverse' && inverseOptionPnl === 'usd-at-shocked') {
    const usd = optionValue({ ...inst, settlement: 'linear' }, inputs) - st.value * st.price;
    return usd / F1;
  }
  return optionValue(inst, inputs) - st.value;
}

/**
 * Writes `scenarioPnl(inst, st, scenarios[s], mode)` for every scenario of `cols` into
 * `out[off + s]`, the same bits: vanilla options (except inverse ones in `usd-at-shocked`
 * mode) by `revalueVanillaRow`, delta-one instruments from the columns' multipliers, the rest
 * cell by cell. Throws NOT_FINITE naming the instrument and the scenario of a non-finite cell.
 */
export function revalueRow(
  inst: Instrument,
  st: InstrumentState,
  cols: ScenarioColumns,
  mode: InverseOptionPnl,
  out: Float64Array,
  off: number,
  scratch: ClassScratch = classScratch(cols.classes.first.length),
): void {
  const nS = cols.mult.length;
  if (inst.kind === 'option' && !(inst.settlement === 'inverse' && mode === 'usd-at-shocked')) {
    if (revalueVanillaRow(inst, st, cols, out, off, scratch) === 0) return;
  } else if (!isOptionLike(inst)) {
    const inverse = inst.settlement === 'inverse';
    for (let s = 0; s < nS; s++) {
      const mult = cols.mult[s]!;
      out[off + s] = inverse ? 1 - 1 / mult : st.price * (mult - 1);
    }
  } else {
    for (let s = 0; s < nS; s++) out[off + s] = scenarioPnl(inst, st, cols.scenarios[s]!, mode);
  }
  for (let s = 0; s < nS; s++) {
    const v = out[off + s]!;
    if (!Number.isFinite(v))
      throw new BallastError(
        'NOT_FINITE',
        `revaluation gave ${v} in scenario ${cols.scenarios[s]!.id}`,
        inst.symbol,
      );
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

/** The cached row of each instrument (undefined where none, or the symbol was redefined). */
function cachedRows(
  cache: Map<string, CachedRow>,
  instruments: readonly Instrument[],
): (CachedRow | undefined)[] {
  return instruments.map((inst) => {
    const c = cache.get(inst.symbol);
    return c && (c.instrument === inst || JSON.stringify(c.instrument) === JSON.stringify(inst))
      ? c
      : undefined;
  });
}

/** `out` if it has `length` cells (INVALID_INPUT naming `out` otherwise), else a new buffer. */
function outputBuffer(out: Float64Array | undefined, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length !== length)
    throw new BallastError(
      'INVALID_INPUT',
      `the output buffer has ${out.length} cells, the matrix ${length}`,
      'out',
    );
  return out;
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
  const pnl = outputBuffer(options.out, nI * nS);
  const mode = options.inverseOptionPnl ?? 'coin-value';
  const cache = options.cache === false ? undefined : rowsOf(snapshot, scenarios, mode);
  const hit = cache ? cachedRows(cache, instruments) : undefined;
  const states = instrumentStates(instruments, snapshot);
  const columns = new Map<string, ScenarioColumns>();
  let scratch = classScratch(0);
  let cols: ScenarioColumns | undefined;
  for (let i = 0; i < nI; i++) {
    const cached = hit?.[i];
    if (cached) {
      pnl.set(cached.row, i * nS);
      continue;
    }
    const inst = instruments[i]!;
    const st = states[i]!;
    if (cols?.underlying !== inst.underlying) {
      cols = columns.get(inst.underlying);
      if (!cols) columns.set(inst.underlying, (cols = scenarioColumns(scenarios, inst.underlying)));
    }
    if (scratch.ok.length < cols.classes.first.length)
      scratch = classScratch(cols.classes.first.length);
    revalueRow(inst, st, cols, mode, pnl, i * nS, scratch);
    if (cache && !cache.has(inst.symbol))
      cache.set(inst.symbol, { instrument: inst, state: st, row: pnl.slice(i * nS, (i + 1) * nS) });
  }
  return pnlMatrixOf(instruments, scenarios, states, pnl);
}

/**
 * The matrix record of `pnl` (row i ↔ instruments[i], column s ↔ scenarios[s]) with each row's
 * settlement currency and the row of each symbol; INVALID_INPUT naming `instruments` when an
 * instrument appears twice.
 */
export function pnlMatrixOf(
  instruments: readonly Instrument[],
  scenarios: readonly Scenario[],
  states: readonly InstrumentState[],
  pnl: Float64Array,
): PnlMatrix {
  const rowOf = new Map<string, number>();
  instruments.forEach((inst, i) => rowOf.set(inst.symbol, i));
  if (rowOf.size !== instruments.length)
    throw new BallastError(
      'INVALID_INPUT',
      'an instrument appears twice in the matrix',
      'instruments',
    );
  return {
    instruments,
    scenarios,
    states,
    nInstruments: instruments.length,
    nScenarios: scenarios.length,
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
