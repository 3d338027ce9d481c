/**
 * Margin as LP terms: for each margin pool, an expression `constant + Σ coef·var` (pool
 * currency) that equals (Deribit PM) or approximates (any other model) the pool's initial
 * margin after the trades, when the LP minimises it. Callers put `Σ_pool usd·IM_pool` into the
 * objective (hedge), or bound it (cure: `IM_pool ≤ u·equity_pool`).
 *
 * **Deribit PM** (`deribit-pm`, methodology deribit-pm.md), per pool and vector key k, with
 * `pre_kc(x) = pre_kc(0) + Σ_j U_jc·x_j` (U_jc: the candidate's per-unit cell value, extended
 * weight and conversion included, exactly as the model computes it):
 * - worst case, sum of per-key worst cases (default): `t_k ≥ 0`,
 *   `t_k ≥ −pre_kc(x)` (standard cells) and `t_k ≥ −(pre_kc(x) + a_c)` (extended cells: the
 *   dampened loss `min(0, pre + a)`, a = dampener allowance). The gain offset (`pnl_offset`,
 *   cap) never changes a per-key worst case (it only scales gains), so it needs no term here;
 * - joint aggregation of several keys (`multiPairAggregation: joint`): credited vectors
 *   `g_kc ≤ pre_kc(x)`, `g_kc ≤ pnl_offset·pre_kc(x)`, `g_kc ≤ cap` (cap per `gainCapOrder`)
 *   for standard cells, `g_kc ≤ pre_kc(x) + a_c`, `g_kc ≤ 0` for extended cells (dropping the
 *   credit of extended gains beyond the allowance: conservative), and `t ≥ −Σ_k g_kc`. The
 *   aggregation `min(pre, c·pre, cap)` is concave in pre, so maximising it inside `t ≥ −g`
 *   is exact;
 * - roll shock: `Σ move_i·|q_i + x_i|` over futures and perpetuals and `Σ move_e·|Δ_e(x)|`
 *   over option expiries (per-instrument if `rollShockOptions` says so), each |·| as
 *   `r ≥ ±(…)`; moves and deltas exactly as in the model (`rollMove`, `coinDelta`);
 * - account inputs (open-orders, MMP, spot margin) as the constant.
 * Not in the LP: the delta shock (zero below a 20 M USD net delta by default; non-convex) and
 * the 9-decimal rounding. The exact re-evaluation afterwards includes both.
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
import { chargedParams } from '../margin/hypotheses.ts';
import type { Currency } from '../core/currency.ts';
import { toIso } from '../core/time.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { deribitGrid } from '../scenarios/deribit-grid.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { usdPrice } from '../risk/collateral.ts';
import { worstLoss } from '../risk/measures.ts';
import { buildPnlMatrix, matrixRow, type InstrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { positionsIn } from '../margin/book.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { DERIBIT_PM_ID } from '../margin/deribit-pm/deribit-pm.ts';
import { dampenerAllowance } from '../margin/deribit-pm/aggregate.ts';
import {
  accountInputs,
  currencyParams,
  DERIBIT_PM_DEFAULT_PARAMS,
  gridParams,
  pairParams,
  validateRules,
  type DeribitPmParams,
} from '../margin/deribit-pm/params.ts';
import { rollMove } from '../margin/deribit-pm/shocks.ts';
import { buildKeyVectors, coinDelta, unitCellValue } from '../margin/deribit-pm/vectors.ts';
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
  if (model.id === DERIBIT_PM_ID) {
    // The terms of one reading: the one the default charges for this book (hypotheses.ts).
    const before =
      options.resultsBefore ??
      (portfolio.positions.length > 0 ? model.evaluate(portfolio, snapshot, params) : []);
    const p = model.hypotheses
      ? chargedParams(model.hypotheses, params, before)
      : (params as DeribitPmParams);
    return addDeribitPmTerms(lp, trades, portfolio, snapshot, p as DeribitPmParams, prefix);
  }
  const results =
    options.resultsBefore ??
    (portfolio.positions.length > 0 ? model.evaluate(portfolio, snapshot, params) : []);
  return addSurrogateTerms(lp, trades, portfolio, snapshot, results, prefix);
}

function poolsOf(portfolio: Portfolio, trades: readonly MarginVar[]): Currency[] {
  return [
    ...new Set([
      ...portfolio.positions.map((p) => p.instrument.settlementCurrency),
      ...trades.map((t) => t.candidate.instrument.settlementCurrency),
    ]),
  ].sort();
}

/** Deribit PM margin terms (see module doc). */
export function addDeribitPmTerms(
  lp: LpModel,
  trades: readonly MarginVar[],
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  prefix = '',
): PoolMarginTerms[] {
  validateRules(params);
  const rules = params.rules;
  return poolsOf(portfolio, trades).map((ccy): PoolMarginTerms => {
    const ccyParams = currencyParams(params, ccy);
    const acct = accountInputs(params, ccy);
    const positions = positionsIn(portfolio, ccy);
    const poolTrades = trades.filter((t) => t.candidate.instrument.settlementCurrency === ccy);
    const unds = [
      ...new Set([
        ...positions.map((p) => p.instrument.underlying),
        ...poolTrades.map((t) => t.candidate.instrument.underlying),
      ]),
    ].sort();
    const terms: [VarId, number][] = [];
    let constant = acct.open_orders_margin + acct.mmp_margin + acct.spot_margin;
    const keys = unds.map((u) =>
      buildKeyVectors(
        positions.filter((p) => p.instrument.underlying === u),
        snapshot,
        params,
        u,
        ccy,
      ),
    );
    const joint = rules.multiPairAggregation === 'joint' && keys.length > 1;
    const credited: VarId[][] = [];
    for (const kv of keys) {
      const { grid } = kv;
      const nC = grid.cells.length;
      const kt = poolTrades.filter((t) => t.candidate.instrument.underlying === kv.underlying);
      const unit = kt.map((t) => {
        const row = new Float64Array(nC);
        for (let c = 0; c < nC; c++)
          row[c] = unitCellValue(
            t.candidate.instrument,
            t.state,
            grid.cells[c]!,
            grid.scenarios[c]!,
            grid,
            rules,
          );
        return row;
      });
      const allowance = grid.cells.map((cell) =>
        cell.source === 'extended'
          ? dampenerAllowance(
              cell.move,
              grid.params.priceRange,
              ccyParams.extended_dampener,
              kv.index,
              kv.coinSettled,
            )
          : 0,
      );
      const xTerms = (c: number, scale = 1) =>
        kt.map((t, k) => [t.net, scale * unit[k]![c]!] as const).filter(([, v]) => v !== 0);
      if (!joint) {
        const t = lp.addVariable(`${prefix}worst[${kv.key}]`, { lb: 0 });
        for (let c = 0; c < nC; c++)
          lp.addConstraint(
            `${prefix}worst[${kv.key}][${grid.scenarios[c]!.id}]`,
            [[t, 1], ...xTerms(c)],
            { lb: -(kv.preAggregated[c]! + allowance[c]!) },
          );
        terms.push([t, 1]);
      } else {
        const off = ccyParams.pnl_offset;
        const capSettlement = ccyParams.max_offsetable_pnl;
        const cap =
          rules.gainCapUnit === 'usd' && kv.coinSettled ? capSettlement / kv.index : capSettlement;
        const capTerm = rules.gainCapOrder === 'before-offset' ? off * cap : cap;
        const gs: VarId[] = [];
        for (let c = 0; c < nC; c++) {
          const id = grid.scenarios[c]!.id;
          const ext = grid.cells[c]!.source === 'extended';
          const g = lp.addVariable(`${prefix}credited[${kv.key}][${id}]`, {
            lb: -Infinity,
            ub: ext ? 0 : capTerm,
          });
          const pre0 = kv.preAggregated[c]!;
          lp.addConstraint(`${prefix}credited[${kv.key}][${id}].pnl`, [[g, 1], ...xTerms(c, -1)], {
            ub: pre0 + allowance[c]!,
          });
          if (!ext && off < 1)
            lp.addConstraint(
              `${prefix}credited[${kv.key}][${id}].offset`,
              [[g, 1], ...xTerms(c, -off)],
              { ub: off * pre0 },
            );
          gs.push(g);
        }
        credited.push(gs);
      }
      // Roll shock (§10).
      const usdScale = kv.coinSettled ? 1 : kv.index;
      const absTerm = (
        name: string,
        q0: number,
        xs: readonly (readonly [VarId, number])[],
        move: number,
      ) => {
        if (xs.length === 0) {
          constant += Math.abs(q0) * move * usdScale;
          return;
        }
        const r = lp.addVariable(`${prefix}roll[${kv.key}:${name}]`, { lb: 0 });
        lp.addConstraint(
          `${prefix}roll[${kv.key}:${name}].long`,
          [[r, 1], ...xs.map(([v, a]) => [v, -a] as const)],
          { lb: q0 },
        );
        lp.addConstraint(`${prefix}roll[${kv.key}:${name}].short`, [[r, 1], ...xs], { lb: -q0 });
        terms.push([r, move * usdScale]);
      };
      const deltaOne = new Map<string, { q: number; T: number; x?: VarId }>();
      const optionGroups = new Map<string, { q: number; T: number; xs: [VarId, number][] }>();
      const optionKey = (sym: string, expiryMs: number) =>
        rules.rollShockOptions === 'per-expiry'
          ? `${kv.underlying} options ${toIso(expiryMs)}`
          : sym;
      const visit = (inst: Instrument, st: InstrumentState, q: number, x?: VarId) => {
        if (inst.kind === 'spot') return;
        if (!isOptionLike(inst)) {
          const e = deltaOne.get(inst.symbol) ?? { q: 0, T: inst.kind === 'future' ? st.T : 0 };
          e.q += q;
          if (x !== undefined) e.x = x;
          deltaOne.set(inst.symbol, e);
          return;
        }
        const d = coinDelta(inst, st, rules.rollShockOptionDelta);
        const k = optionKey(inst.symbol, inst.expiryMs);
        const g = optionGroups.get(k) ?? { q: 0, T: st.T, xs: [] };
        g.q += q * d;
        if (x !== undefined && d !== 0) g.xs.push([x, d]);
        optionGroups.set(k, g);
      };
      kv.positions.forEach((p, i) => visit(p.instrument, kv.states[i]!, p.size));
      for (const t of kt) visit(t.candidate.instrument, t.state, 0, t.net);
      for (const [sym, e] of deltaOne)
        absTerm(
          sym,
          e.q,
          e.x === undefined ? [] : [[e.x, 1]],
          rollMove(e.T, ccyParams, rules.rollShockTime).move,
        );
      for (const [k, g] of optionGroups)
        absTerm(k, g.q, g.xs, rollMove(g.T, ccyParams, rules.rollShockTime).move);
    }
    if (joint) {
      const t = lp.addVariable(`${prefix}worst[${ccy}]`, { lb: 0 });
      const nC = credited[0]!.length;
      for (let c = 0; c < nC; c++)
        lp.addConstraint(
          `${prefix}worst[${ccy}][${keys[0]!.grid.scenarios[c]!.id}]`,
          [[t, 1], ...credited.map((gs) => [gs[c]!, 1] as const)],
          { lb: 0 },
        );
      terms.push([t, 1]);
    }
    return {
      currency: ccy,
      usdPrice: usdPrice(ccy, snapshot),
      terms,
      constant,
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
