/**
 * The worst-loss epigraph, the LP form of every "worst scenario" margin:
 *
 *   t ≥ 0,   t ≥ −(w_s · (p_s + Σ_k x_k · P_ks))   for every scenario s
 *
 * so that minimising `t` gives `max(0, −min_s w_s·pnl_s(x))` (src/risk/measures.ts
 * `worstLoss`). One row `<name>[<scenario id>]` per scenario, one non-zero per column.
 */
import { BallastError } from '../core/errors.ts';
import type { LpModel, VarId } from './lp-model.ts';

/** A decision variable and its P&L per unit in each scenario. */
export interface PnlColumn {
  readonly variable: VarId;
  readonly pnl: ArrayLike<number>;
}

/**
 * Adds the epigraph of the worst loss of `base + Σ x·column` (optionally weighted) and returns
 * `t`, the worst-loss variable (≥ 0). `ids` names the rows (default the scenario index).
 */
export function addWorstLoss(
  lp: LpModel,
  name: string,
  base: ArrayLike<number>,
  columns: readonly PnlColumn[],
  ids?: readonly string[],
  weights?: ArrayLike<number>,
): VarId {
  const nS = base.length;
  for (const c of columns)
    if (c.pnl.length !== nS)
      throw new BallastError(
        'INVALID_INPUT',
        `a column has ${c.pnl.length} scenarios, the base ${nS}`,
        name,
      );
  const t = lp.addVariable(name, { lb: 0 });
  const indices: number[] = [];
  const values: number[] = [];
  for (let s = 0; s < nS; s++) {
    const w = weights ? weights[s]! : 1;
    indices.length = 0;
    values.length = 0;
    indices.push(t);
    values.push(1);
    for (const c of columns) {
      const v = w * c.pnl[s]!;
      if (v === 0) continue;
      indices.push(c.variable);
      values.push(v);
    }
    lp.addConstraint(`${name}[${ids?.[s] ?? s}]`, { indices, values }, { lb: -w * base[s]! });
  }
  return t;
}
