/**
 * Margin backtest: run a margin model through history day by day and compare each day's
 * margin with the loss the book actually makes over the next horizon.
 *
 * For each day t of the window (daily history, one series per underlying of the book, aligned
 * on common dates):
 * 1. **Snapshot of day t.** The given snapshot with each underlying's index, forwards, perp
 *    basis and surface forward scaled by `m_t = P_t / P_anchor` (src/risk/scaled-snapshot.ts).
 *    `anchor: 'from'` (default) takes the snapshot as the market of the first day of the window
 *    and moves it along the historical path from there; `'level'` sets the index to the
 *    historical price itself (`P_anchor` = the snapshot's index). Simplification, stated in
 *    every report: the vol surface (in moneyness), rates and the as-of time are those of the
 *    given snapshot on every day: the book never ages and implied vol does not follow history
 *    (a margin model that needs history-based vols gets the history through `marginOf`).
 * 2. **Margin of day t** from the caller's `marginOf(day)` (any margin model; the caller can
 *    give models that read history the data up to day t only: `day.historyEnd`).
 * 3. **Realised P&L over the next h days**, by full revaluation: each instrument is repriced
 *    from its day-t state at the day-(t+h) price (`P_{t+h}/P_t` applied to forwards and index, vol
 *    unchanged in moneyness), with `timeDecay` (default on) the options also `h` days closer to
 *    expiry (src/risk/pnl-matrix.ts `scenarioPnl`). Sizes are the book's coin sizes every day
 *    (inverse delta-one at the day's mark, as everywhere in the engine): a constant-exposure
 *    book re-struck daily.
 * 4. A **breach** is a day whose loss (−P&L) exceeds the margin (IM by default, `against`).
 *
 * Per pool (settlement currency; a model with one USD pool compares with the book's P&L summed in
 * USD at the day-(t+h) index): breaches, coverage, Kupiec's POF test (kupiec.ts) against the
 * coverage the margin is meant to give (`confidence`), and the **cost of margin** = average
 * margin / average exposure, exposure = gross notional of the underlyings in the pool currency
 * (Σ|size| coins in a coin pool, Σ|size|·F in a USD pool).
 *
 * Pure: the caller reads the history and supplies the margin function.
 */
import { BallastError } from '../core/errors.ts';
import { isUsdLike } from '../core/currency.ts';
import { MS_PER_DAY } from '../core/time.ts';
import { alignSeries, type AlignedSeries, type PriceSeries } from '../market/history.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { usdPrice } from './collateral.ts';
import { kupiecPof, type KupiecResult } from './kupiec.ts';
import { instrumentState, scenarioPnl } from './pnl-matrix.ts';
import { underlyingsOf, type Portfolio, type Position } from './portfolio.ts';
import { scaleSnapshot } from './scaled-snapshot.ts';
import { requireConfidence } from './var.ts';

/** The part of a margin result the backtest reads (a `MarginResult` fits). */
export interface PoolMargin {
  readonly currency: string;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
}

/** What the margin function is given for one day. */
export interface BacktestDay {
  /** Position of the day in the backtest (0-based). */
  readonly step: number;
  readonly timeMs: number;
  /** The rebuilt snapshot of the day. */
  readonly snapshot: MarketSnapshot;
  /** Multiplier per underlying applied to the given snapshot. */
  readonly multipliers: Readonly<Record<string, number>>;
  /** The aligned history and the index of the day in it: data up to `historyEnd` (inclusive) is known. */
  readonly history: AlignedSeries;
  readonly historyEnd: number;
}

