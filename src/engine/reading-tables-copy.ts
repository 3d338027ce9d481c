/**
 * A copy of a set of reading tables (reading-tables.ts) whose market-dependent arrays are
 * fresh: the rows (per-unit cells, deltas, prices, roll moves), the key constants (index,
 * allowances, gain caps), the pools' USD prices and the shared kernel's distinct cell columns
 * (reading-columns.ts, re-derived on every tick). A tick re-prices the copy in place
 * (`tickReadings`) while holders of the original keep reading it unchanged, so several
 * partitions at different ticks can share tables that are priced once. The layout (symbols,
 * row of each symbol, keys, pools, groups, rules) is shared: it does not move with the market.
 */
import type { InstrumentTable, TableKeys, TablePools, TableRows } from './instrument-table.ts';
import type { ReadingColumns } from './reading-columns.ts';
import type { ReadingTables } from './reading-tables.ts';

/** Copies a typed array into the same kind of memory (shared stays shared). */
function copyOf<T extends Float64Array | Int32Array>(a: T): T {
  const shared = a.buffer instanceof SharedArrayBuffer;
  const buf = shared
    ? new SharedArrayBuffer(Math.max(a.byteLength, 1))
    : new ArrayBuffer(a.byteLength);
  const out = (
    a instanceof Float64Array
      ? new Float64Array(buf, 0, a.length)
      : new Int32Array(buf, 0, a.length)
  ) as T;
  out.set(a);
  return out;
}

function copyRows(r: TableRows): TableRows {
  return {
    ...r,
    unit: copyOf(r.unit),
    key: copyOf(r.key),
    kind: copyOf(r.kind),
    rollMove: copyOf(r.rollMove),
    group: copyOf(r.group),
    deltaCoin: copyOf(r.deltaCoin),
    deltaRoll: copyOf(r.deltaRoll),
    price: copyOf(r.price),
    value: copyOf(r.value),
    indexUsd: copyOf(r.indexUsd),
    errors: new Map(r.errors),
  };
}

function copyKeys(k: TableKeys): TableKeys {
  return {
    ...k,
    index: copyOf(k.index),
    usdScale: copyOf(k.usdScale),
    allowance: copyOf(k.allowance),
    pnlOffset: copyOf(k.pnlOffset),
    gainCap: copyOf(k.gainCap),
  };
}

const copyPools = (p: TablePools): TablePools => ({ ...p, usdPrice: copyOf(p.usdPrice) });

/** The shared kernel's columns: rewritten in place when a tick refreshes them. */
function copyColumns(c: ReadingColumns): ReadingColumns {
  return {
    ...c,
    cols: copyOf(c.cols),
    colOf: copyOf(c.colOf),
    itemOf: copyOf(c.itemOf),
    itemCell: copyOf(c.itemCell),
    itemCol: copyOf(c.itemCol),
    meta: copyOf(c.meta),
  };
}

/**
 * The tables with fresh market-dependent arrays (module doc); views share their priced
 * table's copy, as in the original.
 */
export function copyReadingTables(rt: ReadingTables): ReadingTables {
  const tables: InstrumentTable[] = [];
  rt.tables.forEach((t, i) => {
    const own = rt.rowsOf[i]!;
    if (own === i)
      tables.push({
        ...t,
        rows: copyRows(t.rows),
        keys: copyKeys(t.keys),
        pools: copyPools(t.pools),
      });
    else {
      const priced = tables[own]!;
      tables.push({ ...t, rows: priced.rows, keys: priced.keys, pools: priced.pools });
    }
  });
  return { ...rt, tables, columns: copyColumns(rt.columns) };
}
