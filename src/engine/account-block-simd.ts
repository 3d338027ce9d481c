/**
 * The memory of the pinned kernel's one-key account pipeline in WebAssembly
 * (key-vectors-simd.wat `marginBlock`): for a block of accounts whose positions all have one
 * vector key (the synthetic books' shape, and most real accounts), the module does the key
 * vector (the SIMD cell loop), the position sums (delta sums, roll terms, option expiry
 * groups, pool value), the roll shock, the worst case with the dampener, the gain offset
 * and cap and the §9 tie-break, and, for a one-pool account, the finish: delta shock (H1 or
 * none), rounding, IM/MM, utilization and health state. deribit-pm-batch.ts `marginBlocks`
 * copies the results out, finishes in JavaScript an account the module marks (H2, a value
 * off the fast rounding path, a non-finite amount, collateral in another pool) and runs the
 * JavaScript pipeline (the reference) for every other account. The same operations in the
 * same order as the JavaScript kernel, so the same bits (test/engine/account-block-simd.test.ts).
 *
 * Layout, after the unit table in the instance's memory (`bindSimdTable`'s extra room): a
 * header of byte offsets, the table's per-row records (64 B: f64 deltaCoin, deltaRoll,
 * rollMove, value, price; i32 kind, key, group), per-key records (128 B: f64 pnlOffset,
 * gainCap, usdScale; i32 first and end option group; f64 index, delta threshold, max delta
 * shock, mInc; i32 pool), per-pool records (32 B: f64 open orders, MMP, spot), the dampener
 * allowances, the groups' roll moves and deltas, per cell the extended flag and mask, the
 * middle cell and the aggregated value, the health rules, the f64 parameters, the
 * per-account outputs and the block's collateral, entry prices and position pointers. All of
 * it is rewritten at each bind: a tick may have re-priced the table in place.
 */
import type { AccountBook } from './account-book.ts';
import type { InstrumentTable } from './instrument-table.ts';
import { STAGE_POSITIONS, type SimdKeyVectors } from './key-vectors-simd.ts';
import { healthRuleTable } from './health-state.ts';
import { roundDecimalsScale } from '../margin/deribit-pm/params.ts';

/** Most accounts in one `marginBlock` call (the output arrays' length). */
export const BLOCK_ACCOUNTS = 2048;
const ROW_RECORD = 64;
const KEY_RECORD = 128;
const POOL_RECORD = 32;
const RULE_RECORD = 32;
const HEADER_WORDS = 28;
const OUT_FIELDS = 10;
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
/** Outputs of an account the module finished (state ≥ 0): equity, IM, MM (pool currency). */
export const OUT_EQUITY = 6;
export const OUT_IM = 7;
export const OUT_MM = 8;
/** Output: utilization IM / equity (margin-result.ts `utilization`). */
export const OUT_UTIL = 9;

/** Byte offsets of one bind's layout (absolute addresses in the instance's memory). */
export interface AccountBlock {
  readonly header: number;
  readonly rec: number;
  readonly keyRec: number;
  readonly poolRec: number;
  readonly allow: number;
  readonly gMove: number;
  readonly gDelta: number;
  readonly ext: number;
  readonly extMask: number;
  readonly mid: number;
  readonly agg: number;
  readonly rules: number;
  readonly params: number;
  readonly outKey: number;
  readonly outCell: number;
  readonly outState: number;
  readonly outPool: number;
  readonly outF: number;
  readonly collateral: number;
  readonly entries: number;
  readonly ptr: number;
  readonly end: number;
  /** Pools per account (the table's pool currencies). */
  readonly nP: number;
  /** Views of the outputs and staging arrays (renewed when the memory grows). */
  view: BlockViews;
}

/** Typed views of a block's outputs and staging arrays. */
export interface BlockViews {
  readonly buffer: ArrayBuffer;
  /** Key of each account of the block, −1 for the JavaScript path. */
  readonly key: Int32Array;
  readonly cell: Int32Array;
  /** Health state of an account the module finished, −1 to finish it in JavaScript. */
  readonly state: Int32Array;
  /** Pool of an account the module finished (the result's currency). */
  readonly pool: Int32Array;
  /** `out[field · BLOCK_ACCOUNTS + i]`, fields `OUT_*`. */
  readonly out: Float64Array;
  /** The block's collateral, `collateral[i · pools + p]`. */
  readonly collateral: Float64Array;
  readonly entries: Float64Array;
  readonly ptr: Int32Array;
}

