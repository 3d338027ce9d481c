/**
 * The schema as numbered migrations, one list of statements per version, in SQL both SQLite
 * and PostgreSQL accept (TEXT, BIGINT, DOUBLE PRECISION; JSON kept as TEXT; only the
 * auto-numbered key differs by dialect). A store applies the
 * ones above its recorded version, each in one transaction, and records it in
 * `schema_migrations`.
 */

/** The SQL dialects the stores speak. */
export type Dialect = 'sqlite' | 'postgres';

/** An auto-numbered 64-bit primary key in `d`. */
const serialKey = (d: Dialect): string =>
  d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';

/** A numbered migration: its statements in a dialect. */
export interface Migration {
  readonly version: number;
  readonly statements: (d: Dialect) => string[];
}

/** Migration `version` → its statements. Append only; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (d) => [
      `CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL
      )`,
      `CREATE TABLE account_versions (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        version BIGINT NOT NULL,
        book TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        PRIMARY KEY (account_id, version)
      )`,
      `CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        as_of_ms BIGINT NOT NULL,
        underlyings TEXT NOT NULL,
        hash TEXT NOT NULL,
        stored_ms BIGINT NOT NULL,
        document TEXT NOT NULL
      )`,
      `CREATE TABLE snapshot_underlyings (
        snapshot_id TEXT NOT NULL REFERENCES snapshots(id),
        underlying TEXT NOT NULL,
        as_of_ms BIGINT NOT NULL,
        PRIMARY KEY (snapshot_id, underlying)
      )`,
      `CREATE INDEX snapshot_underlyings_latest ON snapshot_underlyings (underlying, as_of_ms)`,
      `CREATE TABLE margin_results (
        id ${serialKey(d)},
        account_id TEXT NOT NULL REFERENCES accounts(id),
        account_version BIGINT NOT NULL,
        snapshot_id TEXT,
        model TEXT NOT NULL,
        inputs_hash TEXT NOT NULL,
        initial_margin_usd DOUBLE PRECISION NOT NULL,
        maintenance_margin_usd DOUBLE PRECISION NOT NULL,
        equity_usd DOUBLE PRECISION NOT NULL,
        result TEXT NOT NULL,
        computed_ms BIGINT NOT NULL
      )`,
      `CREATE INDEX margin_results_account ON margin_results (account_id, id)`,
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        accounts TEXT NOT NULL,
        read_only INTEGER NOT NULL,
        created_ms BIGINT NOT NULL
      )`,
    ],
  },
];

/** The table recording applied migrations (same SQL in both dialects). */
export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)';

/** The newest schema version. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
