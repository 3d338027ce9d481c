/**
 * Rows to records, shared by the stores: a stored book as JSON text and back (the
 * `ballast.portfolio/1` positions/balances shape, so a stored book reads as a portfolio),
 * accounts, snapshot metadata, margin results and API keys. Numbers come back as numbers
 * whatever the driver returns for BIGINT.
 */
import type { Account, ApiKeyRecord, Book, MarginRecord, SnapshotMeta } from './store.ts';

/** Serialises a book (positions and balances only, in order). */
export function bookToText(b: Book): string {
  return JSON.stringify({ positions: b.positions, balances: b.balances });
}

/** Parses a stored book. */
export function bookFromText(text: string): Book {
  const v = JSON.parse(text) as Book;
  return { positions: v.positions ?? [], balances: v.balances ?? [] };
}

/** An account from its row and current book text. */
export function accountFromRow(row: {
  id: string;
  name: string;
  version: number | string;
  updated_ms: number | string;
  book: string;
}): Account {
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    updatedMs: Number(row.updated_ms),
    book: bookFromText(row.book),
  };
}

/** A result row as the drivers return it. */
export type Row = Record<string, unknown>;

/** Accounts joined with their current book (SQL both dialects accept). */
export const ACCOUNT_SELECT = `SELECT a.id, a.name, a.version, a.updated_ms, v.book
  FROM accounts a JOIN account_versions v ON v.account_id = a.id AND v.version = a.version`;

/** Snapshot metadata from its row. */
export function snapshotMeta(r: Row): SnapshotMeta {
  return {
    id: String(r.id),
    asOfMs: Number(r.as_of_ms),
    underlyings: JSON.parse(String(r.underlyings)) as string[],
    hash: String(r.hash),
    storedMs: Number(r.stored_ms),
  };
}

/** A stored margin result from its row. */
export function marginRow(r: Row): MarginRecord & { id: number } {
  return {
    id: Number(r.id),
    accountId: String(r.account_id),
    accountVersion: Number(r.account_version),
    snapshotId: r.snapshot_id === null ? null : String(r.snapshot_id),
    model: String(r.model),
    inputsHash: String(r.inputs_hash),
    initialMarginUsd: Number(r.initial_margin_usd),
    maintenanceMarginUsd: Number(r.maintenance_margin_usd),
    equityUsd: Number(r.equity_usd),
    result: JSON.parse(String(r.result)),
    computedMs: Number(r.computed_ms),
  };
}

/** An API key record from its row. */
export function keyRow(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    hash: String(r.hash),
    accounts: JSON.parse(String(r.accounts)) as string[],
    readOnly: Number(r.read_only) === 1,
    createdMs: Number(r.created_ms),
  };
}
