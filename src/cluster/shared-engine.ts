/**
 * The batch engine's market shared by every partition of a worker (deribit-pm): the reading
 * tables (engine/reading-tables.ts) over the instruments of all the worker's accounts, one
 * version per tick. Partitions consume the same tick stream in the same order and ignore a
 * tick for the same reasons (the market decides), so the market after tick n is the same for
 * every partition: the first partition to reach tick n prices its rows (a copy of the tables
 * at the previous tick, re-priced in place: engine/reading-tables-copy.ts), the others take
 * that version. Before, each of a worker's partitions re-priced its own table per tick and per
 * reading.
 *
 * Instruments: a version's tables hold every instrument the worker had seen when they were
 * built (the layout; a later layout holds every instrument of an earlier one), and a pool for
 * every collateral currency seen (a currency with balances and no position settling in it is a
 * pool: margin/book.ts `settlementPools`). An account bringing an instrument or a collateral
 * currency the version lacks rebuilds the tables at that version's market over
 * all instruments seen (every row priced at that market; a row's price depends only on its
 * own underlying and expiry, so rows come out as the in-place re-pricing left them); the
 * rebuilt version keeps the rows its tick moves in the new layout, since a partition still at
 * the tick before takes it as that tick's version (with none, that partition re-margined no
 * account at that tick: results lost after a takeover or a server restart). A tick
 * starts from the largest layout known at the partition's tick, so partitions converge on
 * one layout; a partition whose layout changed rebuilds its CSR book (row numbers moved).
 */
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { batchScratch, type BatchScratch } from '../engine/deribit-pm-batch.ts';
import type { InstrumentTable } from '../engine/instrument-table.ts';
import { copyReadingTables } from '../engine/reading-tables-copy.ts';
import { buildReadingTables, tickReadings, type ReadingTables } from '../engine/reading-tables.ts';
import { affectedRows, applyTickToTable, parseTick, type Tick } from '../engine/ticks.ts';
import type { DeribitPmParams } from '../margin/deribit-pm/params.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { TickMessage } from './messages.ts';

/** The engine tick of a tick message (a message without `time` is never stale). */
export function engineTickOf(msg: TickMessage, latestMs: number): Tick {
  const { tick: _tick, time, ...rest } = msg;
  return parseTick({ ...rest, time: time ?? latestMs });
}

/** The engine's market at one tick, over one layout of instruments. Never mutated. */
export interface EngineVersion {
  /** Number of the last applied tick (0: the base market). */
  readonly tick: number;
  /** Time of the last applied tick (epoch ms); older ticks are stale. */
  readonly latestMs: number;
  /** The prepared market of table 0 (the default reading). */
  readonly market: DeribitPmMarket;
  /** The current market of each reading table. */
  readonly markets: readonly DeribitPmMarket[];
  readonly readings: ReadingTables;
  /** `readings.tables[0]` (rows, keys, pools). */
  readonly table: InstrumentTable;
  /** Id of the instrument set (row numbering); larger ids hold every instrument of smaller. */
  readonly layout: number;
  /** The engine tick that made this version (undefined for the base market). */
  readonly applied: Tick | undefined;
  /**
   * Rows of this layout that `applied` re-prices (engine/ticks.ts `affectedRows`; none for
   * the base). A version rebuilt over a larger layout at tick n keeps them for its own rows:
   * a partition still at tick n − 1 that takes it re-margins the accounts tick n moved.
   */
  readonly rows: readonly number[];
  /** Kernel scratch of the layout (used synchronously, so partitions can share it). */
  readonly scratch: BatchScratch;
}

/** Versions kept per worker (partitions of one worker stay within a few ticks). */
const KEEP = 8;

/** One worker's shared engine market (module doc). */
export class SharedEngine {
  private readonly instruments = new Map<string, Instrument>();
  /** Pools of collateral no instrument settles in (engine/account-book.ts `collateralPools`). */
  private readonly collateral = new Set<string>();
  private layouts = 0;
  /** Latest (largest layout) version per tick number, in insertion order. */
  private readonly byTick = new Map<number, EngineVersion>();
  /** Tick re-pricings done and taken from another partition (diagnostics). */
  readonly counts = { priced: 0, shared: 0, rebuilt: 0 };

