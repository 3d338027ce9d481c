/**
 * Batch Deribit PM margin: every account of an `AccountBook` against one instrument table,
 * with the full model of margin/deribit-pm (docs/methodology/deribit-pm.md): per vector key the
 * pre-aggregated vector `Σ size · unit row` (§7.1), the extended dampener and the gain offset
 * with its cap (§7.2, §8), the worst case with Deribit's tie-break (§9), per pool the sum of
 * key worst cases (or the joint vector, [G]), the roll shock (§10) and the delta shock (§11),
 * `IM = round9(round9(worst) + roll + delta + account inputs)`, `MM = mm_factor · rmm` (§12),
 * equity = collateral + marked positions; several pools combined in USD as `combinePools`.
 *
 * The arithmetic is done in the same order as `deribitPmModel.evaluate` (canonical symbol
 * order within a key, keys by underlying, pools by currency), so the amounts are the same
 * bits (test/engine/deribit-pm-batch.test.ts checks ≤ 1e-12 relative). No allocation per
 * account: all scratch lives in `BatchScratch`.
 */
import { roundDecimalsFast } from '../margin/deribit-pm/params.ts';
import { deltaShockH2 } from '../margin/deribit-pm/shocks.ts';
import { utilization } from '../margin/margin-result.ts';
import type { AccountBook } from './account-book.ts';
import {
  accountBlockBytes,
  accountBlockViews,
  bindAccountBlock,
  BLOCK_ACCOUNTS,
  OUT_EQUITY,
  OUT_IM,
  OUT_LONG,
  OUT_MM,
  OUT_ROLL,
  OUT_SHORT,
  OUT_TOTAL,
  OUT_UTIL,
  OUT_VALUE,
  OUT_WC,
  stageAccountBlock,
  type BlockViews,
} from './account-block-simd.ts';
import { addCashPools, hasCashPool } from './cash-pools.ts';
import { addKeyVectors } from './key-vectors.ts';
import {
  addKeyVectorsSimd,
  simdFor,
  type CellKernel,
  type CellLoop,
  type SimdKeyVectors,
} from './key-vectors-simd.ts';
import { healthState, STATE_ERROR, STATE_HEALTHY } from './health-state.ts';
import { ROW_INVERSE_D1, ROW_OPTION, ROW_SPOT, type InstrumentTable } from './instrument-table.ts';
import type { BatchResults } from './results.ts';

/** Per-worker scratch (reused for every account). */
export interface BatchScratch {
  readonly pre: Float64Array;
  readonly agg: Float64Array;
  readonly keyTouched: Uint8Array;
  readonly keyList: Int32Array;
  readonly roll: Float64Array;
  readonly total: Float64Array;
  readonly oneAndShort: Float64Array;
  readonly longOptions: Float64Array;
  readonly groupDelta: Float64Array;
  readonly groupTouched: Uint8Array;
  readonly poolTouched: Uint8Array;
  readonly poolValue: Float64Array;
  readonly joint: Float64Array;
  readonly poolIm: Float64Array;
  readonly poolMm: Float64Array;
  readonly poolEq: Float64Array;
  readonly poolWorstKey: Int32Array;
  /** Reported cell of the pool's worst case. */
  readonly poolCell: Int32Array;
  /** Pools of the current account, ascending. */
  readonly poolList: Int32Array;
  readonly keyWorst: Float64Array;
  readonly keyCell: Int32Array;
  /** The cell loop (JS or WebAssembly SIMD, key-vectors-simd.ts) and its instance. */
  readonly cells: CellLoop;
}

/**
 * Scratch sized for a table. `kernel`: the cell loop, `auto` (WebAssembly SIMD for calls of
 * at least `SIMD_MIN_ACCOUNTS` accounts when available), `js` or `wasm` (SIMD when available);
 * every choice gives the same bits.
 */
