/**
 * The cure use case (`ballast cure`, `POST /v1/cure`): the cheapest trades (reduce-only unless
 * `allowIncrease`) or the collateral top-up that bring IM / equity of every pool to
 * `targetUtilization`, compared (optimize/cure.ts). `cureUseCaseJson` is the `--json` object.
 */
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { cureJson } from '../io/render-optimize.ts';
import { cureMarginCall, type CureResult } from '../optimize/cure.ts';
import type { Universe } from '../optimize/universe.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** A cure request (utilization = IM / equity, in (0, 1]; maxSize in coins). */
export interface CureRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly model: MarginModel<unknown>;
  readonly params: unknown;
  readonly universe: Universe;
  readonly targetUtilization: number;
  readonly allowIncrease: boolean;
  readonly maxSize?: number;
}

/** Runs the cure (see module doc). */
export function cureUseCase(req: CureRequest): Promise<CureResult> {
  return cureMarginCall({
    portfolio: req.portfolio,
    snapshot: req.snapshot,
    model: req.model,
    params: req.params,
    universe: req.universe,
    targetUtilization: req.targetUtilization,
    constraints: {
      reduceOnly: !req.allowIncrease,
      ...(req.maxSize === undefined ? {} : { maxSize: req.maxSize }),
    },
  });
}

/** The `--json` object of `ballast cure` (and the HTTP answer). */
export function cureUseCaseJson(r: CureResult, warnings: readonly string[]): unknown {
  return { ...(cureJson(r) as object), warnings };
}
