import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyFill, portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';

const linear = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
const inverse = parseSymbol('BTC-PERPETUAL', 'deribit');

/** Unrealised P&L at mark F plus the settlement balance: what must not jump when a fill happens at F. */
function value(p: Portfolio, F: number, ccy: string): number {
  const bal = p.balances.filter((b) => b.currency === ccy).reduce((s, b) => s + b.amount, 0);
  return p.positions.reduce((s, x) => {
    if (x.entryPrice === undefined) return s;
    return (
      s +
      (x.instrument.settlement === 'inverse'
        ? x.size * (F / x.entryPrice - 1)
        : x.size * (F - x.entryPrice))
    );
  }, bal);
}

describe('fills: realised P&L goes to the balance, the rest keeps its entry', () => {
  it('linear close, partial close and flip', () => {
    const p = portfolio(
      [{ instrument: linear, size: 2, entryPrice: 100 }],
      [{ currency: 'USDC', amount: 0 }],
    );
    const closed = applyFill(p, { instrument: linear, size: -2, price: 110 });
    expect(closed.balances[0]!.amount).toBe(20);
    expect(closed.positions[0]!.size).toBe(0);
    const partial = applyFill(p, { instrument: linear, size: -1, price: 110 });
    expect(partial.balances[0]!.amount).toBe(10);
    expect(partial.positions[0]!).toMatchObject({ size: 1, entryPrice: 100 });
    const flip = applyFill(p, { instrument: linear, size: -3, price: 110 });
    expect(flip.balances[0]!.amount).toBe(20);
    expect(flip.positions[0]!).toMatchObject({ size: -1, entryPrice: 110 });
  });

  it('inverse close realises coin P&L s·(P/E − 1)', () => {
    const p = portfolio(
      [{ instrument: inverse, size: 2, entryPrice: 50_000 }],
      [{ currency: 'BTC', amount: 1 }],
    );
    const closed = applyFill(p, { instrument: inverse, size: -2, price: 55_000 });
    expect(closed.balances[0]!.amount).toBeCloseTo(1 + 2 * (55_000 / 50_000 - 1), 15);
  });

  it('a fill at the mark leaves value (balance + unrealised P&L) unchanged, for any sequence', () => {
    for (const inst of [linear, inverse]) {
      const ccy = inst.settlementCurrency;
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              size: fc.double({ min: -5, max: 5, noNaN: true }),
              price: fc.double({ min: 10_000, max: 100_000, noNaN: true }),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          fc.double({ min: 10_000, max: 100_000, noNaN: true }),
          (fills, F) => {
            let p = portfolio([], [{ currency: ccy, amount: 0 }]);
            for (const f of fills)
              p = applyFill(p, { instrument: inst, size: f.size, price: f.price });
            const before = value(p, F, ccy);
            const after = value(applyFill(p, { instrument: inst, size: 1.234, price: F }), F, ccy);
            expect(Math.abs(after - before)).toBeLessThanOrEqual(
              1e-9 * (1 + Math.abs(before)) * (inst === linear ? 1e5 : 1),
            );
          },
        ),
        { numRuns: 200, seed: 3 },
      );
    }
  });

  it('merging legs keeps the combined unrealised P&L at every mark (linear mean, inverse harmonic mean)', () => {
    for (const inst of [linear, inverse]) {
      const legs = [
        { instrument: inst, size: 2, entryPrice: 50_000 },
        { instrument: inst, size: 1, entryPrice: 60_000 },
      ];
      const merged = portfolio(legs);
      for (const F of [40_000, 55_000, 80_000]) {
        const sep = legs.reduce(
          (s, x) =>
            s + (inst === inverse ? x.size * (F / x.entryPrice - 1) : x.size * (F - x.entryPrice)),
          0,
        );
        expect(value(merged, F, inst.settlementCurrency)).toBeCloseTo(sep, 9);
      }
    }
  });
});
