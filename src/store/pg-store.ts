/**
 * The shared store: PostgreSQL through `pg` (a connection pool). Book updates lock the
 * account row (`SELECT … FOR UPDATE`) before reading the current version, so concurrent
 * read-modify-writes serialise and none is lost. Migrations run under an advisory lock so two
 * servers starting together apply each migration once.
 */
import pg from 'pg';
import { BallastError } from '../core/errors.ts';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from './migrations.ts';
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
import type { Account, Book, Store } from './store.ts';

/** An arbitrary constant naming Ballast's migration lock. */
const MIGRATION_LOCK = 4242_0001;

/** Opens a PostgreSQL store at `url` (`postgres://user@host:port/db`). */
export function openPgStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const q = async (sql: string, p: unknown[] = []): Promise<Row[]> =>
    (await pool.query(sql, p)).rows as Row[];
  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
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
  };
  const account = async (id: string): Promise<Account | undefined> => {
    const [r] = await q(`${ACCOUNT_SELECT} WHERE a.id = $1`, [id]);
    return r ? accountFromRow(r as Parameters<typeof accountFromRow>[0]) : undefined;
  };

  return {
    kind: 'postgres',
    migrate: () =>
      tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query(MIGRATIONS_TABLE);
        const cur = Number(
          (await c.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0,
        );
        for (const m of MIGRATIONS) {
          if (m.version <= cur) continue;
          for (const sql of m.statements('postgres')) await c.query(sql);
          await c.query('INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)', [
            m.version,
            Date.now(),
          ]);
        }
        return SCHEMA_VERSION;
      }),
    createAccount: (id, name, book, nowMs) =>
      tx(async (c) => {
        const ins = await c.query(
          'INSERT INTO accounts (id, name, version, updated_ms) VALUES ($1, $2, 1, $3) ON CONFLICT (id) DO NOTHING',
          [id, name, nowMs],
        );
        if (ins.rowCount === 0)
          throw new BallastError('CONFLICT', `an account "${id}" already exists`, 'id');
        await c.query(
          'INSERT INTO account_versions (account_id, version, book, created_ms) VALUES ($1, 1, $2, $3)',
          [id, bookToText(book), nowMs],
        );
        return { id, name, version: 1, book, updatedMs: nowMs };
      }),
    getAccount: account,
    listAccounts: async () =>
      (await q(`${ACCOUNT_SELECT} ORDER BY a.id`)).map((r) =>
        accountFromRow(r as Parameters<typeof accountFromRow>[0]),
      ),
    getBookVersion: async (id, version) => {
      const [r] = await q(
        'SELECT book FROM account_versions WHERE account_id = $1 AND version = $2',
        [id, version],
      );
      return r ? bookFromText(String(r.book)) : undefined;
    },
    updateBook: (id, change: (b: Book) => Book, nowMs, expected) =>
      tx(async (c) => {
        const lock = await c.query('SELECT version FROM accounts WHERE id = $1 FOR UPDATE', [id]);
        if (lock.rowCount === 0)
          throw new BallastError('NOT_FOUND', `no account "${id}"`, 'accountId');
        const [r] = (await c.query(`${ACCOUNT_SELECT} WHERE a.id = $1`, [id])).rows as Row[];
        const cur = accountFromRow(r as Parameters<typeof accountFromRow>[0]);
        if (expected !== undefined && expected !== cur.version)
          throw new BallastError(
            'CONFLICT',
            `the account is at version ${cur.version}, not ${expected}: reload it and retry`,
            'expectedVersion',
          );
        const next = cur.version + 1;
        const book = change(cur.book);
        await c.query(
          'INSERT INTO account_versions (account_id, version, book, created_ms) VALUES ($1, $2, $3, $4)',
          [id, next, bookToText(book), nowMs],
        );
        await c.query('UPDATE accounts SET version = $1, updated_ms = $2 WHERE id = $3', [
          next,
          nowMs,
          id,
        ]);
        return { ...cur, version: next, book, updatedMs: nowMs };
      }),
    putSnapshot: (id, document, meta) =>
      tx(async (c) => {
        await c.query(
          'INSERT INTO snapshots (id, as_of_ms, underlyings, hash, stored_ms, document) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
          [
            id,
            meta.asOfMs,
            JSON.stringify(meta.underlyings),
            meta.hash,
            meta.storedMs,
            JSON.stringify(document),
          ],
        );
        for (const u of meta.underlyings)
          await c.query(
            'INSERT INTO snapshot_underlyings (snapshot_id, underlying, as_of_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
            [id, u, meta.asOfMs],
          );
        return { id, ...meta };
      }),
    getSnapshot: async (id) => {
      const [r] = await q('SELECT * FROM snapshots WHERE id = $1', [id]);
      return r ? { meta: snapshotMeta(r), document: JSON.parse(String(r.document)) } : undefined;
    },
    listSnapshots: async () =>
      (
        await q(
          'SELECT id, as_of_ms, underlyings, hash, stored_ms FROM snapshots ORDER BY as_of_ms DESC, id',
        )
      ).map(snapshotMeta),
    latestSnapshot: async (underlying) => {
      const [r] = await q(
        `SELECT s.id, s.as_of_ms, s.underlyings, s.hash, s.stored_ms FROM snapshot_underlyings u
         JOIN snapshots s ON s.id = u.snapshot_id WHERE u.underlying = $1
         ORDER BY u.as_of_ms DESC, s.id LIMIT 1`,
        [underlying],
      );
      return r ? snapshotMeta(r) : undefined;
    },
    saveMargin: async (m) => {
      const [r] = await q(
        `INSERT INTO margin_results (account_id, account_version, snapshot_id, model, inputs_hash,
         initial_margin_usd, maintenance_margin_usd, equity_usd, result, computed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
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
        ],
      );
      return Number(r!.id);
    },
    marginHistory: async (accountId, limit) =>
      (
        await q('SELECT * FROM margin_results WHERE account_id = $1 ORDER BY id DESC LIMIT $2', [
          accountId,
          limit,
        ])
      )
        .map(marginRow)
        .reverse(),
    createKey: async (k) => {
      await q(
        'INSERT INTO api_keys (id, name, hash, accounts, read_only, created_ms) VALUES ($1, $2, $3, $4, $5, $6)',
        [k.id, k.name, k.hash, JSON.stringify(k.accounts), k.readOnly ? 1 : 0, k.createdMs],
      );
    },
    findKey: async (hash) => {
      const [r] = await q('SELECT * FROM api_keys WHERE hash = $1', [hash]);
      return r ? keyRow(r) : undefined;
    },
    countKeys: async () => Number((await q('SELECT COUNT(*) AS n FROM api_keys'))[0]?.n ?? 0),
    close: () => pool.end(),
  };
}
