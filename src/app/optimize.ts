/**
 * The optimize use case (`ballast optimize`, `POST /v1/optimize`): one of three objectives on a
 * book, a universe and constraints —
 * - `margin`: min Σ IM (USD) + λ·trading cost (optimize/hedge.ts), checked with the exact model;
 * - `track`: QP toward target exposures (optimize/tracking.ts);
 * - `es`: min Expected Shortfall at `beta` on `scenarios` Monte Carlo scenarios over
 *   `horizonDays` (optimize/cvar.ts; seed + 1 for the optimisation scenarios, seed for the
 *   robustness check, as the CLI always did), large LPs solved off-thread.
 * margin and track add a Monte Carlo robustness report of the result unless `robustness` is
 * false. `optimizeJson` is the `--json` object of the CLI and the HTTP answer.
 */
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { esHedgeJson, tradeOutcomeJson } from '../io/render-optimize.ts';
import { optimizeEsHedge, type EsHedgeResult } from '../optimize/cvar.ts';
import type { Greek } from '../optimize/exposures.ts';
import { optimizeHedge } from '../optimize/hedge.ts';
import type { TradeOutcome } from '../optimize/outcome.ts';
import {
  robustnessReport,
  robustnessScenarios,
  type RobustnessReport,
} from '../optimize/robustness.ts';
import { trackExposures, type TrackingResult } from '../optimize/tracking.ts';
import type { TradeConstraints } from '../optimize/trade-problem.ts';
import type { Universe } from '../optimize/universe.ts';
import { underlyingsOf, type Portfolio } from '../risk/portfolio.ts';
import { solveOffThread } from '../workers/lp-solve.ts';

/** The optimizer objectives. */
export type OptimizeObjective = 'margin' | 'es' | 'track';

/** An optimize request (sizes in coins; λ in USD of cost per USD of IM; horizon in days). */
export interface OptimizeRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly model: MarginModel<unknown>;
  readonly params: unknown;
  readonly universe: Universe;
  readonly constraints: TradeConstraints;
  readonly lambda: number;
  readonly objective: OptimizeObjective;
  /** track: target exposures per greek. */
  readonly targets?: Partial<Record<Greek, number>>;
  /** track: weight of the squared normalised deviations, USD. */
  readonly mu?: number;
  /** es and robustness: scenario count, seed, confidence, horizon (days). */
  readonly scenarios: number;
  readonly seed: number;
  readonly beta: number;
  readonly horizonDays: number;
  readonly robustness: boolean;
  readonly exportLp?: boolean;
  /** Market notes to carry into the answer. */
  readonly warnings: readonly string[];
  /** Told each stage as it starts (`robustness`: the Monte Carlo check of the result). */
  readonly onStage?: (stage: string) => void;
}

/** The result: an ES hedge, or a margin / tracking outcome with its robustness report. */
export type OptimizeOutput =
  | { readonly kind: 'es'; readonly es: EsHedgeResult; readonly warnings: readonly string[] }
  | {
      readonly kind: 'trade';
      readonly outcome: TradeOutcome;
      readonly tracking: TrackingResult | undefined;
      readonly robustness: RobustnessReport | undefined;
      readonly warnings: readonly string[];
    };

async function esObjective(req: OptimizeRequest): Promise<OptimizeOutput> {
  const scenarios = robustnessScenarios(req.snapshot, underlyingsOf(req.portfolio.positions), {
    count: req.scenarios,
    seed: req.seed + 1,
    horizonDays: req.horizonDays,
  });
  const es = await optimizeEsHedge({
    portfolio: req.portfolio,
    snapshot: req.snapshot,
    universe: req.universe,
    scenarios,
    beta: req.beta,
    constraints: req.constraints,
    lambda: req.lambda,
    // solves of ~1 s or more run in a worker thread (src/workers/lp-solve.ts)
    solveAsync: solveOffThread,
  });
  return { kind: 'es', es, warnings: req.warnings };
}

/** Runs the optimizer (see module doc). */
export async function optimizeUseCase(req: OptimizeRequest): Promise<OptimizeOutput> {
  if (req.objective === 'es') return esObjective(req);
  const common = {
    portfolio: req.portfolio,
    snapshot: req.snapshot,
    model: req.model,
    params: req.params,
    universe: req.universe,
    constraints: req.constraints,
    lambda: req.lambda,
    exportLp: req.exportLp === true,
  };
  const tracking =
    req.objective === 'track'
      ? await trackExposures({
          ...common,
          targets: req.targets ?? {},
          ...(req.mu === undefined ? {} : { mu: req.mu }),
        })
      : undefined;
  const outcome = tracking ?? (await optimizeHedge(common));
  if (req.robustness) req.onStage?.('robustness');
  const robustness = req.robustness
    ? robustnessReport(req.portfolio, outcome.portfolioAfter, req.snapshot, {
        count: req.scenarios,
        seed: req.seed,
        beta: req.beta,
        horizonDays: req.horizonDays,
      })
    : undefined;
  return {
    kind: 'trade',
    outcome,
    tracking,
    robustness,
    warnings: [...outcome.warnings, ...req.warnings],
  };
}

/** The `--json` object of `ballast optimize` (and the HTTP answer). */
export function optimizeJson(out: OptimizeOutput): unknown {
  if (out.kind === 'es') return { ...(esHedgeJson(out.es) as object), warnings: out.warnings };
  return {
    ...(tradeOutcomeJson(out.outcome, out.robustness) as object),
    warnings: out.warnings,
  };
}
