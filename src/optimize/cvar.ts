/**
 * Expected Shortfall (CVaR) minimisation by the Rockafellar–Uryasev linear program
 * (R. T. Rockafellar, S. Uryasev, "Optimization of conditional value-at-risk", Journal of
 * Risk 2(3), 2000, eq. (17)): with scenario losses `L_s(x) = −(b_s + Σ_k x_k·P_ks)` of
 * probability `p_s` and confidence β,
 *
 *   ES_β(x) = min_α  α + 1/(1−β) · Σ_s p_s · max(0, L_s(x) − α)
 *
 * linearised with `z_s ≥ L_s(x) − α`, `z_s ≥ 0` (row `<name>[<s>]`: `z_s + α + Σ P_ks x_k ≥ −b_s`).
 * At the optimum α is a β-VaR of the optimal portfolio and the objective its ES. Losses are
 * positive numbers; P&L matrices keep profit positive (src/risk/pnl-matrix.ts).
 *
 * - `addExpectedShortfall` adds the epigraph to any LpModel (so bands, budgets and costs
 *   compose with it);
 * - `minimizeCvarPortfolio`: the paper's portfolio problem (weights summing to 1, optional
 *   long-only and minimum expected return), test/optimize/cvar.test.ts reproduces its §3
 *   example;
 * - `optimizeEsHedge`: hedge trades over a universe minimising ES of the book's P&L on given
 *   scenarios (Monte Carlo or historical, USD at today's index) plus λ·trading cost, with the
 *   same constraints as the margin hedge; ES before/after re-measured on the rounded trades.
 */
