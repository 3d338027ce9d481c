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
 * - Changed accounts are margined together as one CSR book of just those accounts against
 *   the table (each account's numbers are its own: the kernel margins accounts
 *   independently). The partition's CSR book is rebuilt (accounts in id order) at the next
 *   tick when the held accounts changed (`AccountBook.version`), and whenever the table's
 *   layout changed.
 * - The tables are the worker's (shared-engine.ts): priced once per tick for all of a
 *   worker's partitions; an account bringing an instrument the table does not have rebuilds
 *   them at the current market over every instrument the worker has seen.
 */
import { BallastError } from '../core/errors.ts';
import {
  buildAccountBook,
  collateralPools,
  type AccountBook as CsrBook,
  type AccountInput,
} from '../engine/account-book.ts';
import { marginAccountsOverReadings } from '../engine/reading-tables.ts';
import { STATE_ERROR, STATE_NAMES } from '../engine/health-state.ts';
import { errorOf } from '../engine/instrument-table.ts';
import { batchResults, type BatchResults } from '../engine/results.ts';
import { accountsHolding, holdersOf, type Holders } from '../engine/ticks.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { sortedAccounts, type AccountBook } from './account-book.ts';
import { errorResult, type HeldAccount, type MarginedAccount } from './marginer.ts';
import type { TickMessage } from './messages.ts';
import { SharedEngine, type EngineVersion } from './shared-engine.ts';

export { engineTickOf } from './shared-engine.ts';

/**
 * `margin` (re)builds the CSR book for at least this many accounts at once that are also at
 * least half the book (a rebuild); fewer are margined as a book of their own.
 */
const MIN_BOOK = 32;

/** The partition's held accounts as the engine's CSR book, slot order = id order. */
interface PartitionCsr {
  readonly book: CsrBook;
  readonly held: HeldAccount[];
  readonly res: BatchResults;
  /** Layout of the tables the book's row numbers refer to. */
  readonly layout: number;
  /** Slot of each held account (built on first use, once per CSR book). */
  slotOf?: Map<HeldAccount, number>;
}

/** The engine holding one partition (module doc). */
export class EnginePartitionMarket {
  /** The market and tables at the partition's last tick (shared with the worker's others). */
  private v: EngineVersion;
  /** The partition's accounts in CSR form, slot order = id order; undefined: to rebuild. */
  private csr:
    { book: CsrBook; held: HeldAccount[]; res: BatchResults; layout: number } | undefined;
  /** `AccountBook.version` the CSR book was built at. */
  private builtVersion = -1;
  private holders: Holders | undefined;

  constructor(
    private readonly shared: SharedEngine,
    private readonly modelId: string,
  ) {
    this.v = shared.base();
  }

  /** Number of the last applied tick (0: the base market). */
  get tick(): number {
    return this.v.tick;
  }

