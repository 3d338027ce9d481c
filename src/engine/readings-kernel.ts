/**
 * One account over every hypothesis reading it can move, sharing the work between readings
 * (engine/reading-tables.ts decides when this applies; engine/reading-columns.ts holds the
 * shared cell columns). The result is the per-pool maximum of `IM_k` and of `MM_k` over the
 * readings k, exactly as evaluating each reading's table with the kernel (deribit-pm-batch.ts)
 * and keeping the maxima in reading order, with three kinds of sharing:
 *
 * 1. One pass over the positions accumulates `Σ size · column` for each distinct cell column
 *    of all the priced tables (`pre[k·D + d]`), plus what no row rule moves: the roll sums of
 *    both `rollShockOptions` readings (per instrument: every position in order; per expiry:
 *    futures and perpetuals in order, then the option groups), the delta-shock sums, the pool
 *    values. Each sum is the same additions in the same order as in the table's own pass, so
 *    the same bits.
 * 2. Per priced table, the key worst cases (dampener, gain offset, §9 tie-break) and the pool
 *    worst case read that table's columns through `colOf`: once per priced table, not per view.
 * 3. Per view (reading) of a priced table, only `IM = round(round(wc) + roll + delta + inputs)`
 *    and `MM = mm_factor · rmm` per pool, with the roll of the view's `rollShockOptions` and the
 *    delta shock of its `deltaShock` (H1/H2 each computed once per account, when a view needs it).
 *
 * No allocation per account (except H2's result object when the delta shock can charge).
 */
import type { AccountBook } from './account-book.ts';
import { addKeyVectors } from './key-vectors.ts';
import { addKeyVectorsSimd, type SimdKeyVectors } from './key-vectors-simd.ts';
import {
  dampen,
  deltaShockOf,
  poolIm,
  poolRmm,
  poolWorst,
  positionSums,
  sortKeys,
  type BatchScratch,
} from './deribit-pm-batch.ts';
import type { InstrumentTable } from './instrument-table.ts';
import type { ReadingColumns } from './reading-columns.ts';

/** Per-pool maxima and shared-readings scratch (reused across accounts). */
export interface MaxScratch {
  readonly im: Float64Array;
  readonly mm: Float64Array;
  readonly key: Int32Array;
  readonly cell: Int32Array;
  /** Per key: gross USD notional (accountNeeds). */
  readonly gross: Float64Array;
  /** Per key, `pre[k·cap + d]`: the account's sum over distinct column d. */
  readonly pre: Float64Array;
  /** Per key: roll sum of every position (per-instrument reading) / of non-options only. */
  readonly rollAll: Float64Array;
  readonly rollD1: Float64Array;
  /** Per pool: roll per reading (per-expiry, per-instrument), delta shock per mode. */
  readonly rollPe: Float64Array;
  readonly rollPi: Float64Array;
  readonly deltaH1: Float64Array;
  readonly deltaH2: Float64Array;
  /** Per pool: worst case of the current priced table. */
  readonly wc: Float64Array;
  /** Per key, `val[k·cap + u]`: the aggregated value of distinct (cell, column) pair u. */
  readonly val: Float64Array;
}

/** Scratch for tables shaped like `t` with `cap` columns at most per key. */
export function maxScratch(t: InstrumentTable, cap: number): MaxScratch {
  const nP = t.pools.currencies.length;
  const nK = t.keys.names.length;
  return {
    im: new Float64Array(nP),
    mm: new Float64Array(nP),
    key: new Int32Array(nP),
    cell: new Int32Array(nP),
    gross: new Float64Array(nK),
    pre: new Float64Array(nK * Math.max(cap, 1)),
    rollAll: new Float64Array(nK),
    rollD1: new Float64Array(nK),
    rollPe: new Float64Array(nP),
    rollPi: new Float64Array(nP),
    deltaH1: new Float64Array(nP),
    deltaH2: new Float64Array(nP),
    wc: new Float64Array(nP),
    val: new Float64Array(nK * Math.max(cap, 1)),
  };
}

/**
 * Account `a` over the readings whose `needs` bits are within `needs` (see module doc): the
 * per-pool maxima in `m`, `s.poolEq` set; returns the pool count (pools in `s.poolList`), −1
 * if some reading's amounts are not finite. `tables[k]` is reading k's table; `h2`: whether
 * one of those readings charges the H2 delta shock. `w`: the SIMD cell loop bound to
 * `rc.cols` (key vectors in `w.pre`, positions staged up to `ahead`), or null for JS (`m.pre`).
 */