export function batchScratch(t: InstrumentTable, kernel: CellKernel = 'auto'): BatchScratch {
  const nK = t.keys.names.length;
  const nC = t.rows.nCells;
  const nP = t.pools.currencies.length;
  const nG = t.keys.groupMove.length;
  return {
    pre: new Float64Array(nK * nC),
    agg: new Float64Array(nK * nC),
    keyTouched: new Uint8Array(nK),
    keyList: new Int32Array(nK),
    roll: new Float64Array(nK),
    total: new Float64Array(nK),
    oneAndShort: new Float64Array(nK),
    longOptions: new Float64Array(nK),
    groupDelta: new Float64Array(nG),
    groupTouched: new Uint8Array(nG),
    poolTouched: new Uint8Array(nP),
    poolValue: new Float64Array(nP),
    joint: new Float64Array(nP * nC),
    poolIm: new Float64Array(nP),
    poolMm: new Float64Array(nP),
    poolEq: new Float64Array(nP),
    poolWorstKey: new Int32Array(nP),
    poolCell: new Int32Array(nP),
    poolList: new Int32Array(nP),
    keyWorst: new Float64Array(nK),
    keyCell: new Int32Array(nK),
    cells: { kernel, simd: undefined },
  };
}

/**
 * Margins accounts `from` ≤ a < `to` (or `list[from..to)` when a list of account indices is
 * given); writes `results`. Returns the number margined. With the WebAssembly SIMD loop,
 * one-key accounts go through the module's account pipeline (`marginBlocks`); every other
 * account, and every account with the `js` kernel, through the JavaScript pipeline
 * (`marginAccount`, the reference). The same bits either way.
 */
export function marginAccounts(
  t: InstrumentTable,
  book: AccountBook,
  results: BatchResults,
  from: number,
  to: number,
  s: BatchScratch = batchScratch(t),
  list?: Int32Array,
): number {
  const anyErrors = book.errors.size > 0;
  const R = t.rows;
  const extra = accountBlockBytes(t);
  const w = simdFor(s.cells, to - from, R.unit, R.nCells, t.keys.names.length, extra);
  if (w) return marginBlocks(t, book, results, from, to, s, w, list);
  for (let i = from; i < to; i++) {
    const a = list ? list[i]! : i;
    if (anyErrors && book.errors.has(a)) {
      results.state[a] = STATE_ERROR;
      continue;
    }
    marginAccount(t, book, results, a, s, w, list ? 0 : book.ptr[to]!);
  }
  return to - from;
}

/** One account through the JavaScript pipeline (`w`, `ahead`: see `accumulate`). */
export function marginAccount(
  t: InstrumentTable,
  book: AccountBook,
  results: BatchResults,
  a: number,
  s: BatchScratch,
  w: SimdKeyVectors | null,
  ahead: number,
): void {
  const nKeys = accumulate(t, book, a, s, w, ahead);
  keyWorstCases(t, s, nKeys, w ? w.pre : s.pre);
  const nPools = poolAmounts(t, book, a, s, nKeys);
  if (nPools < 0) {
    results.state[a] = STATE_ERROR;
    return;
  }
  combine(t, s, results, a, addCashPools(t, book, a, s, nPools, poolIm));
}

/**
 * Accounts `from` ≤ a < `to` (or `list[from..to)`) in staged blocks (account-block-simd.ts):
 * the module margins each one-key, one-pool account to its results (`marginBlock`), copied
 * out by `copyOneKey`; one it marks (state −1: H2, rounding off the fast path, a non-finite
 * amount) is finished by `finishOneKey` from its worst case, roll and delta sums; accounts
 * the module leaves (no position, several keys or pools, a row in error, more positions than
 * the window) go through `marginAccount`.
 */