  /** Index per underlying at the current tick (USD per coin). */
  indices(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [u, m] of Object.entries(this.v.market.snapshot.underlyings)) out[u] = m.index;
    return out;
  }

  /** The tick applied (see module doc): rows re-priced and the accounts holding them. */
  applyTick(t: TickMessage, book: AccountBook): { rows: number; accounts: HeldAccount[] } | string {
    // A CSR book built on this layout holds only instruments the layout has.
    const built = this.csr?.layout === this.v.layout && this.builtVersion === book.version;
    if (!built) this.ensureInstruments(book.accounts.values());
    const next = this.shared.advance(this.v, t);
    if (typeof next === 'string') return next;
    this.v = next;
    const csr = this.csrFor(book);
    this.holders ??= holdersOf(csr.book, this.v.table.rows.nRows);
    const slots = accountsHolding(this.holders, next.rows, csr.book.nAccounts);
    return { rows: next.rows.length, accounts: Array.from(slots, (a) => csr.held[a]!) };
  }

  /** Margins `accounts` (held in `book`) at the current market, results in input order. */
  margin(accounts: readonly HeldAccount[], book: AccountBook): MarginedAccount[] {
    this.ensureInstruments(accounts);
    const current =
      this.csr !== undefined &&
      this.builtVersion === book.version &&
      this.csr.layout === this.v.layout;
    const many = accounts.length >= MIN_BOOK && 2 * accounts.length >= book.accounts.size;
    if (!current && !many) return this.marginApart(accounts);
    const csr = this.csrFor(book);
    const slotOf = (csr.slotOf ??= new Map(csr.held.map((h, a) => [h, a])));
    const inBook = accounts.map((h) => slotOf.get(h) ?? -1);
    const list = Int32Array.from(inBook.filter((a) => a >= 0));
    if (list.length > 0) this.run(csr.book, csr.res, list);
    const out = new Array<MarginedAccount>(accounts.length);
    const apart: number[] = [];
    accounts.forEach((h, i) => {
      if (inBook[i]! >= 0) out[i] = this.resultOf(csr.book, csr.res, inBook[i]!, h);
      else apart.push(i);
    });
    this.marginApart(apart.map((i) => accounts[i]!)).forEach((r, j) => (out[apart[j]!] = r));
    return out;
  }

  private run(book: CsrBook, res: BatchResults, list?: Int32Array): void {
    const n = list ? list.length : book.nAccounts;
    marginAccountsOverReadings(this.v.readings, book, res, 0, n, this.v.scratch, list);
  }

  /**
   * Margins accounts as one CSR book of their own (slot i = accounts[i]; an account listed
   * twice, two states of one id, keeps both: slots are named by position, not id).
   */
  private marginApart(accounts: readonly HeldAccount[]): MarginedAccount[] {
    if (accounts.length === 0) return [];
    const inputs = accounts.map((h, i) => ({ ...inputOf(h), id: String(i) }));
    const book = buildAccountBook(this.v.table, inputs, this.v.market.snapshot);
    const res = batchResults(accounts.length);
    this.run(book, res);
    return accounts.map((h, i) =>
      h.portfolio instanceof BallastError
        ? errorResult(h, this.tick, this.modelId, h.portfolio)
        : this.resultOf(book, res, i, h),
    );
  }

  /**
   * Moves to a layout holding the instruments of `accounts` and the pools of their collateral
   * (engine/account-book.ts `collateralPools`; shared-engine.ts).
   */
  private ensureInstruments(accounts: Iterable<HeldAccount>): void {
    const need: Instrument[] = [];
    const inputs: AccountInput[] = [];
    for (const h of accounts) {
      if (h.portfolio instanceof BallastError) continue;
      for (const pos of h.portfolio.positions)
        if (!this.v.table.rowOf.has(pos.instrument.symbol)) need.push(pos.instrument);
      if (h.portfolio.balances.some((b) => !this.v.table.pools.currencies.includes(b.currency)))
        inputs.push({ id: h.id, portfolio: h.portfolio });
    }
    const pools = collateralPools(inputs, this.v.market.snapshot).filter(
      (c) => !this.v.table.pools.currencies.includes(c),
    );
    if (need.length > 0 || pools.length > 0)
      this.v = this.shared.withInstruments(this.v, need, pools);
  }

  /** The CSR book of the held accounts (rebuilt when they or the table layout changed). */
  private csrFor(book: AccountBook): PartitionCsr {
    if (this.csr && this.builtVersion === book.version && this.csr.layout === this.v.layout)
      return this.csr;
    const held = sortedAccounts(book);
    const csrBook = buildAccountBook(
      this.v.table,
      held.map((h) => inputOf(h)),
      this.v.market.snapshot,
    );
    this.csr = { book: csrBook, held, res: batchResults(held.length), layout: this.v.layout };
    this.builtVersion = book.version;
    this.holders = undefined;
    return this.csr;
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
        currency: c < 0 ? 'USD' : this.v.table.pools.currencies[c]!,
        equity: res.equity[a]!,
        initialMargin: res.initialMargin[a]!,
        maintenanceMargin: res.maintenanceMargin[a]!,
        utilization: res.utilization[a]!,
        state: STATE_NAMES[res.state[a]!] as MarginedAccount['result']['state'],
      },
      worstScenario: k >= 0 ? this.v.table.keys.cellIds[k]![res.worstCell[a]!] : undefined,
    };
  }
}

/** The engine's input of a held account (its portfolio, or its parse error). */
function inputOf(h: HeldAccount) {
  return h.portfolio instanceof BallastError
    ? { id: h.id, error: errorOf(h.portfolio, 'account') }
    : { id: h.id, portfolio: h.portfolio };
}
