/**
 * One vector key evaluated (docs/methodology/deribit-pm.md §7.2–§11): its aggregated vector, worst case, roll
 * shock and delta shock, and whether the dampener set the worst case.
 */
import type { Currency } from '../../core/currency.ts';
import {
  aggregateVectors,
  worstCaseOf,
  type AggregationResult,
  type WorstCase,
} from './aggregate.ts';
import { currencyParams, type DeribitPmParams } from './params.ts';
import { deltaShockOf, rollShockOf, type DeltaShock, type RollShock } from './shocks.ts';
import type { KeyVectors } from './vectors.ts';

/** A key's vectors with everything computed from them. */
export interface KeyEval {
  readonly kv: KeyVectors;
  readonly agg: AggregationResult;
  readonly worst: WorstCase;
  readonly roll: RollShock;
  readonly delta: DeltaShock;
  /** Worst case of the undamped extended table exceeds the reported worst case. */
  readonly dampenerMatters: boolean;
}

/** Aggregates one key and computes its worst case and shocks. */
export function evaluateKey(
  kv: KeyVectors,
  params: DeribitPmParams,
  settlement: Currency,
): KeyEval {
  const ccy = currencyParams(params, settlement);
  const agg = aggregateVectors({
    pre: kv.preAggregated,
    cells: kv.grid.cells,
    currency: ccy,
    rules: params.rules,
    index: kv.index,
    priceRange: kv.grid.params.priceRange,
    coinSettled: kv.coinSettled,
  });
  const worst = worstCaseOf(agg.aggregated, kv.grid.cells);
  let undampedExtMin = 0;
  for (let c = kv.grid.nStandard; c < kv.preAggregated.length; c++)
    undampedExtMin = Math.min(undampedExtMin, kv.preAggregated[c]!);
  const dampenerMatters = -undampedExtMin > worst.worstCase * (1 + 1e-12) + 1e-15;
  return {
    kv,
    agg,
    worst,
    roll: rollShockOf(kv, ccy, params.rules),
    delta: deltaShockOf(kv, params.rules),
    dampenerMatters,
  };
}
