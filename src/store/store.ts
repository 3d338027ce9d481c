/**
 * The repository interface every store implements (SQLite: sqlite-store.ts, PostgreSQL:
 * pg-store.ts). Accounts hold a book (positions and balances, the `ballast.portfolio/1` JSON
 * shape); every change writes a new numbered version and keeps the old ones. Market snapshots
 * are stored as their JSON documents; every margin result with its inputs hash; API keys only
 * as SHA-256 hashes. Timestamps are ms since the epoch, passed in by the caller (the clock is
 * the adapter's).
 */

/** A position as stored: a venue symbol and a signed size in coins. */
export interface StoredPosition {
  readonly instrument: string;
  readonly size: number;
  readonly entryPrice?: number;
}

/** A balance as stored: currency and signed amount in that currency. */
export interface StoredBalance {
  readonly currency: string;
  readonly amount: number;
}

/** An account's book at one version. */
export interface Book {
  readonly positions: readonly StoredPosition[];
  readonly balances: readonly StoredBalance[];
}

/** An account at its current version. */
export interface Account {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly book: Book;
  readonly updatedMs: number;
}

/** One stored market snapshot's metadata. */
export interface SnapshotMeta {
  readonly id: string;
  readonly asOfMs: number;
  readonly underlyings: readonly string[];
  readonly hash: string;
  readonly storedMs: number;
}

/** A margin result to store (the full result JSON with its inputs hash). */
export interface MarginRecord {
  readonly accountId: string;
  readonly accountVersion: number;
  readonly snapshotId: string | null;
  readonly model: string;
  readonly inputsHash: string;
  readonly initialMarginUsd: number;
  readonly maintenanceMarginUsd: number;
  readonly equityUsd: number;
  readonly result: unknown;
  readonly computedMs: number;
}

/** A stored API key (the key itself is never stored, only its SHA-256 hex). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly hash: string;
  /** Account ids the key may touch; empty = every account. */
  readonly accounts: readonly string[];
  readonly readOnly: boolean;
  readonly createdMs: number;
}

/** The repository. Every write is one transaction; reads see committed data only. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Applies pending migrations (idempotent); returns the schema version. */
  migrate(): Promise<number>;
  createAccount(id: string, name: string, book: Book, nowMs: number): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** The book at `version` (undefined if there is no such version). */
  getBookVersion(id: string, version: number): Promise<Book | undefined>;
  /**
   * Reads the current book, applies `change` and writes the next version, atomically (a row
   * lock in PostgreSQL, an immediate transaction in SQLite): concurrent writers serialise and
   * none is lost. With `expectedVersion`, a different current version is a CONFLICT.
   */
  updateBook(
    id: string,
    change: (book: Book) => Book,
    nowMs: number,
    expectedVersion?: number,
  ): Promise<Account>;
  putSnapshot(id: string, document: unknown, meta: Omit<SnapshotMeta, 'id'>): Promise<SnapshotMeta>;
  getSnapshot(id: string): Promise<{ meta: SnapshotMeta; document: unknown } | undefined>;
  listSnapshots(): Promise<SnapshotMeta[]>;
  /** The newest snapshot (by as-of time) covering `underlying`. */
  latestSnapshot(underlying: string): Promise<SnapshotMeta | undefined>;
  saveMargin(record: MarginRecord): Promise<number>;
  marginHistory(accountId: string, limit: number): Promise<(MarginRecord & { id: number })[]>;
  createKey(key: ApiKeyRecord): Promise<void>;
  findKey(hash: string): Promise<ApiKeyRecord | undefined>;
  countKeys(): Promise<number>;
  close(): Promise<void>;
}
