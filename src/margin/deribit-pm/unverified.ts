/**
 * The `unverified` notes of a Deribit PM pool (docs/methodology/deribit-pm.md): which rules
 * the pool's result depends on that are not verified against the venue. Each key contributes
 * notes from a few flags (`KeyNoteFlags`: what its positions hold, where its aggregated vector
 * is negative, whether the dampener, gain cap or roll floor bit, its shock amounts); the pool
 * adds the multi-pair note and the worst-case-bucket note of its worst key. Two producers of
 * the flags: an evaluated key (`keyEvalFlags`, deribit-pm.ts) and a key of a book held under
 * its readings (book-notes.ts, the incremental what-if's notes without its report).
 */
import type { WorstCase } from './aggregate.ts';
import type { KeyEval } from './key-eval.ts';

/** Unverified-rule notes, keyed by a stable id (each names its section of docs/methodology/deribit-pm.md). */
export const DERIBIT_PM_UNVERIFIED = {
  optionRepricing:
    'option-repricing: options repriced with Black-76 on the shocked forward, time not advanced; inverse option P&L OPT-A/OPT-B (deribit-pm §5.3) [I]',
  volShock:
    'vol-shock: relative vol shocks scaled by (30/DTE)^p with fractional DTE floored at dteFloorDays (deribit-pm §6) [T/G]',
  volCellOrder:
    'vol-cell-order: order of the vol cells inside a bucket (up, same, down) (deribit-pm §4) [G]',
  minVolFloor:
    'min-vol-floor: min_volatility_for_shock_up read as a floor on the shocked IV (deribit-pm §6) [T]',
  extendedWeighting:
    'extended-weighting: extended-table conversion factor for options / USD-settled products (deribit-pm §7.1) [I]',
  dampener:
    'dampener: extended dampener allowance (size, conversion at index) set the worst case (deribit-pm §7.2) [T/I]',
  dampenerGains:
    'dampener-gains: extended gains beyond the allowance credited sign-aware (deribit-pm §7.2) [I]',
  gainCap: 'gain-cap: max_offsetable_pnl cap unit and order (deribit-pm §8) [I]',
  multiPair:
    'multi-pair: several currency pairs in one settlement currency combined (deribit-pm §8.3) [G]',
  linearDeltaOne:
    'linear-delta-one: USD-settled futures/perps P&L X·F0·m and USD block parameters (deribit-pm §5.2, §14) [I]',
  rollShockTime:
    'roll-shock-time: roll shock above its floor (exp vs linear in T) (deribit-pm §10) [I]',
  rollShockOptions:
    'roll-shock-options: option deltas in the roll shock (grouping per expiry, delta convention) (deribit-pm §10) [I]',
  rollShockUsd:
    'roll-shock-usd: roll shock of a USD pool in coins × index (deribit-pm §10, §14) [I]',
  deltaShock: 'delta-shock: delta shock formula (deribit-pm §11) [I]',
  worstCaseBucket:
    'worst-case-bucket: worst_case_bucket fields for extended / 0 % bucket worst cases or unusual ties (deribit-pm §9) [G/I]',
  exotics:
    'exotics: digital/barrier options are not listed on Deribit; revalued with our models (deribit-pm §5.3) [I]',
} as const;

/** What a key's notes depend on (see `poolNotes`). */
export interface KeyNoteFlags {
  /** A position is an option (vanilla, digital or barrier). */
  readonly hasOptions: boolean;
  /** An option's vol is below `min_volatility_for_shock_up` (the floor can bite). */
  readonly minVolFloor: boolean;
  /** A digital or barrier option. */
  readonly exotics: boolean;
  /** An extended cell of the aggregated vector is negative. */
  readonly extendedLoss: boolean;
  /** The undamped extended table's worst case exceeds the reported one (key-eval.ts). */
  readonly dampener: boolean;
  /** An extended gain exceeded its allowance (aggregate.ts). */
  readonly dampenerGains: boolean;
  /** The gain cap changed a credited gain under some reading (aggregate.ts). */
  readonly gainCap: boolean;
  readonly coinSettled: boolean;
  /** The key holds positions. */
  readonly hasPositions: boolean;
  /** The key's roll shock, pool currency. */
  readonly rollAmount: number;
  /** A roll item above its floor with a positive amount. */
  readonly rollAboveFloor: boolean;
  /** The key's delta shock, pool currency. */
  readonly deltaAmount: number;
}

/** The flags of an evaluated key. */
export function keyEvalFlags(k: KeyEval): KeyNoteFlags {
  const { kv } = k;
  let extendedLoss = false;
  for (let c = kv.grid.nStandard; c < k.agg.aggregated.length; c++)
    if (k.agg.aggregated[c]! < 0) extendedLoss = true;
  return {
    hasOptions: kv.hasOptions,
    minVolFloor: kv.minVolFloorMatters,
    exotics: kv.positions.some(
      (p) => p.instrument.kind === 'digital' || p.instrument.kind === 'barrier',
    ),
    extendedLoss,
    dampener: k.dampenerMatters,
    dampenerGains: k.agg.extendedGainBeyondAllowance,
    gainCap: k.agg.gainCapMatters,
    coinSettled: kv.coinSettled,
    hasPositions: kv.positions.length > 0,
    rollAmount: k.roll.amount,
    rollAboveFloor: k.roll.items.some((it) => it.aboveFloor && it.amount > 0),
    deltaAmount: k.delta.amount,
  };
}

/**
 * Whether the worst key's worst case carries the worst-case-bucket note: positive, and in
 * an extended or 0 % bucket, or an ambiguous tie between cells (aggregate.ts).
 */
export function worstBucketNote(w: WorstCase): boolean {
  return (
    w.worstCase > 0 &&
    (w.bucket.source === 'extended' || w.bucket.side === 'center' || w.ambiguousTie)
  );
}

/**
 * A pool's notes, in the order they are first met: per key (in key order) its notes, then
 * multi-pair (several keys), then the worst-case-bucket note (`worstBucket` of the worst key,
 * or an ambiguous joint tie).
 */
export function poolNotes(
  keys: readonly KeyNoteFlags[],
  worstBucket: boolean,
  jointAmbiguous: boolean,
): string[] {
  const u = new Set<string>();
  const U = DERIBIT_PM_UNVERIFIED;
  for (const k of keys) {
    if (k.hasOptions) {
      u.add(U.optionRepricing);
      u.add(U.volShock);
      u.add(U.volCellOrder);
      if (k.minVolFloor) u.add(U.minVolFloor);
      u.add(U.rollShockOptions);
    }
    if (k.exotics) u.add(U.exotics);
    if (k.extendedLoss && (k.hasOptions || !k.coinSettled)) u.add(U.extendedWeighting);
    if (k.dampener) u.add(U.dampener);
    if (k.dampenerGains) u.add(U.dampenerGains);
    if (k.gainCap) u.add(U.gainCap);
    if (!k.coinSettled && k.hasPositions) {
      u.add(U.linearDeltaOne);
      if (k.rollAmount > 0) u.add(U.rollShockUsd);
    }
    if (k.rollAboveFloor) u.add(U.rollShockTime);
    if (k.deltaAmount > 0) u.add(U.deltaShock);
  }
  if (keys.length > 1) u.add(U.multiPair);
  if (worstBucket || jointAmbiguous) u.add(U.worstCaseBucket);
  return [...u];
}
