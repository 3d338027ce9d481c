/**
 * The market a partition margins against and which accounts a tick re-margins: the batch
 * engine for `deribit-pm` (engine-market.ts: only the accounts holding a re-priced row), the
 * per-account models for the others (marginer.ts: every held account, the market being the
 * base moved to the latest indices). The worker's partition runner and the in-process run
 * (local-run.ts) both go through this port, so they give the same results.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { sortedAccounts, type AccountBook } from './account-book.ts';
import { EnginePartitionMarket } from './engine-market.ts';
import { SharedEngine } from './shared-engine.ts';
import {
  baseMarket,
  marginAccount,
  nextMarket,
  usesEngine,
  type HeldAccount,
  type MarginedAccount,
  type ModelSetup,
  type TickMarket,
} from './marginer.ts';
import type { TickMessage } from './messages.ts';

/** What a tick moved: rows re-priced (engine) and the accounts to re-margin, in id order. */
export interface TickMoved {
  /** Instrument-table rows re-priced (the per-account models: 0, they have no table). */
  readonly rows: number;
  readonly accounts: readonly HeldAccount[];
}

/** A partition's market (module doc). Mutable: `applyTick` moves it. */
export interface PartitionMarket {
  /** Number of the last applied tick (0: the base market). */
  readonly tick: number;
  /** Index per underlying at the current tick (USD per coin). */
  indices(): Record<string, number>;
  /**
   * Applies tick message `t`: the accounts of `book` to re-margin, or why the tick is ignored
   * (the market then stays as it was). The caller margins them with `margin`.
   */
  applyTick(t: TickMessage, book: AccountBook): TickMoved | string;
  /** Margins `accounts` (held in `book`) at the current market, results in input order. */
  margin(accounts: readonly HeldAccount[], book: AccountBook): MarginedAccount[];
}

/** The per-account models: every open account re-margined on every tick. */
class PerAccountMarket implements PartitionMarket {
  private m: TickMarket;

  constructor(
    private readonly base: MarketSnapshot,
    private readonly setup: ModelSetup,
  ) {
    this.m = baseMarket(base);
  }

  get tick(): number {
    return this.m.tick;
  }

  indices(): Record<string, number> {
    return { ...this.m.indices };
  }

  applyTick(t: TickMessage, book: AccountBook): TickMoved | string {
    const next = nextMarket(this.base, this.m, t);
    if (typeof next === 'string') return next;
    this.m = next;
    return { rows: 0, accounts: sortedAccounts(book) };
  }

  margin(accounts: readonly HeldAccount[]): MarginedAccount[] {
    return accounts.map((a) => marginAccount(a, this.m, this.setup));
  }
}

/**
 * The base market of a partition for the model of `setup`. For the engine, `shared` is the
 * worker's engine market (shared-engine.ts: tables priced once per tick for all its
 * partitions); without it the partition has its own.
 */
export function partitionMarket(
  base: MarketSnapshot,
  setup: ModelSetup,
  shared?: SharedEngine,
): PartitionMarket {
  return usesEngine(setup)
    ? new EnginePartitionMarket(shared ?? new SharedEngine(base, setup.params), setup.model.id)
    : new PerAccountMarket(base, setup);
}

/** The worker's shared engine market for `setup` (undefined for the per-account models). */
export function sharedEngineFor(base: MarketSnapshot, setup: ModelSetup): SharedEngine | undefined {
  return usesEngine(setup) ? new SharedEngine(base, setup.params) : undefined;
}
