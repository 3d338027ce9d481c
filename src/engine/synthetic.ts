/**
 * Synthetic accounts for `ballast engine gen | bench` (seeded, so the same seed gives the same
 * books bit for bit): each account holds `positions` distinct instruments of one pool drawn
 * uniformly from the table's priced rows, sizes ±0.1–5 coins, no entry prices; collateral in
 * the pool currency set from the account's own IM so that about 90 % are healthy
 * (collateral = f·IM − position value, f uniform in [1.5, 4]) and about 10 % near or below
 * their requirements (f uniform in [0.7, 1.3]).
 */
import { BallastError } from '../core/errors.ts';
import { seededRng } from '../core/rng.ts';
import type { AccountBook } from './account-book.ts';
import { batchScratch, marginAccounts } from './deribit-pm-batch.ts';
import { float64, type InstrumentTable } from './instrument-table.ts';
import { batchResults } from './results.ts';

/** What to generate. */
export interface SyntheticSpec {
  readonly accounts: number;
  readonly positions: number;
  readonly seed: number;
  /** Put the arrays in shared memory (worker threads). */
  readonly shared?: boolean;
}

function int32(n: number, shared: boolean): Int32Array {
  return shared
    ? new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)), 0, n)
    : new Int32Array(n);
}

/** Seeded synthetic accounts against `table` (see module doc). */
export function syntheticAccounts(table: InstrumentTable, spec: SyntheticSpec): AccountBook {
  const { accounts: n, positions: k, seed } = spec;
  const shared = spec.shared ?? false;
  const byPool = table.pools.currencies.map(() => [] as number[]);
  for (let r = 0; r < table.rows.nRows; r++)
    if (table.rows.key[r]! >= 0) byPool[table.keys.pool[table.rows.key[r]!]!]!.push(r);
  const pools = byPool.map((rows, p) => ({ rows, p })).filter((x) => x.rows.length >= k);
  if (pools.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      `no pool of the market lists ${k} instruments to draw from`,
      '--positions',
    );
  const rng = seededRng(seed);
  const nP = table.pools.currencies.length;
  const book = {
    nAccounts: n,
    ids: Array.from({ length: n }, (_, a) => `acct-${String(a + 1).padStart(7, '0')}`),
    ptr: int32(n + 1, shared),
    row: int32(n * k, shared),
    size: float64(n * k, shared),
    entry: float64(n * k, shared),
    collateral: float64(n * nP, shared),
    errors: new Map(),
  };
  const pick = new Int32Array(k);
  for (let a = 0; a < n; a++) {
    const pool = pools[Math.floor(rng.next() * pools.length)]!;
    drawDistinct(pool.rows, pick, rng.next);
    pick.sort(); // rows are in symbol order: canonical order
    book.ptr[a] = a * k;
    for (let i = 0; i < k; i++) {
      book.row[a * k + i] = pick[i]!;
      book.size[a * k + i] = (rng.next() < 0.5 ? -1 : 1) * (0.1 + 4.9 * rng.next());
      book.entry[a * k + i] = NaN;
    }
  }
  book.ptr[n] = n * k;
  fundAccounts(table, book, rng.next);
  return book;
}

/** Fills `out` with distinct entries of `rows` (partial Fisher-Yates on a copy). */
function drawDistinct(rows: readonly number[], out: Int32Array, next: () => number): void {
  const m = rows.length;
  const taken = new Map<number, number>();
  for (let i = 0; i < out.length; i++) {
    const j = i + Math.floor(next() * (m - i));
    const vj = taken.get(j) ?? rows[j]!;
    const vi = taken.get(i) ?? rows[i]!;
    taken.set(j, vi);
    out[i] = vj;
  }
}

/** Sets each account's collateral from its IM (see module doc). */
function fundAccounts(table: InstrumentTable, book: AccountBook, next: () => number): void {
  const n = book.nAccounts;
  const res = batchResults(n);
  marginAccounts(table, book, res, 0, n, batchScratch(table));
  const nP = table.pools.currencies.length;
  for (let a = 0; a < n; a++) {
    const p = table.keys.pool[table.rows.key[book.row[book.ptr[a]!]!]!]!;
    const f = next() < 0.9 ? 1.5 + 2.5 * next() : 0.7 + 0.6 * next();
    // equity with zero collateral = the positions' value.
    book.collateral[a * nP + p] = f * res.initialMargin[a]! - res.equity[a]!;
  }
}
