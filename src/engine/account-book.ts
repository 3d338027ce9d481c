/**
 * Accounts of the batch engine held compactly: positions as CSR arrays into the instrument
 * table (`ptr[a] .. ptr[a+1]` index `row`, `size` in coins, `entry` price or NaN), sorted by
 * symbol within an account (the model's canonical order), and collateral per account and pool
 * (sum of the balances in the pool currency, in listing order, as `segregatedCollateral`).
 *
 * A currency whose balances sum to non-zero is a pool of the account (as `settlementPools`):
 * the table must have it (`collateralPools` lists the ones to add), else the account is in
 * error; it is never dropped (a dropped loan would overstate equity).
 *
 * Bad accounts (unknown or unpriceable instrument, non-finite or implausible size, duplicate
 * id, a collateral currency with no price or no pool) keep their slot with a typed error and
 * are margined as `error`; the rest of the batch goes on.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { segregatedCollateral, usdPrice } from '../risk/collateral.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { errorOf, float64, type InstrumentTable, type RowError } from './instrument-table.ts';

/** Largest notional a position may have, USD (as the portfolio importer's plausibility check). */
export const MAX_POSITION_NOTIONAL_USD = 1e9;

/** Accounts in CSR form. */
export interface AccountBook {
  readonly nAccounts: number;
  readonly ids: readonly string[];
  readonly ptr: Int32Array;
  readonly row: Int32Array;
  readonly size: Float64Array;
  /** Entry price per position (NaN: none, unrealised P&L 0 as in `positionsValue`). */
  readonly entry: Float64Array;
  /** `collateral[a·nPools + p]`, pool currency. */
  readonly collateral: Float64Array;
  /** Typed error per bad account. */
  readonly errors: Map<number, RowError>;
}

/** One account to load: a parsed portfolio, or the error that parsing it gave. */
export interface AccountInput {
  readonly id: string;
  readonly portfolio?: Portfolio;
  readonly error?: RowError;
}

function int32(n: number, shared: boolean): Int32Array {
  return shared
    ? new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)), 0, n)
    : new Int32Array(n);
}