function marginBlocks(
  t: InstrumentTable,
  book: AccountBook,
  results: BatchResults,
  from: number,
  to: number,
  s: BatchScratch,
  w: SimdKeyVectors,
  list?: Int32Array,
): number {
  const anyErrors = book.errors.size > 0;
  const b = bindAccountBlock(w, t);
  const ahead = list ? 0 : book.ptr[to]!;
  let i0 = from;
  while (i0 < to) {
    const i1 = stageAccountBlock(w, b, book, i0, to, list);
    if (i1 === i0) {
      const a = list ? list[i0]! : i0;
      if (anyErrors && book.errors.has(a)) results.state[a] = STATE_ERROR;
      else marginAccount(t, book, results, a, s, w, ahead);
      i0++;
      continue;
    }
    const finished = w.marginBlock(b.header, i1 - i0);
    let v = accountBlockViews(w, b);
    if (finished === i1 - i0 && !list && !anyErrors) {
      copyBlock(results, v, i0, i1 - i0);
      i0 = i1;
      continue;
    }
    for (let i = i0; i < i1; i++) {
      const a = list ? list[i]! : i;
      if (anyErrors && book.errors.has(a)) {
        results.state[a] = STATE_ERROR;
        continue;
      }
      const k = v.key[i - i0]!;
      if (k >= 0 && v.state[i - i0]! >= 0) copyOneKey(t, results, a, k, v, i - i0);
      // a one-key account with collateral in another pool has two pools: the JS pipeline
      else if (k >= 0 && !hasCashPool(t, book, a, t.keys.pool[k]!))
        finishOneKey(t, book, results, a, k, v, i - i0);
      else {
        marginAccount(t, book, results, a, s, w, list || i1 === to ? ahead : book.ptr[i1]!);
        v = accountBlockViews(w, b);
      }
    }
    i0 = i1;
  }
  return to - from;
}

/** Accounts `a0 .. a0 + m` of a block the module finished whole (`v`): array copies. */
function copyBlock(res: BatchResults, v: BlockViews, a0: number, m: number): void {
  const B = BLOCK_ACCOUNTS;
  const out = v.out;
  res.equity.set(out.subarray(OUT_EQUITY * B, OUT_EQUITY * B + m), a0);
  res.initialMargin.set(out.subarray(OUT_IM * B, OUT_IM * B + m), a0);
  res.maintenanceMargin.set(out.subarray(OUT_MM * B, OUT_MM * B + m), a0);
  res.utilization.set(out.subarray(OUT_UTIL * B, OUT_UTIL * B + m), a0);
  res.currency.set(v.pool.subarray(0, m), a0);
  res.worstKey.set(v.key.subarray(0, m), a0);
  res.worstCell.set(v.cell.subarray(0, m), a0);
  res.state.set(v.state.subarray(0, m), a0);
}

/** Account `a`, one key `k`: the results the module finished (`v`, slot `i`). */
function copyOneKey(
  t: InstrumentTable,
  res: BatchResults,
  a: number,
  k: number,
  v: BlockViews,
  i: number,
): void {
  const out = v.out;
  const B = BLOCK_ACCOUNTS;
  res.equity[a] = out[OUT_EQUITY * B + i]!;
  res.initialMargin[a] = out[OUT_IM * B + i]!;
  res.maintenanceMargin[a] = out[OUT_MM * B + i]!;
  res.utilization[a] = out[OUT_UTIL * B + i]!;
  res.currency[a] = t.keys.pool[k]!;
  res.worstKey[a] = k;
  res.worstCell[a] = v.cell[i]!;
  res.state[a] = v.state[i]!;
}

/**
 * Account `a`, one key `k`, from the module's outputs `v` (slot `i`): the delta shock, pool
 * amounts (`poolAmounts`) and result (`combine`) of a one-pool account, the same arithmetic.
 */
function finishOneKey(
  t: InstrumentTable,
  book: AccountBook,
  res: BatchResults,
  a: number,
  k: number,
  v: BlockViews,
  i: number,
): void {
  const out = v.out;
  const B = BLOCK_ACCOUNTS;
  const p = t.keys.pool[k]!;
  const wc = out[OUT_WC * B + i]!;
  const roll = out[OUT_ROLL * B + i]!;
  const delta =
    0 +
    deltaShockSums(t, k, out[OUT_TOTAL * B + i]!, out[OUT_SHORT * B + i]!, out[OUT_LONG * B + i]!);
  const eq = book.collateral[a * t.pools.currencies.length + p]! + out[OUT_VALUE * B + i]!;
  if (!Number.isFinite(wc + roll + delta + eq)) {
    res.state[a] = STATE_ERROR;
    return;
  }
  const rmm = poolRmm(t, wc, roll, delta);
  const im = poolIm(t, p, rmm);
  const mm = t.rules.mmFactor * rmm;
  if (!Number.isFinite(im) || !Number.isFinite(mm)) {
    res.state[a] = STATE_ERROR;
    return;
  }
  res.equity[a] = eq;
  res.initialMargin[a] = im;
  res.maintenanceMargin[a] = mm;
  res.utilization[a] = utilization(im, eq);
  res.currency[a] = p;
  res.worstKey[a] = k;
  res.worstCell[a] = v.cell[i]!;
  res.state[a] = healthState(im, mm, eq);
}