/** Byte offsets of a layout (an `AccountBlock` without its views). */
export type Layout = Omit<AccountBlock, 'view'>;

/** The layout for table `t` from byte `base` on (exported for the tests). */
export function accountBlockLayout(t: InstrumentTable, base: number): Layout {
  let at = base;
  const take = (bytes: number): number => {
    const o = at;
    at = Math.ceil((at + bytes) / 16) * 16;
    return o;
  };
  // row records on cache lines (one line per row)
  const take64 = (bytes: number): number => {
    at = Math.ceil(at / 64) * 64;
    return take(bytes);
  };
  const nC = t.rows.nCells;
  const nK = t.keys.names.length;
  const nG = t.keys.groupMove.length;
  const nP = t.pools.currencies.length;
  return {
    header: take(HEADER_WORDS * 4),
    rec: take64(t.rows.nRows * ROW_RECORD),
    keyRec: take(nK * KEY_RECORD),
    poolRec: take(nP * POOL_RECORD),
    allow: take(nK * nC * 8),
    gMove: take(nG * 8),
    gDelta: take(nG * 8),
    ext: take(nC * 4),
    extMask: take(nC * 8),
    mid: take(nC * 4),
    agg: take(nC * 8),
    rules: take(healthRuleTable().value.length * RULE_RECORD),
    params: take(2 * 8),
    outKey: take(BLOCK_ACCOUNTS * 4),
    outCell: take(BLOCK_ACCOUNTS * 4),
    outState: take(BLOCK_ACCOUNTS * 4),
    outPool: take(BLOCK_ACCOUNTS * 4),
    outF: take(OUT_FIELDS * BLOCK_ACCOUNTS * 8),
    collateral: take(BLOCK_ACCOUNTS * nP * 8),
    entries: take(STAGE_POSITIONS * 8),
    ptr: take((BLOCK_ACCOUNTS + 1) * 4),
    end: at,
    nP,
  };
}

/**
 * Bytes `bindAccountBlock` needs after the unit table (`simdFor`'s `extraBytes`): the layout
 * from an aligned base plus 64, the most the row records' line alignment adds at another base.
 */
export function accountBlockBytes(t: InstrumentTable): number {
  return accountBlockLayout(t, 0).end + 64;
}

/**
 * The module's flags for table `t`: 1 per-expiry roll, 2 sign-aware dampener gains, 4 gain cap
 * before offset, 8 H1 delta shock, 16 no delta shock, 32 finish in the module (H1 or no delta
 * shock, and rounding decimals on `roundDecimalsFast`'s fast path).
 */
function flagsOf(t: InstrumentTable): number {
  const r = t.rules;
  const finish =
    (r.deltaShock === 'H1' || r.deltaShock === 'off') &&
    roundDecimalsScale(r.roundingDecimals) !== undefined;
  return (
    (r.perExpiry ? 1 : 0) |
    (r.dampenerGainsSignAware ? 2 : 0) |
    (r.capBeforeOffset ? 4 : 0) |
    (r.deltaShock === 'H1' ? 8 : 0) |
    (r.deltaShock === 'off' ? 16 : 0) |
    (finish ? 32 : 0)
  );
}

