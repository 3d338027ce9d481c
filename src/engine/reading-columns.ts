/**
 * The cell columns the hypothesis readings' priced tables share (engine/reading-tables.ts):
 * one table is priced per combination of the row rules, but a row rule moves only some cells
 * (`extendedCoinConversion` only the extended cells, `minVolForShockUp` only the vol-up cells
 * of the options the floor binds), so many of a priced table's cell columns (one cell, every
 * row) are bit-identical to another table's. Each distinct column is stored once, row-major:
 * `cols[r·D + d]`, and `colOf[i·nCells + c]` is the column of cell c in priced table i. An
 * account's key vector `Σ size · column` is then accumulated once per distinct column for all
 * readings (engine/readings-kernel.ts); the sums are the same bits as each table's own,
 * because each is the same additions of the same numbers in the same (position) order.
 *
 * Columns are matched by exact equality of every row (`Object.is`, so −0 ≠ +0 and NaN = NaN),
 * rechecked after every tick (`refreshReadingColumns`): which cells a rule moves depends on
 * the market. The shared kernel is used only while the priced tables agree on everything but
 * their unit values (`meta[1] = 1`: rows' keys, kinds, deltas, roll moves, marks; keys' and
 * pools' constants; the non-hypothesis rules); otherwise every reading is its own kernel pass.
 */
import { float64, type InstrumentTable } from './instrument-table.ts';

/** Distinct cell columns over the priced tables (arrays mutated in place on refresh). */
export interface ReadingColumns {
  /** Indices (into `ReadingTables.tables`) of the priced tables, in reading order. */
  readonly priced: Int32Array;
  /** Readings of priced table i: `viewStart[i] .. viewStart[i+1]` (its views, contiguous). */
  readonly viewStart: Int32Array;
  /** `cols[r·D + d]`, capacity `nRows · priced.length · nCells` (D = `meta[0]`). */
  readonly cols: Float64Array;
  /** `colOf[i·nCells + c]`: the distinct column of cell c in priced table i. */
  readonly colOf: Int32Array;
  /**
   * Distinct (cell, column) pairs: `itemOf[i·nCells + c]` is the pair of cell c in priced
   * table i; pair u is cell `itemCell[u]` over column `itemCol[u]` (a key's aggregated cell
   * value depends on both: the dampener and the gain offset are per cell).
   */
  readonly itemOf: Int32Array;
  readonly itemCell: Int32Array;
  readonly itemCol: Int32Array;
  /**
   * `[D, shareable, U, Us]`: distinct columns; 1 if the priced tables differ only in unit
   * values; distinct pairs; pairs of standard cells (numbered first).
   */
  readonly meta: Int32Array;
}

function int32(n: number, shared: boolean): Int32Array {
  return shared
    ? new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)), 0, n)
    : new Int32Array(n);
}

/**
 * The columns of `tables` (the reading tables; `rowsOf[k]` = the priced table reading k
 * shares rows with, views after their priced table), in shared memory when `shared`.
 */
export function buildReadingColumns(
  tables: readonly InstrumentTable[],
  rowsOf: Int32Array,
  shared: boolean,
): ReadingColumns {
  const priced: number[] = [];
  const viewStart: number[] = [];
  rowsOf.forEach((own, k) => {
    if (own === k) {
      priced.push(k);
      viewStart.push(k);
    }
  });
  viewStart.push(rowsOf.length);
  const t0 = tables[0]!;
  const nC = t0.rows.nCells;
  const cols = {
    priced: Int32Array.from(priced),
    viewStart: Int32Array.from(viewStart),
    cols: float64(t0.rows.nRows * priced.length * nC, shared),
    colOf: int32(priced.length * nC, shared),
    itemOf: int32(priced.length * nC, shared),
    itemCell: int32(priced.length * nC, shared),
    itemCol: int32(priced.length * nC, shared),
    meta: int32(4, shared),
  };
  refreshReadingColumns(tables, cols);
  return cols;
}

/**
 * Re-derives the distinct columns and rewrites `cols` from the priced tables' current unit
 * values (after a tick re-priced them in place); checks again that the tables are shareable.
 */
