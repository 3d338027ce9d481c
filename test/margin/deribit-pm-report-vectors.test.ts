/**
 * The Deribit PM report writes each position's vector from the key's unit rows (the vectors
 * are not stored: `positionCell`, report.ts `positionRiskVectors`). On random books of the
 * real market, evaluated at the default: each contribution's P&L is the position's
 * `initial_risk_vectors` entry at the worst cell, and summing those entries over the
 * positions in canonical order gives `pre_aggregated_risk_vectors` at every cell, to the bit
 * (the venue fixtures W-D1/W-D2 check the vectors themselves, test/margin/deribit-pm.test.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  deribitPmModel,
  type DeribitPmDetails,
  type RiskVectors,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const inst = realInstruments();
const params = deribitPmModel.defaultParams;
const cells = (v: RiskVectors): number[] => [...v.standard, ...v.extended];

describe('Deribit PM report vectors', () => {
  it('contributions and initial vectors agree with the pre-aggregated vector, to the bit', () => {
    const bookArb = fc.uniqueArray(
      fc.record({
        i: fc.nat({ max: inst.length - 1 }),
        size: fc.double({ min: -30, max: 30, noNaN: true }),
      }),
      { minLength: 1, maxLength: 40, selector: (p) => p.i },
    );
    fc.assert(
      fc.property(bookArb, (ps) => {
        const book = portfolio(
          ps.map((p) => ({ instrument: inst[p.i]!, size: p.size })),
          [{ currency: 'BTC', amount: 10 }],
        );
        for (const r of deribitPmModel.evaluate(book, snapshot, params)) {
          const sim = (r.details as DeribitPmDetails).simulate;
          const symbols = Object.keys(sim.portfolio.position).sort();
          const [key] = Object.keys(sim.pre_aggregated_risk_vectors);
          const pre = cells(sim.pre_aggregated_risk_vectors[key!]!);
          const sum = pre.map(() => 0);
          for (const s of symbols) {
            const v = cells(sim.initial_risk_vectors[s]!);
            v.forEach((x, c) => (sum[c] = sum[c]! + x + 0));
          }
          expect(sum).toEqual(pre);
          const cell = r.worstScenario?.index;
          if (cell === undefined) continue;
          expect(r.contributions.map((x) => x.symbol)).toEqual(symbols);
          for (const x of r.contributions) {
            expect(x.size).toBe(sim.portfolio.position[x.symbol]);
            expect(Object.is(x.pnl, cells(sim.initial_risk_vectors[x.symbol]!)[cell])).toBe(true);
          }
        }
      }),
      { numRuns: 40, seed: 4 },
    );
  });
});
