/**
 * The memory of the pinned kernel's one-key account pipeline in WebAssembly
 * (key-vectors-simd.wat `marginBlock`): for a block of accounts whose positions all have one
 * vector key (the synthetic books' shape, and most real accounts), the module does the key
 * vector (the SIMD cell loop), the position sums (delta sums, roll terms, option expiry
 * groups, pool value), the roll shock, and the worst case with the dampener, the gain offset
 * and cap and the §9 tie-break; deribit-pm-batch.ts `marginBlocks` finishes each account in
 * JavaScript (delta shock, `roundFast`, IM/MM, health state) and runs the JavaScript pipeline
 * (the reference) for every other account. The same operations in the same order as the
 * JavaScript kernel, so the same bits (test/engine/account-block-simd.test.ts).
 *
 * Layout, after the unit table in the instance's memory (`bindSimdTable`'s extra room): a
 * header of byte offsets, the table's per-row records (64 B: f64 deltaCoin, deltaRoll,
 * rollMove, value, price; i32 kind, key, group), per-key records (32 B: f64 pnlOffset,
 * gainCap, usdScale; i32 first and end option group), the dampener allowances, the groups'
 * roll moves, deltas, touched flags and touched list, per cell the extended flag and mask, the middle cell and the
 * aggregated value, the per-account outputs and the block's entry prices and position
 * pointers. All of it is rewritten at each bind: a tick may have re-priced the table in place.
 */
import type { AccountBook } from './account-book.ts';
import type { InstrumentTable } from './instrument-table.ts';
import { STAGE_POSITIONS, type SimdKeyVectors } from './key-vectors-simd.ts';

/** Most accounts in one `marginBlock` call (the output arrays' length). */
export const BLOCK_ACCOUNTS = 2048;
const ROW_RECORD = 64;
const KEY_RECORD = 32;
const HEADER_WORDS = 22;
/** Output amount of a one-key account: the pool's worst case `0 + keyWorst` (pool currency). */
export const OUT_WC = 0;
/** Output: the roll shock `0 + keyRoll` (pool currency). */
export const OUT_ROLL = 1;
/** Output: the key's delta total Σ size · deltaCoin (coin, H1). */
export const OUT_TOTAL = 2;
/** Output: the delta of the futures, perpetuals, spot and short options (coin, H2). */
export const OUT_SHORT = 3;
/** Output: the delta of the long options (coin, H2). */
export const OUT_LONG = 4;
/** Output: the marked value of the positions (pool currency; equity = collateral + value). */
export const OUT_VALUE = 5;

/** Byte offsets of one bind's layout (absolute addresses in the instance's memory). */
export interface AccountBlock {
  readonly header: number;
  readonly rec: number;
  readonly keyRec: number;
  readonly allow: number;
  readonly gMove: number;
  readonly gDelta: number;
  readonly gTouched: number;
  readonly gList: number;
  readonly ext: number;
  readonly extMask: number;
  readonly mid: number;
  readonly agg: number;
  readonly outKey: number;
  readonly outCell: number;
  readonly outF: number;
  readonly entries: number;
  readonly ptr: number;
  readonly end: number;
  /** Views of the outputs and staging arrays (renewed when the memory grows). */
  view: BlockViews;
}

/** Typed views of a block's outputs and staging arrays. */
export interface BlockViews {
  readonly buffer: ArrayBuffer;
  /** Key of each account of the block, −1 for the JavaScript path. */
  readonly key: Int32Array;
  readonly cell: Int32Array;
  /** `out[field · BLOCK_ACCOUNTS + i]`, fields `OUT_*`. */
  readonly out: Float64Array;
  readonly entries: Float64Array;
  readonly ptr: Int32Array;
}

