/**
 * The `unverified` notes of a pool of a book held under its readings (book-readings.ts), at
 * one reading, from the keys as the incremental what-if leaves them (book-trades.ts): the
 * notes `evaluatePoolKeys` gives the same keys at that reading, without building key vectors,
 * equity or a report. Per key, the flags of `KeyNoteFlags` (unverified.ts): the positions'
 * kinds and rows (options, exotics, the min-vol floor), the aggregated vector of the
 * reading's priced table (`aggregateVectors` on the key's pre-aggregated vector: extended
 * losses, dampener, gain cap), its worst case and bucket (`worstCaseOf`: the worst key's
 * bucket note, exact ties included), the reading's roll and delta shocks from the key's
 * sums, and the roll items above their floor (`move > min_annualised_move` is `rollMove`'s
 * `aboveFloor`). The same functions as the evaluation on the same vectors, so the same notes
 * (test/margin/deribit-pm-book-readings.test.ts compares them with re-evaluation).
 */
import { isUsdLike } from '../../core/currency.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { aggregateVectors, worstCaseOf, type WorstCase } from './aggregate.ts';
import { KIND_OPTION, KIND_ROLL, type BookKey, type BookReadings } from './book-readings.ts';
import { poolNotes, worstBucketNote, type KeyNoteFlags } from './unverified.ts';

/**
 * Whether a roll item (§10) is above its floor with a positive amount, over the key's items
 * at the reading's view (`perExpiry`): futures and perpetuals per position, options per
 * position or per expiry group (the group's delta summed in position order, as `keyShocks`).
 */
function rollAboveFloor(key: BookKey, perExpiry: boolean, floor: number): boolean {
  const scale = key.usdScale;
  const gDelta = new Array<number>(key.groupExpiry.length).fill(0);
  for (let i = 0; i < key.sizes.length; i++) {
    const size = key.sizes[i]!;
    const move = key.move[i]!;
    if (key.kind[i] === KIND_ROLL) {
      if (move > floor && Math.abs(size) * move * scale > 0) return true;
    } else if (key.kind[i] === KIND_OPTION) {
      const d = size * key.deltaRoll[i]!;
      if (!perExpiry && move > floor && Math.abs(d) * move * scale > 0) return true;
      gDelta[key.group[i]!] = gDelta[key.group[i]!]! + d;
    }
  }
  if (!perExpiry) return false;
  return key.groupMove.some((m, g) => m > floor && Math.abs(gDelta[g]!) * m * scale > 0);
}

/** A key's note flags and worst case at reading `k` of `book`. */
function keyFlags(
  book: BookReadings,
  key: BookKey,
  k: number,
): { flags: KeyNoteFlags; worst: WorstCase } {
  const view = book.views[k]!;
  const market = book.markets[view.table]!;
  const grid = market.grid(key.underlying);
  const settlement = book.pools[key.pool]!;
  const coinSettled = !isUsdLike(settlement);
  const ccy = book.currencies[key.pool]!;
  const pre = Float64Array.from(key.pre[view.table]!);
  const agg = aggregateVectors({
    pre,
    cells: grid.cells,
    currency: ccy,
    rules: book.params[k]!.rules,
    index: key.index,
    priceRange: grid.params.priceRange,
    coinSettled,
  });
  const worst = worstCaseOf(agg.aggregated, grid.cells);
  let undampedExtMin = 0;
  let extendedLoss = false;
  for (let c = grid.nStandard; c < pre.length; c++) {
    undampedExtMin = Math.min(undampedExtMin, pre[c]!);
    if (agg.aggregated[c]! < 0) extendedLoss = true;
  }
  const shocks = key.shocks;
  const flags: KeyNoteFlags = {
    hasOptions: key.instruments.some(isOptionLike),
    minVolFloor: key.instruments.some((inst) => market.row(inst).belowMinVol),
    exotics: key.instruments.some((inst) => inst.kind === 'digital' || inst.kind === 'barrier'),
    extendedLoss,
    dampener: -undampedExtMin > worst.worstCase * (1 + 1e-12) + 1e-15,
    dampenerGains: agg.extendedGainBeyondAllowance,
    gainCap: agg.gainCapMatters,
    coinSettled,
    hasPositions: key.instruments.length > 0,
    rollAmount: shocks[view.perExpiry ? 0 : 1]!,
    rollAboveFloor: rollAboveFloor(key, view.perExpiry, ccy.min_annualised_move),
    deltaAmount: view.delta === 0 ? 0 : shocks[1 + view.delta]!,
  };
  return { flags, worst };
}

/**
 * Pool `pool`'s notes at reading `k` from `keys` (the book's keys, or a what-if's
 * `keysAfterTrades`, in the book's key order): `poolNotes` of each key's flags, the
 * worst-case-bucket note of the first key with the highest worst case (`poolWorstCase`; the
 * book's pools are never joint).
 */
export function bookPoolNotes(
  book: BookReadings,
  keys: readonly BookKey[],
  pool: number,
  k: number,
): string[] {
  const flags: KeyNoteFlags[] = [];
  let worstKey: WorstCase | undefined;
  for (const key of keys) {
    if (key.pool !== pool) continue;
    const f = keyFlags(book, key, k);
    flags.push(f.flags);
    if (!worstKey || f.worst.worstCase > worstKey.worstCase) worstKey = f.worst;
  }
  return poolNotes(flags, worstKey !== undefined && worstBucketNote(worstKey), false);
}
