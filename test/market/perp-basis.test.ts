import { describe, expect, it } from 'vitest';
import { smoothBasis } from '../../src/market/perp-basis.ts';
import { buildSnapshot } from '../../src/market/build-snapshot.ts';
import type { RawMarket } from '../../src/market/raw-market.ts';

const raw = (asOfMs: number, perpMid: number): RawMarket => ({
  source: 'test',
  asOfMs,
  underlying: 'BTC',
  index: { bid: 60_000, ask: 60_000 },
  perpetual: { symbol: 'BTC-PERPETUAL', bid: perpMid - 0.5, ask: perpMid + 0.5 },
  futures: [],
  options: [],
});

describe('smoothed perpetual basis', () => {
  it('exponential average by elapsed time: one half-life halves the gap', () => {
    expect(smoothBasis(10, 30_000, { basis: 0, asOfMs: 0 }, 30_000)).toBeCloseTo(5, 12);
    expect(smoothBasis(10, 60_000, { basis: 0, asOfMs: 0 }, 30_000)).toBeCloseTo(7.5, 12);
    expect(smoothBasis(10, 0, { basis: 4, asOfMs: 0 }, 30_000)).toBe(4);
    expect(smoothBasis(10, 5, undefined, 30_000)).toBe(10);
  });
  it('out-of-order data and a non-positive half-life are errors', () => {
    expect(() => smoothBasis(1, 0, { basis: 0, asOfMs: 10 }, 1000)).toThrow(/previous\.asOf/);
    expect(() => smoothBasis(1, 0, undefined, 0)).toThrow(/basisHalfLifeMs/);
  });
  it('the snapshot builder smooths from the previous snapshot: the perp mark moves less than the book', () => {
    const first = buildSnapshot([raw(0, 60_020)]).snapshot;
    expect(first.underlyings.BTC!.perpBasis).toBe(20);
    const second = buildSnapshot([raw(30_000, 60_060)], {
      previous: first,
      basisHalfLifeMs: 30_000,
    }).snapshot;
    expect(second.underlyings.BTC!.perpBasis).toBeCloseTo(40, 9); // halfway from 20 to 60
  });
});