  constructor(base: MarketSnapshot, params: unknown) {
    const market = prepareDeribitPm(base, params as DeribitPmParams);
    this.store(this.build(market, base.asOfMs, 0, undefined));
  }

  /** The base market (tick 0) over the largest layout built so far. */
  base(): EngineVersion {
    return this.byTick.get(0)!;
  }

  /**
   * `v`, or the same market over a layout holding `list` and the collateral pools `pools` too
   * (rebuilt when needed; `pools` must have a price in the market).
   */
  withInstruments(
    v: EngineVersion,
    list: Iterable<Instrument>,
    pools: readonly string[] = [],
  ): EngineVersion {
    const missing = [...list].filter((i) => !v.table.rowOf.has(i.symbol));
    const newPools = pools.filter((c) => !v.table.pools.currencies.includes(c));
    if (missing.length === 0 && newPools.length === 0) return v;
    const latest = this.byTick.get(v.tick);
    if (
      latest &&
      latest.layout > v.layout &&
      missing.every((i) => latest.table.rowOf.has(i.symbol)) &&
      newPools.every((c) => latest.table.pools.currencies.includes(c))
    )
      return latest;
    for (const i of missing) this.instruments.set(i.symbol, i);
    for (const c of newPools) this.collateral.add(c);
    const built = this.build(v.market, v.latestMs, v.tick, v.applied);
    this.counts.rebuilt++;
    if (!latest || latest.layout < built.layout) this.store(built);
    return built;
  }

  /**
   * The version after tick message `t` from `v`, or why the tick is ignored (the market then
   * stays at `v`): an underlying the market does not have, a tick older than the latest, an
   * expiry the market does not list.
   */
  advance(v: EngineVersion, t: TickMessage): EngineVersion | string {
    const tick = engineTickOf(t, v.latestMs);
    if (!v.market.snapshot.underlyings[tick.underlying]) return 'unknown-underlying';
    if (tick.timeMs < v.latestMs) return 'stale';
    const done = this.byTick.get(t.tick);
    if (done && done.layout >= v.layout) {
      this.counts.shared++;
      return done;
    }
    const latest = this.byTick.get(v.tick);
    const from = latest && latest.layout > v.layout ? latest : v;
    const readings = copyReadingTables(from.readings);
    let moved;
    let markets;
    try {
      moved = applyTickToTable(from.market, readings.tables[0]!, tick);
      markets = tickReadings(readings, from.markets, moved.market, tick);
    } catch (e) {
      if (e instanceof BallastError) return 'unknown-expiry';
      throw e;
    }
    const next: EngineVersion = {
      tick: t.tick,
      latestMs: tick.timeMs,
      market: moved.market,
      markets,
      readings,
      table: readings.tables[0]!,
      layout: from.layout,
      applied: tick,
      rows: moved.rows,
      scratch: from.scratch,
    };
    this.counts.priced++;
    this.store(next);
    return next;
  }

  private build(
    market: DeribitPmMarket,
    latestMs: number,
    tick: number,
    applied: Tick | undefined,
  ): EngineVersion {
    const readings = buildReadingTables(
      market,
      [...this.instruments.values()],
      false,
      [...this.collateral].sort(),
    );
    const table = readings.tables[0]!;
    return {
      tick,
      latestMs,
      market,
      markets: readings.markets,
      readings,
      table,
      layout: this.layouts++,
      applied,
      rows: applied ? affectedRows(table, applied) : [],
      scratch: batchScratch(table),
    };
  }

  private store(v: EngineVersion): void {
    this.byTick.delete(v.tick);
    this.byTick.set(v.tick, v);
    for (const t of this.byTick.keys()) {
      if (this.byTick.size <= KEEP) break;
      if (t !== 0) this.byTick.delete(t);
    }
  }
}
