/**
 * Deribit PM's linear face (`MarginModel.linearTerms`, shape in ../linear-terms.ts): per pool
 * and vector key k, `pre_kc(x) = pre_kc(0) + Σ_j U_jc·x_j` with U_jc the trade's per-unit cell
 * value (extended weight and conversion included, exactly as the model computes it,
 * `unitCellValue`), docs/methodology/deribit-pm.md:
 * - worst case (§9): sum of per-key worst cases (`aggregation: 'sum'`, default) with the
 *   extended cells' dampener allowance a_c (§8: the dampened loss `min(0, pre + a)`); the gain
 *   offset (`pnl_offset`, cap) never changes a per-key worst case, so it needs no term there;
 *   joint aggregation of several keys (`multiPairAggregation: joint`, [G]): credit
 *   `min(pre, pnl_offset·pre, cap)` of standard cells (cap per `gainCapUnit`/`gainCapOrder`),
 *   `min(pre + a, 0)` of extended cells (dropping the credit of extended gains beyond the
 *   allowance: conservative);
 * - roll shock (§10): `Σ move_i·|q_i + x_i|` over futures and perpetuals and
 *   `Σ move_e·|Δ_e(x)|` over option expiries (per instrument if `rollShockOptions` says so),
 *   moves and deltas as in the model (`rollMove`, `coinDelta`), times the index for USD keys;
 *   lines no trade touches go into the constant;
 * - account inputs (open orders, MMP, spot margin) in the constant (§12).
 * Left out: the delta shock (§11: zero below a 20 M USD net delta by default; non-convex) and
 * the 9-decimal rounding. An optimizer re-evaluating with the exact model includes both.
 */
import type { Currency } from '../../core/currency.ts';
import { toIso } from '../../core/time.ts';
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio } from '../../risk/portfolio.ts';
import { positionsIn } from '../book.ts';
import type {
  LinearAbsTerm,
  LinearMarginPool,
  LinearScenarioBlock,
  LinearTrade,
} from '../linear-terms.ts';
import { dampenerAllowance } from './aggregate.ts';
import {
  accountInputs,
  currencyParams,
  validateRules,
  type DeribitPmCurrency,
  type DeribitPmParams,
  type DeribitPmRules,
} from './params.ts';
import { rollMove } from './shocks.ts';
import { buildKeyVectors, coinDelta, unitCellValue, type KeyVectors } from './vectors.ts';

/** Settlement currencies of the book and the trades, sorted (one pool each). */
function poolsOf(portfolio: Portfolio, trades: readonly LinearTrade[]): Currency[] {
  return [
    ...new Set([
      ...portfolio.positions.map((p) => p.instrument.settlementCurrency),
      ...trades.map((t) => t.instrument.settlementCurrency),
    ]),
  ].sort();
}

