/**
 * Margin-call cure: the cheapest way to bring every pool's IM utilization (IM / equity) to at
 * most a target `u` (e.g. 0.8), by trades or by a collateral top-up, compared.
 *
 * - **Trades** (reduce-only by default; the book's own instruments are always candidates):
 *   minimise trading cost (USD, spread and fees against the mark) subject to, per pool p,
 *   `IM_p(x) ≤ u·equity_p(x)`. Equity after trading is equity before minus the cost of the
 *   pool's trades (premium at the mark is an exchange of value), so the row
 *   `utilization[<pool>]` is linear: `IM_p(x) + u·cost_p(x)/usd_p ≤ u·equity_p`, aimed
 *   `CURE_RESERVE` below u so that rounding to lots does not land just above it. IM_p is the
 *   model's LP form (Deribit PM) or its surrogate (margin-lp.ts); a tiny weight (1e-6) on IM
 *   breaks ties toward less margin.
 *   The rounded trades are re-margined exactly and kept only if every pool's exact utilization
 *   is ≤ u.
 * - **Top-up**: per pool, `max(0, IM_p/u − equity_p)` of the pool currency (exact: IM does not
 *   depend on a segregated pool's own balance).
 * - **Cheaper**: the smaller cash outlay now — trading cost (lost) against the top-up
 *   (deposited, still the trader's).
 */
