/**
 * A fresh, empty PostgreSQL database for one test file on the server CI runs
 * (`BALLAST_TEST_PG`, default postgres://postgres@127.0.0.1:5432/test; .ci/run starts it).
 * Dropped at the end.
 */
import pg from 'pg';

/** The admin URL tests connect to. */
export const PG_ADMIN_URL =
  process.env.BALLAST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Creates an empty database; returns its URL and a function dropping it. */
export async function freshPgDatabase(
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ballast_${label}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
