import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { whatIf, whatIfByRevaluation } from '../../src/margin/what-if.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The incremental what-if (vectors updated in O(cells) per trade) against full re-evaluation.
const snapshot = realSnapshot();
const instruments = realInstruments();
const params = deribitPmModel.defaultParams;

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
function expectSame(a: readonly MarginResult[], b: readonly MarginResult[]) {
  expect(a.map((r) => r.currency)).toEqual(b.map((r) => r.currency));
  a.forEach((r, i) => {
    const e = b[i]!;
    for (const k of ['initialMargin', 'maintenanceMargin', 'equity'] as const) {
      if (e[k] === 0) expect(Math.abs(r[k])).toBeLessThanOrEqual(1e-15);
      else
        expect(rel(r[k], e[k]), `${r.currency}.${k}: ${r[k]} vs ${e[k]}`).toBeLessThanOrEqual(
          1e-12,
        );
    }
    expect(r.inputsHash).toBe(e.inputsHash);
  });
}

/** Deep equality with numbers to 1e-12 (relative to max(1, |b|)); returns numbers compared. */
function closeTo(a: unknown, b: unknown, path = '$'): number {
  if (typeof b === 'number') {
    expect(typeof a, path).toBe('number');
    expect(Math.abs((a as number) - b), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
    return 1;
  }
  if (typeof b !== 'object' || b === null) {
    expect(a, path).toEqual(b);
    return 0;
  }
  expect(typeof a, path).toBe('object');
  const ka = Object.keys(a as object).sort();
  expect(ka, path).toEqual(Object.keys(b).sort());
  let n = 0;
  for (const k of ka)
    n += closeTo(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
  return n;
}

const pos = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -15, max: 15, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
});
const toPositions = (xs: { i: number; size: number }[]): Position[] =>
  xs.map((x) => ({ instrument: instruments[x.i]!, size: x.size }));

describe('deribit-pm incremental what-if equals a full recomputation (1e-12 relative)', () => {
  it('the model uses the incremental path', () => {
    expect(typeof deribitPmModel.whatIf).toBe('function');
  });
  it('random books and trades (held and new instruments)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(pos, { minLength: 1, maxLength: 8, selector: (p) => p.i }),
        fc.array(pos, { minLength: 1, maxLength: 3 }),
        (book, trades) => {
          const p = portfolio(toPositions(book), [{ currency: 'BTC', amount: 20 }]);
          const t = toPositions(trades);
          const fast = whatIf(deribitPmModel, p, snapshot, params, t);
          const full = whatIfByRevaluation(deribitPmModel, p, snapshot, params, t);
          expectSame(fast.before, full.before);
          expectSame(fast.after, full.after);
          fast.trades.forEach((x, k) => {
            expectSame(x.after, full.trades[k]!.after);
            expect(
              Math.abs(x.incrementalInitialMarginUsd - full.trades[k]!.incrementalInitialMarginUsd),
            ).toBeLessThanOrEqual(1e-12 * Math.max(1, full.beforeUsd.initialMargin));
          });
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
  it("full reports: before/after as evaluate gives them; each trade's details and hash equal re-evaluation when read", () => {
    const p = portfolio(
      toPositions([
        { i: 3, size: 2 },
        { i: 17, size: -4 },
        { i: 40, size: -5 },
      ]),
      [{ currency: 'BTC', amount: 5 }],
    );
    const t = toPositions([
      { i: 40, size: 5 },
      { i: instruments.length - 1, size: 1.5 },
    ]);
    const fast = whatIf(deribitPmModel, p, snapshot, params, t);
    const full = whatIfByRevaluation(deribitPmModel, p, snapshot, params, t);
    expect(fast.before).toEqual(full.before);
    // after a trade the vectors are updated incrementally: equal to rounding (1e-12)
    expect(closeTo(fast.after, full.after)).toBeGreaterThan(100);
    expect(fast.trades.length).toBe(2);
    fast.trades.forEach((x, k) => {
      const want = full.trades[k]!.after;
      expect(want[0]!.details).toBeDefined();
      expect(x.after[0]!.inputsHash).toBe(want[0]!.inputsHash);
      expect(closeTo(JSON.parse(JSON.stringify(x.after)), want)).toBeGreaterThan(100);
    });
  });
  it('a trade that closes a position', () => {
    const p = portfolio(
      toPositions([
        { i: 3, size: 2 },
        { i: 40, size: -5 },
      ]),
      [{ currency: 'BTC', amount: 5 }],
    );
    const t = [{ instrument: instruments[40]!, size: 5 }];
    const fast = whatIf(deribitPmModel, p, snapshot, params, t);
    const full = whatIfByRevaluation(deribitPmModel, p, snapshot, params, t);
    expectSame(fast.after, full.after);
  });
  it('a trade at the mark leaves equity unchanged (closing a perp with an entry price, buying an option)', () => {
    const perp = instruments[0]!;
    const p = portfolio(
      [
        { instrument: perp, size: 2, entryPrice: 60_000 },
        { instrument: instruments[40]!, size: -3 },
      ],
      [{ currency: 'BTC', amount: 5 }],
    );
    const r = whatIf(deribitPmModel, p, snapshot, params, [
      { instrument: perp, size: -2 },
      { instrument: instruments[41]!, size: 4 },
    ]);
    const eq = (rs: readonly MarginResult[]) => rs.reduce((s, x) => s + x.equity, 0);
    expect(Math.abs(eq(r.after) - eq(r.before))).toBeLessThanOrEqual(1e-12 * eq(r.before));
    for (const t of r.trades)
      expect(Math.abs(eq(t.after) - eq(r.before))).toBeLessThanOrEqual(1e-12 * eq(r.before));
  });
});