import { BallastError, isBallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { usdPrice } from '../risk/collateral.ts';
import { accountPnl, buildPnlMatrix } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import {
  applyTrades,
  executeTrades,
  exposuresAfter,
  roundingCandidates,
  type ExecutedTrade,
} from './execution.ts';
import type { ExposureTable } from './exposures.ts';
import { LpModel, type VarId } from './lp-model.ts';
import {
  bindingReport,
  explainInfeasible,
  solveTradeProblem,
  type BindingReport,
} from './outcome.ts';
import { loadSolver, type LpSolution, type LpSolver, type SolveOptions } from './solver.ts';
import {
  buildTradeProblem,
  type EffectiveBand,
  type TradeConstraints,
  type TradeProblem,
} from './trade-problem.ts';
import { withHeldInstruments, type Universe } from './universe.ts';

/** Inputs of `addExpectedShortfall`. */
export interface EsEpigraph {
  /** Row/variable name prefix. */
  readonly name: string;
  /** Confidence β in (0, 1), e.g. 0.99. */
  readonly beta: number;
  /** Scenario count S. */
  readonly nScenarios: number;
  /** Fixed P&L per scenario (the current book), default 0. */
  readonly base?: ArrayLike<number>;
  /** Decision variables and their P&L per unit: `pnl[k·S + s]`. */
  readonly variables: readonly VarId[];
  readonly pnl: ArrayLike<number>;
  /** Scenario probabilities (default 1/S; must sum to 1). */
  readonly probabilities?: ArrayLike<number>;
}

/** Validates β. */
export function checkBeta(beta: number, field = 'beta'): number {
  if (!(Number.isFinite(beta) && beta > 0 && beta < 1))
    throw new BallastError('INVALID_INPUT', `must be in (0, 1), got ${beta}`, field);
  return beta;
}

/**
 * Adds the R–U epigraph; returns α and the objective terms `[[α, 1], [z_s, p_s/(1−β)]…]` whose
 * sum is ES (add them to the objective, scaled as needed).
 */
export function addExpectedShortfall(
  lp: LpModel,
  e: EsEpigraph,
): { alpha: VarId; terms: [VarId, number][] } {
  const beta = checkBeta(e.beta, `${e.name}.beta`);
  const S = e.nScenarios;
  const n = e.variables.length;
  if (e.pnl.length !== n * S)
    throw new BallastError(
      'INVALID_INPUT',
      `pnl has ${e.pnl.length} entries, expected ${n} × ${S}`,
      e.name,
    );
  if (e.base && e.base.length !== S)
    throw new BallastError(
      'INVALID_INPUT',
      `base has ${e.base.length} scenarios, expected ${S}`,
      e.name,
    );
  let psum = 0;
  if (e.probabilities) {
    for (let s = 0; s < S; s++) {
      const p = e.probabilities[s]!;
      if (!(p >= 0 && Number.isFinite(p)))
        throw new BallastError(
          'INVALID_INPUT',
          `probability of scenario ${s} is ${p}`,
          `${e.name}.probabilities`,
        );
      psum += p;
    }
    if (Math.abs(psum - 1) > 1e-9)
      throw new BallastError(
        'INVALID_INPUT',
        `probabilities sum to ${psum}, not 1`,
        `${e.name}.probabilities`,
      );
  }
  const alpha = lp.addVariable(`${e.name}.VaR`, { lb: -Infinity });
  const terms: [VarId, number][] = [[alpha, 1]];
  const indices = new Array<number>(n + 2);
  const values = new Array<number>(n + 2);
  for (let s = 0; s < S; s++) {
    const p = e.probabilities ? e.probabilities[s]! : 1 / S;
    const z = lp.addVariable(`${e.name}.excess[${s}]`, { lb: 0 });
    terms.push([z, p / (1 - beta)]);
    let m = 0;
    indices[m] = z;
    values[m++] = 1;
    indices[m] = alpha;
    values[m++] = 1;
    for (let k = 0; k < n; k++) {
      const v = e.pnl[k * S + s]!;
      if (v === 0) continue;
      indices[m] = e.variables[k]!;
      values[m++] = v;
    }
    indices.length = m;
    values.length = m;
    lp.addConstraint(`${e.name}[${s}]`, { indices, values }, { lb: -(e.base ? e.base[s]! : 0) });
    indices.length = n + 2;
    values.length = n + 2;
  }
  return { alpha, terms };
}

/** Inputs of `minimizeCvarPortfolio`. */
export interface CvarPortfolioInput {
  /** Asset returns per scenario, `returns[i·S + s]` (profit positive). */
  readonly returns: Float64Array;
  readonly nAssets: number;
  readonly nScenarios: number;
  readonly beta: number;
  /** Expected returns used in the return constraint (default: scenario means). */
  readonly means?: readonly number[];
  /** Minimum expected return `μ·w ≥ R`, if any. */
  readonly minReturn?: number;
  /** Long only (w ≥ 0, default true). */
  readonly longOnly?: boolean;
  readonly names?: readonly string[];
  readonly solver?: LpSolver;
  readonly solveOptions?: SolveOptions;
}

/**
 * Largest ES LP solved by simplex; above it interior point (the WASM simplex runs out of
 * memory around 10 M non-zeros, DEPENDENCIES.md).
 */
export const ES_SIMPLEX_MAX_NONZEROS = 4_000_000;

/**
 * HiGHS method for a Rockafellar–Uryasev LP of `nonzeros` non-zeros. Chosen by measurement
 * (bench/optimize.bench.ts, 5,000 scenarios × 200 candidates, 1.01 M non-zeros, HiGHS-WASM):
 * simplex 4.0 s against interior point 8.4–21.8 s in the same run; against scipy's native
 * HiGHS on the same LP in the same run (bench/native_highs_lp.py, machine under load) WASM
 * simplex took 1.14× native dual simplex (21.0 s vs 18.5 s) and WASM interior point 5.7×.
 * The LP has one dense row per scenario over the candidates and few columns, which dual
 * simplex handles well.
 */
export function esLpMethod(nonzeros: number): 'simplex' | 'ipm' {
  return nonzeros <= ES_SIMPLEX_MAX_NONZEROS ? 'simplex' : 'ipm';
}

/** Optimal weights, VaR (α) and CVaR (objective) of `minimizeCvarPortfolio`. */
export interface CvarPortfolioResult {
  readonly weights: number[];
  readonly valueAtRisk: number;
  readonly conditionalValueAtRisk: number;
  readonly expectedReturn: number;
  readonly model: LpModel;
}

/** The Rockafellar–Uryasev portfolio problem: min CVaR_β s.t. Σw = 1, μ·w ≥ R, w ≥ 0 (see module doc). */
export async function minimizeCvarPortfolio(
  input: CvarPortfolioInput,
): Promise<CvarPortfolioResult> {
  const { nAssets: n, nScenarios: S } = input;
  if (input.returns.length !== n * S)
    throw new BallastError(
      'INVALID_INPUT',
      `returns has ${input.returns.length} entries, expected ${n} × ${S}`,
      'returns',
    );
  const means =
    input.means ??
    Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < S; k++) s += input.returns[i * S + k]!;
      return s / S;
    });
  const lp = new LpModel('min CVaR portfolio');
  const w = Array.from({ length: n }, (_, i) =>
    lp.addVariable(`w[${input.names?.[i] ?? i}]`, { lb: (input.longOnly ?? true) ? 0 : -Infinity }),
  );
  lp.addConstraint(
    'budget',
    w.map((v) => [v, 1] as const),
    { lb: 1, ub: 1 },
  );
  if (input.minReturn !== undefined)
    lp.addConstraint(
      'return',
      w.map((v, i) => [v, means[i]!] as const),
      { lb: input.minReturn },
    );
  const es = addExpectedShortfall(lp, {
    name: 'es',
    beta: input.beta,
    nScenarios: S,
    variables: w,
    pnl: input.returns,
  });
  for (const [v, a] of es.terms) lp.addCost(v, a);
  const sol = (input.solver ?? (await loadSolver())).solve(lp, input.solveOptions);
  const weights = w.map((v) => sol.values[v]!);
  return {
    weights,
    valueAtRisk: sol.values[es.alpha]!,
    conditionalValueAtRisk: sol.objective,
    expectedReturn: weights.reduce((s, x, i) => s + x * means[i]!, 0),
    model: lp,
  };
}

