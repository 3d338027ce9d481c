/**
 * The tick loop of `ballast engine run`: reads ticks (JSON lines), applies each to the
 * instrument table (only the affected rows re-priced), re-margins only the accounts holding
 * those rows, and reports health-state changes as events (one JSON line each). Ignored ticks
 * are counted by reason; a summary line goes to stderr at the end.
 *
 * The same file may carry account changes, `{"account": {"id": …, "positions": […],
 * "balances": […]}}` (a whole new portfolio for an account already loaded): the account's
 * positions and collateral are replaced (engine/account-update.ts) and that account alone is
 * re-margined, with a health event if its state changed. Every line (tick or change) is one
 * step, numbered from 1 (blank and `#` lines skipped): the ticks-file schema of
 * io/account-line.ts, shared with `ballast cluster publish`.
 */
import { readFileSync } from 'node:fs';
import { BallastError } from '../core/errors.ts';
import { accountLineFromJson, accountLineId, tickFileSteps } from '../io/account-line.ts';
import { portfolioFromJson } from '../io/portfolio-input.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { portfolio, type Portfolio } from '../risk/portfolio.ts';
import { updateAccount } from '../engine/account-update.ts';
import { errorOf } from '../engine/instrument-table.ts';
import type { DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import { HEALTH_THRESHOLDS } from '../account/health.ts';
import type { AccountBook } from '../engine/account-book.ts';
import type { InstrumentTable } from '../engine/instrument-table.ts';
import { STATE_ERROR, STATE_HEALTHY, STATE_NAMES } from '../engine/health-state.ts';
import type { BatchResults } from '../engine/results.ts';
import {
  accountsHolding,
  applyTickToTable,
  holdersOf,
  parseTick,
  type Holders,
  type Tick,
  type TickRejection,
} from '../engine/ticks.ts';
import type { MarginPool } from '../workers/margin-pool.ts';
import { tickReadings, type ReadingTables } from '../engine/reading-tables.ts';

/** What the tick loop needs. */
export interface TickRun {
  readonly ticksFile: string | undefined;
  readonly market: DeribitPmMarket;
  readonly table: InstrumentTable;
  /**
   * One table per hypothesis reading (`table` is the first): every tick re-prices each, and
   * accounts are charged the highest over them (engine/reading-tables.ts).
   */
  readonly readings?: ReadingTables;
  /** The book; replaced (not mutated) by each account change. */
  book: AccountBook;
  readonly res: BatchResults;
  readonly pool: MarginPool;
  /**
   * Called after each applied tick with the re-margined accounts, and after each account
   * change with that account (`change` true).
   */
  readonly onResults: (tick: number, accounts: Int32Array, change?: boolean) => void;
  readonly onEvent: (line: string) => void;
}

/** Counts and timings of a tick run. */
export interface TickSummary {
  applied: number;
  ignored: Record<TickRejection, number>;
  rowsRepriced: number;
  accountsRemargined: number;
  /** Account changes applied (each re-margined that account alone). */
  accountChanges: number;
  /** Account changes ignored: unknown id or not an object (counted, never applied). */
  changesIgnored: number;
  events: number;
  /** Per applied tick: ms from the tick read to its last event. */
  latencyMs: number[];
  /** One line per applied tick (rows, accounts, events, latency). */
  lines: string[];
}

/** IM utilization at which Deribit accounts are called (account/health.ts, [G]). */
const MARGIN_CALL_UTILIZATION = HEALTH_THRESHOLDS.deribit!.marginCall[0]!.value;

/** One health-state event line (see module doc of cli/engine.ts). */
export function eventLine(
  table: InstrumentTable,
  book: AccountBook,
  res: BatchResults,
  a: number,
  tick: number,
  from: number | undefined,
): string {
  const state = res.state[a]!;
  const c = res.currency[a]!;
  const k = res.worstKey[a]!;
  const eq = res.equity[a]!;
  const ok = state === STATE_HEALTHY || state === STATE_ERROR;
  return JSON.stringify({
    event: 'health',
    tick,
    id: book.ids[a],
    from: from === undefined ? null : STATE_NAMES[from],
    to: STATE_NAMES[state],
    currency: c < 0 ? 'USD' : table.pools.currencies[c],
    equity: res.equity[a],
    initialMargin: res.initialMargin[a],
    maintenanceMargin: res.maintenanceMargin[a],
    // Collateral to add to be healthy again (IM utilization under the margin-call band),
    // and to get back above maintenance margin (out of liquidation).
    shortfall: ok ? 0 : Math.max(0, res.initialMargin[a]! / MARGIN_CALL_UTILIZATION - eq),
    shortfallToMaintenance: ok ? 0 : Math.max(0, res.maintenanceMargin[a]! - eq),
    worstScenario:
      k >= 0 && state !== STATE_ERROR
        ? {
            id: table.keys.cellIds[k]![res.worstCell[a]!],
            label: table.keys.cellLabels[k]![res.worstCell[a]!],
          }
        : null,
  });
}

/** Events of the first margin run: every account not healthy (from: null). */
export function initialEvents(run: TickRun): number {
  let n = 0;
  for (let a = 0; a < run.book.nAccounts; a++) {
    const s = run.res.state[a]!;
    if (s === STATE_HEALTHY || s === STATE_ERROR) continue;
    run.onEvent(eventLine(run.table, run.book, run.res, a, 0, undefined));
    n++;
  }
  return n;
}

/** The loop's current market, latest tick time and row → holders index (lazily built). */
interface TickState {
  market: DeribitPmMarket;
  /** The current market of each reading table (with `TickRun.readings`). */
  markets?: DeribitPmMarket[];
  latestMs: number;
  holders?: Holders | undefined;
}

/**
 * The id and the portfolio (or its typed error) of an account change (the account line of
 * io/account-line.ts); undefined when it has no id. Closing is the cluster's: an error here.
 */
export function parseChange(
  v: unknown,
  field: string,
  snapshot: MarketSnapshot,
): { id: string; portfolio?: Portfolio; error?: ReturnType<typeof errorOf> } | undefined {
  const id = accountLineId(v);
  if (id === undefined) return undefined;
  try {
    const a = accountLineFromJson(v, field);
    if (a.closed)
      throw new BallastError(
        'UNSUPPORTED',
        'closing an account is a cluster change (ballast cluster publish)',
        `${field}.closed`,
      );
    return { id, portfolio: portfolioFromJson(a.portfolio, field, snapshot) };
  } catch (e) {
    return { id, error: errorOf(e, field) };
  }
}

/** Instruments named by the account changes of a ticks file (so the table can price them). */
export function changeInstruments(file: string, snapshot: MarketSnapshot): Instrument[] {
  const out: Instrument[] = [];
  for (const s of tickFileSteps(readFileSync(file, 'utf8'), file)) {
    if (s.kind !== 'change') continue;
    const c = parseChange(s.account, `${s.field}.account`, snapshot);
    for (const p of c?.portfolio?.positions ?? []) out.push(p.instrument);
  }
  return out;
}

/**
 * Applies one account change: the account's positions and collateral replaced, that account
 * alone re-margined, an event if its state changed. A bad portfolio puts the account in
 * `error` (fail closed); an unknown id is counted and ignored.
 */
async function oneChange(
  run: TickRun,
  state: TickState,
  index: ReadonlyMap<string, number>,
  v: unknown,
  k: number,
  summary: TickSummary,
): Promise<void> {
  const t0 = performance.now();
  const c = parseChange(v, `step ${k}.account`, state.market.snapshot);
  const a = c === undefined ? undefined : index.get(c.id);
  if (c === undefined || a === undefined) {
    summary.changesIgnored++;
    return;
  }
  const pf = c.portfolio ?? portfolio([]);
  const next = updateAccount(run.table, run.book, a, pf, state.market.snapshot);
  const err = c.error ?? next.errors.get(a);
  // the error names the line: `step k.account.<field>`
  if (err)
    next.errors.set(a, {
      ...err,
      field: err.field.startsWith('step ') ? err.field : `step ${k}.account.${err.field}`,
    });
  run.book = next;
  state.holders = undefined; // rows held changed: rebuilt at the next tick
  const before = run.res.state[a]!;
  const list = Int32Array.of(a);
  await run.pool.run(run.readings ?? run.table, run.book, run.res, 0, 1, list);
  let events = 0;
  if (run.res.state[a] !== before) {
    run.onEvent(eventLine(run.table, run.book, run.res, a, k, before));
    events++;
  }
  const ms = performance.now() - t0;
  summary.events += events;
  summary.accountChanges++;
  summary.accountsRemargined++;
  summary.lines.push(
    `step ${k}: account ${c.id} changed, 1 of ${run.book.nAccounts} accounts re-margined, ${events} events, ${ms.toFixed(1)} ms`,
  );
  run.onResults(k, list, true);
}

/** Applies one tick; returns the accounts re-margined, or the reason it was ignored. */
async function oneTick(
  run: TickRun,
  state: TickState,
  tick: Tick,
  k: number,
  summary: TickSummary,
): Promise<void> {
  const t0 = performance.now();
  if (!state.market.snapshot.underlyings[tick.underlying]) {
    summary.ignored['unknown-underlying']++;
    return;
  }
  if (tick.timeMs < state.latestMs) {
    summary.ignored.stale++;
    return;
  }
  let moved;
  try {
    moved = applyTickToTable(state.market, run.table, tick);
    if (run.readings)
      state.markets = tickReadings(
        run.readings,
        state.markets ?? run.readings.markets,
        moved.market,
        tick,
      );
  } catch {
    summary.ignored['unknown-expiry']++;
    return;
  }
  state.market = moved.market;
  state.latestMs = tick.timeMs;
  state.holders ??= holdersOf(run.book, run.table.rows.nRows);
  const accounts = accountsHolding(state.holders, moved.rows, run.book.nAccounts);
  const before = Uint8Array.from(accounts, (a) => run.res.state[a]!);
  await run.pool.run(run.readings ?? run.table, run.book, run.res, 0, accounts.length, accounts);
  let events = 0;
  accounts.forEach((a, i) => {
    if (run.res.state[a] === before[i]) return;
    run.onEvent(eventLine(run.table, run.book, run.res, a, k, before[i]));
    events++;
  });
  const ms = performance.now() - t0;
  summary.events += events;
  summary.latencyMs.push(ms);
  summary.lines.push(
    `tick ${k}: ${moved.rows.length} rows re-priced, ${accounts.length} of ${run.book.nAccounts} accounts re-margined, ${events} events, ${ms.toFixed(1)} ms to the last event`,
  );
  summary.applied++;
  summary.rowsRepriced += moved.rows.length;
  summary.accountsRemargined += accounts.length;
  run.onResults(k, accounts);
}

/** Runs every tick of the file (none: only the initial events). */
export async function runTicks(run: TickRun): Promise<TickSummary> {
  const summary: TickSummary = {
    applied: 0,
    ignored: { malformed: 0, 'unknown-underlying': 0, stale: 0, 'unknown-expiry': 0 },
    rowsRepriced: 0,
    accountsRemargined: 0,
    accountChanges: 0,
    changesIgnored: 0,
    events: initialEvents(run),
    latencyMs: [],
    lines: [],
  };
  if (run.ticksFile === undefined) return summary;
  const state: TickState = { market: run.market, latestMs: run.market.snapshot.asOfMs };
  const index = new Map(run.book.ids.map((id, a) => [id, a]));
  for (const step of tickFileSteps(readFileSync(run.ticksFile, 'utf8'), run.ticksFile)) {
    const k = step.step;
    if (step.kind === 'change') {
      await oneChange(run, state, index, step.account, k, summary);
      continue;
    }
    let tick: Tick;
    try {
      if (step.kind === 'malformed') throw new Error(step.reason);
      tick = parseTick(step.value);
    } catch {
      summary.ignored.malformed++;
      continue;
    }
    await oneTick(run, state, tick, k, summary);
  }
  return summary;
}
