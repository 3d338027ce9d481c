/**
 * The statements both stores run besides account versioning (versioning.ts): migrations
 * bookkeeping, snapshots, margin results and API keys, with `?` placeholders
 * (`numberedPlaceholders` for PostgreSQL), and the parameter lists of the inserts.
 */
import type { ApiKeyRecord, MarginRecord, SnapshotMeta } from './store.ts';

/** Statements (`?` placeholders). */
export const STORE_SQL = {
  maxMigration: 'SELECT MAX(version) AS v FROM schema_migrations',
  insertMigration: 'INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)',
  insertSnapshot:
    'INSERT INTO snapshots (id, as_of_ms, underlyings, hash, stored_ms, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  insertSnapshotUnderlying:
    'INSERT INTO snapshot_underlyings (snapshot_id, underlying, as_of_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  snapshot: 'SELECT * FROM snapshots WHERE id = ?',
  snapshots:
    'SELECT id, as_of_ms, underlyings, hash, stored_ms FROM snapshots ORDER BY as_of_ms DESC, id',
  latestSnapshot: `SELECT s.id, s.as_of_ms, s.underlyings, s.hash, s.stored_ms FROM snapshot_underlyings u
         JOIN snapshots s ON s.id = u.snapshot_id WHERE u.underlying = ?
         ORDER BY u.as_of_ms DESC, s.id LIMIT 1`,
  insertMargin: `INSERT INTO margin_results (account_id, account_version, snapshot_id, model, inputs_hash,
           initial_margin_usd, maintenance_margin_usd, equity_usd, result, computed_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  marginHistory: 'SELECT * FROM margin_results WHERE account_id = ? ORDER BY id DESC LIMIT ?',
  insertKey:
    'INSERT INTO api_keys (id, name, hash, accounts, read_only, created_ms) VALUES (?, ?, ?, ?, ?, ?)',
  keyByHash: 'SELECT * FROM api_keys WHERE hash = ?',
  countKeys: 'SELECT COUNT(*) AS n FROM api_keys',
} as const;

/** Parameters of `insertSnapshot` (document as JSON text) and of each `insertSnapshotUnderlying`. */
export function snapshotParams(
  id: string,
  documentText: string,
  meta: Omit<SnapshotMeta, 'id'>,
): { snapshot: unknown[]; underlyings: unknown[][] } {
  return {
    snapshot: [
      id,
      meta.asOfMs,
      JSON.stringify(meta.underlyings),
      meta.hash,
      meta.storedMs,
      documentText,
    ],
    underlyings: meta.underlyings.map((u) => [id, u, meta.asOfMs]),
  };
}

/** Parameters of `insertMargin` (result as JSON text). */
export function marginParams(m: MarginRecord): unknown[] {
  return [
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
  ];
}

/** Parameters of `insertKey` (accounts as JSON text, read-only as 1/0). */
export function keyParams(k: ApiKeyRecord): unknown[] {
  return [k.id, k.name, k.hash, JSON.stringify(k.accounts), k.readOnly ? 1 : 0, k.createdMs];
}