/**
 * Pass over the account's positions: key vectors (`addKeyVectors`, key-vectors.ts, into
 * `s.pre`; or with `w` the SIMD loop into `w.pre`, staging positions up to `ahead`), then
 * the roll and delta sums and pool values (`positionSums`).
 */
export function accumulate(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  w: SimdKeyVectors | null = null,
  ahead = 0,
): number {
  const R = t.rows;
  const nKeys = w
    ? addKeyVectorsSimd(w, R.key, book, a, ahead, s.keyTouched, s.keyList, 0)
    : addKeyVectors(
        s.pre,
        R.unit,
        R.nCells,
        R.key,
        book.row,
        book.size,
        book.ptr[a]!,
        book.ptr[a + 1]!,
        s.keyTouched,
        s.keyList,
        0,
      );
  // Per-instrument roll: every position in `roll`; per-expiry: futures and perpetuals only.
  if (t.rules.perExpiry) positionSums(t, book, a, s, nKeys, null, s.roll);
  else positionSums(t, book, a, s, nKeys, s.roll, null);
  sortKeys(s.keyList, nKeys);
  return nKeys;
}

/**
 * Per key of the account (keys `s.keyList[0..nKeys)`, just started): the roll sums (`all`:
 * every position's roll term in position order; `d1`: futures' and perpetuals' only; either
 * may be null), the delta-shock sums (`total`, `oneAndShort`, `longOptions`), the option
 * expiry groups' net deltas, and per pool the marked value. Each sum is kept in a local over a
 * run of one key's positions and stored after it: the same additions in the same order.
 */
export function positionSums(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  nKeys: number,
  all: Float64Array | null,
  d1: Float64Array | null,
): void {
  const { kind: kinds, key: keys, deltaRoll, deltaCoin, rollMove, group, price, value } = t.rows;
  const { groupDelta, groupTouched, poolTouched, poolValue } = s;
  const { row: rows, size: sizes, entry: entries } = book;
  startKeys(t, s, nKeys, all, d1);
  const end = book.ptr[a + 1]!;
  for (let j = book.ptr[a]!; j < end;) {
    const k = keys[rows[j]!]!;
    const p = t.keys.pool[k]!;
    const scale = t.keys.usdScale[k]!;
    const g0 = t.keys.groupStart[k]!;
    let tot = s.total[k]!;
    let short = s.oneAndShort[k]!;
    let long = s.longOptions[k]!;
    let rAll = all ? all[k]! : 0;
    let rD1 = d1 ? d1[k]! : 0;
    let pv = poolValue[p]!;
    for (; j < end && keys[rows[j]!] === k; j++) {
      const r = rows[j]!;
      const q = sizes[j]!;
      const kind = kinds[r]!;
      const dc = q * deltaCoin[r]!;
      tot = tot + dc;
      if (kind === ROW_OPTION) {
        const d = q * deltaRoll[r]!;
        rAll = rAll + Math.abs(d) * rollMove[r]! * scale;
        const g = g0 + group[r]!;
        if (groupTouched[g] === 0) {
          groupTouched[g] = 1;
          groupDelta[g] = d + 0;
        } else groupDelta[g] = groupDelta[g]! + d;
        if (q > 0) long = long + dc;
        else short = short + dc;
        pv = pv + q * value[r]!;
      } else {
        if (kind !== ROW_SPOT) {
          const x = Math.abs(q) * rollMove[r]! * scale;
          rAll = rAll + x;
          rD1 = rD1 + x;
        }
        short = short + dc;
        pv = pv + positionValue(kind, q, price[r]!, value[r]!, entries[j]!);
      }
    }
    s.total[k] = tot;
    s.oneAndShort[k] = short;
    s.longOptions[k] = long;
    if (all) all[k] = rAll;
    if (d1) d1[k] = rD1;
    poolValue[p] = pv;
    poolTouched[p] = 1;
  }
}

