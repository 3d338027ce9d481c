/**
 * The shared store: PostgreSQL through `pg` (a connection pool). Book updates lock the
 * account row (`SELECT … FOR UPDATE`) before reading the current version, so concurrent
 * read-modify-writes serialise and none is lost. Migrations run under an advisory lock so two
 * servers starting together apply each migration once. Statements, versioning rules and row
 * mapping are shared with the SQLite store (versioning.ts, statements.ts, rows.ts).
 */
import pg from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.ts';
import { accountFromRow, bookFromText, keyRow, marginRow, snapshotMeta, type Row } from './rows.ts';
import { keyParams, marginParams, snapshotParams, STORE_SQL } from './statements.ts';
import type { Account, Book, Store } from './store.ts';
import {
  accountExists,
  accountNotFound,
  newAccount,
  nextVersion,
  numberedPlaceholders as $,
  VERSION_SQL,
} from './versioning.ts';

/** An arbitrary constant naming Ballast's migration lock. */
const MIGRATION_LOCK = 4242_0001;

/** Pool helpers: a query and a transaction (BEGIN … COMMIT, ROLLBACK on error). */
interface Pg {
  q(sql: string, p?: unknown[]): Promise<Row[]>;
  tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
}

/** Applies pending migrations under the advisory lock; returns the schema version. */
function pgMigrate(p: Pg): Promise<number> {
  return p.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query(MIGRATIONS_TABLE);
    const cur = Number((await c.query(STORE_SQL.maxMigration)).rows[0]?.v ?? 0);
    for (const m of MIGRATIONS) {
      if (m.version <= cur) continue;
      for (const sql of m.statements('postgres')) await c.query(sql);
      await c.query($(STORE_SQL.insertMigration), [m.version, Date.now()]);
    }
    return SCHEMA_VERSION;
  });
}

/** Accounts and their versions (updates lock the account row first). */
function pgAccounts(
  p: Pg,
): Pick<Store, 'createAccount' | 'getAccount' | 'listAccounts' | 'getBookVersion' | 'updateBook'> {
  const account = async (id: string): Promise<Account | undefined> => {
    const [r] = await p.q($(VERSION_SQL.account), [id]);
    return r ? accountFromRow(r as Parameters<typeof accountFromRow>[0]) : undefined;
  };
  return {
    createAccount: (id, name, book, nowMs) =>
      p.tx(async (c) => {
        const a = newAccount(id, name, book, nowMs);
        const ins = await c.query(
          `${$(VERSION_SQL.insertAccount)} ON CONFLICT (id) DO NOTHING`,
          a.accountParams,
        );
        if (ins.rowCount === 0) throw accountExists(id);
        await c.query($(VERSION_SQL.insertVersion), a.versionParams);
        return a.account;
      }),
    getAccount: account,
    listAccounts: async () =>
      (await p.q(VERSION_SQL.accounts)).map((r) =>
        accountFromRow(r as Parameters<typeof accountFromRow>[0]),
      ),
    getBookVersion: async (id, version) => {
      const [r] = await p.q($(VERSION_SQL.bookVersion), [id, version]);
      return r ? bookFromText(String(r.book)) : undefined;
    },
    updateBook: (id, change: (b: Book) => Book, nowMs, expected) =>
      p.tx(async (c) => {
        const lock = await c.query('SELECT version FROM accounts WHERE id = $1 FOR UPDATE', [id]);
        if (lock.rowCount === 0) throw accountNotFound(id);
        const [r] = (await c.query($(VERSION_SQL.account), [id])).rows as Row[];
        const cur = accountFromRow(r as Parameters<typeof accountFromRow>[0]);
        const next = nextVersion(cur, change, nowMs, expected);
        await c.query($(VERSION_SQL.insertVersion), next.versionParams);
        await c.query($(VERSION_SQL.setVersion), next.setParams);
        return next.account;
      }),
  };
}

/** Snapshots, margin results and API keys. */
function pgRecords(
  p: Pg,
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
  return {
    putSnapshot: (id, document, meta) =>
      p.tx(async (c) => {
        const sp = snapshotParams(id, JSON.stringify(document), meta);
        await c.query($(STORE_SQL.insertSnapshot), sp.snapshot);
        for (const u of sp.underlyings) await c.query($(STORE_SQL.insertSnapshotUnderlying), u);
        return { id, ...meta };
      }),
    getSnapshot: async (id) => {
      const [r] = await p.q($(STORE_SQL.snapshot), [id]);
      return r ? { meta: snapshotMeta(r), document: JSON.parse(String(r.document)) } : undefined;
    },
    listSnapshots: async () => (await p.q(STORE_SQL.snapshots)).map(snapshotMeta),
    latestSnapshot: async (underlying) => {
      const [r] = await p.q($(STORE_SQL.latestSnapshot), [underlying]);
      return r ? snapshotMeta(r) : undefined;
    },
    saveMargin: async (m) => {
      const [r] = await p.q(`${$(STORE_SQL.insertMargin)} RETURNING id`, marginParams(m));
      return Number(r!.id);
    },
    marginHistory: async (accountId, limit) =>
      (await p.q($(STORE_SQL.marginHistory), [accountId, limit])).map(marginRow).reverse(),
    createKey: async (k) => {
      await p.q($(STORE_SQL.insertKey), keyParams(k));
    },
    findKey: async (hash) => {
      const [r] = await p.q($(STORE_SQL.keyByHash), [hash]);
      return r ? keyRow(r) : undefined;
    },
    countKeys: async () => Number((await p.q(STORE_SQL.countKeys))[0]?.n ?? 0),
  };
}

/** Opens a PostgreSQL store at `url` (`postgres://user@host:port/db`). */
export function openPgStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle client the server terminates (restart, dropped database: 57P01) emits 'error' on
  // the pool; without a listener that is an uncaught exception. The next query checks out a
  // fresh client or fails as a typed error.
  pool.on('error', () => undefined);
  const p: Pg = {
    q: async (sql, params = []) => (await pool.query(sql, params)).rows as Row[],
    tx: async (fn) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      } finally {
        c.release();
      }
    },
  };
  return {
    kind: 'postgres',
    migrate: () => pgMigrate(p),
    ...pgAccounts(p),
    ...pgRecords(p),
    close: () => pool.end(),
  };
}
