/**
 * Opens the store a `--db` value names: `postgres://…` or `postgresql://…` is PostgreSQL,
 * anything else a SQLite file path (`:memory:` a private in-memory database). Migrations are
 * applied on open. The default file lives under the user's data directory.
 */
import { mkdirSync } from 'node:fs';
import { BallastError } from '../core/errors.ts';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { openPgStore } from './pg-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** `$XDG_DATA_HOME/ballast/ballast.db`, or `~/.local/share/ballast/ballast.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'ballast', 'ballast.db');
}

/** True if `db` names a PostgreSQL server. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

/** Opens and migrates the store `db` names (see module doc). */
export async function openStore(db: string): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(db)) store = openPgStore(db);
  else {
    if (db !== ':memory:') mkdirSync(dirname(db), { recursive: true });
    store = openSqliteStore(db);
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    if (e instanceof BallastError) throw e;
    const where = isPostgresUrl(db) ? db.replace(/\/\/[^@/]*@/, '//…@') : db;
    throw new BallastError(
      'INVALID_INPUT',
      `cannot open the store ${where}: ${e instanceof Error ? e.message : String(e)}`,
      '--db',
    );
  }
  return store;
}
