import { describe, expect, it } from 'vitest';
import { accountHealth } from '../../src/account/health.ts';
import {
  buildAccountBook,
  collateralPools,
  type AccountInput,
} from '../../src/engine/account-book.ts';
import { batchScratch, marginAccounts } from '../../src/engine/deribit-pm-batch.ts';
import { STATE_NAMES } from '../../src/engine/health-state.ts';
import { buildInstrumentTable } from '../../src/engine/instrument-table.ts';
import { prepareAccount, tradeMargin } from '../../src/engine/prepared-account.ts';
import { buildReadingTables, marginAccountsOverReadings } from '../../src/engine/reading-tables.ts';
import { batchResults } from '../../src/engine/results.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { combinePools } from '../../src/margin/combine.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// Accounts holding collateral and no position in some currency: the batch engine margins that
// pool (IM from the account inputs only, equity the collateral) as `evaluate` does
// (margin/book.ts `settlementPools`), on the pinned kernel, over the readings and on a
// prepared account; a balance the table has no pool for is the account's typed error.
const snapshot = realSnapshot();
const btc = snapshot.underlyings.BTC!.index;
const params = deribitPmModel.defaultParams;
const instruments = realInstruments(); // BTC-settled only: no USDC or USDT pool of their own
const perp = parseSymbol('BTC-PERPETUAL', 'deribit');

const accounts: AccountInput[] = [
  {
    id: 'cash',
    portfolio: portfolio(
      [],
      [
        { currency: 'BTC', amount: 4 },
        { currency: 'USDC', amount: 1000 },
      ],
    ),
  },
  { id: 'loan', portfolio: portfolio([], [{ currency: 'USDT', amount: -500 }]) },
  { id: 'zero', portfolio: portfolio([], [{ currency: 'USDC', amount: 0 }]) },
  {
    id: 'mixed',
    portfolio: portfolio(
      [{ instrument: perp, size: -2 }],
      [
        { currency: 'BTC', amount: 0.5 },
        { currency: 'USDC', amount: 20000 },
      ],
    ),
  },
];
/** The USD equity of each account, from its balances at the index (USD stables at 1). */
const balancesUsd = [4 * btc + 1000, -500, 0];

function run(overReadings: boolean) {
  const market = prepareDeribitPm(snapshot, params);
  const collateral = collateralPools(accounts, snapshot);
  const readings = overReadings
    ? buildReadingTables(market, instruments, false, collateral)
    : undefined;
  const table = readings?.tables[0] ?? buildInstrumentTable(market, instruments, false, collateral);
  const book = buildAccountBook(table, accounts, snapshot);
  const res = batchResults(book.nAccounts);
  if (readings)
    marginAccountsOverReadings(readings, book, res, 0, book.nAccounts, batchScratch(table));
  else marginAccounts(table, book, res, 0, book.nAccounts, batchScratch(table));
  return { table, book, res };
}

describe('batch engine: pools of collateral only equal evaluate', () => {
  it('collateralPools: the currencies with a non-zero sum, priced', () => {
    expect(collateralPools(accounts, snapshot)).toEqual(['BTC', 'USDC', 'USDT']);
  });

  for (const overReadings of [false, true]) {
    it(`${overReadings ? 'over the readings' : 'pinned kernel'}: equity, IM, MM, state`, () => {
      const { book, res } = run(overReadings);
      expect(book.errors.size).toBe(0);
      for (const [a, acc] of accounts.entries()) {
        const pools = deribitPmModel.evaluate(acc.portfolio!, snapshot, params);
        if (a < balancesUsd.length) {
          // the balances' value, independently of both implementations
          expect(res.equity[a]).toBe(balancesUsd[a]);
          expect(res.initialMargin[a]).toBe(0);
          expect(res.maintenanceMargin[a]).toBe(0);
        }
        if (pools.length === 0) {
          expect(acc.id).toBe('zero');
          expect(STATE_NAMES[res.state[a]!]).toBe('healthy');
          continue;
        }
        const c = combinePools('deribit-pm', '1.0.0', pools, snapshot);
        expect(res.equity[a]).toBe(c.equity);
        expect(res.initialMargin[a]).toBe(c.initialMargin);
        expect(res.maintenanceMargin[a]).toBe(c.maintenanceMargin);
        expect(STATE_NAMES[res.state[a]!]).toBe(accountHealth(pools, snapshot).state);
      }
    });
  }

  it('a balance the table has no pool for is an error naming it, never dropped', () => {
    const market = prepareDeribitPm(snapshot, params);
    const table = buildInstrumentTable(market, instruments); // no collateral pools
    const book = buildAccountBook(table, accounts, snapshot);
    expect(book.errors.get(0)).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'balances[1].currency',
    });
    expect(book.errors.get(1)).toMatchObject({ field: 'balances[0].currency' });
    expect(book.errors.has(2)).toBe(false); // a zero balance is no pool
    const res = batchResults(book.nAccounts);
    marginAccounts(table, book, res, 0, book.nAccounts);
    expect([0, 1, 3].map((a) => STATE_NAMES[res.state[a]!])).toEqual(['error', 'error', 'error']);
  });

  it('prepared account: a trade on a book of collateral only equals evaluate', () => {
    const market = prepareDeribitPm(snapshot, params);
    const cash = accounts[0]!.portfolio!;
    const acct = prepareAccount(market, cash, [perp]);
    const got = tradeMargin(acct, perp.symbol, 3);
    const after = portfolio([{ instrument: perp, size: 3 }], cash.balances);
    const want = combinePools(
      'deribit-pm',
      '1.0.0',
      deribitPmModel.evaluate(after, snapshot, params),
      snapshot,
    );
    expect(want.pools.map((r) => r.currency)).toEqual(['BTC', 'USDC']);
    expect(got.currency).toBe('USD');
    expect(got.initialMargin).toBe(want.initialMargin);
    expect(got.maintenanceMargin).toBe(want.maintenanceMargin);
  });
});