/** Zeroes the sums of the account's keys and the values of their pools. */
function startKeys(
  t: InstrumentTable,
  s: BatchScratch,
  nKeys: number,
  all: Float64Array | null,
  d1: Float64Array | null,
): void {
  for (let i = 0; i < nKeys; i++) {
    const k = s.keyList[i]!;
    s.total[k] = 0;
    s.oneAndShort[k] = 0;
    s.longOptions[k] = 0;
    if (all) all[k] = 0;
    if (d1) d1[k] = 0;
    s.poolValue[t.keys.pool[k]!] = 0;
  }
}

/** Keys in id order = pools by currency, underlyings sorted (the model's order). */
export function sortKeys(kl: Int32Array, nKeys: number): void {
  for (let i = 1; i < nKeys; i++) {
    const x = kl[i]!;
    let j = i - 1;
    while (j >= 0 && kl[j]! > x) {
      kl[j + 1] = kl[j]!;
      j--;
    }
    kl[j + 1] = x;
  }
}

/** Marked value of a position (`positionsValue`, risk/equity.ts). */
export function positionValue(
  kind: number,
  q: number,
  price: number,
  value: number,
  entry: number,
): number {
  if (kind === ROW_OPTION) return q * value;
  if (kind === ROW_SPOT) return q * price;
  if (entry !== entry) return 0;
  return kind === ROW_INVERSE_D1 ? q * (price / entry - 1) : q * (price - entry);
}

/**
 * Aggregates each touched key (§7.2, §8) and finds its worst case and cell (§9). The gain
 * rule `off·min(x, cap)` (cap before offset) or `min(off·x, cap)` is chosen outside the cell
 * loop; standard cells (no dampener) and extended cells are two loops when the extended
 * cells are the grid's tail (Deribit's layout), one loop with a per-cell test otherwise.
 * `pre`: the key vectors (`s.pre`, or the SIMD loop's `w.pre`).
 */
export function keyWorstCases(
  t: InstrumentTable,
  s: BatchScratch,
  nKeys: number,
  pre: Float64Array = s.pre,
): void {
  const nC = t.rows.nCells;
  const { extended, middle } = t.rules;
  const signAware = t.rules.dampenerGainsSignAware;
  const before = t.rules.capBeforeOffset;
  const tail = extendedTail(t);
  const { agg, keyList, keyCell, keyWorst } = s;
  const { pnlOffset, gainCap, allowance } = t.keys;
  for (let i = 0; i < nKeys; i++) {
    const k = keyList[i]!;
    const ko = k * nC;
    const off = pnlOffset[k]!;
    const cap = gainCap[k]!;
    let min = Infinity;
    let first = -1;
    for (let c = 0; c < tail; c++) {
      let x = pre[ko + c]!;
      if (extended[c] === 1) x = dampen(x, allowance[ko + c]!, signAware);
      const v = x > 0 ? (before ? off * Math.min(x, cap) : Math.min(off * x, cap)) + 0 : x + 0;
      agg[ko + c] = v;
      if (v < min) {
        min = v;
        first = c;
      }
    }
    for (let c = tail; c < nC; c++) {
      const x = dampen(pre[ko + c]!, allowance[ko + c]!, signAware);
      const v = x > 0 ? (before ? off * Math.min(x, cap) : Math.min(off * x, cap)) + 0 : x + 0;
      agg[ko + c] = v;
      if (v < min) {
        min = v;
        first = c;
      }
    }
    const mid = middle[first]!;
    keyCell[k] = mid >= 0 && agg[ko + mid] === min && extended[mid] === 0 ? mid : first;
    keyWorst[k] = Math.max(0, -min) + 0;
  }
}

/** Extended-cell dampener (§7.2): losses reduced by the allowance, gains per the rule. */
export function dampen(x: number, al: number, signAware: boolean): number {
  if (x < 0) return Math.min(0, x + al);
  if (x > 0) return signAware ? Math.max(0, x - al) : 0;
  return x;
}

/** First cell of the grid's all-extended tail (nCells when the last cell is standard). */
export function extendedTail(t: InstrumentTable): number {
  const ext = t.rules.extended;
  let c = t.rows.nCells;
  while (c > 0 && ext[c - 1] === 1) c--;
  return c;
}

