/**
 * Parallel batch margin over worker threads (piscina): the instrument table, the account
 * book and the results live in SharedArrayBuffers, so each worker reads the same matrix and
 * writes its own range of results; nothing per account is copied. With 0 workers the batch
 * runs in the calling thread (the same kernel).
 */
import { Piscina } from 'piscina';
import type { AccountBook } from '../engine/account-book.ts';
import { batchScratch, marginAccounts } from '../engine/deribit-pm-batch.ts';
import type { InstrumentTable } from '../engine/instrument-table.ts';
import { marginAccountsOverReadings, type ReadingTables } from '../engine/reading-tables.ts';
import type { BatchResults } from '../engine/results.ts';
import type { MarginTask } from './margin-worker.ts';

/** A pool of margin workers (or the calling thread when `workers` is 0). */
export interface MarginPool {
  readonly workers: number;
  /**
   * Margins accounts [from, to) of `book` (or `list[from..to)`, account indices) into
   * `results`; resolves to the count. Given `ReadingTables`, each account is charged the
   * highest over the hypothesis readings (engine/reading-tables.ts); given one table, that
   * table's reading.
   */
  run(
    table: InstrumentTable | ReadingTables,
    book: AccountBook,
    results: BatchResults,
    from?: number,
    to?: number,
    list?: Int32Array,
  ): Promise<number>;
  close(): Promise<void>;
}

const baseOf = (t: InstrumentTable | ReadingTables): InstrumentTable =>
  'tables' in t ? t.tables[0]! : t;

/** True if every array a worker reads or writes is backed by a SharedArrayBuffer. */
function allShared(
  table: InstrumentTable | ReadingTables,
  book: AccountBook,
  results: BatchResults,
): boolean {
  const units =
    'tables' in table
      ? [...table.tables.map((t) => t.rows.unit), table.columns.cols, table.columns.colOf]
      : [table.rows.unit];
  const arrays = [...units, book.row, book.size, book.ptr, results.equity, results.state];
  return arrays.every((a) => a.buffer instanceof SharedArrayBuffer);
}

const list0 = (book: AccountBook): number => book.nAccounts;

/** Starts a pool of `workers` threads (0: run in this thread). */
export function marginPool(workers: number): MarginPool {
  if (workers <= 0) {
    return {
      workers: 0,
      run: async (table, book, results, from = 0, to = list0(book), list) =>
        'tables' in table
          ? marginAccountsOverReadings(
              table,
              book,
              results,
              from,
              list ? Math.min(to, list.length) : to,
              batchScratch(baseOf(table)),
              list,
            )
          : marginAccounts(
              table,
              book,
              results,
              from,
              list ? Math.min(to, list.length) : to,
              batchScratch(table),
              list,
            ),
      close: async () => {},
    };
  }
  const piscina = new Piscina({
    filename: new URL('./worker-entry.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
  });
  return {
    workers,
    async run(table, book, results, from = 0, to = list0(book), list) {
      if (list) to = Math.min(to, list.length);
      if (!allShared(table, book, results))
        throw new RangeError('worker batches need the table, book and results in shared memory');
      // The worker does not need ids or the symbol index: strip them from the message.
      const strip = (x: InstrumentTable) =>
        ({ ...x, rowOf: new Map(), instruments: [] }) as InstrumentTable;
      const t =
        'tables' in table
          ? ({ ...table, tables: table.tables.map(strip), markets: [] } as ReadingTables)
          : strip(table);
      const b = { ...book, ids: [] } as AccountBook;
      const chunks = Math.min(Math.max(1, to - from), workers * 4);
      const step = Math.ceil((to - from) / chunks);
      const tasks: Promise<number>[] = [];
      for (let a = from; a < to; a += step) {
        const task: MarginTask = {
          table: t,
          book: b,
          results,
          from: a,
          to: Math.min(to, a + step),
          ...(list ? { list } : {}),
        };
        tasks.push(piscina.run(task) as Promise<number>);
      }
      const counts = await Promise.all(tasks);
      return counts.reduce((s, n) => s + n, 0);
    },
    close: () => piscina.destroy(),
  };
}
