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

/**
 * Roll and delta shocks computed once per key and rule values they read, for evaluations of
 * one book under several readings (the positions, states and deltas of a key do not depend on
 * the hypothesis readings, only on the rules named in the memo key): the what-if at the
 * default ranks every reading with one memo per traded book (prepared-book.ts).
 */
export interface ShockMemo {
  readonly roll: Map<string, RollShock>;
  readonly delta: Map<string, DeltaShock>;
}

/** An empty memo (one per book evaluated under several readings). */
export function shockMemo(): ShockMemo {
  return { roll: new Map(), delta: new Map() };
}

function memoized<T>(m: Map<string, T>, key: string, f: () => T): T {
  let v = m.get(key);
  if (v === undefined) m.set(key, (v = f()));
  return v;
}

/**
 * Aggregates one key and computes its worst case and shocks (the shocks from `memo` when it
 * holds them for this key and rule values; the memo must belong to this book).
 */
export function evaluateKey(
  kv: KeyVectors,
  params: DeribitPmParams,
  settlement: Currency,
  memo?: ShockMemo,
): KeyEval {
  const ccy = currencyParams(params, settlement);
  const r = params.rules;
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
    roll: memo
      ? memoized(
          memo.roll,
          `${settlement}|${kv.key}|${r.rollShockTime}|${r.rollShockOptions}|${r.rollShockOptionDelta}`,
          () => rollShockOf(kv, ccy, r),
        )
      : rollShockOf(kv, ccy, r),
    delta: memo
      ? memoized(memo.delta, `${settlement}|${kv.key}|${r.deltaShock}`, () => deltaShockOf(kv, r))
      : deltaShockOf(kv, r),
    dampenerMatters,
  };
}