/** Delta shock of key k in the pool currency (§11, H1 / H2 / off; the table's rule by default). */
export function deltaShockOf(
  t: InstrumentTable,
  s: BatchScratch,
  k: number,
  mode: 'H1' | 'H2' | 'off' = t.rules.deltaShock,
): number {
  return deltaShockSums(t, k, s.total[k]!, s.oneAndShort[k]!, s.longOptions[k]!, mode);
}

/**
 * Delta shock of key k (§11) from its sums: `total` (H1), `oneAndShort` and `longOptions`
 * (H2), in the pool currency.
 */
export function deltaShockSums(
  t: InstrumentTable,
  k: number,
  total: number,
  oneAndShort: number,
  longOptions: number,
  mode: 'H1' | 'H2' | 'off' = t.rules.deltaShock,
): number {
  if (mode === 'off') return 0;
  const S0 = t.keys.index[k]!;
  const scale = t.keys.usdScale[k]!;
  if (mode === 'H1') {
    const thresholdCoin = t.keys.deltaThreshold[k]! / S0;
    const abs = Math.abs(total);
    const excess = Math.max(0, abs - thresholdCoin);
    const fraction = Math.min(t.keys.maxDeltaShock[k]!, t.keys.mInc[k]! * excess);
    return abs * fraction * scale;
  }
  const pair = {
    delta_total_liq_shock_threshold: t.keys.deltaThreshold[k]!,
    max_delta_shock: t.keys.maxDeltaShock[k]!,
  };
  return (
    deltaShockH2(oneAndShort, longOptions, S0, pair as Parameters<typeof deltaShockH2>[3])
      .amountCoin * scale
  );
}

/** Per pool: worst case, roll and delta shocks, IM, MM, equity. Pools used, −1 if not finite. */
export function poolAmounts(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: BatchScratch,
  nKeys: number,
): number {
  const nC = t.rows.nCells;
  const nP = t.pools.currencies.length;
  let ok = true;
  let i = 0;
  let n = 0;
  while (i < nKeys) {
    const p = t.keys.pool[s.keyList[i]!]!;
    s.poolList[n++] = p;
    let j = i;
    while (j < nKeys && t.keys.pool[s.keyList[j]!] === p) j++;
    const wc = poolWorst(t, s, i, j, p, nC);
    let roll = 0;
    let delta = 0;
    for (let x = i; x < j; x++) {
      const k = s.keyList[x]!;
      roll += keyRoll(t, s, k);
      delta += deltaShockOf(t, s, k);
      s.keyTouched[k] = 0;
    }
    const eq = book.collateral[a * nP + p]! + s.poolValue[p]!;
    s.poolTouched[p] = 0;
    if (!Number.isFinite(wc + roll + delta + eq)) {
      ok = false;
      s.poolIm[p] = NaN;
    } else {
      const rmm = poolRmm(t, wc, roll, delta);
      s.poolIm[p] = poolIm(t, p, rmm);
      s.poolMm[p] = t.rules.mmFactor * rmm;
      s.poolEq[p] = eq;
    }
    i = j;
  }
  return ok ? n : -1;
}

/**
 * A pool's requirement before its account inputs (§12), pool currency, from its worst case
 * `wc` and its roll and delta shocks: `rmm = round(wc) + roll + delta` (the table's decimals;
 * `+ 0` turns −0 into +0). `MM = mm_factor · rmm`; IM is `poolIm`. Shared by the pinned
 * kernel (`poolAmounts`) and each reading's view (readings-kernel.ts).
 */
export function poolRmm(t: InstrumentTable, wc: number, roll: number, delta: number): number {
  return roundFast(wc, t.rules.roundingDecimals) + roll + delta + 0;
}

/** Pool p's IM (§12): `round(rmm + open orders + MMP + spot)`, the table's decimals. */
export function poolIm(t: InstrumentTable, p: number, rmm: number): number {
  const { openOrders, mmp, spot } = t.pools;
  return roundFast(rmm + openOrders[p]! + mmp[p]! + spot[p]!, t.rules.roundingDecimals);
}

/** `roundDecimals` without the string (margin/deribit-pm/params.ts `roundDecimalsFast`). */
export const roundFast = roundDecimalsFast;

/**
 * Roll shock of key k: its futures/perps (and options per instrument), then option groups;
 * clears the key's touched groups.
 */
