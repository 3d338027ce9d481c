import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { crossModel, type CrossDetails } from '../../src/margin/cross.ts';
import { isolatedModel } from '../../src/margin/isolated.ts';
import { future, option, syntheticSnapshot, syntheticUnderlying } from './synthetic-market.ts';

const snap = syntheticSnapshot(
  syntheticUnderlying('BTC', 65_000, 0.6, [30, 90]),
  syntheticUnderlying('ETH', 2_000, 0.7, [30]),
);
const perp = parseSymbol('BTC-PERPETUAL', 'deribit');
const ethPerp = parseSymbol('ETH-PERPETUAL', 'deribit');
const btcLin = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
const f30 = future('BTC', 30);
const menu: Instrument[] = [
  perp,
  f30,
  ethPerp,
  btcLin,
  option('BTC', 30, 70_000, 'C'),
  option('BTC', 90, 55_000, 'P'),
  option('ETH', 30, 1_800, 'P'),
  option('BTC', 30, 60_000, 'P', true),
];
const bookArb = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: menu.length - 1 }),
    fc.double({ min: -30, max: 30, noNaN: true }),
  ),
  { minLength: 1, maxLength: 6 },
);
const toBook = (b: [number, number][]) =>
  portfolio(b.map(([i, q]) => ({ instrument: menu[i]!, size: q })));

describe('cross baseline', () => {
  it('per-position requirements converted at index and summed in one USD pool; collateral with haircuts', () => {
    const book = portfolio(
      [
        { instrument: perp, size: 2 },
        { instrument: ethPerp, size: -10 },
        { instrument: btcLin, size: 1 },
      ],
      [
        { currency: 'BTC', amount: 1 },
        { currency: 'USDC', amount: 5_000 },
      ],
    );
    const iso = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
    const res = crossModel.evaluate(book, snap, {
      ...crossModel.defaultParams,
      haircuts: {
        byCurrency: { BTC: { initial: 0.1, maintenance: 0.05 } },
        default: { initial: 0, maintenance: 0 },
      },
    });
    expect(res).toHaveLength(1);
    const r = res[0]!;
    expect(r.currency).toBe('USD');
    const px: Record<string, number> = { BTC: 65_000, ETH: 2_000, USDC: 1 };
    const sum = iso.reduce((s, x) => s + x.initialMargin * px[x.currency]!, 0);
    expect(r.initialMargin).toBeCloseTo(sum, 8);
    const det = r.details as CrossDetails;
    expect(det.collateralInitial).toBeCloseTo(65_000 * 0.9 + 5_000, 8);
    expect(det.collateralMaintenance).toBeCloseTo(65_000 * 0.95 + 5_000, 8);
    expect(r.equity).toBeCloseTo(det.collateralInitial, 8); // no entry prices: positions at P&L 0
    expect(Object.keys(det.bySettlement).sort()).toEqual(['BTC', 'ETH', 'USDC']);
  });

  it('property: cross IM (USD) = Σ isolated IM × index, ≥ 0', () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const book = toBook(b);
        const iso = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
        const [x] = crossModel.evaluate(book, snap, crossModel.defaultParams);
        const px = (c: string) => (c === 'USDC' ? 1 : snap.underlyings[c]!.index);
        const sum = iso.reduce((s, r) => s + r.initialMargin * px(r.currency), 0);
        expect(x!.initialMargin).toBeGreaterThanOrEqual(0);
        expect(Math.abs(x!.initialMargin - sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, sum));
      }),
      { numRuns: 30 },
    );
  });
});
