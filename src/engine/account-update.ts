/**
 * Position and collateral changes for one account of the batch engine. The account's slice
 * of the CSR book is replaced (the other accounts' positions are copied as they are, no
 * re-margin), its collateral per pool rewritten from its balances, and its error set or
 * cleared; then that account alone is re-margined by the caller (`marginAccounts` or a
 * worker pool with the list `[a]`). A change that cannot be margined (instrument not in the
 * table, non-finite size, unpriced collateral) puts the account in `error` with the typed
 * error naming the field: it is never left with its old, possibly lower, margin.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { buildAccountBook, type AccountBook } from './account-book.ts';
import { float64, type InstrumentTable } from './instrument-table.ts';

function int32(n: number, shared: boolean): Int32Array {
  return shared
    ? new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)), 0, n)
    : new Int32Array(n);
}

/** Copies `src` into a new array of `n` slots with `[at, at+del)` replaced by `ins`. */
function splice<T extends Int32Array | Float64Array>(
  src: T,
  make: (n: number) => T,
  at: number,
  del: number,
  ins: T,
): T {
  const out = make(src.length - del + ins.length);
  out.set(src.subarray(0, at), 0);
  out.set(ins, at);
  out.set(src.subarray(at + del), at + ins.length);
  return out;
}

/**
 * The book with account `a`'s positions and balances replaced by `portfolio` (same shared or
 * private memory as `book`; `book` itself is not changed). O(positions of the book) copy,
 * no pricing. The caller re-margins account `a` and rebuilds any row → holders index.
 */
export function updateAccount(
  table: InstrumentTable,
  book: AccountBook,
  a: number,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
): AccountBook {
  if (!Number.isInteger(a) || a < 0 || a >= book.nAccounts)
    throw new RangeError(`account index ${a} is not in the book`);
  const one = buildAccountBook(table, [{ id: book.ids[a]!, portfolio }], snapshot);
  const shared = book.ptr.buffer instanceof SharedArrayBuffer;
  const from = book.ptr[a]!;
  const del = book.ptr[a + 1]! - from;
  const k = one.ptr[1]!;
  const ptr = int32(book.nAccounts + 1, shared);
  ptr.set(book.ptr);
  for (let b = a + 1; b <= book.nAccounts; b++) ptr[b] = book.ptr[b]! - del + k;
  const f64 = (n: number) => float64(n, shared);
  const i32 = (n: number) => int32(n, shared);
  const collateral = float64(book.collateral.length, shared);
  collateral.set(book.collateral);
  const nPools = table.pools.currencies.length;
  collateral.set(one.collateral.subarray(0, nPools), a * nPools);
  const errors = new Map(book.errors);
  const err = one.errors.get(0);
  if (err) errors.set(a, err);
  else errors.delete(a);
  return {
    nAccounts: book.nAccounts,
    ids: book.ids,
    ptr,
    row: splice(book.row, i32, from, del, one.row.subarray(0, k)),
    size: splice(book.size, f64, from, del, one.size.subarray(0, k)),
    entry: splice(book.entry, f64, from, del, one.entry.subarray(0, k)),
    collateral,
    errors,
  };
}
