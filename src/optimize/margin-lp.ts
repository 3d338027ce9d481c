/**
 * Margin as LP terms: for each margin pool, an expression `constant + Σ coef·var` (pool
 * currency) that equals (a model with a linear face) or approximates (any other model) the
 * pool's initial margin after the trades, when the LP minimises it. Callers put
 * `Σ_pool usd·IM_pool` into the objective (hedge), or bound it (cure: `IM_pool ≤ u·equity_pool`).
 *
 * **A model with a linear face** (`MarginModel.linearTerms`, shape and meaning in
 * margin/linear-terms.ts; Deribit PM: margin/deribit-pm/linear-terms.ts), per pool, with
 * `pnl_bc(x)` the P&L of block b in cell c:
 * - aggregation `sum`: per block `t_b ≥ 0`, `t_b ≥ −(pnl_bc(x) + a_bc)` (row `worst[<block>]`);
 * - aggregation `joint`: credited vectors `g_bc ≤ pnl_bc(x) + a_bc`, `g_bc ≤ offset·pnl_bc(x)`
 *   (offset < 1), `g_bc ≤ cap` (credit) or `g_bc ≤ 0` (no credit), and `t ≥ −Σ_b g_bc`
 *   (row `worst[<pool>]`). The credit `min(…)` is concave in pnl, so maximising it inside
 *   `t ≥ −g` is exact;
 * - each absolute-value add-on `w·|base + Σ coef·x|` as `r ≥ ±(…)`, cost w;
 * - the constant as is.
 * The model documents what its face leaves out (Deribit PM: the delta shock and the 9-decimal
 * rounding); the exact re-evaluation afterwards includes it.
 *
 * **Any other model** (scenario surrogate): the pool's P&L vector over a stress grid (the
 * standard 27-cell Deribit grid of every underlying involved, default BTC parameters,
 * unweighted), `t ≥ −pnl_s(x)`, `t ≥ 0`, anchored at the model's exact IM:
 * `IM(x) ≈ IM_exact(0) + t − t(0)`. A model returning one pool for instruments settling in
 * other currencies is treated as a cross (USD) pool: every instrument's P&L is converted at
 * the index. The rows of a USD pool are written in units of the largest index involved
 * (`t = unit·t'`, coefficients about 1 per coin, as in a coin pool). The optimizer re-evaluates
 * every answer with the exact model and fails closed.
 */
