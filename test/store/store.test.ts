/**
 * One suite, two stores: SQLite (a temporary file) and a real PostgreSQL server, each from an
 * empty database through the migrations. Same calls, same expected results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { SCHEMA_VERSION } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Book, Store } from '../../src/store/store.ts';
import { freshPgDatabase } from './pg-test-db.ts';

const EMPTY: Book = { positions: [], balances: [{ currency: 'BTC', amount: 1 }] };

interface Backend {
  name: string;
  open: () => Promise<{ url: string; cleanup: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ballast-store-'));
      return {
        url: join(dir, 'ballast.db'),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db = await freshPgDatabase('store');
      return { url: db.url, cleanup: db.drop };
    },
  },
];

describe.each(backends)('store: $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    ({ url, cleanup } = await backend.open());
    store = await openStore(url);
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  }, 30_000);

  it('migrates an empty database to the newest schema, and again is a no-op', async () => {
    expect(await store.migrate()).toBe(SCHEMA_VERSION);
    expect(await store.migrate()).toBe(SCHEMA_VERSION);
    expect(await store.listAccounts()).toEqual([]);
  });

  it('creates an account at version 1 and versions every change', async () => {
    const a = await store.createAccount('acct-1', 'Desk A', EMPTY, 1000);
    expect(a.version).toBe(1);
    const b = await store.updateBook(
      'acct-1',
      (book) => ({
        ...book,
        positions: [...book.positions, { instrument: 'BTC-PERPETUAL', size: -0.5 }],
      }),
      2000,
    );
    expect(b.version).toBe(2);
    expect(b.book.positions).toEqual([{ instrument: 'BTC-PERPETUAL', size: -0.5 }]);
    expect(await store.getBookVersion('acct-1', 1)).toEqual(EMPTY);
    expect((await store.getBookVersion('acct-1', 2))?.positions).toHaveLength(1);
    expect(await store.getBookVersion('acct-1', 3)).toBeUndefined();
    const got = await store.getAccount('acct-1');
    expect(got).toEqual({
      id: 'acct-1',
      name: 'Desk A',
      version: 2,
      book: b.book,
      updatedMs: 2000,
    });
  });

  it('refuses a duplicate account, an unknown account and a stale expected version', async () => {
    const codes = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e) => (isBallastError(e) ? e.code : String(e)),
      );
    expect(await codes(store.createAccount('acct-1', 'again', EMPTY, 1))).toBe('CONFLICT');
    expect(await codes(store.updateBook('nope', (b) => b, 1))).toBe('NOT_FOUND');
    expect(await codes(store.updateBook('acct-1', (b) => b, 1, 1))).toBe('CONFLICT');
    expect((await store.getAccount('acct-1'))?.version).toBe(2);
  });

  it('concurrent writers to one account lose nothing (50 appends in parallel)', async () => {
    await store.createAccount('busy', 'Busy', { positions: [], balances: [] }, 0);
    const n = 50;
    const writes = Array.from({ length: n }, (_, k) =>
      store.updateBook(
        'busy',
        (b) => ({
          ...b,
          positions: [...b.positions, { instrument: `BTC-PERPETUAL`, size: k + 1 }],
        }),
        k,
      ),
    );
    const results = await Promise.all(writes);
    expect(new Set(results.map((r) => r.version)).size).toBe(n);
    const final = await store.getAccount('busy');
    expect(final?.version).toBe(n + 1);
    const sizes = final!.book.positions.map((p) => p.size).sort((x, y) => x - y);
    expect(sizes).toEqual(Array.from({ length: n }, (_, k) => k + 1));
  });

  it('concurrent writers from two connections to one account lose nothing', async () => {
    const other = await openStore(url);
    try {
      const n = 20;
      const before = (await store.getAccount('busy'))!;
      const writes = Array.from({ length: n }, (_, k) =>
        (k % 2 ? store : other).updateBook(
          'busy',
          (b) => ({ ...b, balances: [...b.balances, { currency: 'USDC', amount: k }] }),
          k,
        ),
      );
      await Promise.all(writes);
      const after = (await store.getAccount('busy'))!;
      expect(after.version).toBe(before.version + n);
      expect(after.book.balances.map((b) => b.amount).sort((x, y) => x - y)).toEqual(
        Array.from({ length: n }, (_, k) => k),
      );
    } finally {
      await other.close();
    }
  });

  it('stores snapshots and finds the latest per underlying', async () => {
    await store.putSnapshot(
      's1',
      { a: 1 },
      { asOfMs: 100, underlyings: ['BTC', 'ETH'], hash: 'h1', storedMs: 1 },
    );
    await store.putSnapshot(
      's2',
      { a: 2 },
      { asOfMs: 200, underlyings: ['BTC'], hash: 'h2', storedMs: 2 },
    );
    expect((await store.latestSnapshot('BTC'))?.id).toBe('s2');
    expect((await store.latestSnapshot('ETH'))?.id).toBe('s1');
    expect(await store.latestSnapshot('SOL')).toBeUndefined();
    expect((await store.listSnapshots()).map((s) => s.id)).toEqual(['s2', 's1']);
    expect(await store.getSnapshot('s1')).toEqual({
      meta: { id: 's1', asOfMs: 100, underlyings: ['BTC', 'ETH'], hash: 'h1', storedMs: 1 },
      document: { a: 1 },
    });
  });

  it('stores margin results with their inputs hash, oldest first in the history', async () => {
    for (let k = 0; k < 3; k++)
      await store.saveMargin({
        accountId: 'acct-1',
        accountVersion: 2,
        snapshotId: 's1',
        model: 'deribit-pm',
        inputsHash: `hash-${k}`,
        initialMarginUsd: 100 + k,
        maintenanceMarginUsd: 80 + k,
        equityUsd: 1000,
        result: { k },
        computedMs: 10 + k,
      });
    const h = await store.marginHistory('acct-1', 2);
    expect(h.map((r) => r.inputsHash)).toEqual(['hash-1', 'hash-2']);
    expect(h[1]).toMatchObject({ initialMarginUsd: 102, result: { k: 2 }, snapshotId: 's1' });
  });

  it('stores API keys by hash with their scope', async () => {
    expect(await store.countKeys()).toBe(0);
    await store.createKey({
      id: 'k1',
      name: 'ops',
      hash: 'ab'.repeat(32),
      accounts: ['acct-1'],
      readOnly: true,
      createdMs: 5,
    });
    expect(await store.countKeys()).toBe(1);
    expect(await store.findKey('ab'.repeat(32))).toEqual({
      id: 'k1',
      name: 'ops',
      hash: 'ab'.repeat(32),
      accounts: ['acct-1'],
      readOnly: true,
      createdMs: 5,
    });
    expect(await store.findKey('cd'.repeat(32))).toBeUndefined();
  });
});
