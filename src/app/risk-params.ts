/**
 * Risk-model inputs from a request: the loaded price history as market data
 * (`marketHistoryOf`, attached to the snapshot by `withLoadedHistory`; the scenario source of
 * the risk-based models reads `market.history`) and the overrides (method, confidence, horizon,
 * paths, seed, window, sampler) applied to the risk-based models' parameters (var, es, stans,
 * span2; margin/risk-based/params.ts). Other models' parameters pass through unchanged.
 */
import type { PriceSeries } from '../market/history.ts';
import { withHistory, type MarketHistory } from '../market/market-history.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { RiskBasedParams, RiskMethod, ScenarioParams } from '../margin/risk-based/params.ts';
import type { Span2Params } from '../margin/risk-based/span2.ts';

/** Price series of the book's underlyings read from `--history` specs, and where each came from. */
export interface LoadedHistory {
  readonly series: PriceSeries[];
  readonly sources: string[];
}

/** The loaded history as market data (its sources joined as the source line). */
export function marketHistoryOf(h: LoadedHistory): MarketHistory {
  return { series: h.series, source: h.sources.join('; ') };
}

/** The snapshot with the loaded history attached (unchanged when there is none). */
export function withLoadedHistory(
  snapshot: MarketSnapshot,
  h: LoadedHistory | null | undefined,
): MarketSnapshot {
  return h ? withHistory(snapshot, marketHistoryOf(h)) : snapshot;
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

/** Scenario parameters with the overrides applied. */
export function overrideScenarioParams<P extends ScenarioParams>(p: P, o: RiskOverrides): P {
  return {
    ...p,
    ...(o.method === undefined ? {} : { method: o.method as RiskMethod }),
    ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
    ...(o.horizonDays === undefined ? {} : { horizonDays: o.horizonDays }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.window === undefined ? {} : { window: o.window }),
    mc: {
      ...p.mc,
      ...(o.paths === undefined ? {} : { paths: o.paths }),
      ...(o.sampler === undefined ? {} : { sampler: o.sampler as 'pseudo' | 'sobol' }),
    },
  };
}

/** A risk-based model's parameters with the command-line overrides (other models unchanged). */
export function applyRiskOverrides(modelId: string, params: unknown, o: RiskOverrides): unknown {
  if (modelId === 'span2') {
    const p = params as Span2Params;
    return { ...p, var: overrideScenarioParams(p.var, o) };
  }
  if (RISK_MODEL_IDS.includes(modelId)) return overrideScenarioParams(params as RiskBasedParams, o);
  return params;
}
