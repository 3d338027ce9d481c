/**
 * A model's prepared market per (snapshot, params) object pair, created on first use and kept
 * as long as both objects live (WeakMaps), so repeated `evaluate` calls on one market do the
 * per-market work once (docs/architecture.md, "The prepared context").
 */
import type { MarketSnapshot } from '../market/snapshot.ts';

/** `prepare` memoized per (snapshot, params) object pair. */
export function preparedCache<P extends object, M>(
  prepare: (snapshot: MarketSnapshot, params: P) => M,
): (snapshot: MarketSnapshot, params: P) => M {
  const contexts = new WeakMap<MarketSnapshot, WeakMap<P, M>>();
  return (snapshot, params) => {
    let byParams = contexts.get(snapshot);
    if (!byParams) contexts.set(snapshot, (byParams = new WeakMap()));
    let m = byParams.get(params);
    if (m === undefined) byParams.set(params, (m = prepare(snapshot, params)));
    return m;
  };
}