/** Writes table `t`'s layout, header and records into `w` (bound with `accountBlockBytes`). */
export function bindAccountBlock(w: SimdKeyVectors, t: InstrumentTable): AccountBlock {
  const l = accountBlockLayout(t, w.extraOff);
  const buf = w.memory.buffer;
  const r = t.rules;
  const nC = t.rows.nCells;
  const rules = healthRuleTable();
  new Int32Array(buf, l.header, HEADER_WORDS).set([
    w.unitOff,
    nC,
    w.rowsOff,
    w.sizesOff,
    l.entries,
    l.ptr,
    l.rec,
    l.keyRec,
    l.allow,
    l.gMove,
    l.gDelta,
    l.collateral,
    l.ext,
    l.mid,
    l.agg,
    l.outKey,
    l.outCell,
    l.outF,
    BLOCK_ACCOUNTS,
    flagsOf(t),
    l.poolRec,
    l.extMask,
    l.nP,
    l.rules,
    rules.value.length,
    l.params,
    l.outState,
    l.outPool,
  ]);
  writeRecords(buf, l, t);
  writeRules(buf, l, rules);
  new Float64Array(buf, l.params, 2).set([roundDecimalsScale(r.roundingDecimals) ?? 0, r.mmFactor]);
  const nG = t.keys.groupMove.length;
  new Float64Array(buf, l.allow, t.keys.allowance.length).set(t.keys.allowance);
  new Float64Array(buf, l.gMove, nG).set(t.keys.groupMove);
  new Float64Array(buf, l.gDelta, nG).fill(0);
  new Int32Array(buf, l.ext, nC).set(r.extended);
  const mask = new Int32Array(buf, l.extMask, 2 * nC);
  r.extended.forEach((e, c) => mask.fill(e === 1 ? -1 : 0, 2 * c, 2 * c + 2));
  new Int32Array(buf, l.mid, nC).set(r.middle);
  return { ...l, view: blockViews(buf, l) };
}

/** The per-row records. */
function writeRecords(buf: ArrayBuffer, l: Layout, t: InstrumentTable): void {
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
  writeKeyRecords(buf, l, t);
}

/** The per-key and per-pool records. */
function writeKeyRecords(buf: ArrayBuffer, l: Layout, t: InstrumentTable): void {
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
    kf[o + 4] = K.index[k]!;
    kf[o + 5] = K.deltaThreshold[k]!;
    kf[o + 6] = K.maxDeltaShock[k]!;
    kf[o + 7] = K.mInc[k]!;
    ki[2 * o + 16] = K.pool[k]!;
  }
  const P = t.pools;
  const pf = new Float64Array(buf, l.poolRec, l.nP * (POOL_RECORD / 8));
  for (let p = 0; p < l.nP; p++) {
    const o = p * (POOL_RECORD / 8);
    pf[o] = P.openOrders[p]!;
    pf[o + 1] = P.mmp[p]!;
    pf[o + 2] = P.spot[p]!;
  }
}

/** The health rules (health-state.ts `healthRuleTable`), 32 B each. */
function writeRules(buf: ArrayBuffer, l: Layout, rules: ReturnType<typeof healthRuleTable>): void {
  const n = rules.value.length;
  const f = new Float64Array(buf, l.rules, n * (RULE_RECORD / 8));
  const i = new Int32Array(buf, l.rules, n * (RULE_RECORD / 4));
  for (let x = 0; x < n; x++) {
    f[x * 4] = rules.value[x]!;
    i[x * 8 + 2] = rules.metric[x]!;
    i[x * 8 + 3] = rules.op[x]!;
    i[x * 8 + 4] = rules.state[x]!;
  }
}

function blockViews(buffer: ArrayBuffer, l: Layout): BlockViews {
  return {
    buffer,
    key: new Int32Array(buffer, l.outKey, BLOCK_ACCOUNTS),
    cell: new Int32Array(buffer, l.outCell, BLOCK_ACCOUNTS),
    state: new Int32Array(buffer, l.outState, BLOCK_ACCOUNTS),
    pool: new Int32Array(buffer, l.outPool, BLOCK_ACCOUNTS),
    out: new Float64Array(buffer, l.outF, OUT_FIELDS * BLOCK_ACCOUNTS),
    collateral: new Float64Array(buffer, l.collateral, BLOCK_ACCOUNTS * l.nP),
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
 * prices, position pointers and collateral in the block. Returns `a1`; `a0` when account `a0` alone does
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
  v.collateral.set(book.collateral.subarray(a0 * b.nP, a1 * b.nP));
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
    for (let p = 0; p < b.nP; p++)
      v.collateral[(i - i0) * b.nP + p] = book.collateral[a * b.nP + p]!;
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