/** Empirical ES_β of a P&L vector (equal weights): mean loss beyond the β-quantile, with the R–U fractional tail. */
export function empiricalEs(
  pnl: ArrayLike<number>,
  beta: number,
): { valueAtRisk: number; expectedShortfall: number; worstLoss: number } {
  checkBeta(beta);
  const losses = Float64Array.from(pnl, (v) => -v).sort();
  const S = losses.length;
  if (S === 0) return { valueAtRisk: 0, expectedShortfall: 0, worstLoss: 0 };
  // R–U: ES = α + 1/((1−β)S)·Σ max(0, L − α) at α = the β-quantile (the ⌈βS⌉-th smallest loss).
  const k = Math.min(S - 1, Math.max(0, Math.ceil(beta * S) - 1));
  const alpha = losses[k]!;
  let tail = 0;
  for (let s = k + 1; s < S; s++) tail += losses[s]! - alpha;
  return {
    valueAtRisk: alpha,
    expectedShortfall: alpha + tail / ((1 - beta) * S),
    worstLoss: Math.max(0, losses[S - 1]!),
  };
}

/** Inputs of `optimizeEsHedge`. */
export interface EsHedgeInput {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  readonly universe: Universe;
  readonly scenarios: readonly Scenario[];
  /** Confidence (default 0.99). */
  readonly beta?: number;
  readonly constraints?: TradeConstraints;
  /** USD of trading cost per USD of ES (default 1). */
  readonly lambda?: number;
  readonly solver?: LpSolver;
  /** Default: `{ method: esLpMethod(nonzeros) }` (simplex, measured faster on this shape). */
  readonly solveOptions?: SolveOptions;
  /**
   * Solves the LP instead of `solver` (e.g. in a worker thread: src/workers/lp-solve.ts, so
   * the caller's thread stays responsive during a solve of seconds).
   */
  readonly solveAsync?: (model: LpModel, options: SolveOptions) => Promise<LpSolution>;
}