export function refreshReadingColumns(
  tables: readonly InstrumentTable[],
  rc: ReadingColumns,
): void {
  const t0 = tables[0]!;
  const nR = t0.rows.nRows;
  const nC = t0.rows.nCells;
  const nT = rc.priced.length;
  const ok = Array.from(rc.priced).every((i) => sameButUnits(t0, tables[i]!));
  // Distinct columns: (table, cell) pairs, matched by a fingerprint then exactly.
  const reps: { t: Float64Array; c: number; print: number }[] = [];
  for (let i = 0; i < nT; i++) {
    const unit = tables[rc.priced[i]!]!.rows.unit;
    for (let c = 0; c < nC; c++) {
      const print = fingerprint(unit, c, nC, nR);
      let d = reps.findIndex((x) => x.print === print && sameColumn(x.t, x.c, unit, c, nC, nR));
      if (d < 0) {
        d = reps.length;
        reps.push({ t: unit, c, print });
      }
      rc.colOf[i * nC + c] = d;
    }
  }
  const D = Math.max(1, reps.length);
  for (let r = 0; r < nR; r++)
    for (let d = 0; d < reps.length; d++) rc.cols[r * D + d] = reps[d]!.t[r * nC + reps[d]!.c]!;
  rc.meta[0] = D;
  rc.meta[1] = ok ? 1 : 0;
  rc.meta[2] = pairItems(rc, nC, t0.rules.extended);
}

/**
 * Fills the distinct (cell, column) pairs from `colOf`, standard cells' pairs first (`meta[3]`
 * of them); returns their count.
 */
function pairItems(rc: ReadingColumns, nC: number, extended: Int32Array): number {
  const seen = new Map<number, number>();
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1) rc.meta[3] = seen.size;
    for (let x = 0; x < rc.colOf.length; x++) {
      const c = x % nC;
      if (extended[c] !== pass) continue;
      const d = rc.colOf[x]!;
      const key = d * nC + c;
      let u = seen.get(key);
      if (u === undefined) {
        u = seen.size;
        seen.set(key, u);
        rc.itemCell[u] = c;
        rc.itemCol[u] = d;
      }
      rc.itemOf[x] = u;
    }
  }
  return seen.size;
}

/** A cheap hash of column c (equal columns have equal prints; NaN and −0 map consistently). */
function fingerprint(unit: Float64Array, c: number, nC: number, nR: number): number {
  let h = 0;
  for (let r = 0; r < nR; r++) {
    const v = unit[r * nC + c]!;
    h = (h * 31 + (v === v ? (Object.is(v, -0) ? 0.5 : v) : 0.25)) % 1e15;
  }
  return h;
}

function sameColumn(
  a: Float64Array,
  ca: number,
  b: Float64Array,
  cb: number,
  nC: number,
  nR: number,
): boolean {
  for (let r = 0; r < nR; r++) if (!Object.is(a[r * nC + ca], b[r * nC + cb])) return false;
  return true;
}

type NumArray = Float64Array | Int32Array;
/** The row and key arrays the kernel reads besides `unit`. */
const ROW_ARRAYS = [
  'key',
  'kind',
  'rollMove',
  'group',
  'deltaCoin',
  'deltaRoll',
  'price',
  'value',
  'indexUsd',
] as const;
const KEY_ARRAYS = [
  'pool',
  'index',
  'usdScale',
  'allowance',
  'pnlOffset',
  'gainCap',
  'deltaThreshold',
  'maxDeltaShock',
  'mInc',
  'groupStart',
  'groupMove',
] as const;
const sameArray = (a: NumArray, b: NumArray): boolean =>
  a === b || (a.length === b.length && a.every((v, i) => Object.is(v, b[i])));

/** Whether table `b` equals `a` in everything the kernel reads except `rows.unit`. */
export function sameButUnits(a: InstrumentTable, b: InstrumentTable): boolean {
  if (a === b) return true;
  const ra = a.rows;
  const rb = b.rows;
  const rowArrays = ROW_ARRAYS.every((k) => sameArray(ra[k], rb[k]));
  const ka = a.keys;
  const kb = b.keys;
  const keyArrays = KEY_ARRAYS.every((k) => sameArray(ka[k], kb[k]));
  const pa = a.pools;
  const pb = b.pools;
  const poolArrays = (['openOrders', 'mmp', 'spot', 'usdPrice'] as const).every((k) =>
    sameArray(pa[k], pb[k]),
  );
  const qa = a.rules;
  const qb = b.rules;
  const rules =
    sameArray(qa.extended, qb.extended) &&
    sameArray(qa.middle, qb.middle) &&
    qa.joint === qb.joint &&
    qa.dampenerGainsSignAware === qb.dampenerGainsSignAware &&
    qa.capBeforeOffset === qb.capBeforeOffset &&
    qa.roundingDecimals === qb.roundingDecimals &&
    Object.is(qa.mmFactor, qb.mmFactor);
  return (
    ra.nRows === rb.nRows &&
    ra.nCells === rb.nCells &&
    rowArrays &&
    keyArrays &&
    poolArrays &&
    rules
  );
}
