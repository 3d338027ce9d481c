/**
 * The partition engine (cluster/engine-market.ts) without a server: collateral in a currency
 * the partition's table has no pool for, and the worker's shared engine market
 * (cluster/shared-engine.ts: tables priced once per tick for all of a worker's partitions)
 * against partitions that each price their own.
 */
import { describe, expect, it } from 'vitest';
import { syntheticAccounts, syntheticTicks } from '../../bench/cluster-books.ts';
import { bundledBtc } from '../../bench/harness.ts';
import { applyChange, emptyBook, sortedAccounts } from '../../src/cluster/account-book.ts';
import { accountHealth } from '../../src/account/health.ts';
import { runLocal } from '../../src/cluster/local-run.ts';
import { baseMarket, holdAccount, marginAccount } from '../../src/cluster/marginer.ts';
import type { AccountChange, AccountResult, TickMessage } from '../../src/cluster/messages.ts';
import { partitionMarket, type PartitionMarket } from '../../src/cluster/partition-market.ts';
import { SharedEngine } from '../../src/cluster/shared-engine.ts';
import { marginModel } from '../../src/margin/registry.ts';

const { snapshot } = bundledBtc();
const model = marginModel('deribit-pm');
const setup = { model, params: model.defaultParams };

const OPTION = 'BTC-28AUG26-110000-P';
/** BTC options (BTC pool) with collateral in USDC and BTC: only the BTC balance is the pool's. */
const coinBook: AccountChange = {
  id: 'coin',
  seq: 1,
  account: {
    positions: [{ instrument: OPTION, size: -1 }],
    balances: [
      { currency: 'USDC', amount: 50_000 },
      { currency: 'BTC', amount: 0.5 },
    ],
  },
};
/** A USDC-settled perpetual and a BTC option: two pools, collateral in both currencies. */
const twoPools: AccountChange = {
  id: 'two',
  seq: 1,
  account: {
    positions: [
      { instrument: 'BTC_USDC-PERPETUAL', size: -1 },
      { instrument: OPTION, size: 1 },
    ],
    balances: [
      { currency: 'USDC', amount: 50_000 },
      { currency: 'BTC', amount: 0.5 },
    ],
  },
};

const numbers = (r: AccountResult) => ({
  currency: r.currency,
  equity: r.equity,
  initialMargin: r.initialMargin,
  maintenanceMargin: r.maintenanceMargin,
});

/** The model's own numbers (`MarginModel.evaluate`, pools combined) for an account change. */
function reference(c: AccountChange) {
  const held = holdAccount(c.id, c.seq, c.account!, snapshot);
  return numbers(marginAccount(held, baseMarket(snapshot), setup).result);
}

function expectClose(got: ReturnType<typeof numbers>, want: ReturnType<typeof numbers>) {
  expect(got.currency).toBe(want.currency);
  for (const k of ['equity', 'initialMargin', 'maintenanceMargin'] as const)
    expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[k])));
}

describe('collateral in a currency the partition has no pool for', () => {
  it('gives the model numbers whether the table has the pool or not', () => {
    // Alone: the partition's table has only the BTC pool (no USDC instrument held).
    const alone = runLocal(snapshot, setup, [coinBook], []).results[0]!;
    expect(alone.state).not.toBe('error');
    expectClose(numbers(alone), reference(coinBook));
    // After an account bringing a USDC pool: the same numbers, bit for bit.
    const after = runLocal(snapshot, setup, [twoPools, coinBook], []).results;
    expect(numbers(after[1]!)).toEqual(numbers(alone));
    // The two-pool account: USDC collateral counts in the USDC pool, BTC in the BTC pool.
    expect(after[0]!.currency).toBe('USD');
    expectClose(numbers(after[0]!), reference(twoPools));
    // Its USDC balance moves its equity one for one (it is not dropped).
    const more: AccountChange = {
      ...twoPools,
      account: {
        ...twoPools.account!,
        balances: [
          { currency: 'USDC', amount: 51_000 },
          { currency: 'BTC', amount: 0.5 },
        ],
      },
    };
    const moved = runLocal(snapshot, setup, [more], []).results[0]!;
    expect(moved.equity - after[0]!.equity).toBeCloseTo(1000, 6);
  });
});

/** Loads `changes` into a partition market and applies `ticks`; every result in order. */
function runPartition(m: PartitionMarket, changes: readonly AccountChange[], ticks: TickMessage[]) {
  const book = emptyBook();
  const out: AccountResult[] = [];
  for (const c of changes) applyChange(book, c, snapshot);
  out.push(...m.margin(sortedAccounts(book), book).map((r) => r.result));
  for (const t of ticks) {
    const moved = m.applyTick(t, book);
    if (typeof moved === 'string') continue;
    out.push(...m.margin(moved.accounts, book).map((r) => r.result));
  }
  return out;
}