/** ES hedge result (USD). */
export interface EsHedgeResult {
  readonly status: 'improved' | 'no-improvement';
  readonly reason?: string;
  readonly beta: number;
  readonly scenarios: number;
  readonly before: {
    readonly valueAtRisk: number;
    readonly expectedShortfall: number;
    readonly worstLoss: number;
  };
  readonly after: {
    readonly valueAtRisk: number;
    readonly expectedShortfall: number;
    readonly worstLoss: number;
  };
  /** ES of the LP's continuous trade (its objective without the cost term), USD. */
  readonly lpExpectedShortfall: number;
  readonly trades: readonly ExecutedTrade[];
  readonly costUsd: number;
  readonly exposuresBefore: ExposureTable;
  readonly exposuresAfter: ExposureTable;
  readonly bands: readonly EffectiveBand[];
  readonly binding: readonly BindingReport[];
  readonly portfolioAfter: Portfolio;
  readonly lp: {
    readonly variables: number;
    readonly constraints: number;
    readonly nonzeros: number;
    readonly method: string;
    readonly iterations: number;
  };
}

/**
 * Scenario P&L in USD of the book (`base`, per scenario) and of one unit of each trade
 * variable (`pnl[k·S + s]`), each instrument priced once per scenario.
 */
function tradeScenarioPnl(
  input: EsHedgeInput,
  trades: TradeProblem['trades'],
): { S: number; base: Float64Array; pnl: Float64Array } {
  const instruments = [
    ...new Map(
      [
        ...input.portfolio.positions.map((p) => p.instrument),
        ...trades.map((t) => t.candidate.instrument),
      ].map((i) => [i.symbol, i]),
    ).values(),
  ];
  const matrix = buildPnlMatrix(instruments, input.snapshot, input.scenarios);
  const S = matrix.nScenarios;
  const usd = instruments.map((i) => usdPrice(i.settlementCurrency, input.snapshot));
  const sizes = new Float64Array(instruments.length);
  for (const p of input.portfolio.positions) {
    const r = matrix.rowOf.get(p.instrument.symbol)!;
    sizes[r] = p.size * usd[r]!;
  }
  const base = accountPnl(matrix, sizes);
  const pnl = new Float64Array(trades.length * S);
  trades.forEach((t, k) => {
    const r = matrix.rowOf.get(t.candidate.instrument.symbol)!;
    for (let s = 0; s < S; s++) pnl[k * S + s] = usd[r]! * matrix.pnl[r * S + s]!;
  });
  return { S, base, pnl };
}

/** The rounding of the LP trade with the lowest ES + λ·cost that lowers ES, if any. */
function bestRounding(
  problem: TradeProblem,
  x: ArrayLike<number>,
  constraints: NonNullable<EsHedgeInput['constraints']>,
  scen: { S: number; base: Float64Array; pnl: Float64Array },
  beta: number,
  lambda: number,
) {
  const { trades } = problem;
  const { S, base, pnl } = scen;
  const before = empiricalEs(base, beta);
  const measure = (sz: ArrayLike<number>) => {
    const v = Float64Array.from(base);
    trades.forEach((_, k) => {
      const q = sz[k]!;
      if (q === 0) return;
      for (let s = 0; s < S; s++) v[s] = v[s]! + q * pnl[k * S + s]!;
    });
    return empiricalEs(v, beta);
  };
  let best:
    | {
        sizes: Float64Array;
        trades: ExecutedTrade[];
        m: ReturnType<typeof empiricalEs>;
        obj: number;
      }
    | undefined;
  for (const c of roundingCandidates(
    trades,
    x,
    problem.bands,
    problem.exposuresBefore,
    constraints,
  )) {
    const ex = executeTrades(trades, c.sizes, x);
    const m = measure(c.sizes);
    const obj = m.expectedShortfall + lambda * ex.reduce((s, t) => s + t.costUsd, 0);
    if (
      m.expectedShortfall < before.expectedShortfall &&
      obj < before.expectedShortfall &&
      (!best || obj < best.obj)
    )
      best = { sizes: c.sizes, trades: ex, m, obj };
  }
  return { before, best };
}

