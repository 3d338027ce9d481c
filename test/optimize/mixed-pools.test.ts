/**
 * Optimize, cure and allocate on books that mix BTC inverse options (BTC pool) with BTC_USDC
 * options of the same expiries (USDC pool): the LP names of the two pools' roll-shock rows
 * once collided ("variable roll[BTC options 2026-09-25…] is defined twice", exit 2). A
 * property over random mixed books: every run returns a result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { splitBook } from '../../src/optimize/allocate.ts';
import { cureMarginCall } from '../../src/optimize/cure.ts';
import { optimizeHedge } from '../../src/optimize/hedge.ts';
import { listedUniverse } from '../../src/optimize/universe.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const pm = marginModel('deribit-pm');
const universe = listedUniverse(snapshot);
const EXPIRIES = ['25SEP26', '25DEC26'];
const STRIKES = [55000, 60000, 65000, 70000];

const legArb = fc.record({
  expiry: fc.constantFrom(...EXPIRIES),
  strike: fc.constantFrom(...STRIKES),
  right: fc.constantFrom('C', 'P'),
  usdc: fc.boolean(),
  size: fc.double({ min: -5, max: 5, noNaN: true }).filter((x) => Math.abs(x) > 0.1),
});

/** A book with at least one inverse and one USDC option of the same expiry, and collateral in both pools. */
const mixedBook = fc
  .tuple(fc.constantFrom(...EXPIRIES), fc.array(legArb, { minLength: 0, maxLength: 4 }))
  .map(([expiry, legs]): Portfolio => {
    const all = [
      { expiry, strike: 60000, right: 'P', usdc: false, size: -2 },
      { expiry, strike: 70000, right: 'C', usdc: true, size: -1 },
      ...legs,
    ];
    const positions = all.map((l) => ({
      instrument: parseSymbol(
        `${l.usdc ? 'BTC_USDC' : 'BTC'}-${l.expiry}-${l.strike}-${l.right}`,
        'deribit',
      ),
      size: l.size,
    }));
    return portfolio(positions, [
      { currency: 'BTC', amount: 2 },
      { currency: 'USDC', amount: 60000 },
    ]);
  });

describe('optimizer on mixed inverse/USDC books (unique LP names across pools)', () => {
  it('optimize, cure and allocate (split) return a result on random mixed books', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(mixedBook, async (book) => {
        const hedge = await optimizeHedge({
          portfolio: book,
          snapshot,
          model: pm,
          universe,
          constraints: { maxSize: 2 },
        });
        expect(['improved', 'no-improvement']).toContain(hedge.status);
        expect(hedge.before.results.map((r) => r.currency).sort()).toEqual(['BTC', 'USDC']);
        expect(Number.isFinite(hedge.after.initialMarginUsd)).toBe(true);
        const cure = await cureMarginCall({
          portfolio: book,
          snapshot,
          model: pm,
          universe,
          targetUtilization: 0.5,
          constraints: { maxSize: 2 },
        });
        expect(cure.before.length).toBe(2);
        const split = await splitBook(
          book,
          [
            { name: 'a', model: pm, portfolio: portfolio([], book.balances) },
            { name: 'b', model: pm, portfolio: portfolio([], book.balances) },
          ],
          snapshot,
          { respectCollateral: false },
        );
        expect(Number.isFinite(split.totalInitialMarginUsd)).toBe(true);
        runs++;
      }),
      { numRuns: 4 },
    );
    expect(runs).toBe(4);
  }, 240_000);
});