describe('the shared engine market of a worker', () => {
  it('prices each tick once for all partitions and gives each partition its own numbers', () => {
    const accounts = syntheticAccounts(60, 6, 5);
    const ticks = syntheticTicks(snapshot.underlyings.BTC!.index, 3, 21);
    const halves = [accounts.slice(0, 30), accounts.slice(30)];
    const own = halves.map((h) => runPartition(partitionMarket(snapshot, setup), h, ticks));
    const shared = new SharedEngine(snapshot, setup.params);
    const markets = halves.map(() => partitionMarket(snapshot, setup, shared));
    // Interleaved as a worker runs them: each partition loads, then ticks in turn.
    const books = halves.map(() => emptyBook());
    const got: AccountResult[][] = [[], []];
    halves.forEach((h, i) => {
      for (const c of h) applyChange(books[i]!, c, snapshot);
      got[i]!.push(
        ...markets[i]!.margin(sortedAccounts(books[i]!), books[i]!).map((r) => r.result),
      );
    });
    for (const t of ticks)
      markets.forEach((m, i) => {
        const moved = m.applyTick(t, books[i]!);
        if (typeof moved === 'string') throw new Error(moved);
        got[i]!.push(...m.margin(moved.accounts, books[i]!).map((r) => r.result));
      });
    expect(got).toEqual(own);
    expect(shared.counts.priced).toBe(ticks.length);
    expect(shared.counts.shared).toBe(ticks.length);
  });

  it('gives a partition that lags its own numbers at the earlier ticks (versions never mutated)', () => {
    const accounts = syntheticAccounts(60, 6, 7);
    const ticks = syntheticTicks(snapshot.underlyings.BTC!.index, 3, 23);
    const halves = [accounts.slice(0, 30), accounts.slice(30)];
    const own = halves.map((h) => runPartition(partitionMarket(snapshot, setup), h, ticks));
    const shared = new SharedEngine(snapshot, setup.params);
    const markets = halves.map(() => partitionMarket(snapshot, setup, shared));
    const books = halves.map(() => emptyBook());
    const got: AccountResult[][] = [[], []];
    halves.forEach((h, i) => {
      for (const c of h) applyChange(books[i]!, c, snapshot);
      got[i]!.push(
        ...markets[i]!.margin(sortedAccounts(books[i]!), books[i]!).map((r) => r.result),
      );
    });
    // Partition 0 runs every tick before partition 1 margins at the earlier versions:
    // re-pricing tick n+1 must leave version n (rows, keys, columns) as it was.
    markets.forEach((m, i) => {
      for (const t of ticks) {
        const moved = m.applyTick(t, books[i]!);
        if (typeof moved === 'string') throw new Error(moved);
        got[i]!.push(...m.margin(moved.accounts, books[i]!).map((r) => r.result));
      }
    });
    expect(got).toEqual(own);
    expect(shared.counts.priced).toBe(ticks.length);
    expect(shared.counts.shared).toBe(ticks.length);
  });
  it('gives a lagging partition the accounts a tick moved after another rebuilt that tick over new instruments', () => {
    // A worker after a takeover or a server restart: partition 1 is rebuilt at tick 3 (ticks
    // replayed on an empty book, then its accounts margined, which brings instruments the
    // worker's tables lack: the tables are rebuilt at tick 3), while partition 0 is still at
    // tick 2. Partition 0's tick 3 must still re-margin every account the tick moved.
    const first = syntheticAccounts(6, 2, 3);
    const second = syntheticAccounts(20, 6, 4).map((c) => ({ ...c, id: `b-${c.id}` }));
    const ticks = syntheticTicks(snapshot.underlyings.BTC!.index, 3, 25);
    const own = runPartition(partitionMarket(snapshot, setup), first, ticks);
    const shared = new SharedEngine(snapshot, setup.params);
    const lagging = partitionMarket(snapshot, setup, shared);
    const book = emptyBook();
    for (const c of first) applyChange(book, c, snapshot);
    const got = lagging.margin(sortedAccounts(book), book).map((r) => r.result);
    const step = (t: TickMessage) => {
      const moved = lagging.applyTick(t, book);
      if (typeof moved === 'string') throw new Error(moved);
      got.push(...lagging.margin(moved.accounts, book).map((r) => r.result));
    };
    step(ticks[0]!);
    step(ticks[1]!);
    // Partition 1's rebuild (partition-runner.ts rebuild): ticks on an empty book, then its
    // accounts margined at tick 3.
    const rebuilt = partitionMarket(snapshot, setup, shared);
    const none = emptyBook();
    for (const t of ticks) rebuilt.applyTick(t, none);
    const other = emptyBook();
    for (const c of second) applyChange(other, c, snapshot);
    rebuilt.margin(sortedAccounts(other), other);
    expect(shared.counts.rebuilt).toBeGreaterThan(0);
    step(ticks[2]!);
    expect(got.filter((r) => r.tick === 3).length).toBe(first.length);
    expect(got).toEqual(own);
  });
});

describe('the health state of an account with two pools', () => {
  it('is the most severe pool state, as account/health.ts says, not the state of the USD totals', () => {
    // A short BTC put with no BTC collateral: the BTC pool is below maintenance; the USDC pool
    // holds far more than the whole account needs in USD.
    const hidden: AccountChange = {
      id: 'hidden',
      seq: 1,
      account: {
        positions: [
          { instrument: 'BTC_USDC-PERPETUAL', size: 0.01 },
          { instrument: OPTION, size: -5 },
        ],
        balances: [{ currency: 'USDC', amount: 5_000_000 }],
      },
    };
    const held = holdAccount(hidden.id, hidden.seq, hidden.account!, snapshot);
    if (held.portfolio instanceof Error) throw held.portfolio;
    const health = accountHealth(model.evaluate(held.portfolio, snapshot, setup.params), snapshot);
    expect(health.pools.length).toBe(2);
    expect(health.equityUsd).toBeGreaterThan(health.maintenanceMarginUsd); // USD totals healthy
    expect(health.state).toBe('liquidation');
    const [engine] = runLocal(snapshot, setup, [hidden], []).results;
    expect(engine!.state).toBe(health.state);
    expect(marginAccount(held, baseMarket(snapshot), setup).result.state).toBe(health.state);
  });
});