/** `solveTradeProblem` through an asynchronous solve (same rounding of tiny trades, same errors). */
async function solveAsyncTradeProblem(
  problem: TradeProblem,
  solve: (model: LpModel, options: SolveOptions) => Promise<LpSolution>,
  options: SolveOptions,
): Promise<{ sol: LpSolution; x: number[] }> {
  let sol: LpSolution;
  try {
    sol = await solve(problem.model, options);
  } catch (e) {
    if (isBallastError(e, 'INFEASIBLE')) throw explainInfeasible(e, problem);
    throw e;
  }
  const fixed: LpSolver = { solve: () => sol } as unknown as LpSolver;
  return solveTradeProblem(problem, fixed, options);
}

/** Minimises ES_β of the book plus trades on `scenarios` (+ λ·cost); see module doc. */
export async function optimizeEsHedge(input: EsHedgeInput): Promise<EsHedgeResult> {
  const beta = checkBeta(input.beta ?? 0.99);
  const lambda = input.lambda ?? 1;
  const constraints = input.constraints ?? {};
  const problem = buildTradeProblem(
    `ES hedge ${input.portfolio.name ?? 'book'}`,
    input.portfolio,
    input.snapshot,
    withHeldInstruments(input.universe, input.portfolio, input.snapshot),
    constraints,
  );
  const { model: lp, trades } = problem;
  const scen = tradeScenarioPnl(input, trades);
  const es = addExpectedShortfall(lp, {
    name: 'es',
    beta,
    nScenarios: scen.S,
    base: scen.base,
    variables: trades.map((t) => t.net),
    pnl: scen.pnl,
  });
  for (const [v, a] of es.terms) lp.addCost(v, a);
  if (lambda > 0) for (const [v, a] of problem.costTerms) lp.addCost(v, lambda * a);
  const options = input.solveOptions ?? { method: esLpMethod(lp.numNonzeros) };
  const { sol, x } = input.solveAsync
    ? await solveAsyncTradeProblem(problem, input.solveAsync, options)
    : solveTradeProblem(problem, input.solver ?? (await loadSolver()), options);
  const { before, best } = bestRounding(problem, x, constraints, scen, beta, lambda);
  const lpEs = es.terms.reduce((acc, [v, a]) => acc + a * sol.values[v]!, 0);
  const common = {
    beta,
    scenarios: scen.S,
    before,
    lpExpectedShortfall: lpEs,
    exposuresBefore: problem.exposuresBefore,
    bands: problem.bands,
    binding: bindingReport(sol, problem),
    lp: {
      variables: lp.numVariables,
      constraints: lp.numConstraints,
      nonzeros: lp.numNonzeros,
      method: sol.method,
      iterations: sol.iterations,
    },
  };
  if (!best)
    return {
      ...common,
      status: 'no-improvement',
      reason: 'no rounding of the LP trade lowers ES net of λ·cost',
      after: before,
      trades: [],
      costUsd: 0,
      exposuresAfter: problem.exposuresBefore,
      portfolioAfter: input.portfolio,
    };
  return {
    ...common,
    status: 'improved',
    after: best.m,
    trades: best.trades,
    costUsd: best.trades.reduce((s, t) => s + t.costUsd, 0),
    exposuresAfter: exposuresAfter(problem.exposuresBefore, trades, best.sizes),
    portfolioAfter: applyTrades(input.portfolio, best.trades),
  };
}
