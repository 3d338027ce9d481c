/**
 * P&L at expiry and its breakevens against an independent calculation: a short strangle
 * without collateral has, at its expiry, P&L(S) = premium_USD − n·max(K_put − S, 0) −
 * n·max(S − K_call, 0), so its breakevens are K_put − p and K_call + p with p the premium per
 * coin, here the sum of the two marks of the snapshot in USD (mark in coin × index).
 */
import { describe, expect, it } from 'vitest';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { markInstrument } from '../../src/market/marks.ts';
import { expiryPnlCurve, multiplierGrid, pnlCurve } from '../../src/app/pnl-curve.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { realSnapshot } from '../helpers/real-market.ts';

describe('P&L at expiry with breakevens', () => {
  const s = realSnapshot();
  const index = s.underlyings.BTC!.index;
  const put = parseSymbol('BTC-28AUG26-55000-P', 'deribit');
  const call = parseSymbol('BTC-28AUG26-72000-C', 'deribit');
  const book = portfolio([
    { instrument: put, size: -10 },
    { instrument: call, size: -10 },
  ]);
  const premium = (markInstrument(put, s).price + markInstrument(call, s).price) * index;

  it('short strangle: breakevens = strikes ∓ premium per coin; payoff matches between grid points', () => {
    const grid = multiplierGrid(0.6, 121);
    const e = expiryPnlCurve(book, s, 'BTC', grid)!;
    expect(e.expiryMs).toBe(put.kind === 'option' ? put.expiryMs : NaN);
    expect(e.breakevens).toHaveLength(2);
    expect(e.breakevens[0]!).toBeCloseTo(55000 - premium, 3);
    expect(e.breakevens[1]!).toBeCloseTo(72000 + premium, 3);
    for (const p of e.points) {
      const S = p.spot;
      const expected = 10 * premium - 10 * Math.max(55000 - S, 0) - 10 * Math.max(S - 72000, 0);
      expect(p.pnlUsd).toBeCloseTo(expected, 6);
    }
    // the today curve is through 0 at spot and above the expiry curve's loss far out
    const today = pnlCurve(book, s, 'BTC', grid);
    expect(today[60]!.pnlUsd).toBeCloseTo(0, 9);
    console.log(
      `short strangle: premium ${premium.toFixed(2)} USD/coin, breakevens ${e.breakevens.map((b) => b.toFixed(2)).join(', ')}`,
    );
  });

  it('a book without dated positions has no expiry curve', () => {
    const perp = portfolio([
      { instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 1, entryPrice: 60000 },
    ]);
    expect(expiryPnlCurve(perp, s, 'BTC', [0.9, 1, 1.1])).toBeNull();
  });
});