export function accountMaxShared(
  tables: readonly InstrumentTable[],
  readingNeeds: Int32Array,
  rc: ReadingColumns,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  m: MaxScratch,
  needs: number,
  h2: boolean,
  w: SimdKeyVectors | null = null,
  ahead = 0,
): number {
  const t0 = tables[0]!;
  const D = rc.meta[0]!;
  const nKeys = w
    ? addKeyVectorsSimd(w, t0.rows.key, book, a, ahead, s.keyTouched, s.keyList, 0)
    : addKeyVectors(
        m.pre,
        rc.cols,
        D,
        t0.rows.key,
        book.row,
        book.size,
        book.ptr[a]!,
        book.ptr[a + 1]!,
        s.keyTouched,
        s.keyList,
        0,
      );
  positionSums(t0, book, a, s, nKeys, m.rollAll, m.rollD1);
  sortKeys(s.keyList, nKeys);
  const nPools = poolInputs(t0, book, a, s, m, nKeys, h2);
  pairValues(t0, s, m, rc, D, nKeys, w ? w.pre : m.pre);
  let ok = true;
  let first = true;
  for (let i = 0; i < rc.priced.length && ok; i++) {
    const v0 = rc.viewStart[i]!;
    const v1 = rc.viewStart[i + 1]!;
    let any = false;
    for (let v = v0; v < v1; v++) if ((readingNeeds[v]! & ~needs) === 0) any = true;
    if (!any) continue;
    keyWorstShared(t0, s, m, rc.itemOf, i * t0.rows.nCells, nKeys);
    poolWorsts(t0, s, m, nKeys);
    for (let v = v0; v < v1 && ok; v++) {
      if ((readingNeeds[v]! & ~needs) !== 0) continue;
      ok = viewMax(tables[v]!, s, m, nPools, first);
      first = false;
    }
  }
  release(t0, s, nKeys);
  return ok ? nPools : -1;
}

/**
 * Per pool, what no row rule moves: equity, the roll of each `rollShockOptions` reading and
 * the delta shock of H1 and, when `h2`, of H2 (summed over the pool's keys in key order, as
 * `poolAmounts`). Returns the pool count (pools in `s.poolList`).
 */
function poolInputs(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  m: MaxScratch,
  nKeys: number,
  h2: boolean,
): number {
  const nP = t.pools.currencies.length;
  const { groupStart, groupMove, usdScale } = t.keys;
  let i = 0;
  let n = 0;
  while (i < nKeys) {
    const p = t.keys.pool[s.keyList[i]!]!;
    s.poolList[n++] = p;
    let pe = 0;
    let pi = 0;
    let d1 = 0;
    let d2 = 0;
    for (; i < nKeys && t.keys.pool[s.keyList[i]!] === p; i++) {
      const k = s.keyList[i]!;
      let amount = m.rollD1[k]!;
      for (let g = groupStart[k]!; g < groupStart[k + 1]!; g++)
        if (s.groupTouched[g] !== 0)
          amount += Math.abs(s.groupDelta[g]!) * groupMove[g]! * usdScale[k]!;
      pe += amount;
      pi += m.rollAll[k]!;
      d1 += deltaShockOf(t, s, k, 'H1');
      if (h2) d2 += deltaShockOf(t, s, k, 'H2');
    }
    m.rollPe[p] = pe;
    m.rollPi[p] = pi;
    m.deltaH1[p] = d1;
    m.deltaH2[p] = d2;
    s.poolEq[p] = book.collateral[a * nP + p]! + s.poolValue[p]!;
  }
  return n;
}

/**
 * Per key of the account, the aggregated value (§7.2 dampener on extended cells, §8 gain
 * offset and cap) of every distinct (cell, column) pair: `m.val[k·cap + u]`, computed once for
 * all priced tables (the kernel's `keyWorstCases` computes it per table and cell), from the
 * account's column sums `pre[k·D + d]`.
 */
