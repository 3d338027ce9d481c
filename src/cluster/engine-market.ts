/**
 * The batch engine (src/engine, issue 8) inside a cluster worker, for `deribit-pm`: the
 * engine's prepared market (margin/deribit-pm/prepared.ts), an instrument table over the
 * instruments of the accounts the partition holds, and the engine kernel
 * at the highest over the hypothesis readings (engine/reading-tables.ts, as `ballast margin`)
 * on the accounts in the engine's compact CSR
 * form (engine/account-book.ts). Ticks are the engine's (engine/ticks.ts `parseTick` /
 * `applyTick`: index, forwards and ATM vol per expiry, applied one after the other to the
 * snapshot), so a ticks file of `ballast engine run --ticks` drives the cluster too and both
 * give the same numbers bit for bit (test/cluster/cluster-engine.integration.test.ts).
 *
 * The table is rebuilt on the moved market at each tick (every row priced again; a row's
 * price depends only on its own underlying and expiry, so the rows the engine leaves as they
 * were come out the same) and when an account brings an instrument the table does not have.
 */
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { buildAccountBook } from '../engine/account-book.ts';
import { batchScratch, type BatchScratch } from '../engine/deribit-pm-batch.ts';
import {
  buildReadingTables,
  marginAccountsOverReadings,
  type ReadingTables,
} from '../engine/reading-tables.ts';
import { STATE_ERROR, STATE_NAMES } from '../engine/health-state.ts';
import type { InstrumentTable } from '../engine/instrument-table.ts';
import { batchResults } from '../engine/results.ts';
import { applyTick, parseTick, type Tick } from '../engine/ticks.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { DeribitPmParams } from '../margin/deribit-pm/params.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type { AccountResult, TickMessage } from './messages.ts';

/** The engine's market at one tick, with the table over the partition's instruments. */
export interface EngineMarket {
  readonly market: DeribitPmMarket;
  /** Time of the latest applied tick that had one (epoch ms); older ticks are stale. */
  readonly latestMs: number;
  /** Instruments seen so far by symbol (carried from tick to tick). */
  readonly instruments: Map<string, Instrument>;
  /** Built on first use, rebuilt when an instrument is added. */
  table?: InstrumentTable;
  /** One table per hypothesis reading (`table` is the first): the default charges the highest. */
  readings?: ReadingTables;
  scratch?: BatchScratch;
}

/** The engine market of the base snapshot. */
export function engineBase(base: MarketSnapshot, params: unknown): EngineMarket {
  return {
    market: prepareDeribitPm(base, params as DeribitPmParams),
    latestMs: base.asOfMs,
    instruments: new Map(),
  };
}

/** The engine tick of a tick message (a message without `time` is never stale). */
export function engineTickOf(msg: TickMessage, latestMs: number): Tick {
  const { tick: _tick, time, ...rest } = msg;
  return parseTick({ ...rest, time: time ?? latestMs });
}

/**
 * The engine market after `msg`, or why the engine ignores it (as `ballast engine run`): an
 * underlying the market does not have, a time before the latest tick's, an expiry it does not
 * list.
 */
export function engineNext(
  prev: EngineMarket,
  msg: TickMessage,
): EngineMarket | 'unknown-underlying' | 'stale' | 'unknown-expiry' {
  const t = engineTickOf(msg, prev.latestMs);
  if (!prev.market.snapshot.underlyings[t.underlying]) return 'unknown-underlying';
  if (t.timeMs < prev.latestMs) return 'stale';
  let snapshot;
  try {
    snapshot = applyTick(prev.market.snapshot, t);
  } catch (e) {
    if (e instanceof BallastError) return 'unknown-expiry';
    throw e;
  }
  return {
    market: prepareDeribitPm(snapshot, prev.market.params),
    latestMs: t.timeMs,
    instruments: prev.instruments,
  };
}

/** The table holding every instrument of `p` (rebuilt on the market when one is new). */
function tableFor(
  m: EngineMarket,
  p: Portfolio,
): { table: InstrumentTable; readings: ReadingTables; scratch: BatchScratch } {
  let added = false;
  for (const pos of p.positions)
    if (!m.instruments.has(pos.instrument.symbol)) {
      m.instruments.set(pos.instrument.symbol, pos.instrument);
      added = true;
    }
  if (!m.table || !m.readings || !m.scratch || added) {
    m.readings = buildReadingTables(m.market, [...m.instruments.values()]);
    m.table = m.readings.tables[0]!;
    m.scratch = batchScratch(m.table);
  }
  return { table: m.table, readings: m.readings, scratch: m.scratch };
}

/**
 * Margins one account with the engine kernel: the account in CSR form against the table,
 * `marginAccounts`, the engine's health state. An account the engine cannot margin is
 * `state: "error"` with the typed error (never a default state).
 */
export function engineMargin(
  m: EngineMarket,
  id: string,
  seq: number,
  tick: number,
  modelId: string,
  p: Portfolio,
): { result: AccountResult; worstScenario: string | undefined } {
  const { table, readings, scratch } = tableFor(m, p);
  const book = buildAccountBook(table, [{ id, portfolio: p }], m.market.snapshot);
  const res = batchResults(1);
  marginAccountsOverReadings(readings, book, res, 0, 1, scratch);
  const head = { id, tick, seq, model: modelId };
  if (res.state[0] === STATE_ERROR) {
    const err = book.errors.get(0);
    const error = err
      ? { code: err.code, field: err.field, message: err.message }
      : { code: 'NOT_FINITE', field: 'account', message: 'the margin was not finite' };
    const zero = { equity: 0, initialMargin: 0, maintenanceMargin: 0, utilization: 0 };
    return {
      result: { ...head, currency: 'USD', ...zero, state: 'error', error },
      worstScenario: undefined,
    };
  }
  const c = res.currency[0]!;
  const k = res.worstKey[0]!;
  return {
    result: {
      ...head,
      currency: c < 0 ? 'USD' : table.pools.currencies[c]!,
      equity: res.equity[0]!,
      initialMargin: res.initialMargin[0]!,
      maintenanceMargin: res.maintenanceMargin[0]!,
      utilization: res.utilization[0]!,
      state: STATE_NAMES[res.state[0]!] as AccountResult['state'],
    },
    worstScenario: k >= 0 ? table.keys.cellIds[k]![res.worstCell[0]!] : undefined,
  };
}