/** The layout for table `t` from byte `base` on. */
function layout(t: InstrumentTable, base: number): Omit<AccountBlock, 'view'> {
  let at = base;
  const take = (bytes: number): number => {
    const o = at;
    at = Math.ceil((at + bytes) / 16) * 16;
    return o;
  };
  const nC = t.rows.nCells;
  const nK = t.keys.names.length;
  const nG = t.keys.groupMove.length;
  return {
    header: take(HEADER_WORDS * 4),
    rec: take(t.rows.nRows * ROW_RECORD),
    keyRec: take(nK * KEY_RECORD),
    allow: take(nK * nC * 8),
    gMove: take(nG * 8),
    gDelta: take(nG * 8),
    gTouched: take(nG * 4),
    gList: take((nG + 1) * 4),
    ext: take(nC * 4),
    extMask: take(nC * 8),
    mid: take(nC * 4),
    agg: take(nC * 8),
    outKey: take(BLOCK_ACCOUNTS * 4),
    outCell: take(BLOCK_ACCOUNTS * 4),
    outF: take(6 * BLOCK_ACCOUNTS * 8),
    entries: take(STAGE_POSITIONS * 8),
    ptr: take((BLOCK_ACCOUNTS + 1) * 4),
    end: at,
  };
}

/** Bytes `bindAccountBlock` needs after the unit table (`simdFor`'s `extraBytes`). */
export function accountBlockBytes(t: InstrumentTable): number {
  const l = layout(t, 0);
  return l.end;
}

/** Writes table `t`'s layout, header and records into `w` (bound with `accountBlockBytes`). */
export function bindAccountBlock(w: SimdKeyVectors, t: InstrumentTable): AccountBlock {
  const l = layout(t, w.extraOff);
  const buf = w.memory.buffer;
  const r = t.rules;
  const flags =
    (r.perExpiry ? 1 : 0) | (r.dampenerGainsSignAware ? 2 : 0) | (r.capBeforeOffset ? 4 : 0);
  new Int32Array(buf, l.header, HEADER_WORDS).set([
    w.unitOff,
    t.rows.nCells,
    w.rowsOff,
    w.sizesOff,
    l.entries,
    l.ptr,
    l.rec,
    l.keyRec,
    l.allow,
    l.gMove,
    l.gDelta,
    l.gTouched,
    l.ext,
    l.mid,
    l.agg,
    l.outKey,
    l.outCell,
    l.outF,
    BLOCK_ACCOUNTS,
    flags,
    l.gList,
    l.extMask,
  ]);
  writeRecords(buf, l, t);
  const nG = t.keys.groupMove.length;
  new Float64Array(buf, l.allow, t.keys.allowance.length).set(t.keys.allowance);
  new Float64Array(buf, l.gMove, nG).set(t.keys.groupMove);
  new Float64Array(buf, l.gDelta, nG).fill(0);
  new Int32Array(buf, l.ext, t.rows.nCells).set(r.extended);
  const mask = new Int32Array(buf, l.extMask, 2 * t.rows.nCells);
  r.extended.forEach((e, c) => mask.fill(e === 1 ? -1 : 0, 2 * c, 2 * c + 2));
  new Int32Array(buf, l.mid, t.rows.nCells).set(r.middle);
  return { ...l, view: blockViews(buf, l) };
}

/** The per-row and per-key records. */
function writeRecords(buf: ArrayBuffer, l: Omit<AccountBlock, 'view'>, t: InstrumentTable): void {
  const R = t.rows;
  const f = new Float64Array(buf, l.rec, R.nRows * (ROW_RECORD / 8));
  const n = new Int32Array(buf, l.rec, R.nRows * (ROW_RECORD / 4));
  for (let r = 0; r < R.nRows; r++) {
    const o = r * (ROW_RECORD / 8);
    f[o] = R.deltaCoin[r]!;
    f[o + 1] = R.deltaRoll[r]!;
    f[o + 2] = R.rollMove[r]!;
    f[o + 3] = R.value[r]!;
    f[o + 4] = R.price[r]!;
    n[2 * o + 10] = R.kind[r]!;
    n[2 * o + 11] = R.key[r]!;
    n[2 * o + 12] = R.group[r]!;
  }
  const K = t.keys;
  const nK = K.names.length;
  const kf = new Float64Array(buf, l.keyRec, nK * (KEY_RECORD / 8));
  const ki = new Int32Array(buf, l.keyRec, nK * (KEY_RECORD / 4));
  for (let k = 0; k < nK; k++) {
    const o = k * (KEY_RECORD / 8);
    kf[o] = K.pnlOffset[k]!;
    kf[o + 1] = K.gainCap[k]!;
    kf[o + 2] = K.usdScale[k]!;
    ki[2 * o + 6] = K.groupStart[k]!;
    ki[2 * o + 7] = K.groupStart[k + 1]!;
  }
}