/** Checks one account against the table; returns its positions (row, size, entry) sorted. */
function accountRows(
  table: InstrumentTable,
  p: Portfolio,
  snapshot: MarketSnapshot,
): { row: number; size: number; entry: number }[] {
  const out = p.positions.map((pos, i) => {
    const field = `positions[${i}]`;
    const row = table.rowOf.get(pos.instrument.symbol);
    if (row === undefined)
      throw new BallastError(
        'INVALID_INPUT',
        `${pos.instrument.symbol} is not in the engine's instrument table (not listed in this market)`,
        `${field}.instrument`,
      );
    const bad = table.rows.errors.get(row);
    if (bad)
      throw new BallastError(
        bad.code === 'INTERNAL' ? 'INVALID_INPUT' : bad.code,
        `${pos.instrument.symbol}: ${bad.message}`,
        `${field}.instrument`,
      );
    if (!Number.isFinite(pos.size))
      throw new BallastError(
        'NOT_FINITE',
        `size must be a finite number, got ${pos.size}`,
        `${field}.size`,
      );
    const notional = Math.abs(pos.size) * table.rows.indexUsd[row]!;
    if (notional > MAX_POSITION_NOTIONAL_USD)
      throw new BallastError(
        'INVALID_INPUT',
        `size ${pos.size} ${pos.instrument.underlying} is ${(notional / 1e9).toFixed(1)} bn USD of notional: sizes are in coins`,
        `${field}.size`,
      );
    const entry = pos.entryPrice;
    if (entry !== undefined && !Number.isFinite(entry))
      throw new BallastError(
        'NOT_FINITE',
        `entry price must be finite, got ${entry}`,
        `${field}.entryPrice`,
      );
    return { row, size: pos.size, entry: entry ?? NaN, symbol: pos.instrument.symbol };
  });
  p.balances.forEach((b, i) => {
    if (!Number.isFinite(b.amount))
      throw new BallastError(
        'NOT_FINITE',
        `amount must be finite, got ${b.amount}`,
        `balances[${i}].amount`,
      );
    usdPrice(b.currency, snapshot, `balances[${i}].currency`);
    if (
      !table.pools.currencies.includes(b.currency) &&
      segregatedCollateral(p.balances, b.currency) !== 0
    )
      throw new BallastError(
        'INVALID_INPUT',
        `the engine's table has no ${b.currency} pool (no position settles in it and it was not given as a collateral pool): the balance cannot be margined`,
        `balances[${i}].currency`,
      );
  });
  return out.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/**
 * The pools the accounts' collateral needs besides their positions' settlement currencies
 * (margin/book.ts `settlementPools`): each currency whose balances in some account sum to a
 * non-zero amount and that the market prices (an unpriced one is that account's typed error),
 * sorted. Pass them to `buildInstrumentTable` / `buildReadingTables` as `collateral`.
 */
export function collateralPools(
  accounts: readonly AccountInput[],
  snapshot: MarketSnapshot,
): string[] {
  const out = new Set<string>();
  for (const acc of accounts)
    for (const b of acc.portfolio?.balances ?? []) {
      if (out.has(b.currency) || segregatedCollateral(acc.portfolio!.balances, b.currency) === 0)
        continue;
      try {
        usdPrice(b.currency, snapshot);
        out.add(b.currency);
      } catch (e) {
        // no price: `accountRows` gives this account its typed error
        if (!(e instanceof BallastError)) throw e;
      }
    }
  return [...out].sort();
}

/**
 * Loads accounts into CSR arrays (shared memory when `shared`, for worker threads). A bad
 * account keeps its slot, no positions, and its typed error.
 */
export function buildAccountBook(
  table: InstrumentTable,
  accounts: readonly AccountInput[],
  snapshot: MarketSnapshot,
  shared = false,
): AccountBook {
  const n = accounts.length;
  const nPools = table.pools.currencies.length;
  const errors = new Map<number, RowError>();
  const seen = new Set<string>();
  const lists = accounts.map((acc, a) => {
    if (acc.error) {
      errors.set(a, acc.error);
      return [];
    }
    if (seen.has(acc.id)) {
      errors.set(a, {
        code: 'INVALID_INPUT',
        field: 'id',
        message: `duplicate account id ${acc.id}`,
      });
      return [];
    }
    seen.add(acc.id);
    try {
      return accountRows(table, acc.portfolio!, snapshot);
    } catch (e) {
      errors.set(a, errorOf(e, 'account'));
      return [];
    }
  });
  const nnz = lists.reduce((s, l) => s + l.length, 0);
  const book = {
    nAccounts: n,
    ids: accounts.map((a) => a.id),
    ptr: int32(n + 1, shared),
    row: int32(nnz, shared),
    size: float64(nnz, shared),
    entry: float64(nnz, shared),
    collateral: float64(n * nPools, shared),
    errors,
  };
  let j = 0;
  lists.forEach((list, a) => {
    book.ptr[a] = j;
    for (const x of list) {
      book.row[j] = x.row;
      book.size[j] = x.size;
      book.entry[j] = x.entry;
      j++;
    }
    if (errors.has(a)) return;
    for (const b of accounts[a]!.portfolio!.balances) {
      const p = table.pools.currencies.indexOf(b.currency);
      if (p >= 0) book.collateral[a * nPools + p] = book.collateral[a * nPools + p]! + b.amount;
    }
  });
  book.ptr[n] = j;
  return book;
}

/** Bytes held per account by the book (positions, pointers, collateral; ids excluded). */
export function bookBytesPerAccount(book: AccountBook): number {
  const bytes =
    book.ptr.byteLength +
    book.row.byteLength +
    book.size.byteLength +
    book.entry.byteLength +
    book.collateral.byteLength;
  return bytes / Math.max(1, book.nAccounts);
}
