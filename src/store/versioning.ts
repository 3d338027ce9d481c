/**
 * Account versioning, shared by both stores: creating an account writes version 1 of its book;
 * every change writes version n + 1 and moves the account's pointer to it, after checking the
 * caller's expected version (CONFLICT otherwise). The stores differ only in how they lock
 * (SQLite: an immediate transaction; PostgreSQL: `SELECT … FOR UPDATE`), so the statements,
 * their parameters and the rules live here. Statements use `?` placeholders;
 * `numberedPlaceholders` turns them into PostgreSQL's `$1, $2, …`.
 */
import { BallastError } from '../core/errors.ts';
import { ACCOUNT_SELECT, bookToText } from './rows.ts';
import type { Account, Book } from './store.ts';

/** The account-versioning statements (`?` placeholders). */
export const VERSION_SQL = {
  account: `${ACCOUNT_SELECT} WHERE a.id = ?`,
  accounts: `${ACCOUNT_SELECT} ORDER BY a.id`,
  accountExists: 'SELECT id FROM accounts WHERE id = ?',
  insertAccount: 'INSERT INTO accounts (id, name, version, updated_ms) VALUES (?, ?, 1, ?)',
  insertVersion:
    'INSERT INTO account_versions (account_id, version, book, created_ms) VALUES (?, ?, ?, ?)',
  setVersion: 'UPDATE accounts SET version = ?, updated_ms = ? WHERE id = ?',
  bookVersion: 'SELECT book FROM account_versions WHERE account_id = ? AND version = ?',
} as const;

/** `?` placeholders numbered `$1, $2, …` (PostgreSQL); the statements hold no other `?`. */
export function numberedPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** NOT_FOUND for a missing account. */
export function accountNotFound(id: string): BallastError {
  return new BallastError('NOT_FOUND', `no account "${id}"`, 'accountId');
}

/** CONFLICT for an id already taken. */
export function accountExists(id: string): BallastError {
  return new BallastError('CONFLICT', `an account "${id}" already exists`, 'id');
}

/** A new account at version 1 and the parameters of its two inserts. */
export function newAccount(
  id: string,
  name: string,
  book: Book,
  nowMs: number,
): { account: Account; accountParams: unknown[]; versionParams: unknown[] } {
  return {
    account: { id, name, version: 1, book, updatedMs: nowMs },
    accountParams: [id, name, nowMs],
    versionParams: [id, 1, bookToText(book), nowMs],
  };
}

/**
 * The next version of `cur` with `change` applied: CONFLICT if `expected` is given and is not
 * the current version; the account after, and the parameters of the version insert and the
 * pointer update.
 */
export function nextVersion(
  cur: Account,
  change: (b: Book) => Book,
  nowMs: number,
  expected: number | undefined,
): { account: Account; versionParams: unknown[]; setParams: unknown[] } {
  if (expected !== undefined && expected !== cur.version)
    throw new BallastError(
      'CONFLICT',
      `the account is at version ${cur.version}, not ${expected}: reload it and retry`,
      'expectedVersion',
    );
  const next = cur.version + 1;
  const book = change(cur.book);
  return {
    account: { ...cur, version: next, book, updatedMs: nowMs },
    versionParams: [cur.id, next, bookToText(book), nowMs],
    setParams: [next, nowMs, cur.id],
  };
}