function pairValues(
  t: InstrumentTable,
  s: BatchScratch,
  m: MaxScratch,
  rc: ReadingColumns,
  D: number,
  nKeys: number,
  pre: Float64Array,
): void {
  const nC = t.rows.nCells;
  const cap = rc.itemOf.length;
  const U = rc.meta[2]!;
  const Us = rc.meta[3]!;
  const signAware = t.rules.dampenerGainsSignAware;
  const before = t.rules.capBeforeOffset;
  const { pnlOffset, gainCap, allowance } = t.keys;
  const { itemCell, itemCol } = rc;
  const val = m.val;
  for (let i = 0; i < nKeys; i++) {
    const k = s.keyList[i]!;
    const ko = k * nC;
    const po = k * D;
    const vo = k * cap;
    const off = pnlOffset[k]!;
    const cap8 = gainCap[k]!;
    // Standard cells' pairs (no dampener), then the extended cells' (rc.meta[3] = first).
    for (let u = 0; u < Us; u++) {
      const x = pre[po + itemCol[u]!]!;
      val[vo + u] =
        x > 0 ? (before ? off * Math.min(x, cap8) : Math.min(off * x, cap8)) + 0 : x + 0;
    }
    for (let u = Us; u < U; u++) {
      const x = dampen(pre[po + itemCol[u]!]!, allowance[ko + itemCell[u]!]!, signAware);
      val[vo + u] =
        x > 0 ? (before ? off * Math.min(x, cap8) : Math.min(off * x, cap8)) + 0 : x + 0;
    }
  }
}

/**
 * The kernel's key worst case and cell (§9 tie-break) for priced table `base / nCells`, from
 * the pair values; the aggregated cells are written to `s.agg` only for joint pools [G].
 */
function keyWorstShared(
  t: InstrumentTable,
  s: BatchScratch,
  m: MaxScratch,
  itemOf: Int32Array,
  base: number,
  nKeys: number,
): void {
  const nC = t.rows.nCells;
  const cap = itemOf.length;
  const { extended, middle, joint } = t.rules;
  const { agg, keyList, keyCell, keyWorst } = s;
  const val = m.val;
  for (let i = 0; i < nKeys; i++) {
    const k = keyList[i]!;
    const vo = k * cap;
    let min = Infinity;
    let first = -1;
    for (let c = 0; c < nC; c++) {
      const v = val[vo + itemOf[base + c]!]!;
      if (v < min) {
        min = v;
        first = c;
      }
    }
    if (joint) for (let c = 0; c < nC; c++) agg[k * nC + c] = val[vo + itemOf[base + c]!]!;
    const mid = middle[first]!;
    keyCell[k] =
      mid >= 0 && val[vo + itemOf[base + mid]!] === min && extended[mid] === 0 ? mid : first;
    keyWorst[k] = Math.max(0, -min) + 0;
  }
}

/** Per pool of the account: the current priced table's worst case (`poolWorst`) into `m.wc`. */
function poolWorsts(t: InstrumentTable, s: BatchScratch, m: MaxScratch, nKeys: number): void {
  const nC = t.rows.nCells;
  let i = 0;
  while (i < nKeys) {
    const p = t.keys.pool[s.keyList[i]!]!;
    let j = i;
    while (j < nKeys && t.keys.pool[s.keyList[j]!] === p) j++;
    m.wc[p] = poolWorst(t, s, i, j, p, nC);
    i = j;
  }
}

/**
 * One view (reading) `tv`: per pool IM and MM (`poolRmm`, `poolIm`) from the current priced
 * table's worst case, the view's roll and delta shock; keeps the maxima (the first reading, or
 * strictly higher, sets IM with its worst key and cell). False if an amount is not finite.
 */
function viewMax(
  tv: InstrumentTable,
  s: BatchScratch,
  m: MaxScratch,
  nPools: number,
  first: boolean,
): boolean {
  const mode = tv.rules.deltaShock;
  for (let x = 0; x < nPools; x++) {
    const p = s.poolList[x]!;
    const roll = tv.rules.perExpiry ? m.rollPe[p]! : m.rollPi[p]!;
    const delta = mode === 'H1' ? m.deltaH1[p]! : mode === 'H2' ? m.deltaH2[p]! : 0;
    const wc = m.wc[p]!;
    if (!Number.isFinite(wc + roll + delta + s.poolEq[p]!)) return false;
    const rmm = poolRmm(tv, wc, roll, delta);
    const im = poolIm(tv, p, rmm);
    const mm = tv.rules.mmFactor * rmm;
    if (first || im > m.im[p]!) {
      m.im[p] = im;
      m.key[p] = s.poolWorstKey[p]!;
      m.cell[p] = s.poolCell[p]!;
    }
    if (first || mm > m.mm[p]!) m.mm[p] = mm;
  }
  return true;
}

/** Clears the account's touched keys, groups and pools (the kernel's invariant: all zero). */
function release(t: InstrumentTable, s: BatchScratch, nKeys: number): void {
  for (let i = 0; i < nKeys; i++) {
    const k = s.keyList[i]!;
    s.keyTouched[k] = 0;
    s.poolTouched[t.keys.pool[k]!] = 0;
    for (let g = t.keys.groupStart[k]!; g < t.keys.groupStart[k + 1]!; g++) s.groupTouched[g] = 0;
  }
}
