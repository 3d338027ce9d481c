/**
 * The batch engine (src/engine, issue 8) holding one partition, for `deribit-pm`: the
 * engine's prepared market (margin/deribit-pm/prepared.ts), an instrument table over the
 * instruments of the partition's accounts (engine/instrument-table.ts), and the accounts in
 * the engine's compact CSR form (engine/account-book.ts), margined by the engine kernel at the
 * highest over the hypothesis readings (engine/reading-tables.ts, as `ballast margin`).
 *
 * Method, as `ballast engine run` (cli/engine-ticks.ts), so both give the same numbers bit
 * for bit (test/cluster/cluster-engine.integration.test.ts):
 * - A tick (engine/ticks.ts `parseTick`; a message without `time` is never stale) is applied
 *   to the table in place (`applyTickToTable`: only the rows of the moved underlying or
 *   expiries re-priced); only the accounts holding a re-priced row are re-margined
 *   (`holdersOf` / `accountsHolding`), the others keep their last result. A tick for an
 *   underlying the market does not have, older than the latest, or naming an expiry the
 *   market does not list is ignored (the market is left as it was).
 * - An account change margins that account alone, as a one-account CSR book against the
 *   table. The partition's CSR book is rebuilt (accounts in id order) at the next tick when
 *   the held accounts changed (`AccountBook.version`), and whenever the table is rebuilt.
 * - An account bringing an instrument the table does not have rebuilds the table on the
 *   current market (every row priced at that market; a row's price depends only on its own
 *   underlying and expiry, so rows come out as the in-place re-pricing left them).
 */
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { buildAccountBook, type AccountBook as CsrBook } from '../engine/account-book.ts';
import { batchScratch, type BatchScratch } from '../engine/deribit-pm-batch.ts';
import {
  buildReadingTables,
  marginAccountsOverReadings,
  tickReadings,
  type ReadingTables,
} from '../engine/reading-tables.ts';
import { STATE_ERROR, STATE_NAMES } from '../engine/health-state.ts';
import { errorOf, type InstrumentTable } from '../engine/instrument-table.ts';
import { batchResults, type BatchResults } from '../engine/results.ts';
import {
  accountsHolding,
  applyTickToTable,
  holdersOf,
  parseTick,
  type Holders,
  type Tick,
} from '../engine/ticks.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { DeribitPmParams } from '../margin/deribit-pm/params.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { sortedAccounts, type AccountBook } from './account-book.ts';
import { errorResult, type HeldAccount, type MarginedAccount } from './marginer.ts';
import type { TickMessage } from './messages.ts';

/** The engine tick of a tick message (a message without `time` is never stale). */
export function engineTickOf(msg: TickMessage, latestMs: number): Tick {
  const { tick: _tick, time, ...rest } = msg;
  return parseTick({ ...rest, time: time ?? latestMs });
}

/**
 * `margin` (re)builds the CSR book for at least this many accounts at once that are also at
 * least half the book (a rebuild); fewer are margined as one-account books.
 */
const MIN_BOOK = 32;

/** The engine holding one partition (module doc). */
export class EnginePartitionMarket {
  tick = 0;
  private market: DeribitPmMarket;
  /** Time of the latest applied tick (epoch ms); older ticks are stale. */
  private latestMs: number;
  private readonly instruments = new Map<string, Instrument>();
  /** One table per hypothesis reading; `table` is the first (rows, keys, pools). */
  private readings: ReadingTables;
  /** The current market of each reading table. */
  private markets: readonly DeribitPmMarket[];
  private table: InstrumentTable;
  private scratch: BatchScratch;
  /** The partition's accounts in CSR form, slot order = id order; undefined: to rebuild. */
  private csr: { book: CsrBook; held: HeldAccount[]; res: BatchResults } | undefined;
  /** `AccountBook.version` the CSR book was built at. */
  private builtVersion = -1;
  private holders: Holders | undefined;

  constructor(
    base: MarketSnapshot,
    params: unknown,
    private readonly modelId: string,
  ) {
    this.market = prepareDeribitPm(base, params as DeribitPmParams);
    this.latestMs = base.asOfMs;
    this.readings = buildReadingTables(this.market, []);
    this.markets = this.readings.markets;
    this.table = this.readings.tables[0]!;
    this.scratch = batchScratch(this.table);
  }

