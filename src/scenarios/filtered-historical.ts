/**
 * Filtered historical simulation (FHS): past returns rescaled from the volatility of their
 * time to today's volatility, so a calm history does not understate risk in a turbulent
 * market and vice versa (Hull & White, "Incorporating volatility updating into the
 * historical simulation method for VaR", J. Risk 1 (1998); Barone-Adesi et al. 1999; the
 * approach of Eurex Prisma and CME SPAN 2). Vol is EWMA (`ewmaVolatility`, RiskMetrics λ).
 *
 * For each underlying, with 1-step log returns r_t (t = 0 … n−1) of the aligned history and
 * EWMA vols σ_t (the vol of r_t given earlier returns) and σ_now = σ_n (the forecast):
 *
 *   r̃_t = r_t · σ_now / σ_t
 *
 * An n-step scenario sums the filtered 1-step returns over its window (windows as
 * `returnEndIndices`): R̃ = Σ_{t ∈ window} r̃_t, spot multiplier exp(R̃). Implied vol is not
 * modelled (`vol: none`).
 */
import { BallastError } from '../core/errors.ts';
import type { PriceSeries } from '../market/history.ts';
import { ewmaVolatility, RISKMETRICS_LAMBDA } from '../market/ewma.ts';
import {
  historicalWindows,
  scenariosFromReturns,
  type HistoricalOptions,
  type HistoricalReturns,
} from './historical.ts';
import type { Scenario } from './scenario.ts';

/** Options for `filteredHistoricalScenarios`. */
export interface FilteredHistoricalOptions extends HistoricalOptions {
  /** EWMA decay λ (default 0.94, RiskMetrics daily). */
  readonly lambda?: number;
  /** Returns whose mean square seeds the EWMA (default min(n, 30); see `ewmaVolatility`). */
  readonly seedWindow?: number;
  /**
   * Floor on σ_t in the division (per step, default 0). A zero σ_t with a non-zero return
   * (flat early data) is an error unless a floor is set.
   */
  readonly volFloor?: number;
}

/** Filtered returns plus the vols used: `sigmaNow[j]` is σ_now of symbol j (per step). */
export interface FilteredHistoricalReturns extends HistoricalReturns {
  readonly sigmaNow: readonly number[];
}

/**
 * The filtered n-step log returns of the aligned history (see the module doc), newest
 * `window` windows kept (the EWMA always runs over the whole history).
 */
export function filteredHistoricalLogReturns(
  series: readonly PriceSeries[],
  options: FilteredHistoricalOptions,
): FilteredHistoricalReturns {
  const floor = options.volFloor ?? 0;
  if (!(floor >= 0) || !Number.isFinite(floor))
    throw new BallastError('INVALID_INPUT', `must be finite and >= 0, got ${floor}`, 'volFloor');
  const { aligned, ends, fromMs, toMs } = historicalWindows(series, options);
  const T = aligned.timesMs.length;
  const h = options.horizonSteps;
  const sigmaNow: number[] = [];
  const returns = aligned.closes.map((c, j) => {
    const r = Float64Array.from({ length: T - 1 }, (_, t) => Math.log(c[t + 1]! / c[t]!));
    const sigma = ewmaVolatility(r, options.lambda ?? RISKMETRICS_LAMBDA, options.seedWindow);
    const now = sigma[T - 1]!;
    sigmaNow.push(now);
    // cumulative filtered returns: cum[t] = Σ_{u<t} r̃_u, so a window [e−h, e] sums cum[e] − cum[e−h]
    const cum = new Float64Array(T);
    for (let t = 0; t < T - 1; t++) {
      const s = Math.max(sigma[t]!, floor);
      let f: number;
      if (s > 0) f = (r[t]! * now) / s;
      else if (r[t] === 0) f = 0;
      else {
        throw new BallastError(
          'INVALID_INPUT',
          `EWMA vol of ${aligned.symbols[j]} is 0 before a non-zero return (flat data); set volFloor or use later data`,
          'volFloor',
          { symbol: aligned.symbols[j], step: t },
        );
      }
      cum[t + 1] = cum[t]! + f;
    }
    return Float64Array.from(ends, (e) => cum[e]! - cum[e - h]!);
  });
  return {
    symbols: aligned.symbols,
    interval: aligned.interval,
    fromMs,
    toMs,
    returns,
    dropped: aligned.dropped,
    sigmaNow,
  };
}

/**
 * Filtered historical scenarios (module doc), one per window, oldest first: spot multiplier
 * `exp(Σ r_t σ_now/σ_t)`, vol unchanged, weight 1. Ids `fhs-<end date>`, labels
 * `<start> → <end> (vol-scaled): BTC …`, group `filtered-historical`.
 */
export function filteredHistoricalScenarios(
  series: readonly PriceSeries[],
  options: FilteredHistoricalOptions,
): Scenario[] {
  return scenariosFromReturns(
    filteredHistoricalLogReturns(series, options),
    'fhs',
    'filtered-historical',
    options.timeShiftDays ?? 0,
    ' (vol-scaled)',
  );
}
