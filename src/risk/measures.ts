/**
 * Reductions of a scenario P&L vector to a number (profit positive, loss negative).
 */

/**
 * Worst loss: `max(0, −min_s w_s·pnl_s)` with optional per-scenario weights `w` (default 1).
 * Positively homogeneous and sub-additive in the P&L vector: the property every pure
 * worst-loss margin inherits (test/risk/measures.test.ts).
 */
export function worstLoss(pnl: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let worst = 0;
  for (let s = 0; s < pnl.length; s++) {
    const v = -(weights ? weights[s]! * pnl[s]! : pnl[s]!);
    if (v > worst) worst = v;
  }
  return worst;
}
