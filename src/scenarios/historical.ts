/**
 * Historical-simulation scenarios: each past n-step window of the aligned price history is one
 * scenario, applying the window's relative price change to today's market (e.g. Hull,
 * "Risk Management and Financial Institutions", ch. 13; the HS leg of Prisma/SPAN 2-style
 * VaR models). Implied vol is not in the history, so these scenarios leave vol unchanged
 * (`vol: none`).
 */
import { BallastError } from '../core/errors.ts';
import {
  alignSeries,
  returnEndIndices,
  type AlignedSeries,
  type PriceInterval,
  type PriceSeries,
} from '../market/history.ts';
import { dateLabel, movesLabel } from './move-label.ts';
import type { Scenario, UnderlyingMove } from './scenario.ts';

/** Options for `historicalScenarios` and `historicalLogReturns`. */
export interface HistoricalOptions {
  /** Return horizon in steps of the series (days for daily data, hours for hourly). */
  readonly horizonSteps: number;
  /** Overlapping windows (every step) or disjoint windows anchored at the newest price. */
  readonly overlapping: boolean;
  /** Keep only the newest `window` scenarios (default: all). */
  readonly window?: number;
  /** `timeShiftDays` of every scenario (default 0: an instantaneous shock). */
  readonly timeShiftDays?: number;
}

/** Log returns of aligned series per window: `returns[j][k]` for symbol j, window k (oldest first). */
export interface HistoricalReturns {
  readonly symbols: readonly string[];
  readonly interval: PriceInterval;
  /** Start and end timestamps (epoch ms) of each window. */
  readonly fromMs: Float64Array;
  readonly toMs: Float64Array;
  readonly returns: Float64Array[];
  /** Points of each input series dropped by the alignment (see `alignSeries`). */
  readonly dropped: readonly number[];
}

/** Checks symbols are distinct (they key scenario moves). */
function requireDistinctSymbols(series: readonly PriceSeries[]): void {
  const seen = new Set<string>();
  series.forEach((s, j) => {
    if (seen.has(s.symbol))
      throw new BallastError(
        'INVALID_INPUT',
        `symbol ${s.symbol} appears twice`,
        `series[${j}].symbol`,
      );
    seen.add(s.symbol);
  });
}

/** Validates `window` (integer ≥ 1) and returns the index of the first window kept. */
function windowStart(count: number, window: number | undefined): number {
  if (window === undefined) return 0;
  if (!Number.isInteger(window) || window < 1)
    throw new BallastError('INVALID_INPUT', `must be an integer >= 1, got ${window}`, 'window');
  return Math.max(0, count - window);
}

/** The aligned history and the n-step windows of `historicalWindows`. */
export interface HistoricalWindows {
  readonly aligned: AlignedSeries;
  /** End index of each window kept in the aligned history (oldest first); it starts at `end − n`. */
  readonly ends: Int32Array;
  /** Start and end timestamps (epoch ms) of each window kept. */
  readonly fromMs: Float64Array;
  readonly toMs: Float64Array;
}

/**
 * The n-step windows (`horizonSteps`) of the series on their common timestamps
 * (`alignSeries`; windows as `returnEndIndices`), the newest `window` kept. Symbols must be
 * distinct.
 */
export function historicalWindows(
  series: readonly PriceSeries[],
  options: HistoricalOptions,
): HistoricalWindows {
  requireDistinctSymbols(series);
  const aligned = alignSeries(series);
  const h = options.horizonSteps;
  const all = returnEndIndices(aligned.timesMs.length, h, options.overlapping);
  const ends = all.subarray(windowStart(all.length, options.window));
  return {
    aligned,
    ends,
    fromMs: Float64Array.from(ends, (e) => aligned.timesMs[e - h]!),
    toMs: Float64Array.from(ends, (e) => aligned.timesMs[e]!),
  };
}

/**
 * n-step log returns `ln(P[e]/P[e−n])` of every series on their common timestamps
 * (`alignSeries`; windows as `returnEndIndices`), newest `window` kept. A window that spans a
 * data gap spans more calendar time than n steps (gaps are listed by `alignSeries`).
 */
export function historicalLogReturns(
  series: readonly PriceSeries[],
  options: HistoricalOptions,
): HistoricalReturns {
  const { aligned, ends, fromMs, toMs } = historicalWindows(series, options);
  const h = options.horizonSteps;
  return {
    symbols: aligned.symbols,
    interval: aligned.interval,
    fromMs,
    toMs,
    returns: aligned.closes.map((c) => Float64Array.from(ends, (e) => Math.log(c[e]! / c[e - h]!))),
    dropped: aligned.dropped,
  };
}

/** Scenarios from log returns per window: multiplier = exp(r), ids `<prefix>-<end date>`. */
export function scenariosFromReturns(
  r: HistoricalReturns,
  prefix: string,
  group: string,
  timeShiftDays = 0,
  note = '',
): Scenario[] {
  const out: Scenario[] = [];
  for (let k = 0; k < r.toMs.length; k++) {
    const moves: Record<string, UnderlyingMove> = {};
    r.symbols.forEach((sym, j) => {
      moves[sym] = { spotMultiplier: Math.exp(r.returns[j]![k]!), vol: { kind: 'none' } };
    });
    const from = dateLabel(r.fromMs[k]!, r.interval);
    const to = dateLabel(r.toMs[k]!, r.interval);
    out.push({
      id: `${prefix}-${to}`,
      label: `${from} → ${to}${note}: ${movesLabel(moves)}`,
      moves,
      weight: 1,
      timeShiftDays,
      group,
    });
  }
  return out;
}

/**
 * Historical scenarios, one per n-step window of the aligned history (oldest first): each
 * underlying's spot multiplier is `exp(ln(P[e]/P[e−n])) = P[e]/P[e−n]`, vol unchanged, weight 1.
 * Ids `hs-<end date>`, labels `<start> → <end>: BTC −3.10%, ETH −4.22%`, group `historical`.
 * `series` holds one series per underlying, `symbol` = underlying.
 */
export function historicalScenarios(
  series: readonly PriceSeries[],
  options: HistoricalOptions,
): Scenario[] {
  return scenariosFromReturns(
    historicalLogReturns(series, options),
    'hs',
    'historical',
    options.timeShiftDays ?? 0,
  );
}
