/**
 * Risk-model parameters from a request: price history as model parameter data and the
 * overrides (method, confidence, horizon, paths, seed, window, sampler) applied to the
 * risk-based models (var, es, stans, span2; margin/risk-based/params.ts). Other models'
 * parameters pass through unchanged.
 */
import type { PriceSeries } from '../market/history.ts';
import type {
  HistoryInput,
  RiskBasedParams,
  RiskMethod,
  ScenarioParams,
} from '../margin/risk-based/params.ts';
import type { Span2Params } from '../margin/risk-based/span2.ts';

/** Price series of the book's underlyings read from `--history` specs, and where each came from. */
export interface LoadedHistory {
  readonly series: PriceSeries[];
  readonly sources: string[];
}

/** Price series as model parameter data (plain arrays; overlapping returns, default λ). */
export function toHistoryInput(
  series: readonly PriceSeries[],
  window: number | null,
  source: string,
): HistoryInput {
  return {
    series: series.map((s) => ({
      symbol: s.symbol,
      interval: s.interval,
      timesMs: Array.from(s.timesMs),
      closes: Array.from(s.closes),
    })),
    overlapping: true,
    window,
    lambda: null,
    source,
  };
}

/** The loaded history as model parameter data. */
export function historyInput(h: LoadedHistory, window: number | null): HistoryInput {
  return toHistoryInput(h.series, window, h.sources.join('; '));
}

/** Models whose parameters take the risk overrides. */
export const RISK_MODEL_IDS = ['var', 'es', 'stans', 'span2'];

/** Risk options shared by `var`, `health` and `backtest` (applied to risk-based models). */
export interface RiskOverrides {
  method?: string;
  confidence?: number;
  horizonDays?: number;
  paths?: number;
  seed?: number;
  window?: number;
  sampler?: string;
}

/** Scenario parameters with the overrides and history applied. */
export function overrideScenarioParams<P extends ScenarioParams>(
  p: P,
  o: RiskOverrides,
  history: HistoryInput | null,
): P {
  return {
    ...p,
    ...(o.method === undefined ? {} : { method: o.method as RiskMethod }),
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
    ...(o.horizonDays === undefined ? {} : { horizonDays: o.horizonDays }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(history === null
      ? {}
      : { history: o.window === undefined ? history : { ...history, window: o.window } }),
    mc: {
      ...p.mc,
      ...(o.paths === undefined ? {} : { paths: o.paths }),
      ...(o.sampler === undefined ? {} : { sampler: o.sampler as 'pseudo' | 'sobol' }),
    },
  };
}

/** A risk-based model's parameters with the command-line overrides (other models unchanged). */
export function applyRiskOverrides(
  modelId: string,
  params: unknown,
  o: RiskOverrides,
  history: HistoryInput | null,
): unknown {
  if (modelId === 'span2') {
    const p = params as Span2Params;
    return { ...p, var: overrideScenarioParams(p.var, o, history) };
  }
  if (RISK_MODEL_IDS.includes(modelId))
    return overrideScenarioParams(params as RiskBasedParams, o, history);
  return params;
}