function blockViews(buffer: ArrayBuffer, l: Omit<AccountBlock, 'view'>): BlockViews {
  return {
    buffer,
    key: new Int32Array(buffer, l.outKey, BLOCK_ACCOUNTS),
    cell: new Int32Array(buffer, l.outCell, BLOCK_ACCOUNTS),
    out: new Float64Array(buffer, l.outF, 6 * BLOCK_ACCOUNTS),
    entries: new Float64Array(buffer, l.entries, STAGE_POSITIONS),
    ptr: new Int32Array(buffer, l.ptr, BLOCK_ACCOUNTS + 1),
  };
}

/** The block's views over the current memory (renewed if it has grown since). */
export function accountBlockViews(w: SimdKeyVectors, b: AccountBlock): BlockViews {
  if (b.view.buffer !== w.memory.buffer) b.view = blockViews(w.memory.buffer, b);
  return b.view;
}

/**
 * Stages accounts `a0 ≤ a < a1` (as many as fit the window and the block, up to `to`): rows
 * and sizes in the staging window (so the JavaScript path finds them resident too), entry
 * prices and position pointers in the block. Returns `a1`; `a0` when account `a0` alone does
 * not fit (the caller margins it on the JavaScript path). With `list`, `a0..to` index the
 * list and each listed account's positions are copied one after the other (the window then
 * holds no book range: the JavaScript path stages its accounts itself).
 */
export function stageAccountBlock(
  w: SimdKeyVectors,
  b: AccountBlock,
  book: AccountBook,
  a0: number,
  to: number,
  list?: Int32Array,
): number {
  if (list) return stageListBlock(w, b, book, a0, to, list);
  const ptr = book.ptr;
  const j0 = ptr[a0]!;
  const cap = Math.min(w.stageCap, STAGE_POSITIONS);
  const lim = Math.min(to, a0 + BLOCK_ACCOUNTS);
  let a1 = a0;
  while (a1 < lim && ptr[a1 + 1]! - j0 <= cap) a1++;
  if (a1 === a0) return a0;
  const j1 = ptr[a1]!;
  const v = accountBlockViews(w, b);
  w.rows.set(book.row.subarray(j0, j1));
  w.sizes.set(book.size.subarray(j0, j1));
  v.entries.set(book.entry.subarray(j0, j1));
  for (let a = a0; a <= a1; a++) v.ptr[a - a0] = ptr[a]! - j0;
  w.stagedFrom = j0;
  w.stagedTo = j1;
  return a1;
}

/** `stageAccountBlock` for accounts `list[i0..)`: element copies, account after account. */
function stageListBlock(
  w: SimdKeyVectors,
  b: AccountBlock,
  book: AccountBook,
  i0: number,
  to: number,
  list: Int32Array,
): number {
  const { ptr, row, size, entry } = book;
  const cap = Math.min(w.stageCap, STAGE_POSITIONS);
  const lim = Math.min(to, i0 + BLOCK_ACCOUNTS);
  const v = accountBlockViews(w, b);
  const { rows, sizes } = w;
  let n = 0;
  let i = i0;
  for (; i < lim; i++) {
    const a = list[i]!;
    const j0 = ptr[a]!;
    const j1 = ptr[a + 1]!;
    if (n + j1 - j0 > cap) break;
    v.ptr[i - i0] = n;
    for (let j = j0; j < j1; j++, n++) {
      rows[n] = row[j]!;
      sizes[n] = size[j]!;
      v.entries[n] = entry[j]!;
    }
  }
  v.ptr[i - i0] = n;
  w.stagedFrom = 0;
  w.stagedTo = 0;
  return i;
}
