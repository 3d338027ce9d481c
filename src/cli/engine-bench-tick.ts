/**
 * The tick measurement of `ballast engine bench`: after the timed rounds, one market tick
 * moving an underlying's index (every row of it re-priced) is applied to the prepared table,
 * the accounts holding a moved row are re-margined (on the bench's worker pool, or this
 * thread), and health-state changes are counted. The latency is from the tick to the last
 * event: re-pricing + finding the holders + re-margining + comparing states. The row →
 * holders index is built once per book beforehand (as `engine run` does) and timed apart.
 */
import type { AccountBook } from '../engine/account-book.ts';
import { tickReadings, type ReadingTables } from '../engine/reading-tables.ts';
import type { BatchResults } from '../engine/results.ts';
import { accountsHolding, applyTickToTable, holdersOf } from '../engine/ticks.ts';
import type { DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { MarginPool } from '../workers/margin-pool.ts';

/** What the tick measurement reports. */
export interface BenchTick {
  readonly underlying: string;
  /** Index move, decimal (−0.08 = −8 %). */
  readonly indexMove: number;
  readonly rowsRepriced: number;
  readonly accountsRemargined: number;
  readonly stateChanges: number;
  /** Tick → last event, ms. */
  readonly latencyMs: number;
  /** Building the row → holders index of the book (once per book), ms. */
  readonly holdersMs: number;
}

/**
 * Applies an index tick of `indexMove` on the first underlying (module doc) to every reading
 * table and re-margins the holders at the highest over the readings (the default).
 */
export async function benchTick(
  market: DeribitPmMarket,
  readings: ReadingTables,
  book: AccountBook,
  res: BatchResults,
  pool: MarginPool,
  indexMove: number,
): Promise<BenchTick> {
  const table = readings.tables[0]!;
  const underlying = table.keySpecs[0]!.underlying;
  const t0 = performance.now();
  const holders = holdersOf(book, table.rows.nRows);
  const holdersMs = performance.now() - t0;
  const before = res.state.slice();
  const tick = {
    timeMs: market.snapshot.asOfMs + 1000,
    underlying,
    index: market.snapshot.underlyings[underlying]!.index * (1 + indexMove),
    forwards: new Map<number, number>(),
    atmVolShift: new Map<number, number>(),
  };
  const t1 = performance.now();
  const moved = applyTickToTable(market, table, tick);
  tickReadings(readings, readings.markets, moved.market, tick);
  const list = accountsHolding(holders, moved.rows, book.nAccounts);
  await pool.run(readings, book, res, 0, list.length, list);
  let stateChanges = 0;
  for (const a of list) if (res.state[a] !== before[a]) stateChanges++;
  const latencyMs = performance.now() - t1;
  return {
    underlying,
    indexMove,
    rowsRepriced: moved.rows.length,
    accountsRemargined: list.length,
    stateChanges,
    latencyMs,
    holdersMs,
  };
}
