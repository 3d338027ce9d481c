/**
 * The VaR/ES use case: value at risk or expected shortfall of a book by full revaluation under
 * historical (hs), filtered historical (fhs) or Monte Carlo (mc) scenarios
 * (margin/risk-based/risk-based.ts), per settlement pool. hs/fhs need a price history the
 * adapter loaded, attached to the market (`market.history`); mc without one uses the
 * snapshot's ATM implied vols. The result is `ballast var --json`'s object.
 */
import { mergeParams } from '../io/params-file.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import type { RiskMethod } from '../margin/risk-based/params.ts';
import { esModel, evaluateRiskBased, varModel } from '../margin/risk-based/risk-based.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { requireConfidence } from '../risk/var.ts';
import { overrideScenarioParams, withLoadedHistory, type LoadedHistory } from './risk-params.ts';

/** A VaR/ES request (horizon in days; confidence in (0, 1)). */
export interface VarRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly measure: 'var' | 'es';
  readonly method: RiskMethod;
  readonly confidence: number;
  readonly horizonDays: number;
  /** Price history, attached to the snapshot as its market data; null: the snapshot's own. */
  readonly history: LoadedHistory | null;
  readonly window?: number;
  readonly paths?: number;
  readonly seed?: number;
  readonly sampler?: 'pseudo' | 'sobol';
  /** Parameter overrides (merged over the var/es defaults), named `paramsField` in errors. */
  readonly paramsOverride?: unknown;
  readonly paramsField?: string;
  readonly warnings?: readonly string[];
  readonly confidenceField?: string;
}

/** The VaR/ES result: the settings used and one result per pool. */
export interface VarOutput {
  readonly model: string;
  readonly method: RiskMethod;
  readonly measure: 'var' | 'es';
  readonly confidence: number;
  readonly horizonDays: number;
  readonly pools: readonly MarginResult[];
}

/** Runs VaR or ES (see module doc). */
export function varUseCase(req: VarRequest): VarOutput {
  requireConfidence(req.confidence, req.confidenceField ?? 'confidence');
  const model = req.measure === 'es' ? esModel : varModel;
  const base =
    req.paramsOverride === undefined
      ? model.defaultParams
      : mergeParams(model.defaultParams, req.paramsOverride, req.paramsField ?? 'params');
  const params = overrideScenarioParams(base, {
    method: req.method,
    confidence: req.confidence,
    horizonDays: req.horizonDays,
    ...(req.paths === undefined ? {} : { paths: req.paths }),
    ...(req.seed === undefined ? {} : { seed: req.seed }),
    ...(req.window === undefined ? {} : { window: req.window }),
    ...(req.sampler === undefined ? {} : { sampler: req.sampler }),
  });
  const extra = req.warnings ?? [];
  const pools = evaluateRiskBased(
    model.id,
    model.version,
    req.measure,
    req.portfolio,
    withLoadedHistory(req.snapshot, req.history),
    params,
  ).map((r) => ({ ...r, warnings: [...r.warnings, ...extra] }));
  return {
    model: model.id,
    method: req.method,
    measure: req.measure,
    confidence: req.confidence,
    horizonDays: req.horizonDays,
    pools,
  };
}