import {
  combinations,
  openRules,
  withDominant,
  withReadings,
  type HypothesisTable,
} from '../margin/hypotheses.ts';
import type { Currency } from '../core/currency.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { deribitGrid } from '../scenarios/deribit-grid.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { usdPrice } from '../risk/collateral.ts';
import { worstLoss } from '../risk/measures.ts';
import { buildPnlMatrix, matrixRow, type InstrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type {
  LinearAbsTerm,
  LinearMarginPool,
  LinearScenarioBlock,
} from '../margin/linear-terms.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { DERIBIT_PM_DEFAULT_PARAMS, gridParams, pairParams } from '../margin/deribit-pm/index.ts';
import type { LpModel, VarId } from './lp-model.ts';
import { addWorstLoss } from './minimax.ts';

/** What the margin terms need of a trade variable: its instrument, base state and net-size variable. */
export interface MarginVar {
  readonly candidate: { readonly instrument: Instrument };
  /** Net trade in coins. */
  readonly net: VarId;
  readonly state: InstrumentState;
}

/** One pool's margin as LP terms, in the pool currency. */
export interface PoolMarginTerms {
  readonly currency: Currency;
  /** USD per unit of the pool currency (index; 1 for stables). */
  readonly usdPrice: number;
  readonly terms: readonly (readonly [VarId, number])[];
  readonly constant: number;
  /** `exact`: the model's own formula (up to the documented omissions); `surrogate`: scenario stand-in. */
  readonly representation: 'exact' | 'surrogate';
}

/** Options of `addMarginTerms`. */
export interface MarginTermsOptions {
  /** Prefix of every variable and row name (e.g. the account's, when several books share an LP). */
  readonly prefix?: string;
  /**
   * The model's results on `portfolio` as it is, if the caller has them (the surrogate anchors
   * on them); computed when absent.
   */
  readonly resultsBefore?: readonly MarginResult[];
}

/** Per-pool margin terms for `model` (Deribit PM exactly, other models by the surrogate). */
export function addMarginTerms(
  lp: LpModel,
  trades: readonly MarginVar[],
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  model: MarginModel<unknown>,
  params: unknown,
  options: MarginTermsOptions = {},
): PoolMarginTerms[] {
  const prefix = options.prefix ?? '';
  if (model.linearTerms) {
    const linear = (p: unknown) =>
      model.linearTerms!(
        portfolio,
        snapshot,
        p,
        trades.map((t) => ({ instrument: t.candidate.instrument, state: t.state })),
      );
    if (!model.hypotheses) return addLinearTerms(lp, trades, linear(params), snapshot, prefix);
    return addMaxOverReadings(lp, trades, portfolio, snapshot, model.hypotheses, params, {
      linear,
      prefix,
    });
  }
  const results =
    options.resultsBefore ??
    (portfolio.positions.length > 0 ? model.evaluate(portfolio, snapshot, params) : []);
  return addSurrogateTerms(lp, trades, portfolio, snapshot, results, prefix);
}

/**
 * The margin of a model with hypothesis rules (margin/hypotheses.ts) in the LP: the default
 * charges each pool the highest IM over the readings of the open rules, so each reading's
 * linear terms are written (row names prefixed `h<k>:`) and a pool variable `m ≥ IM_reading`
 * for every reading stands for the pool (max of convex terms: still exact inside `t ≥ …`).
 * Open rules are those the book or any candidate trade can move; one reading writes the terms
 * as they are.
 */
function addMaxOverReadings<P>(
  lp: LpModel,
  trades: readonly MarginVar[],
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  table: HypothesisTable<P>,
  params: unknown,
  how: { linear: (p: unknown) => readonly LinearMarginPool[]; prefix: string },
): PoolMarginTerms[] {
  const base = withDominant(table, params as P);
  const withCandidates: Portfolio = {
    ...portfolio,
    positions: [
      ...portfolio.positions,
      ...trades.map((t) => ({ instrument: t.candidate.instrument, size: 0 })),
    ],
  };
  const readings = combinations(openRules(table, withCandidates, snapshot, base));
  const runs = readings.map((r, k) =>
    addLinearTerms(
      lp,
      trades,
      how.linear(withReadings(table, base, r)),
      snapshot,
      readings.length === 1 ? how.prefix : `${how.prefix}h${k}:`,
    ),
  );
  if (runs.length === 1) return runs[0]!;
  return runs[0]!.map((pool): PoolMarginTerms => {
    const m = lp.addVariable(`${how.prefix}im[${pool.currency}]`, { lb: -Infinity });
    runs.forEach((run, k) => {
      const r = run.find((x) => x.currency === pool.currency)!;
      lp.addConstraint(
        `${how.prefix}im[${pool.currency}][h${k}]`,
        [[m, 1], ...r.terms.map(([v, c]) => [v, -c] as const)],
        { lb: r.constant },
      );
    });
    return { ...pool, terms: [[m, 1]], constant: 0 };
  });
}

function poolsOf(portfolio: Portfolio, trades: readonly MarginVar[]): Currency[] {
  return [
    ...new Set([
      ...portfolio.positions.map((p) => p.instrument.settlementCurrency),
      ...trades.map((t) => t.candidate.instrument.settlementCurrency),
    ]),
  ].sort();
}

/** Adds one linear-face block's worst-loss rows (aggregation `sum`); returns its variable. */
function addBlockWorst(
  lp: LpModel,
  b: LinearScenarioBlock,
  xTerms: (c: number, scale?: number) => (readonly [VarId, number])[],
  prefix: string,
): VarId {
  const t = lp.addVariable(`${prefix}worst[${b.key}]`, { lb: 0 });
  for (let c = 0; c < b.base.length; c++)
    lp.addConstraint(`${prefix}worst[${b.key}][${b.scenarioIds[c]!}]`, [[t, 1], ...xTerms(c)], {
      lb: -(b.base[c]! + b.allowance[c]!),
    });
  return t;
}

/**
 * Adds one block's credited P&L per cell (aggregation `joint`): `g ≤ pnl + a`,
 * `g ≤ offset·pnl` (when offset < 1), `g ≤ cap` (credit) or `g ≤ 0` (no credit).
 */
function addBlockCredit(
  lp: LpModel,
  b: LinearScenarioBlock,
  xTerms: (c: number, scale?: number) => (readonly [VarId, number])[],
  prefix: string,
): VarId[] {
  const { offset: off, cap } = b.credit;
  const gs: VarId[] = [];
  for (let c = 0; c < b.base.length; c++) {
    const id = b.scenarioIds[c]!;
    const noCredit = b.noCredit[c]!;
    const g = lp.addVariable(`${prefix}credited[${b.key}][${id}]`, {
      lb: -Infinity,
      ub: noCredit ? 0 : cap,
    });
    const pre0 = b.base[c]!;
    lp.addConstraint(`${prefix}credited[${b.key}][${id}].pnl`, [[g, 1], ...xTerms(c, -1)], {
      ub: pre0 + b.allowance[c]!,
    });
    if (!noCredit && off < 1)
      lp.addConstraint(`${prefix}credited[${b.key}][${id}].offset`, [[g, 1], ...xTerms(c, -off)], {
        ub: off * pre0,
      });
    gs.push(g);
  }
  return gs;
}

/** Adds `r ≥ ±(base + Σ coef·x)` for an absolute-value term; returns `[r, weight]`. */
function addAbsTerm(
  lp: LpModel,
  a: LinearAbsTerm,
  trades: readonly MarginVar[],
  prefix: string,
): [VarId, number] {
  const xs = a.coefs.map(([j, v]) => [trades[j]!.net, v] as const);
  const r = lp.addVariable(`${prefix}${a.name}`, { lb: 0 });
  lp.addConstraint(`${prefix}${a.name}.long`, [[r, 1], ...xs.map(([v, k]) => [v, -k] as const)], {
    lb: a.base,
  });
  lp.addConstraint(`${prefix}${a.name}.short`, [[r, 1], ...xs], { lb: -a.base });
  return [r, a.weight];
}

/**
 * LP terms of a model's linear face (`MarginModel.linearTerms`, margin/linear-terms.ts):
 * per pool, `worst` rows per block (sum) or credited rows and one joint `worst` row, the
 * absolute-value add-ons, and the constant.
 */
export function addLinearTerms(
  lp: LpModel,
  trades: readonly MarginVar[],
  pools: readonly LinearMarginPool[],
  snapshot: MarketSnapshot,
  prefix = '',
): PoolMarginTerms[] {
  return pools.map((pool): PoolMarginTerms => {
    const terms: [VarId, number][] = [];
    const joint = pool.aggregation === 'joint';
    const credited: VarId[][] = [];
    for (const b of pool.blocks) {
      const xTerms = (c: number, scale = 1) =>
        b.columns
          .map((col) => [trades[col.trade]!.net, scale * col.values[c]!] as const)
          .filter(([, v]) => v !== 0);
      if (!joint) terms.push([addBlockWorst(lp, b, xTerms, prefix), 1]);
      else credited.push(addBlockCredit(lp, b, xTerms, prefix));
      for (const a of b.absTerms) terms.push(addAbsTerm(lp, a, trades, prefix));
    }
    if (joint) {
      const t = lp.addVariable(`${prefix}worst[${pool.currency}]`, { lb: 0 });
      const ids = pool.blocks[0]!.scenarioIds;
      for (let c = 0; c < ids.length; c++)
        lp.addConstraint(
          `${prefix}worst[${pool.currency}][${ids[c]!}]`,
          [[t, 1], ...credited.map((gs) => [gs[c]!, 1] as const)],
          { lb: 0 },
        );
      terms.push([t, 1]);
    }
    return {
      currency: pool.currency,
      usdPrice: usdPrice(pool.currency, snapshot),
      terms,
      constant: pool.constant,
      representation: 'exact',
    };
  });
}

/** The surrogate stress grid: the standard Deribit cells of each underlying (default BTC parameters). */
export function surrogateScenarios(underlyings: readonly string[]): Scenario[] {
  const p = DERIBIT_PM_DEFAULT_PARAMS;
  const gp = gridParams(p, pairParams(p, 'BTC'));
  return underlyings.flatMap((u) =>
    deribitGrid(u, gp)
      .scenarios.filter((s) => s.group === 'standard')
      .map((s) => ({ ...s, id: `${u}:${s.id}` })),
  );
}

/**
 * Surrogate margin terms for a model without an LP form (see module doc), anchored on the
 * model's exact `results` for the book as it is.
 */
export function addSurrogateTerms(
  lp: LpModel,
  trades: readonly MarginVar[],
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  results: readonly MarginResult[],
  prefix = '',
): PoolMarginTerms[] {
  const settlements = poolsOf(portfolio, trades);
  const first = results[0];
  const cross =
    results.length === 1 && first !== undefined && settlements.some((c) => c !== first.currency);
  const poolOf = (settle: Currency): Currency => (cross ? first!.currency : settle);
  const pools = [...new Set(settlements.map(poolOf))].sort();
  const instruments = [
    ...new Map(
      [
        ...portfolio.positions.map((p) => p.instrument),
        ...trades.map((t) => t.candidate.instrument),
      ].map((i) => [i.symbol, i]),
    ).values(),
  ];
  const unds = [...new Set(instruments.map((i) => i.underlying))].sort();
  const scenarios = surrogateScenarios(unds);
  const matrix = buildPnlMatrix(instruments, snapshot, scenarios);
  const nS = matrix.nScenarios;
  const maxIndex = Math.max(...unds.map((u) => snapshot.underlyings[u]?.index ?? 0));
  return pools.map((pool): PoolMarginTerms => {
    const px = usdPrice(pool, snapshot);
    // The rows are written in `unit`s of the pool currency, about one coin's worth: a USD
    // pool's P&L per coin is of the order of the index (1e4–1e5), which HiGHS's QP solver (the
    // tracking QP) cannot converge on. Same LP: t = unit·t'. Coin pools keep unit 1.
    const unit = Math.max(1, maxIndex / px);
    const conv = (settle: Currency) => usdPrice(settle, snapshot) / px / unit;
    const pnl0 = new Float64Array(nS);
    for (const p of portfolio.positions) {
      if (poolOf(p.instrument.settlementCurrency) !== pool) continue;
      const row = matrix.rowOf.get(p.instrument.symbol)!;
      const k = conv(p.instrument.settlementCurrency) * p.size;
      for (let s = 0; s < nS; s++) pnl0[s] = pnl0[s]! + k * matrix.pnl[row * nS + s]!;
    }
    const pt = trades.filter((t) => poolOf(t.candidate.instrument.settlementCurrency) === pool);
    const columns = pt.map((tv) => {
      const row = matrix.rowOf.get(tv.candidate.instrument.symbol)!;
      const k = conv(tv.candidate.instrument.settlementCurrency);
      return {
        variable: tv.net,
        pnl: matrixRow(matrix, row).map((v) => k * v),
      };
    });
    const t = addWorstLoss(
      lp,
      `${prefix}loss[${pool}]`,
      pnl0,
      columns,
      scenarios.map((s) => s.id),
    );
    const im0 = results.filter((r) => r.currency === pool).reduce((a, r) => a + r.initialMargin, 0);
    const w0 = unit * worstLoss(pnl0);
    return {
      currency: pool,
      usdPrice: px,
      terms: [[t, unit]],
      constant: im0 - w0,
      representation: 'surrogate',
    };
  });
}

/** Σ_pool usd·(constant + terms) as objective terms and offset. */
export function marginUsdObjective(pools: readonly PoolMarginTerms[]): {
  terms: [VarId, number][];
  offset: number;
} {
  const terms: [VarId, number][] = [];
  let offset = 0;
  for (const p of pools) {
    offset += p.usdPrice * p.constant;
    for (const [v, a] of p.terms) terms.push([v, p.usdPrice * a]);
  }
  return { terms, offset };
}