/** The key's scenario block: P&L per cell, the trades' per-unit columns, allowances, credit. */
function keyBlock(
  kv: KeyVectors,
  trades: readonly LinearTrade[],
  kt: readonly number[],
  ccyParams: DeribitPmCurrency,
  rules: DeribitPmRules,
): Omit<LinearScenarioBlock, 'absTerms'> {
  const { grid } = kv;
  const nC = grid.cells.length;
  const columns = kt.map((j) => {
    const t = trades[j]!;
    const values = new Float64Array(nC);
    for (let c = 0; c < nC; c++)
      values[c] = unitCellValue(
        t.instrument,
        t.state,
        grid.cells[c]!,
        grid.scenarios[c]!,
        grid,
        rules,
      );
    return { trade: j, values };
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
  const off = ccyParams.pnl_offset;
  const capSettlement = ccyParams.max_offsetable_pnl;
  const cap =
    rules.gainCapUnit === 'usd' && kv.coinSettled ? capSettlement / kv.index : capSettlement;
  return {
    key: kv.key,
    scenarioIds: grid.scenarios.map((s) => s.id),
    base: kv.preAggregated,
    columns,
    allowance,
    noCredit: grid.cells.map((cell) => cell.source === 'extended'),
    credit: { offset: off, cap: rules.gainCapOrder === 'before-offset' ? off * cap : cap },
  };
}

/** One roll-shock line: size before and the trades moving it (index, coefficient). */
interface RollLine {
  q: number;
  T: number;
  xs: [number, number][];
}

/** The key's roll-shock lines (§10): delta-one instruments by symbol, options by group. */
function rollLines(
  kv: KeyVectors,
  trades: readonly LinearTrade[],
  kt: readonly number[],
  rules: DeribitPmRules,
): Map<string, RollLine>[] {
  const deltaOne = new Map<string, RollLine & { x?: number }>();
  const optionGroups = new Map<string, RollLine>();
  const optionKey = (sym: string, expiryMs: number) =>
    rules.rollShockOptions === 'per-expiry' ? `${kv.underlying} options ${toIso(expiryMs)}` : sym;
  const visit = (inst: Instrument, st: InstrumentState, q: number, x?: number) => {
    if (inst.kind === 'spot') return;
    if (!isOptionLike(inst)) {
      const e = deltaOne.get(inst.symbol) ?? {
        q: 0,
        T: inst.kind === 'future' ? st.T : 0,
        xs: [],
      };
      e.q += q;
      // The last trade of a symbol carries it (trades come merged by symbol).
      if (x !== undefined) e.xs = [[x, 1]];
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
  for (const j of kt) visit(trades[j]!.instrument, trades[j]!.state, 0, j);
  return [deltaOne, optionGroups];
}

/** One pool's linear terms (see module doc). */
function poolTerms(
  ccy: Currency,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  trades: readonly LinearTrade[],
): LinearMarginPool {
  const rules = params.rules;
  const ccyParams = currencyParams(params, ccy);
  const acct = accountInputs(params, ccy);
  const positions = positionsIn(portfolio, ccy);
  const poolTrades = trades.flatMap((t, j) => (t.instrument.settlementCurrency === ccy ? [j] : []));
  const unds = [
    ...new Set([
      ...positions.map((p) => p.instrument.underlying),
      ...poolTrades.map((j) => trades[j]!.instrument.underlying),
    ]),
  ].sort();
  let constant = acct.open_orders_margin + acct.mmp_margin + acct.spot_margin;
  const blocks = unds.map((u): LinearScenarioBlock => {
    const kv = buildKeyVectors(
      positions.filter((p) => p.instrument.underlying === u),
      snapshot,
      params,
      u,
      ccy,
    );
    const kt = poolTrades.filter((j) => trades[j]!.instrument.underlying === kv.underlying);
    const usdScale = kv.coinSettled ? 1 : kv.index;
    const absTerms: LinearAbsTerm[] = [];
    for (const lines of rollLines(kv, trades, kt, rules))
      for (const [name, e] of lines) {
        const move = rollMove(e.T, ccyParams, rules.rollShockTime).move;
        if (e.xs.length === 0) constant += Math.abs(e.q) * move * usdScale;
        else
          absTerms.push({
            name: `roll[${kv.key}:${name}]`,
            base: e.q,
            coefs: e.xs,
            weight: move * usdScale,
          });
      }
    return { ...keyBlock(kv, trades, kt, ccyParams, rules), absTerms };
  });
  const joint = rules.multiPairAggregation === 'joint' && blocks.length > 1;
  return { currency: ccy, aggregation: joint ? 'joint' : 'sum', constant, blocks };
}

/** Deribit PM margin per pool as linear terms of the trade sizes (see module doc). */
export function deribitPmLinearTerms(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitPmParams,
  trades: readonly LinearTrade[],
): LinearMarginPool[] {
  validateRules(params);
  return poolsOf(portfolio, trades).map((ccy) =>
    poolTerms(ccy, portfolio, snapshot, params, trades),
  );
}
