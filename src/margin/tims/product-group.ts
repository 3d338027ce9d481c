/**
 * TIMS offsets (docs/methodology/span-tims.md §5.1): inside a class group (one underlying)
 * gains offset losses 100 % at each valuation point; across the class groups of a product
 * group only a percentage of gains offsets losses, at the same valuation point:
 *
 *     L(s) = Σ_cg min(pnl_cg(s), 0) + offset · Σ_cg max(pnl_cg(s), 0)
 *     risk(PG) = max(0, max_s −L(s))
 *
 * Comparing class groups at the same (k-th) point is our reading of how the offsets apply
 * ([I]); with a single class group it is the plain worst loss.
 */

/** Result of one product group's scan. */
export interface ProductGroupRisk {
  /** Requirement from the valuation points after offsets, USD (≥ 0). */
  readonly risk: number;
  /** The same without any cross-class-group offset (offset = 0), USD. */
  readonly riskWithoutOffset: number;
  /** Index of the worst valuation point (−1 if none). */
  readonly scenarioIndex: number;
  /** L(s) per point (P&L after offsets; negative = loss). */
  readonly pnl: number[];
}

/** Product-group risk of class-group P&L vectors (same length) with gain offset `offset` ∈ [0, 1]. */
export function productGroupRisk(
  classGroupPnl: readonly ArrayLike<number>[],
  offset: number,
): ProductGroupRisk {
  const n = classGroupPnl[0]?.length ?? 0;
  const pnl: number[] = [];
  let worst = Infinity;
  let worstNo = Infinity;
  let idx = -1;
  for (let s = 0; s < n; s++) {
    let loss = 0;
    let gain = 0;
    for (const v of classGroupPnl) {
      const x = v[s]!;
      if (x < 0) loss += x;
      else gain += x;
    }
    const L = loss + offset * gain;
    pnl.push(L);
    if (L < worst) {
      worst = L;
      idx = s;
    }
    if (loss < worstNo) worstNo = loss;
  }
  return {
    risk: idx < 0 ? 0 : Math.max(0, -worst),
    riskWithoutOffset: idx < 0 ? 0 : Math.max(0, -worstNo),
    scenarioIndex: idx,
    pnl,
  };
}
