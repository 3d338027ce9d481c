/**
 * The pools of an account that hold collateral and no position (margin/book.ts
 * `settlementPools`: a currency whose balances sum to non-zero is a pool even without a
 * position settling in it). The kernels form an account's pools from its vector keys; this
 * adds, after them, every table pool where the account's collateral is non-zero and no key
 * is, keeping `poolList` ascending (the order of `evaluate`'s pools). Such a pool has no
 * scenario, roll or delta term:
 *
 *   rmm = round(0) + 0 + 0 = 0,   IM = round(0 + open orders + MMP + spot)   (`poolIm`),
 *   MM = mm_factor · 0 = 0,   equity = collateral,   no worst key or cell (−1).
 *
 * The account inputs are per pool currency, the same in every reading, so a pool with no key
 * is the same in every hypothesis reading (reading-tables.ts adds it after the maxima).
 */
import type { AccountBook } from './account-book.ts';
import type { InstrumentTable } from './instrument-table.ts';

/** The per-pool scratch the kernels share (a `BatchScratch` of deribit-pm-batch.ts). */
export interface PoolScratch {
  readonly poolList: Int32Array;
  readonly poolIm: Float64Array;
  readonly poolMm: Float64Array;
  readonly poolEq: Float64Array;
  readonly poolWorstKey: Int32Array;
  readonly poolCell: Int32Array;
}

/** A pool's IM from its `rmm` (deribit-pm-batch.ts `poolIm`). */
export type PoolImOf = (t: InstrumentTable, p: number, rmm: number) => number;

/**
 * Adds account `a`'s collateral-only pools to the `n` pools in `s.poolList` (module doc);
 * returns the new pool count. O(pools²) per account, pools ≤ a handful.
 */
export function addCashPools(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: PoolScratch,
  n: number,
  poolIm: PoolImOf,
): number {
  const nP = t.pools.currencies.length;
  if (n === nP) return n; // every pool has a key already
  const base = a * nP;
  let total = n;
  for (let p = 0; p < nP; p++) {
    const collateral = book.collateral[base + p]!;
    if (collateral === 0 || listed(s.poolList, total, p)) continue;
    let i = total;
    while (i > 0 && s.poolList[i - 1]! > p) {
      s.poolList[i] = s.poolList[i - 1]!;
      i--;
    }
    s.poolList[i] = p;
    total++;
    s.poolIm[p] = poolIm(t, p, 0);
    s.poolMm[p] = t.rules.mmFactor * 0;
    s.poolEq[p] = collateral;
    s.poolWorstKey[p] = -1;
    s.poolCell[p] = -1;
  }
  return total;
}

function listed(list: Int32Array, n: number, p: number): boolean {
  for (let x = 0; x < n; x++) if (list[x] === p) return true;
  return false;
}

/**
 * Whether account `a` holds non-zero collateral in a pool other than `p` (a one-key account
 * that has a collateral-only pool too: not a one-pool account).
 */
export function hasCashPool(t: InstrumentTable, book: AccountBook, a: number, p: number): boolean {
  const nP = t.pools.currencies.length;
  if (nP === 1) return false;
  const base = a * nP;
  for (let q = 0; q < nP; q++) if (q !== p && book.collateral[base + q] !== 0) return true;
  return false;
}
