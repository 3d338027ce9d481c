import { describe, expect, it } from 'vitest';
// The table here is one reading (the params'): compared with evaluate at that reading, every
// hypothesis rule pinned (the default's highest over readings: engine/reading-tables.ts).
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { combinePools } from '../../src/margin/combine.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { prepareAccount, tradeMargin } from '../../src/engine/prepared-account.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// One trade on a prepared account (O(cells)) against evaluating the book with the trade.
// Tolerance 1e-12 relative to the larger of the requirement after and before the trade: a
// trade that nearly closes a position cancels `old·unit + q·unit` against `(old+q)·unit`,
// so the rounding is relative to the terms, not to the tiny residual.
const snapshot = realSnapshot();
const params = deribitPmModel.defaultParams;
const instruments = [...realInstruments(), parseSymbol('BTC_USDC-PERPETUAL', 'deribit')];
const pos = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
});

describe('incremental what-if on a prepared account equals re-evaluation', () => {
  it('held and new instruments, closing and flipping trades, a new pool', () => {
    const market = prepareDeribitPm(snapshot, params);
    let n = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(pos, { minLength: 1, maxLength: 12, selector: (p) => p.i }),
        fc.array(pos, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (book, trades, close) => {
          const positions = book.map((x) => ({ instrument: instruments[x.i]!, size: x.size }));
          const p = portfolio(positions, [{ currency: 'BTC', amount: 10 }]);
          const before = combinePools(
            'deribit-pm',
            '1.0.0',
            deribitPmModel.evaluate(p, snapshot, pinnedDeribitParams(params)),
            snapshot,
          );
          const acct = prepareAccount(
            market,
            p,
            trades.map((t) => instruments[t.i]!),
          );
          for (const t of trades) {
            const inst = instruments[t.i]!;
            const held = positions.find((x) => x.instrument.symbol === inst.symbol);
            // close exactly, or trade the drawn size
            const size = close && held ? -held.size : t.size;
            const got = tradeMargin(acct, inst.symbol, size);
            const after = portfolio([...positions, { instrument: inst, size }], p.balances);
            const want = combinePools(
              'deribit-pm',
              '1.0.0',
              deribitPmModel.evaluate(after, snapshot, pinnedDeribitParams(params)),
              snapshot,
            );
            if (want.pools.length === 0) continue;
            expect(got.currency).toBe(want.currency);
            const scale = (k: 'initialMargin' | 'maintenanceMargin') =>
              Math.max(Math.abs(want[k]), Math.abs(before[k]));
            for (const k of ['initialMargin', 'maintenanceMargin'] as const)
              expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(1e-12 * scale(k));
            n++;
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(n).toBeGreaterThan(80);
  });
});
