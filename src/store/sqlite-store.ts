/**
 * The embedded store: SQLite through better-sqlite3, in WAL mode with `synchronous = FULL`
 * (a committed write survives a process kill and a power cut), foreign keys on, and a busy
 * timeout so writers from other processes wait instead of failing. Book updates run in
 * `BEGIN IMMEDIATE` transactions: the write lock is taken before the current version is read,
 * so concurrent read-modify-writes serialise and none is lost. Statements, versioning rules
 * and row mapping are shared with the PostgreSQL store (versioning.ts, statements.ts, rows.ts).
 */
import Database from 'better-sqlite3';
import { accountFromRow, bookFromText, keyRow, marginRow, snapshotMeta, type Row } from './rows.ts';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.ts';
import { marginParams, keyParams, snapshotParams, STORE_SQL } from './statements.ts';
import type { Account, Book, SnapshotMeta, Store } from './store.ts';
import {
  accountExists,
  accountNotFound,
  newAccount,
  nextVersion,
  VERSION_SQL,
} from './versioning.ts';

/** Synchronous statement helpers over one connection. */
interface Sql {
  readonly db: Database.Database;
  get(sql: string, ...p: unknown[]): Row | undefined;
  all(sql: string, ...p: unknown[]): Row[];
  run(sql: string, ...p: unknown[]): Database.RunResult;
}

/** Accounts and their versions (every write an immediate transaction). */
function sqliteAccounts(
  s: Sql,
): Pick<Store, 'createAccount' | 'getAccount' | 'listAccounts' | 'getBookVersion' | 'updateBook'> {
  const account = (id: string): Account | undefined => {
    const r = s.get(VERSION_SQL.account, id);
    return r ? accountFromRow(r as Parameters<typeof accountFromRow>[0]) : undefined;
  };
  const update = s.db.transaction(
    (id: string, change: (b: Book) => Book, nowMs: number, expected?: number): Account => {
      const cur = account(id);
      if (!cur) throw accountNotFound(id);
      const next = nextVersion(cur, change, nowMs, expected);
      s.run(VERSION_SQL.insertVersion, ...next.versionParams);
      s.run(VERSION_SQL.setVersion, ...next.setParams);
      return next.account;
    },
  );
  const create = s.db.transaction((id: string, name: string, book: Book, nowMs: number) => {
    if (s.get(VERSION_SQL.accountExists, id)) throw accountExists(id);
    const a = newAccount(id, name, book, nowMs);
    s.run(VERSION_SQL.insertAccount, ...a.accountParams);
    s.run(VERSION_SQL.insertVersion, ...a.versionParams);
    return a.account;
  });
  return {
    createAccount: async (id, name, book, nowMs) => create.immediate(id, name, book, nowMs),
    getAccount: async (id) => account(id),
    listAccounts: async () =>
      s
        .all(VERSION_SQL.accounts)
        .map((r) => accountFromRow(r as Parameters<typeof accountFromRow>[0])),
    getBookVersion: async (id, version) => {
      const r = s.get(VERSION_SQL.bookVersion, id, version);
      return r ? bookFromText(String(r.book)) : undefined;
    },
    updateBook: async (id, change, nowMs, expected) =>
      update.immediate(id, change, nowMs, expected),
  };
}

/** Snapshots, margin results and API keys. */
function sqliteRecords(
  s: Sql,
): Pick<
  Store,
  | 'putSnapshot'
  | 'getSnapshot'
  | 'listSnapshots'
  | 'latestSnapshot'
  | 'saveMargin'
  | 'marginHistory'
  | 'createKey'
  | 'findKey'
  | 'countKeys'
> {
  const putSnap = s.db.transaction((id: string, doc: string, meta: Omit<SnapshotMeta, 'id'>) => {
    const p = snapshotParams(id, doc, meta);
    s.run(STORE_SQL.insertSnapshot, ...p.snapshot);
    for (const u of p.underlyings) s.run(STORE_SQL.insertSnapshotUnderlying, ...u);
  });
  return {
    putSnapshot: async (id, document, meta) => {
      putSnap.immediate(id, JSON.stringify(document), meta);
      return { id, ...meta };
    },
    getSnapshot: async (id) => {
      const r = s.get(STORE_SQL.snapshot, id);
      return r ? { meta: snapshotMeta(r), document: JSON.parse(String(r.document)) } : undefined;
    },
    listSnapshots: async () => s.all(STORE_SQL.snapshots).map(snapshotMeta),
    latestSnapshot: async (underlying) => {
      const r = s.get(STORE_SQL.latestSnapshot, underlying);
      return r ? snapshotMeta(r) : undefined;
    },
    saveMargin: async (m) =>
      Number(s.run(STORE_SQL.insertMargin, ...marginParams(m)).lastInsertRowid),
    marginHistory: async (accountId, limit) =>
      s.all(STORE_SQL.marginHistory, accountId, limit).map(marginRow).reverse(),
    createKey: async (k) => {
      s.run(STORE_SQL.insertKey, ...keyParams(k));
    },
    findKey: async (hash) => {
      const r = s.get(STORE_SQL.keyByHash, hash);
      return r ? keyRow(r) : undefined;
    },
    countKeys: async () => Number(s.get(STORE_SQL.countKeys)?.n ?? 0),
  };
}

/** Opens (creating if needed) a SQLite store at `path` (`:memory:` for a private one). */
export function openSqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const s: Sql = {
    db,
    get: (sql, ...p) => db.prepare(sql).get(...p) as Row | undefined,
    all: (sql, ...p) => db.prepare(sql).all(...p) as Row[],
    run: (sql, ...p) => db.prepare(sql).run(...p),
  };
  const migrate = db.transaction((nowMs: number): number => {
    db.exec(MIGRATIONS_TABLE);
    const current = Number(s.get(STORE_SQL.maxMigration)?.v ?? 0);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const sql of m.statements('sqlite')) db.exec(sql);
      s.run(STORE_SQL.insertMigration, m.version, nowMs);
    }
    return SCHEMA_VERSION;
  });
  return {
    kind: 'sqlite',
    migrate: async () => migrate.immediate(Date.now()),
    ...sqliteAccounts(s),
    ...sqliteRecords(s),
    close: async () => {
      db.close();
    },
  };
}