export function keyRoll(t: InstrumentTable, s: BatchScratch, k: number): number {
  let amount = s.roll[k]!;
  const g0 = t.keys.groupStart[k]!;
  const g1 = t.keys.groupStart[k + 1]!;
  const scale = t.keys.usdScale[k]!;
  for (let g = g0; g < g1; g++) {
    if (s.groupTouched[g] === 0) continue;
    s.groupTouched[g] = 0;
    if (t.rules.perExpiry) amount += Math.abs(s.groupDelta[g]!) * t.keys.groupMove[g]! * scale;
  }
  return amount;
}

/**
 * Worst case of the pool's keys keyList[i..j): sum of worst (default) or joint [G]; sets the
 * pool's worst key and cell.
 */
export function poolWorst(
  t: InstrumentTable,
  s: BatchScratch,
  i: number,
  j: number,
  p: number,
  nC: number,
): number {
  if (t.rules.joint && j - i > 1) {
    const jo = p * nC;
    s.joint.fill(0, jo, jo + nC);
    for (let x = i; x < j; x++) {
      const ko = s.keyList[x]! * nC;
      for (let c = 0; c < nC; c++) s.joint[jo + c] = s.joint[jo + c]! + s.agg[ko + c]!;
    }
    let min = Infinity;
    let first = -1;
    for (let c = 0; c < nC; c++)
      if (s.joint[jo + c]! < min) {
        min = s.joint[jo + c]!;
        first = c;
      }
    const mid = t.rules.middle[first]!;
    s.poolCell[p] = mid >= 0 && s.joint[jo + mid] === min ? mid : first;
    s.poolWorstKey[p] = s.keyList[i]!;
    return Math.max(0, -min) + 0;
  }
  let wc = 0;
  let worst = -1;
  for (let x = i; x < j; x++) {
    const k = s.keyList[x]!;
    wc += s.keyWorst[k]!;
    if (worst < 0 || s.keyWorst[k]! > s.keyWorst[worst]!) worst = k;
  }
  s.poolWorstKey[p] = worst;
  s.poolCell[p] = s.keyCell[worst]!;
  return wc;
}

/**
 * The account's result: its single pool, or the pools summed in USD (`combinePools`); the
 * state is the most severe pool state (each segregated pool is liquidated on its own, as in
 * account/health.ts), never the state of the USD totals, where one pool's surplus would hide
 * another's shortfall.
 */
export function combine(
  t: InstrumentTable,
  s: BatchScratch,
  res: BatchResults,
  a: number,
  n: number,
): void {
  let equity = 0;
  let im = 0;
  let mm = 0;
  let top = -1;
  if (n === 1) {
    top = s.poolList[0]!;
    equity = s.poolEq[top]!;
    im = s.poolIm[top]!;
    mm = s.poolMm[top]!;
  } else {
    let topIm = 0;
    for (let i = 0; i < n; i++) {
      const p = s.poolList[i]!;
      const px = t.pools.usdPrice[p]!;
      equity += s.poolEq[p]! * px;
      im += s.poolIm[p]! * px;
      mm += s.poolMm[p]! * px;
      if (top < 0 || s.poolIm[p]! * px > topIm) {
        top = p;
        topIm = s.poolIm[p]! * px;
      }
    }
  }
  if (!Number.isFinite(equity) || !Number.isFinite(im) || !Number.isFinite(mm)) {
    res.state[a] = STATE_ERROR;
    return;
  }
  res.equity[a] = equity;
  res.initialMargin[a] = im;
  res.maintenanceMargin[a] = mm;
  res.utilization[a] = utilization(im, equity);
  res.currency[a] = n === 1 ? top : -1;
  res.worstKey[a] = top >= 0 ? s.poolWorstKey[top]! : -1;
  res.worstCell[a] = top >= 0 ? s.poolCell[top]! : -1;
  res.state[a] = n === 1 ? healthState(im, mm, equity) : worstPoolState(s, n);
}

/** Most severe `healthState` over the account's pools (state codes rise with severity). */
function worstPoolState(s: BatchScratch, n: number): number {
  let state = STATE_HEALTHY;
  for (let i = 0; i < n; i++) {
    const p = s.poolList[i]!;
    const st = healthState(s.poolIm[p]!, s.poolMm[p]!, s.poolEq[p]!);
    if (st > state) state = st;
  }
  return state;
}
