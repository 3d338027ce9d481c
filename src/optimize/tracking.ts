/**
 * Exposure tracking as a convex QP: trades x minimising
 *
 *   Σ_pool usd·IM_pool(x) + λ·cost(x) + μ · Σ_(u,g) ((E_ug(x) − target_ug) / scale_ug)²      (USD)
 *
 * over the same trade variables, margin terms and constraints as the hedge (hedge.ts). Each
 * deviation is a free variable `dev[<greek>][<underlying>] = E0 + Σ e_j·x_j − target` (one
 * row), so the Hessian is diagonal (`2μ/scale²` per tracked exposure) and HiGHS's active-set
 * QP solves it. `scale` makes μ dimensionless per greek: the book's gross exposure of that
 * greek (Σ|size·e|), else |target|, else one unit. μ defaults to the book's IM in USD (a
 * deviation as large as the book's whole gross exposure weighs as much as its whole margin).
 *
 * Fail closed on the objective: the rounded trade is kept only if the exact objective (exact
 * IM, cost, exact deviations) is below the book's as it is; the report shows the margin before
 * and after either way.
 */
import { BallastError } from '../core/errors.ts';
import { GREEKS, type ExposureTable, type Greek } from './exposures.ts';
import { addMarginObjective, checkLambda, type HedgeInput } from './hedge.ts';
import {
  finalizeTrades,
  marginSummary,
  solveTradeProblem,
  tradeOutcome,
  type TradeOutcome,
} from './outcome.ts';
import { loadSolver } from './solver.ts';
import { buildTradeProblem, type TradeProblem } from './trade-problem.ts';
import { withHeldInstruments } from './universe.ts';

/** Inputs of `trackExposures`: a hedge input plus targets. */
export interface TrackingInput extends HedgeInput {
  /** Target exposures per greek, applied to every underlying of the book. */
  readonly targets?: Partial<Record<Greek, number>>;
  /** Targets for one underlying (override `targets` for that greek). */
  readonly targetsByUnderlying?: Readonly<Record<string, Partial<Record<Greek, number>>>>;
  /** Weight of the squared normalised deviations, USD (default: the book's IM in USD). */
  readonly mu?: number;
  /** Normalisation per greek (default: the book's gross exposure, see module doc). */
  readonly scales?: Partial<Record<Greek, number>>;
}

/** One tracked exposure. */
export interface TrackedExposure {
  readonly underlying: string;
  readonly greek: Greek;
  readonly target: number;
  readonly scale: number;
  readonly before: number;
  readonly after: number;
}

/** Tracking result: the trade outcome plus the tracked exposures and penalties. */
export interface TrackingResult extends TradeOutcome {
  readonly mu: number;
  readonly tracked: readonly TrackedExposure[];
  /** μ·Σ(dev/scale)² before and after, USD. */
  readonly penaltyBeforeUsd: number;
  readonly penaltyAfterUsd: number;
}

/** Solves the tracking QP (see module doc). */
export async function trackExposures(input: TrackingInput): Promise<TrackingResult> {
  const lambda = checkLambda(input.lambda ?? 1);
  const params = input.params ?? input.model.defaultParams;
  const constraints = input.constraints ?? {};
  const solver = input.solver ?? (await loadSolver());
  const before = marginSummary(input.model, params, input.portfolio, input.snapshot);
  const mu = input.mu ?? (before.initialMarginUsd > 0 ? before.initialMarginUsd : 1000);
  if (!(Number.isFinite(mu) && mu >= 0))
    throw new BallastError('INVALID_INPUT', `must be a number ≥ 0, got ${mu}`, 'mu');
  const universe = withHeldInstruments(input.universe, input.portfolio, input.snapshot);
  const problem = buildTradeProblem(
    `track exposures of ${input.portfolio.name ?? 'book'} under ${input.model.id}`,
    input.portfolio,
    input.snapshot,
    universe,
    constraints,
  );
  const tracked = addTrackingTerms(problem, input, mu);
  if (tracked.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      'give at least one target exposure (delta, gamma, vega or theta)',
      'targets',
    );
  const pools = addMarginObjective(problem, input, params, before, lambda);
  const { sol, x } = solveTradeProblem(problem, solver, input.solveOptions);
  const penalty = (exp: ExposureTable) =>
    tracked.reduce(
      (s, t) =>
        s + (mu * ((exp[t.underlying]?.[t.greek] ?? 0) - t.target) ** 2) / (t.scale * t.scale),
      0,
    );
  const fin = finalizeTrades({
    problem,
    constraints,
    x,
    model: input.model,
    params,
    portfolio: input.portfolio,
    snapshot: input.snapshot,
    before,
    lambda,
    require: 'objective',
    objective: (a, cost, exp) => a.initialMarginUsd + lambda * cost + penalty(exp),
  });
  return {
    ...tradeOutcome({
      modelId: input.model.id,
      universe,
      lambda,
      before,
      problem,
      pools,
      sol,
      fin,
      ...(input.exportLp ? { exportLp: true } : {}),
    }),
    mu,
    tracked: tracked.map((t) => ({
      ...t,
      after: fin.exposuresAfter[t.underlying]?.[t.greek] ?? 0,
    })),
    penaltyBeforeUsd: penalty(problem.exposuresBefore),
    penaltyAfterUsd: penalty(fin.exposuresAfter),
  };
}

/**
 * Per underlying and greek with a target: a free deviation variable `dev = E0 + Σ net·exposure
 * − target` (one equality row) and its penalty μ·(dev/scale)² in the objective. `scale`: the
 * given one, else the book's gross exposure, else |target|, else 1.
 */
function addTrackingTerms(
  problem: TradeProblem,
  input: TrackingInput,
  mu: number,
): Omit<TrackedExposure, 'after'>[] {
  const { model: lp, trades } = problem;
  const gross = problem.grossExposuresBefore;
  const tracked: Omit<TrackedExposure, 'after'>[] = [];
  for (const u of problem.underlyings) {
    for (const g of GREEKS) {
      const target = input.targetsByUnderlying?.[u]?.[g] ?? input.targets?.[g];
      if (target === undefined) continue;
      if (!Number.isFinite(target))
        throw new BallastError(
          'INVALID_INPUT',
          `target must be finite, got ${target}`,
          `targets.${g}`,
        );
      const given = input.scales?.[g];
      if (given !== undefined && !(given > 0))
        throw new BallastError('INVALID_INPUT', `scale must be > 0, got ${given}`, `scales.${g}`);
      const scale =
        given ??
        ((gross[u]?.[g] ?? 0) > 0 ? gross[u]![g] : Math.abs(target) > 0 ? Math.abs(target) : 1);
      const E0 = problem.exposuresBefore[u]?.[g] ?? 0;
      const d = lp.addVariable(`dev[${g}][${u}]`, { lb: -Infinity });
      const xs = trades
        .filter((t) => t.candidate.instrument.underlying === u && t.exposure[g] !== 0)
        .map((t) => [t.net, -t.exposure[g]] as const);
      lp.addConstraint(`track[${g}][${u}]`, [[d, 1], ...xs], { lb: E0 - target, ub: E0 - target });
      lp.addQuadratic(d, d, mu / (scale * scale));
      tracked.push({ underlying: u, greek: g, target, scale, before: E0 });
    }
  }
  return tracked;
}