/** Inputs of `backtestMargin`. */
export interface BacktestInput {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  /** Daily close series, one per underlying of the book (`symbol` = underlying). */
  readonly history: readonly PriceSeries[];
  /** First and last day of the window (epoch ms, UTC; inclusive, snapped to history dates). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Loss horizon in days (integer ≥ 1). */
  readonly horizonDays: number;
  /** Coverage the margin is meant to give, for Kupiec (e.g. 0.99). */
  readonly confidence: number;
  readonly marginOf: (day: BacktestDay) => readonly PoolMargin[];
  /** Compare losses with IM (default) or MM. */
  readonly against?: 'initial' | 'maintenance';
  /** Options decay over the horizon in the realised P&L (default true). */
  readonly timeDecay?: boolean;
  /** How the snapshot is placed on the historical path (module doc; default `from`). */
  readonly anchor?: 'from' | 'level';
  /** Significance of Kupiec's test (default 0.05). */
  readonly significance?: number;
  /** Called after each day (for progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One day of one pool. */
export interface BacktestRow {
  readonly timeMs: number;
  readonly margin: number;
  /** Realised P&L over the horizon (pool currency). */
  readonly pnl: number;
  readonly loss: number;
  readonly breach: boolean;
  readonly exposure: number;
}

/** Backtest of one pool. */
export interface PoolBacktest {
  readonly currency: string;
  readonly rows: readonly BacktestRow[];
  readonly observations: number;
  readonly breaches: number;
  /** 1 − breaches / observations. */
  readonly coverage: number;
  readonly kupiec: KupiecResult;
  readonly averageMargin: number;
  readonly averageExposure: number;
  /** averageMargin / averageExposure. */
  readonly costOfMargin: number;
  readonly maxLoss: number;
  /** Largest loss − margin over breach days (0 without breaches). */
  readonly worstShortfall: number;
}

/** The backtest report. */
export interface BacktestReport {
  readonly fromMs: number;
  readonly toMs: number;
  readonly horizonDays: number;
  readonly confidence: number;
  readonly against: 'initial' | 'maintenance';
  readonly anchor: 'from' | 'level';
  readonly timeDecay: boolean;
  readonly days: number;
  readonly pools: readonly PoolBacktest[];
  /** The simplifications the backtest makes (module doc), for the report. */
  readonly assumptions: readonly string[];
}

/** Index of the first time ≥ t (length if none). */
function lowerBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const fmtDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Checks the horizon, confidence, book and dates (INVALID_INPUT naming the field). */
function checkBacktestInput(input: BacktestInput): void {
  const h = input.horizonDays;
  if (!Number.isInteger(h) || h < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `must be a whole number of days ≥ 1, got ${h}`,
      'horizonDays',
    );
  requireConfidence(input.confidence);
  if (input.portfolio.positions.length === 0)
    throw new BallastError('INVALID_INPUT', 'the portfolio has no positions', 'portfolio');
  if (!(input.fromMs <= input.toMs))
    throw new BallastError('INVALID_INPUT', 'the start date is after the end date', 'from');
}

/** The daily price series of each underlying, in `unds` order; errors name `history`/`market`. */
function seriesOf(input: BacktestInput, unds: readonly string[]): PriceSeries[] {
  const series = unds.map((u) => {
    const s = input.history.find((x) => x.symbol.toUpperCase() === u.toUpperCase());
    if (!s)
      throw new BallastError(
        'INVALID_INPUT',
        `no price history for ${u} (have ${input.history.map((x) => x.symbol).join(', ') || 'none'})`,
        'history',
      );
    if (s.interval !== 'daily')
      throw new BallastError(
        'UNSUPPORTED',
        `the backtest steps day by day: give a daily series for ${u}, not ${s.interval}`,
        'history',
      );
    return { ...s, symbol: u };
  });
  for (const u of unds)
    if (!input.snapshot.underlyings[u])
      throw new BallastError('INVALID_INPUT', `the market snapshot has no data for ${u}`, 'market');
  return series;
}

/**
 * The backtest days [i0, i1] within the common history: each start day needs its h-day
 * realised move, so i1 ≤ last − h. INVALID_INPUT when the dates fall outside.
 */
function backtestWindow(times: Float64Array, input: BacktestInput): { i0: number; i1: number } {
  const h = input.horizonDays;
  const last = times.length - 1;
  if (times.length < h + 2)
    throw new BallastError(
      'INVALID_INPUT',
      `the history is too short: ${times.length} common days for a ${h}-day horizon`,
      'history',
    );
  const lastStart = last - h;
  if (input.fromMs < times[0]! || input.fromMs > times[lastStart]!) {
    throw new BallastError(
      'INVALID_INPUT',
      `${fmtDay(input.fromMs)} is outside the history: a backtest day must lie in ${fmtDay(times[0]!)} … ${fmtDay(times[lastStart]!)} (the last ${h} day(s) are needed for the realised loss)`,
      'from',
    );
  }
  if (input.toMs < times[0]! || input.toMs > times[last]! + MS_PER_DAY - 1) {
    throw new BallastError(
      'INVALID_INPUT',
      `${fmtDay(input.toMs)} is outside the history (${fmtDay(times[0]!)} … ${fmtDay(times[last]!)})`,
      'to',
    );
  }
  const i0 = lowerBound(times, input.fromMs);
  const i1 = Math.min(lastStart, lowerBound(times, input.toMs + 1) - 1);
  if (i1 < i0)
    throw new BallastError(
      'INVALID_INPUT',
      `no history dates between ${fmtDay(input.fromMs)} and ${fmtDay(input.toMs)}`,
      'from',
    );
  return { i0, i1 };
}

/** What every backtest day shares. */
interface BacktestContext {
  readonly input: BacktestInput;
  readonly unds: readonly string[];
  readonly aligned: AlignedSeries;
  readonly anchorPrice: readonly number[];
  readonly i0: number;
}

/**
 * Realised P&L (full revaluation over the h-day move) and exposure per settlement currency
 * of the book on market `snap`; NOT_FINITE naming the instrument for a non-finite P&L.
 */
function realisedByCurrency(
  positions: readonly Position[],
  snap: MarketSnapshot,
  scenario: Scenario,
  timeMs: number,
): { pnlBy: Map<string, number>; expBy: Map<string, number> } {
  const pnlBy = new Map<string, number>();
  const expBy = new Map<string, number>();
  for (const p of positions) {
    const st = instrumentState(p.instrument, snap);
    const v = p.size * scenarioPnl(p.instrument, st, scenario);
    if (!Number.isFinite(v))
      throw new BallastError(
        'NOT_FINITE',
        `realised P&L is ${v} on ${fmtDay(timeMs)}`,
        p.instrument.symbol,
      );
    const ccy = p.instrument.settlementCurrency;
    pnlBy.set(ccy, (pnlBy.get(ccy) ?? 0) + v);
    const notional = Math.abs(p.size) * (p.instrument.settlement === 'inverse' ? 1 : st.price);
    expBy.set(ccy, (expBy.get(ccy) ?? 0) + notional);
  }
  return { pnlBy, expBy };
}

/** The realised h-day scenario from day t: spot × close(t + h)/close(t), vols unchanged. */
function realisedScenario(ctx: BacktestContext, t: number, move: Record<string, number>): Scenario {
  const h = ctx.input.horizonDays;
  return {
    id: 'realised',
    label: `realised ${h}-day move from ${fmtDay(ctx.aligned.timesMs[t]!)}`,
    moves: Object.fromEntries(
      ctx.unds.map((u) => [u, { spotMultiplier: move[u]!, vol: { kind: 'none' as const } }]),
    ),
    weight: 1,
    timeShiftDays: (ctx.input.timeDecay ?? true) ? h : 0,
  };
}

/** The rows of day t, one per margin pool the model returns. */
function backtestDay(ctx: BacktestContext, t: number): { currency: string; row: BacktestRow }[] {
  const { input, unds, aligned } = ctx;
  const h = input.horizonDays;
  const times = aligned.timesMs;
  const mult: Record<string, number> = {};
  const move: Record<string, number> = {};
  unds.forEach((u, j) => {
    const c = aligned.closes[j]!;
    mult[u] = c[t]! / ctx.anchorPrice[j]!;
    move[u] = c[t + h]! / c[t]!;
  });
  const snap = scaleSnapshot(input.snapshot, mult);
  // The market at t + h, needed only to convert a USD (cross) pool's P&L.
  let snapNext: MarketSnapshot | undefined;
  const marketAtHorizon = () =>
    (snapNext ??= scaleSnapshot(
      input.snapshot,
      Object.fromEntries(unds.map((u) => [u, mult[u]! * move[u]!])),
    ));
  const scenario = realisedScenario(ctx, t, move);
  const { pnlBy, expBy } = realisedByCurrency(input.portfolio.positions, snap, scenario, times[t]!);
  const margins = input.marginOf({
    step: t - ctx.i0,
    timeMs: times[t]!,
    snapshot: snap,
    multipliers: mult,
    history: aligned,
    historyEnd: t,
  });
  return margins.map((m) => {
    let pnl = pnlBy.get(m.currency);
    let exposure = expBy.get(m.currency) ?? 0;
    if (pnl === undefined) {
      if (!isUsdLike(m.currency))
        throw new BallastError(
          'INVALID_INPUT',
          `margin pool ${m.currency} has no positions`,
          'marginOf',
        );
      // A USD (cross) pool: the book's P&L in USD at the realised prices, exposure at day t.
      pnl = 0;
      exposure = 0;
      for (const [ccy, v] of pnlBy) pnl += v * usdPrice(ccy, marketAtHorizon());
      for (const [ccy, v] of expBy) exposure += v * usdPrice(ccy, snap);
    }
    const margin =
      (input.against ?? 'initial') === 'initial' ? m.initialMargin : m.maintenanceMargin;
    if (!Number.isFinite(margin))
      throw new BallastError(
        'NOT_FINITE',
        `margin is ${margin} on ${fmtDay(times[t]!)}`,
        'marginOf',
      );
    const loss = -pnl;
    return {
      currency: m.currency,
      row: { timeMs: times[t]!, margin, pnl, loss, breach: loss > margin, exposure },
    };
  });
}

/** Coverage, Kupiec test, averages and worst shortfall of one pool's rows. */
function poolSummary(
  currency: string,
  rows: readonly BacktestRow[],
  confidence: number,
  significance: number,
): PoolBacktest {
  const n = rows.length;
  let breaches = 0;
  let sumM = 0;
  let sumE = 0;
  let maxLoss = -Infinity;
  let worstShortfall = 0;
  for (const r of rows) {
    if (r.breach) {
      breaches++;
      worstShortfall = Math.max(worstShortfall, r.loss - r.margin);
    }
    sumM += r.margin;
    sumE += r.exposure;
    maxLoss = Math.max(maxLoss, r.loss);
  }
  const averageMargin = sumM / n;
  const averageExposure = sumE / n;
  return {
    currency,
    rows,
    observations: n,
    breaches,
    coverage: 1 - breaches / n,
    kupiec: kupiecPof(breaches, n, confidence, significance),
    averageMargin,
    averageExposure,
    costOfMargin: averageExposure > 0 ? averageMargin / averageExposure : NaN,
    maxLoss,
    worstShortfall,
  };
}

/** The simplifications of the backtest, worded for the report. */
function backtestAssumptions(
  anchor: 'from' | 'level',
  startMs: number,
  h: number,
  timeDecay: boolean,
): string[] {
  return [
    anchor === 'from'
      ? `each day's market is the given snapshot moved along the historical path from ${fmtDay(startMs)} (index, forwards and perp basis × P_t / P_start)`
      : "each day's market is the given snapshot with the index set to the historical price (forwards and perp basis scaled alike)",
    "the vol surface (in moneyness), rates and the as-of time are the snapshot's on every day: the book does not age and implied vol does not follow history",
    `realised loss: full revaluation at the day-(t+${h}) price${timeDecay ? `, options ${h} day(s) closer to expiry` : ', no time decay'}; constant coin sizes`,
  ];
}

/** Runs the backtest (module doc). Throws INVALID_INPUT for windows outside the history. */
export function backtestMargin(input: BacktestInput): BacktestReport {
  const { portfolio, snapshot, horizonDays: h, confidence } = input;
  const against = input.against ?? 'initial';
  const timeDecay = input.timeDecay ?? true;
  const anchor = input.anchor ?? 'from';
  checkBacktestInput(input);
  const unds = underlyingsOf(portfolio.positions);
  const aligned = alignSeries(seriesOf(input, unds));
  const times = aligned.timesMs;
  const { i0, i1 } = backtestWindow(times, input);
  const days = i1 - i0 + 1;
  const anchorPrice = unds.map((u, j) =>
    anchor === 'from' ? aligned.closes[j]![i0]! : snapshot.underlyings[u]!.index,
  );
  const ctx: BacktestContext = { input, unds, aligned, anchorPrice, i0 };
  const rowsByPool = new Map<string, BacktestRow[]>();
  for (let t = i0; t <= i1; t++) {
    for (const { currency, row } of backtestDay(ctx, t)) {
      const list = rowsByPool.get(currency) ?? [];
      list.push(row);
      rowsByPool.set(currency, list);
    }
    input.onProgress?.(t - i0 + 1, days);
  }
  const pools = [...rowsByPool.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, rows]) => poolSummary(currency, rows, confidence, input.significance ?? 0.05));
  return {
    fromMs: times[i0]!,
    toMs: times[i1]!,
    horizonDays: h,
    confidence,
    against,
    anchor,
    timeDecay,
    days,
    pools,
    assumptions: backtestAssumptions(anchor, times[i0]!, h, timeDecay),
  };
}
