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
import { roundDecimals } from '../margin/deribit-pm/params.ts';
import { deltaShockH2 } from '../margin/deribit-pm/shocks.ts';
import { utilization } from '../margin/margin-result.ts';
import type { AccountBook } from './account-book.ts';
import { healthState, STATE_ERROR } from './health-state.ts';
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
}

/** Scratch sized for a table. */
export function batchScratch(t: InstrumentTable): BatchScratch {
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
  };
}

/**
 * Margins accounts `from` ≤ a < `to` (or `list[from..to)` when a list of account indices is
 * given); writes `results`. Returns the number margined.
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
  for (let i = from; i < to; i++) {
    const a = list ? list[i]! : i;
    if (book.errors.has(a)) {
      results.state[a] = STATE_ERROR;
      continue;
    }
    const nKeys = accumulate(t, book, a, s);
    keyWorstCases(t, s, nKeys);
    const nPools = poolAmounts(t, book, a, s, nKeys);
    if (nPools < 0) {
      results.state[a] = STATE_ERROR;
      continue;
    }
    combine(t, s, results, a, nPools);
  }
  return to - from;
}

/** Pass over the account's positions: key vectors, roll and delta sums, pool values. */
export function accumulate(
  t: InstrumentTable,
  book: AccountBook,
  a: number,
  s: BatchScratch,
): number {
  const R = t.rows;
  const nC = R.nCells;
  const perExpiry = t.rules.perExpiry;
  let nKeys = 0;
  for (let j = book.ptr[a]!, end = book.ptr[a + 1]!; j < end; j++) {
    const r = book.row[j]!;
    const q = book.size[j]!;
    const k = R.key[r]!;
    if (s.keyTouched[k] === 0) {
      s.keyTouched[k] = 1;
      s.keyList[nKeys++] = k;
      s.pre.fill(0, k * nC, (k + 1) * nC);
      s.roll[k] = 0;
      s.total[k] = 0;
      s.oneAndShort[k] = 0;
      s.longOptions[k] = 0;
      const p = t.keys.pool[k]!;
      if (s.poolTouched[p] === 0) {
        s.poolTouched[p] = 1;
        s.poolValue[p] = 0;
      }
    }
    const ko = k * nC;
    const ro = r * nC;
    const pre = s.pre;
    const unit = R.unit;
    for (let c = 0; c < nC; c++) pre[ko + c] = pre[ko + c]! + q * unit[ro + c]!;
    const kind = R.kind[r]!;
    const scale = t.keys.usdScale[k]!;
    if (kind === ROW_OPTION) {
      const d = q * R.deltaRoll[r]!;
      if (!perExpiry) s.roll[k] = s.roll[k]! + Math.abs(d) * R.rollMove[r]! * scale;
      const g = t.keys.groupStart[k]! + R.group[r]!;
      if (s.groupTouched[g] === 0) {
        s.groupTouched[g] = 1;
        s.groupDelta[g] = 0;
      }
      s.groupDelta[g] = s.groupDelta[g]! + d;
    } else if (kind !== ROW_SPOT) s.roll[k] = s.roll[k]! + Math.abs(q) * R.rollMove[r]! * scale;
    const dc = q * R.deltaCoin[r]!;
    s.total[k] = s.total[k]! + dc;
    if (kind === ROW_OPTION && q > 0) s.longOptions[k] = s.longOptions[k]! + dc;
    else s.oneAndShort[k] = s.oneAndShort[k]! + dc;
    const p = t.keys.pool[k]!;
    s.poolValue[p] =
      s.poolValue[p]! + positionValue(kind, q, R.price[r]!, R.value[r]!, book.entry[j]!);
  }
  // Keys in id order = pools by currency, underlyings sorted (the model's order).
  const kl = s.keyList;
  for (let i = 1; i < nKeys; i++) {
    const x = kl[i]!;
    let j = i - 1;
    while (j >= 0 && kl[j]! > x) {
      kl[j + 1] = kl[j]!;
      j--;
    }
    kl[j + 1] = x;
  }
  return nKeys;
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

/** Aggregates each touched key (§7.2, §8) and finds its worst case and cell (§9). */
export function keyWorstCases(t: InstrumentTable, s: BatchScratch, nKeys: number): void {
  const nC = t.rows.nCells;
  const { extended, middle } = t.rules;
  const signAware = t.rules.dampenerGainsSignAware;
  const before = t.rules.capBeforeOffset;
  for (let i = 0; i < nKeys; i++) {
    const k = s.keyList[i]!;
    const ko = k * nC;
    const off = t.keys.pnlOffset[k]!;
    const cap = t.keys.gainCap[k]!;
    let min = Infinity;
    let first = -1;
    const pre = s.pre;
    const agg = s.agg;
    const allowance = t.keys.allowance;
    for (let c = 0; c < nC; c++) {
      let x = pre[ko + c]!;
      if (extended[c] === 1) {
        const al = allowance[ko + c]!;
        if (x < 0) x = Math.min(0, x + al);
        else if (x > 0) x = signAware ? Math.max(0, x - al) : 0;
      }
      const v = x > 0 ? (before ? off * Math.min(x, cap) : Math.min(off * x, cap)) + 0 : x + 0;
      agg[ko + c] = v;
      if (v < min) {
        min = v;
        first = c;
      }
    }
    const mid = middle[first]!;
    s.keyCell[k] = mid >= 0 && s.agg[ko + mid] === min && extended[mid] === 0 ? mid : first;
    s.keyWorst[k] = Math.max(0, -min) + 0;
  }
}

/** Delta shock of key k in the pool currency (§11, H1 / H2 / off). */
function deltaShockOf(t: InstrumentTable, s: BatchScratch, k: number): number {
  const mode = t.rules.deltaShock;
  if (mode === 'off') return 0;
  const S0 = t.keys.index[k]!;
  const scale = t.keys.usdScale[k]!;
  if (mode === 'H1') {
    const thresholdCoin = t.keys.deltaThreshold[k]! / S0;
    const abs = Math.abs(s.total[k]!);
    const excess = Math.max(0, abs - thresholdCoin);
    const fraction = Math.min(t.keys.maxDeltaShock[k]!, t.keys.mInc[k]! * excess);
    return abs * fraction * scale;
  }
  const pair = {
    delta_total_liq_shock_threshold: t.keys.deltaThreshold[k]!,
    max_delta_shock: t.keys.maxDeltaShock[k]!,
  };
  return (
    deltaShockH2(
      s.oneAndShort[k]!,
      s.longOptions[k]!,
      S0,
      pair as Parameters<typeof deltaShockH2>[3],
    ).amountCoin * scale
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
  const dec = t.rules.roundingDecimals;
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
    const rmmRaw = wc;
    if (!Number.isFinite(rmmRaw + roll + delta + eq)) {
      ok = false;
      s.poolIm[p] = NaN;
    } else {
      const rmm = roundFast(rmmRaw, dec) + roll + delta + 0;
      s.poolIm[p] = roundFast(
        rmm + t.pools.openOrders[p]! + t.pools.mmp[p]! + t.pools.spot[p]!,
        dec,
      );
      s.poolMm[p] = t.rules.mmFactor * rmm;
      s.poolEq[p] = eq;
    }
    i = j;
  }
  return ok ? n : -1;
}

/**
 * `roundDecimals(x, decimals)` (round half up on the exact decimal value, as `toFixed`)
 * without the string: `n = Math.round(x·10^d)` is the right integer whenever `x·10^d` is not
 * within its rounding error of a half-integer, and then `n / 10^d` is the same correctly
 * rounded double as `Number(n + 'e-' + d)`. Near a half-integer it falls back to the string.
 */
export function roundFast(x: number, decimals: number): number {
  const scale = POW10[decimals];
  if (scale !== undefined) {
    const y = Math.abs(x) * scale;
    const frac = y - Math.floor(y);
    if (y < 4e15 && Math.abs(frac - 0.5) > 1e-15 * y + 1e-300) {
      const r = Math.round(y) / scale;
      return x < 0 ? -r : r;
    }
  }
  return roundDecimals(x, decimals);
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, d) => Number(`1e${d}`));

/** Roll shock of key k: its futures/perps (and options per instrument), then option groups. */
function keyRoll(t: InstrumentTable, s: BatchScratch, k: number): number {
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

/** Worst case of the pool's keys keyList[i..j): sum of worst (default) or joint [G]. */
function poolWorst(
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

/** The account's result: its single pool, or the pools summed in USD (`combinePools`). */
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
  res.state[a] = healthState(im, mm, equity);
}
