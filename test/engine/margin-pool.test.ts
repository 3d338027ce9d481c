import { describe, expect, it } from 'vitest';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { buildInstrumentTable } from '../../src/engine/instrument-table.ts';
import { syntheticAccounts } from '../../src/engine/synthetic.ts';
import { batchResults } from '../../src/engine/results.ts';
import { marginAccounts } from '../../src/engine/deribit-pm-batch.ts';
import { marginPool } from '../../src/workers/margin-pool.ts';
import { buildReadingTables, marginAccountsOverReadings } from '../../src/engine/reading-tables.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// Two worker threads over shared memory give the same bits as the calling thread.
describe('margin pool (worker threads, shared memory)', () => {
  it('2 workers = this thread, to the bit; a subset list re-margins only those accounts', async () => {
    const market = prepareDeribitPm(realSnapshot(), deribitPmModel.defaultParams);
    const table = buildInstrumentTable(market, realInstruments(), true);
    const book = syntheticAccounts(table, { accounts: 3000, positions: 8, seed: 3, shared: true });
    const local = batchResults(book.nAccounts);
    marginAccounts(table, book, local, 0, book.nAccounts);
    const shared = batchResults(book.nAccounts, true);
    const pool = marginPool(2);
    try {
      expect(await pool.run(table, book, shared)).toBe(3000);
      expect(Array.from(shared.initialMargin)).toEqual(Array.from(local.initialMargin));
      expect(Array.from(shared.equity)).toEqual(Array.from(local.equity));
      expect(Array.from(shared.state)).toEqual(Array.from(local.state));
      const subset = batchResults(book.nAccounts, true);
      const list = Int32Array.from([5, 17, 2999]);
      expect(await pool.run(table, book, subset, 0, list.length, list)).toBe(3);
      expect(subset.initialMargin[17]).toBe(local.initialMargin[17]);
      expect(subset.initialMargin[16]).toBe(0);
    } finally {
      await pool.close();
    }
    expect(local.initialMargin.some((x) => x > 0)).toBe(true);
  }, 120_000);

  it('over the hypothesis readings (shared columns in shared memory): 2 workers = this thread', async () => {
    const market = prepareDeribitPm(realSnapshot(), deribitPmModel.defaultParams);
    const rt = buildReadingTables(market, realInstruments(), true);
    expect(rt.columns.cols.buffer).toBeInstanceOf(SharedArrayBuffer);
    const book = syntheticAccounts(rt.tables[0]!, {
      accounts: 2000,
      positions: 8,
      seed: 4,
      shared: true,
    });
    const local = batchResults(book.nAccounts);
    marginAccountsOverReadings(rt, book, local, 0, book.nAccounts);
    const shared = batchResults(book.nAccounts, true);
    const pool = marginPool(2);
    try {
      expect(await pool.run(rt, book, shared)).toBe(2000);
    } finally {
      await pool.close();
    }
    expect(Array.from(shared.initialMargin)).toEqual(Array.from(local.initialMargin));
    expect(Array.from(shared.maintenanceMargin)).toEqual(Array.from(local.maintenanceMargin));
    expect(Array.from(shared.state)).toEqual(Array.from(local.state));
    expect(local.initialMargin.some((x) => x > 0)).toBe(true);
  }, 120_000);
});
