import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { marginModel } from '../../src/margin/registry.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { buildPnlMatrix } from '../../src/risk/pnl-matrix.ts';
import { deribitGrid, DERIBIT_GRID_DEFAULTS } from '../../src/scenarios/deribit-grid.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The per-market row cache of buildPnlMatrix: every scenario model gives the same result
// with warm rows (books margined before on the same snapshot object) as on a cold copy of
// the snapshot, to the bit; and a cached matrix equals an uncached one.
const snapshot = realSnapshot();
const instruments = realInstruments();
const MODELS = ['okx-pm', 'span', 'tims', 'var', 'es', 'span2', 'stans'];
const pos = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -10, max: 10, noNaN: true }).filter((x) => Math.abs(x) > 1e-2),
});

describe('scenario models on cached instrument rows equal a cold evaluation', () => {
  for (const id of MODELS) {
    it(
      id,
      () => {
        const model = marginModel(id);
        let compared = 0;
        fc.assert(
          fc.property(
            fc.uniqueArray(pos, { minLength: 1, maxLength: 6, selector: (p) => p.i }),
            (xs) => {
              const book = portfolio(
                xs.map((x) => ({ instrument: instruments[x.i]!, size: x.size })),
                [
                  { currency: 'BTC', amount: 20 },
                  { currency: 'USDC', amount: 5e5 },
                ],
              );
              const warm = model.evaluate(book, snapshot, model.defaultParams);
              const cold = model.evaluate(book, { ...snapshot }, model.defaultParams);
              expect(warm.map((r) => ({ ...r, inputsHash: '' }))).toEqual(
                cold.map((r) => ({ ...r, inputsHash: '' })),
              );
              compared += warm.length;
            },
          ),
          { numRuns: 6 },
        );
        expect(compared).toBeGreaterThan(0);
      },
      120_000,
    );
  }

  it('a cached matrix is the same bits as an uncached one', () => {
    const grid = deribitGrid('BTC', {
      ...DERIBIT_GRID_DEFAULTS,
      priceRange: 0.16,
      bucketsCount: 4,
      volatilityRangeUp: 0.5,
      volatilityRangeDown: 0.25,
      minVolatilityForShockUp: 0.5,
      shortTermVegaPower: 0.3,
      longTermVegaPower: 0.13,
      extendedTableFactor: 1,
    });
    const a = buildPnlMatrix(instruments, snapshot, grid.scenarios);
    const b = buildPnlMatrix([...instruments].reverse(), snapshot, grid.scenarios);
    const c = buildPnlMatrix(instruments, snapshot, grid.scenarios, { cache: false });
    expect(Array.from(a.pnl)).toEqual(Array.from(c.pnl));
    const row = (m: typeof a, sym: string) =>
      Array.from(
        m.pnl.subarray(m.rowOf.get(sym)! * m.nScenarios, (m.rowOf.get(sym)! + 1) * m.nScenarios),
      );
    for (const inst of instruments.slice(0, 20))
      expect(row(b, inst.symbol)).toEqual(row(c, inst.symbol));
  });
});
