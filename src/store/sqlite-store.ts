/**
 * The embedded store: SQLite through better-sqlite3, in WAL mode with `synchronous = FULL`
 * (a committed write survives a process kill and a power cut), foreign keys on, and a busy
 * timeout so writers from other processes wait instead of failing. Book updates run in
 * `BEGIN IMMEDIATE` transactions: the write lock is taken before the current version is read,
 * so concurrent read-modify-writes serialise and none is lost.
 */
import Database from 'better-sqlite3';
import { BallastError } from '../core/errors.ts';
import {
  ACCOUNT_SELECT,
  accountFromRow,
  bookFromText,
  bookToText,
  keyRow,
  marginRow,
  snapshotMeta,
  type Row,
} from './rows.ts';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.ts';
import type { Account, Book, SnapshotMeta, Store } from './store.ts';

/** Opens (creating if needed) a SQLite store at `path` (`:memory:` for a private one). */
export function openSqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const get = (sql: string, ...p: unknown[]) => db.prepare(sql).get(...p) as Row | undefined;
  const all = (sql: string, ...p: unknown[]) => db.prepare(sql).all(...p) as Row[];
  const run = (sql: string, ...p: unknown[]) => db.prepare(sql).run(...p);

  const migrate = db.transaction((nowMs: number): number => {
    db.exec(MIGRATIONS_TABLE);
    const current = Number(get('SELECT MAX(version) AS v FROM schema_migrations')?.v ?? 0);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const sql of m.statements('sqlite')) db.exec(sql);
      run('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)', m.version, nowMs);
    }
    return SCHEMA_VERSION;
  });

  const account = (id: string): Account | undefined => {
    const r = get(`${ACCOUNT_SELECT} WHERE a.id = ?`, id);
    return r ? accountFromRow(r as Parameters<typeof accountFromRow>[0]) : undefined;
  };

  const update = db.transaction(
    (id: string, change: (b: Book) => Book, nowMs: number, expected?: number): Account => {
      const cur = account(id);
      if (!cur) throw new BallastError('NOT_FOUND', `no account "${id}"`, 'accountId');
      if (expected !== undefined && expected !== cur.version)
        throw new BallastError(
          'CONFLICT',
          `the account is at version ${cur.version}, not ${expected}: reload it and retry`,
          'expectedVersion',
        );
      const next = cur.version + 1;
      const book = change(cur.book);
      run(
        'INSERT INTO account_versions (account_id, version, book, created_ms) VALUES (?, ?, ?, ?)',
        id,
        next,
        bookToText(book),
        nowMs,
      );
      run('UPDATE accounts SET version = ?, updated_ms = ? WHERE id = ?', next, nowMs, id);
      return { ...cur, version: next, book, updatedMs: nowMs };
    },
  );

  const create = db.transaction((id: string, name: string, book: Book, nowMs: number) => {
    if (get('SELECT id FROM accounts WHERE id = ?', id))
      throw new BallastError('CONFLICT', `an account "${id}" already exists`, 'id');
    run(
      'INSERT INTO accounts (id, name, version, updated_ms) VALUES (?, ?, 1, ?)',
      id,
      name,
      nowMs,
    );
    run(
      'INSERT INTO account_versions (account_id, version, book, created_ms) VALUES (?, 1, ?, ?)',
      id,
      bookToText(book),
      nowMs,
    );
    return { id, name, version: 1, book, updatedMs: nowMs };
  });

  const putSnap = db.transaction((id: string, doc: string, meta: Omit<SnapshotMeta, 'id'>) => {
    run(
      'INSERT INTO snapshots (id, as_of_ms, underlyings, hash, stored_ms, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      id,
      meta.asOfMs,
      JSON.stringify(meta.underlyings),
      meta.hash,
      meta.storedMs,
      doc,
    );
    for (const u of meta.underlyings)
      run(
        'INSERT INTO snapshot_underlyings (snapshot_id, underlying, as_of_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        id,
        u,
        meta.asOfMs,
      );
  });

  return {
    kind: 'sqlite',
    migrate: async () => migrate.immediate(Date.now()),
    createAccount: async (id, name, book, nowMs) => create.immediate(id, name, book, nowMs),
    getAccount: async (id) => account(id),
    listAccounts: async () =>
      all(`${ACCOUNT_SELECT} ORDER BY a.id`).map((r) =>
        accountFromRow(r as Parameters<typeof accountFromRow>[0]),
      ),
    getBookVersion: async (id, version) => {
      const r = get(
        'SELECT book FROM account_versions WHERE account_id = ? AND version = ?',
        id,
        version,
      );
      return r ? bookFromText(String(r.book)) : undefined;
    },
    updateBook: async (id, change, nowMs, expected) =>
      update.immediate(id, change, nowMs, expected),
    putSnapshot: async (id, document, meta) => {
      putSnap.immediate(id, JSON.stringify(document), meta);
      return { id, ...meta };
    },
    getSnapshot: async (id) => {
      const r = get('SELECT * FROM snapshots WHERE id = ?', id);
      return r ? { meta: snapshotMeta(r), document: JSON.parse(String(r.document)) } : undefined;
    },
    listSnapshots: async () =>
      all(
        'SELECT id, as_of_ms, underlyings, hash, stored_ms FROM snapshots ORDER BY as_of_ms DESC, id',
      ).map(snapshotMeta),
    latestSnapshot: async (underlying) => {
      const r = get(
        `SELECT s.id, s.as_of_ms, s.underlyings, s.hash, s.stored_ms FROM snapshot_underlyings u
         JOIN snapshots s ON s.id = u.snapshot_id WHERE u.underlying = ?
         ORDER BY u.as_of_ms DESC, s.id LIMIT 1`,
        underlying,
      );
      return r ? snapshotMeta(r) : undefined;
    },
    saveMargin: async (m) =>
      Number(
        run(
          `INSERT INTO margin_results (account_id, account_version, snapshot_id, model, inputs_hash,
           initial_margin_usd, maintenance_margin_usd, equity_usd, result, computed_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          m.accountId,
          m.accountVersion,
          m.snapshotId,
          m.model,
          m.inputsHash,
          m.initialMarginUsd,
          m.maintenanceMarginUsd,
          m.equityUsd,
          JSON.stringify(m.result),
          m.computedMs,
        ).lastInsertRowid,
      ),
    marginHistory: async (accountId, limit) =>
      all(
        'SELECT * FROM margin_results WHERE account_id = ? ORDER BY id DESC LIMIT ?',
        accountId,
        limit,
      )
        .map(marginRow)
        .reverse(),
    createKey: async (k) => {
      run(
        'INSERT INTO api_keys (id, name, hash, accounts, read_only, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
        k.id,
        k.name,
        k.hash,
        JSON.stringify(k.accounts),
        k.readOnly ? 1 : 0,
        k.createdMs,
      );
    },
    findKey: async (hash) => {
      const r = get('SELECT * FROM api_keys WHERE hash = ?', hash);
      return r ? keyRow(r) : undefined;
    },
    countKeys: async () => Number(get('SELECT COUNT(*) AS n FROM api_keys')?.n ?? 0),
    close: async () => {
      db.close();
    },
  };
}
