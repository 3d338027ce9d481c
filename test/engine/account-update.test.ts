import { describe, expect, it } from 'vitest';
// The table here is one reading (the params'): compared with evaluate at that reading, every
// hypothesis rule pinned (the default's highest over readings: engine/reading-tables.ts).
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { combinePools } from '../../src/margin/combine.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { buildInstrumentTable } from '../../src/engine/instrument-table.ts';
import { buildAccountBook, type AccountInput } from '../../src/engine/account-book.ts';
import { updateAccount } from '../../src/engine/account-update.ts';
import { batchResults } from '../../src/engine/results.ts';
import { STATE_ERROR } from '../../src/engine/health-state.ts';
import { marginPool } from '../../src/workers/margin-pool.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// One account's positions and collateral replaced: the book's other slices are unchanged,
// only that account is re-margined (the pool's count is 1, the other results keep their
// bits), and its result equals deribitPmModel.evaluate + combinePools (≤ 1e-12 relative).
const snapshot = realSnapshot();
const instruments = [...realInstruments(), parseSymbol('BTC_USDC-PERPETUAL', 'deribit')];
const params = deribitPmModel.defaultParams;
const rel = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

const pf = (picks: [number, number][], btc: number, usdc = 0): Portfolio =>
  portfolio(
    picks.map(([i, size]) => ({ instrument: instruments[i % instruments.length]!, size })),
    [
      { currency: 'BTC', amount: btc },
      { currency: 'USDC', amount: usdc },
    ],
  );

function setup(shared: boolean) {
  const market = prepareDeribitPm(snapshot, params);
  const table = buildInstrumentTable(market, instruments, shared);
  const inputs: AccountInput[] = [
    {
      id: 'a',
      portfolio: pf(
        [
          [0, 2],
          [5, -1],
          [17, 3],
        ],
        4,
      ),
    },
    {
      id: 'b',
      portfolio: pf(
        [
          [1, -1],
          [9, 2],
        ],
        2,
      ),
    },
    { id: 'c', portfolio: pf([[3, 1]], 1, 5000) },
    {
      id: 'd',
      portfolio: pf(
        [
          [11, -4],
          [12, 4],
          [13, 2],
          [instruments.length - 1, 1],
        ],
        3,
        1e5,
      ),
    },
  ];
  const book = buildAccountBook(table, inputs, snapshot, shared);
  const res = batchResults(book.nAccounts, shared);
  return { market, table, book, res };
}

function expectEqualsEvaluate(res: ReturnType<typeof batchResults>, a: number, p: Portfolio) {
  const c = combinePools(
    'deribit-pm',
    '1.0.0',
    deribitPmModel.evaluate(p, snapshot, pinnedDeribitParams(params)),
    snapshot,
  );
  expect(rel(res.equity[a]!, c.equity)).toBeLessThanOrEqual(1e-12);
  expect(rel(res.initialMargin[a]!, c.initialMargin)).toBeLessThanOrEqual(1e-12);
  expect(rel(res.maintenanceMargin[a]!, c.maintenanceMargin)).toBeLessThanOrEqual(1e-12);
  expect(c.initialMargin).toBeGreaterThan(0);
}

describe('updateAccount re-margins that account alone, equal to evaluate', () => {
  for (const workers of [0, 1]) {
    it(`positions grow, shrink and change; collateral changes (workers ${workers})`, async () => {
      const { table, book, res } = setup(workers > 0);
      const pool = marginPool(workers);
      try {
        await pool.run(table, book, res);
        const changes: [number, Portfolio][] = [
          [
            1,
            pf(
              [
                [1, -1],
                [9, 2],
                [20, 5],
                [31, -2],
                [instruments.length - 1, 3],
              ],
              1.5,
              2e4,
            ),
          ],
          [0, pf([[17, 3]], 0.5)],
          [
            3,
            pf(
              [
                [2, 1],
                [40, -3],
              ],
              2,
            ),
          ],
        ];
        let cur = book;
        for (const [a, p] of changes) {
          const before = { ...cur };
          const bits = Float64Array.from(res.initialMargin);
          const next = updateAccount(table, cur, a, p, snapshot);
          // the other accounts' slices are the same positions
          for (let b = 0; b < cur.nAccounts; b++) {
            if (b === a) continue;
            const old = Array.from(before.row.subarray(before.ptr[b]!, before.ptr[b + 1]!));
            expect(Array.from(next.row.subarray(next.ptr[b]!, next.ptr[b + 1]!))).toEqual(old);
            expect(Array.from(next.size.subarray(next.ptr[b]!, next.ptr[b + 1]!))).toEqual(
              Array.from(before.size.subarray(before.ptr[b]!, before.ptr[b + 1]!)),
            );
          }
          expect(next.ptr[a + 1]! - next.ptr[a]!).toBe(p.positions.length);
          const n = await pool.run(table, next, res, 0, 1, Int32Array.of(a));
          expect(n).toBe(1);
          for (let b = 0; b < cur.nAccounts; b++)
            if (b !== a) expect(res.initialMargin[b]).toBe(bits[b]);
          expect(res.initialMargin[a]).not.toBe(bits[a]);
          expectEqualsEvaluate(res, a, p);
          cur = next;
        }
      } finally {
        await pool.close();
      }
    }, 60_000);
  }

  it('a change that cannot be margined puts the account in error, never healthy', async () => {
    const { table, book, res } = setup(false);
    const pool = marginPool(0);
    await pool.run(table, book, res);
    const bad = portfolio(
      [{ instrument: instruments[0]!, size: 1 }],
      [{ currency: 'DOGE', amount: 5 }],
    );
    const next = updateAccount(table, book, 2, bad, snapshot);
    expect(next.errors.get(2)?.field).toBe('balances[0].currency');
    await pool.run(table, next, res, 0, 1, Int32Array.of(2));
    expect(res.state[2]).toBe(STATE_ERROR);
    // fixing it clears the error
    const ok = updateAccount(table, next, 2, pf([[3, 1]], 1, 5000), snapshot);
    expect(ok.errors.has(2)).toBe(false);
    await pool.run(table, ok, res, 0, 1, Int32Array.of(2));
    expectEqualsEvaluate(res, 2, pf([[3, 1]], 1, 5000));
  });
});