import { BallastError, isBallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { usdPrice } from '../risk/collateral.ts';
import type { ExecutedTrade } from './execution.ts';
import { addMarginTerms } from './margin-lp.ts';
import {
  bindingReport,
  finalizeTrades,
  marginSummary,
  poolEquity,
  solveTradeProblem,
  type BindingReport,
  type MarginSummary,
} from './outcome.ts';
import { loadSolver, type LpSolver, type SolveOptions } from './solver.ts';
import { buildTradeProblem, type TradeConstraints, type TradeProblem } from './trade-problem.ts';
import { withHeldInstruments, type Universe } from './universe.ts';

/** Relative reserve below the target utilization the LP aims for (rounding to lots). */
export const CURE_RESERVE = 5e-4;

/** Inputs of `cureMarginCall`. */
export interface CureInput {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly model: MarginModel<unknown>;
  readonly params?: unknown;
  readonly universe: Universe;
  /** Largest IM / equity allowed after the cure (default 0.8). */
  readonly targetUtilization?: number;
  /** Trade constraints; `reduceOnly` defaults to true. */
  readonly constraints?: TradeConstraints;
  readonly solver?: LpSolver;
  readonly solveOptions?: SolveOptions;
}

/** One pool's utilization. */
export interface PoolUtilization {
  readonly currency: string;
  readonly equity: number;
  readonly initialMargin: number;
  readonly utilization: number;
}

/** The collateral a pool needs to reach the target. */
export interface TopUp {
  readonly currency: string;
  /** Pool currency. */
  readonly amount: number;
  readonly usd: number;
}

/** Cure result: both ways, compared. */
export interface CureResult {
  readonly model: string;
  readonly targetUtilization: number;
  /** False if every pool is already at or below the target. */
  readonly needed: boolean;
  readonly before: readonly PoolUtilization[];
  readonly topUp: { readonly pools: readonly TopUp[]; readonly totalUsd: number };
  readonly trades: {
    readonly status: 'cured' | 'not-cured' | 'not-needed';
    readonly reason?: string;
    readonly trades: readonly ExecutedTrade[];
    readonly costUsd: number;
    readonly after: readonly PoolUtilization[];
    readonly afterSummary: MarginSummary;
    readonly portfolioAfter: Portfolio;
    readonly binding: readonly BindingReport[];
  };
  /** The smaller cash outlay (see module doc); `none` when no cure is needed. */
  readonly cheaper: 'trades' | 'collateral' | 'none';
}

function pools(s: MarginSummary): PoolUtilization[] {
  return s.results.map((r) => ({
    currency: r.currency,
    equity: r.equity,
    initialMargin: r.initialMargin,
    utilization: r.utilization,
  }));
}

/** Collateral each over-utilized pool needs to reach utilization u: IM/u − equity. */
function collateralTopUp(
  overPools: readonly PoolUtilization[],
  u: number,
  snapshot: MarketSnapshot,
): CureResult['topUp'] {
  const topUps = overPools.map((p) => {
    const amount = p.initialMargin / u - p.equity;
    return { currency: p.currency, amount, usd: amount * usdPrice(p.currency, snapshot) };
  });
  return { pools: topUps, totalUsd: topUps.reduce((s, t) => s + t.usd, 0) };
}

/**
 * Adds per pool IM(trades) + u·cost ≤ u(1 − reserve)·equity to the LP, and a tiny IM cost
 * that breaks ties toward lower margin.
 */
function addUtilizationConstraints(
  problem: TradeProblem,
  input: CureInput,
  params: unknown,
  before: MarginSummary,
  u: number,
): void {
  const { model: lp, trades } = problem;
  const uLp = u * (1 - CURE_RESERVE);
  const terms = addMarginTerms(lp, trades, input.portfolio, input.snapshot, input.model, params, {
    resultsBefore: before.results,
  });
  for (const p of terms) {
    const equity = poolEquity(before.results, input.portfolio.balances, p.currency);
    const costs = trades
      .filter((t) => terms.length === 1 || t.candidate.instrument.settlementCurrency === p.currency)
      .flatMap((t) => {
        const c = problem.costTerms.filter(([v]) => v === t.buy || v === t.sell);
        return c.map(([v, a]) => [v, (u * a) / p.usdPrice] as const);
      });
    // The LP aims RESERVE below the target so that rounding to lots does not land just above it.
    lp.addConstraint(`utilization[${p.currency}]`, [...p.terms, ...costs], {
      ub: uLp * equity - p.constant,
    });
    for (const [v, a] of p.terms) lp.addCost(v, 1e-6 * p.usdPrice * a);
  }
}

/** Rounds the LP trade to lots and keeps the cheapest rounding the exact model accepts. */
function exactCure(
  problem: TradeProblem,
  constraints: TradeConstraints,
  x: ArrayLike<number>,
  input: CureInput,
  params: unknown,
  before: MarginSummary,
  u: number,
) {
  return finalizeTrades({
    problem,
    constraints,
    x,
    model: input.model,
    params,
    portfolio: input.portfolio,
    snapshot: input.snapshot,
    before,
    lambda: 1,
    require: 'none',
    objective: (a, cost) => cost + 1e-6 * a.initialMarginUsd,
    accept: (a) => {
      const bad = a.results.find((r) => r.initialMargin > u * r.equity * (1 + 1e-12));
      return bad
        ? `exact utilization of ${bad.currency} would be ${(100 * bad.utilization).toFixed(2)} %`
        : undefined;
    },
  });
}

/** The cure LP: the trade problem, utilization ≤ `u` per pool over its linear margin, cost minimised. */
function cureProblem(
  input: CureInput,
  params: unknown,
  before: MarginSummary,
  u: number,
  constraints: TradeConstraints,
): TradeProblem {
  const universe = withHeldInstruments(input.universe, input.portfolio, input.snapshot);
  const problem = buildTradeProblem(
    `cure ${input.portfolio.name ?? 'book'} to ${u} utilization under ${input.model.id}`,
    input.portfolio,
    input.snapshot,
    universe,
    constraints,
  );
  addUtilizationConstraints(problem, input, params, before, u);
  for (const [v, a] of problem.costTerms) problem.model.addCost(v, a);
  return problem;
}

/** Finds the cheapest cure by trades and the top-up, and compares them (see module doc). */
export async function cureMarginCall(input: CureInput): Promise<CureResult> {
  const u = input.targetUtilization ?? 0.8;
  if (!(Number.isFinite(u) && u > 0))
    throw new BallastError('INVALID_INPUT', `must be a number > 0, got ${u}`, 'targetUtilization');
  const params = input.params ?? input.model.defaultParams;
  const before = marginSummary(input.model, params, input.portfolio, input.snapshot);
  const beforePools = pools(before);
  const over = (p: PoolUtilization) => p.initialMargin > u * p.equity * (1 + 1e-12);
  const topUp = collateralTopUp(beforePools.filter(over), u, input.snapshot);
  const base = { model: input.model.id, targetUtilization: u, before: beforePools, topUp };
  const unchanged = {
    trades: [],
    costUsd: 0,
    after: beforePools,
    afterSummary: before,
    portfolioAfter: input.portfolio,
    binding: [],
  };
  if (!beforePools.some(over))
    return {
      ...base,
      needed: false,
      trades: { status: 'not-needed', ...unchanged },
      cheaper: 'none',
    };

  const constraints: TradeConstraints = { reduceOnly: true, ...input.constraints };
  const problem = cureProblem(input, params, before, u, constraints);
  const solver = input.solver ?? (await loadSolver());
  let solved;
  try {
    solved = solveTradeProblem(problem, solver, input.solveOptions);
  } catch (e) {
    if (isBallastError(e, 'INFEASIBLE')) {
      const why = e.message;
      return {
        ...base,
        needed: true,
        trades: {
          status: 'not-cured',
          reason: `no ${constraints.reduceOnly ? 'reduce-only ' : ''}trade in the universe reaches ${u} utilization: ${why}`,
          ...unchanged,
        },
        cheaper: 'collateral',
      };
    }
    throw e;
  }
  const { sol, x } = solved;
  const fin = exactCure(problem, constraints, x, input, params, before, u);
  if (fin.status !== 'improved')
    return {
      ...base,
      needed: true,
      trades: {
        status: 'not-cured',
        reason: `no rounding of the LP trade to lots reaches ${u} utilization under the exact model (${fin.tried.length} tried)`,
        ...unchanged,
        binding: bindingReport(sol, problem, (n) => n.startsWith('utilization[')),
      },
      cheaper: 'collateral',
    };
  const costUsd = fin.trades.reduce((s, t) => s + t.costUsd, 0);
  return {
    ...base,
    needed: true,
    trades: {
      status: 'cured',
      trades: fin.trades,
      costUsd,
      after: pools(fin.after),
      afterSummary: fin.after,
      portfolioAfter: fin.portfolioAfter,
      binding: bindingReport(sol, problem, (n) => n.startsWith('utilization[')),
    },
    cheaper: costUsd <= topUp.totalUsd ? 'trades' : 'collateral',
  };
}