  /** Index per underlying at the current tick (USD per coin). */
  indices(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [u, m] of Object.entries(this.market.snapshot.underlyings)) out[u] = m.index;
    return out;
  }

  /** The tick applied (see module doc): rows re-priced and the accounts holding them. */
  applyTick(t: TickMessage, book: AccountBook): { rows: number; accounts: HeldAccount[] } | string {
    const tick = engineTickOf(t, this.latestMs);
    if (!this.market.snapshot.underlyings[tick.underlying]) return 'unknown-underlying';
    if (tick.timeMs < this.latestMs) return 'stale';
    this.ensureInstruments(book.accounts.values());
    const csr = this.csrFor(book);
    let moved;
    try {
      moved = applyTickToTable(this.market, this.table, tick);
      this.markets = tickReadings(this.readings, this.markets, moved.market, tick);
    } catch (e) {
      if (e instanceof BallastError) return 'unknown-expiry';
      throw e;
    }
    this.market = moved.market;
    this.latestMs = tick.timeMs;
    this.tick = t.tick;
    this.holders ??= holdersOf(csr.book, this.table.rows.nRows);
    const slots = accountsHolding(this.holders, moved.rows, csr.book.nAccounts);
    return { rows: moved.rows.length, accounts: Array.from(slots, (a) => csr.held[a]!) };
  }

  /** Margins `accounts` (held in `book`) at the current market, results in input order. */
  margin(accounts: readonly HeldAccount[], book: AccountBook): MarginedAccount[] {
    this.ensureInstruments(accounts);
    const current = this.csr !== undefined && this.builtVersion === book.version;
    const many = accounts.length >= MIN_BOOK && 2 * accounts.length >= book.accounts.size;
    const csr = current || many ? this.csrFor(book) : undefined;
    const slotOf = csr ? new Map(csr.held.map((h, a) => [h, a])) : undefined;
    const inBook = accounts.map((h) => slotOf?.get(h) ?? -1);
    const list = Int32Array.from(inBook.filter((a) => a >= 0));
    if (csr && list.length > 0)
      marginAccountsOverReadings(
        this.readings,
        csr.book,
        csr.res,
        0,
        list.length,
        this.scratch,
        list,
      );
    return accounts.map((h, i) => {
      if (h.portfolio instanceof BallastError)
        return errorResult(h, this.tick, this.modelId, h.portfolio);
      const a = inBook[i]!;
      return a >= 0 ? this.resultOf(csr!.book, csr!.res, a, h) : this.marginAlone(h);
    });
  }

  /** Adds the instruments of `accounts` the table lacks (one table rebuild for all of them). */
  private ensureInstruments(accounts: Iterable<HeldAccount>): void {
    let added = false;
    for (const h of accounts) {
      if (h.portfolio instanceof BallastError) continue;
      for (const pos of h.portfolio.positions)
        if (!this.instruments.has(pos.instrument.symbol)) {
          this.instruments.set(pos.instrument.symbol, pos.instrument);
          added = true;
        }
    }
    if (!added) return;
    this.readings = buildReadingTables(this.market, [...this.instruments.values()]);
    this.markets = this.readings.markets;
    this.table = this.readings.tables[0]!;
    this.scratch = batchScratch(this.table);
    this.csr = undefined; // row numbers changed
    this.holders = undefined;
  }

  /** The CSR book of the held accounts (rebuilt when they or the table changed). */
  private csrFor(book: AccountBook) {
    if (this.csr && this.builtVersion === book.version) return this.csr;
    const held = sortedAccounts(book);
    const csrBook = buildAccountBook(
      this.table,
      held.map((h) => inputOf(h)),
      this.market.snapshot,
    );
    this.csr = { book: csrBook, held, res: batchResults(held.length) };
    this.builtVersion = book.version;
    this.holders = undefined;
    return this.csr;
  }

  private marginAlone(h: HeldAccount): MarginedAccount {
    const one = buildAccountBook(this.table, [inputOf(h)], this.market.snapshot);
    const res = batchResults(1);
    marginAccountsOverReadings(this.readings, one, res, 0, 1, this.scratch);
    return this.resultOf(one, res, 0, h);
  }

  /** The result of slot `a` (amounts in the result currency; `error` with the typed error). */
  private resultOf(book: CsrBook, res: BatchResults, a: number, h: HeldAccount): MarginedAccount {
    const head = { id: h.id, tick: this.tick, seq: h.seq, model: this.modelId };
    if (res.state[a] === STATE_ERROR) {
      const err = book.errors.get(a);
      const error = err
        ? { code: err.code, field: err.field, message: err.message }
        : { code: 'NOT_FINITE', field: 'account', message: 'the margin was not finite' };
      const zero = { equity: 0, initialMargin: 0, maintenanceMargin: 0, utilization: 0 };
      return {
        result: { ...head, currency: 'USD', ...zero, state: 'error', error },
        worstScenario: undefined,
      };
    }
    const c = res.currency[a]!;
    const k = res.worstKey[a]!;
    return {
      result: {
        ...head,
        currency: c < 0 ? 'USD' : this.table.pools.currencies[c]!,
        equity: res.equity[a]!,
        initialMargin: res.initialMargin[a]!,
        maintenanceMargin: res.maintenanceMargin[a]!,
        utilization: res.utilization[a]!,
        state: STATE_NAMES[res.state[a]!] as MarginedAccount['result']['state'],
      },
      worstScenario: k >= 0 ? this.table.keys.cellIds[k]![res.worstCell[a]!] : undefined,
    };
  }
}

/** The engine's input of a held account (its portfolio, or its parse error). */
function inputOf(h: HeldAccount) {
  return h.portfolio instanceof BallastError
    ? { id: h.id, error: errorOf(h.portfolio, 'account') }
    : { id: h.id, portfolio: h.portfolio };
}
