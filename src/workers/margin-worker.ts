/**
 * Worker-thread side of the parallel batch: margins one range of accounts. The table, the
 * account book and the results arrive as views on SharedArrayBuffers (shared, not copied);
 * the worker writes its range of the results in place and returns how many it margined.
 */
import type { AccountBook } from '../engine/account-book.ts';
import { batchScratch, marginAccounts, type BatchScratch } from '../engine/deribit-pm-batch.ts';
import type { InstrumentTable } from '../engine/instrument-table.ts';
import type { BatchResults } from '../engine/results.ts';
import { marginAccountsOverReadings, type ReadingTables } from '../engine/reading-tables.ts';

/** One task: accounts `from` ≤ a < `to`. */
export interface MarginTask {
  /** One table (its reading), or one per reading (the highest is charged). */
  readonly table: InstrumentTable | ReadingTables;
  readonly book: AccountBook;
  readonly results: BatchResults;
  readonly from: number;
  readonly to: number;
  /** Account indices to margin (`list[from..to)`), else the range itself. */
  readonly list?: Int32Array;
}

let scratch: { table: unknown; s: BatchScratch } | undefined;

/** Margins the task's range (scratch reused while the table's unit matrix is the same). */
export default function marginTask(task: MarginTask): number {
  const base = 'tables' in task.table ? task.table.tables[0]! : task.table;
  const key = base.rows.unit.buffer;
  if (!scratch || scratch.table !== key) scratch = { table: key, s: batchScratch(base) };
  if ('tables' in task.table)
    return marginAccountsOverReadings(
      task.table,
      task.book,
      task.results,
      task.from,
      task.to,
      scratch.s,
      task.list,
    );
  return marginAccounts(
    task.table,
    task.book,
    task.results,
    task.from,
    task.to,
    scratch.s,
    task.list,
  );
}
