/**
 * One summary over a model's pools: with a single pool it is that pool's result; with
 * several (segregated settlement currencies) the amounts are summed in USD at each pool
 * currency's index, and the worst scenario is the one of the pool with the largest IM (USD).
 */
import { canonicalHash } from '../core/hash.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { marginResult, type MarginResult } from './margin-result.ts';
import { poolsInUsd } from './usd-totals.ts';

/** A model's result over all pools, with the per-pool results kept in `pools`. */
export interface CombinedMarginResult extends MarginResult {
  readonly pools: readonly MarginResult[];
}

/** Combines per-pool results (see module doc). */
export function combinePools(
  model: string,
  version: string,
  pools: readonly MarginResult[],
  snapshot: MarketSnapshot,
): CombinedMarginResult {
  if (pools.length === 1) return { ...pools[0]!, pools };
  const usd = poolsInUsd(pools, snapshot);
  const px = usd.usdPrices;
  const { equity, initialMargin: im, maintenanceMargin: mm } = usd.totals;
  let biggest = -1;
  pools.forEach((r, i) => {
    if (biggest < 0 || r.initialMargin * px[i]! > pools[biggest]!.initialMargin * px[biggest]!)
      biggest = i;
  });
  const top = pools[biggest];
  const combined = marginResult({
    model,
    modelVersion: version,
    currency: 'USD',
    equity,
    initialMargin: im,
    maintenanceMargin: mm,
    worstScenario: top?.worstScenario
      ? {
          ...top.worstScenario,
          id: `${top.currency}:${top.worstScenario.id}`,
          pnl: top.worstScenario.pnl * px[biggest]!,
          loss: top.worstScenario.loss * px[biggest]!,
        }
      : undefined,
    contributions: pools.flatMap((r, i) =>
      r.contributions.map((c) => ({ ...c, pnl: c.pnl * px[i]! })),
    ),
    addOns: pools.flatMap((r, i) =>
      r.addOns.map((a) => ({ ...a, name: `${r.currency}: ${a.name}`, amount: a.amount * px[i]! })),
    ),
    unverified: [...new Set(pools.flatMap((r) => r.unverified))],
    warnings: pools.flatMap((r) => r.warnings.map((w) => `${r.currency}: ${w}`)),
    inputsHash: canonicalHash(pools.map((r) => r.inputsHash)),
  });
  return { ...combined, pools };
}
