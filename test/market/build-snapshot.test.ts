import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { buildSnapshot } from '../../src/market/build-snapshot.ts';
import type { RawMarket } from '../../src/market/raw-market.ts';

const asOfMs = Date.UTC(2026, 7, 1, 8);
const raw = (underlying: string, at: number): RawMarket => ({
  source: 'test',
  asOfMs: at,
  underlying,
  index: { bid: 100, ask: 100 },
  futures: [],
  options: [],
});

describe('buildSnapshot', () => {
  it('one as-of time for every underlying', () => {
    const { snapshot } = buildSnapshot([raw('BTC', asOfMs), raw('ETH', asOfMs)]);
    expect(snapshot.asOfMs).toBe(asOfMs);
    expect(Object.keys(snapshot.underlyings)).toEqual(['BTC', 'ETH']);
  });

  it('markets of different instants are refused, naming the field', () => {
    try {
      buildSnapshot([raw('BTC', asOfMs), raw('ETH', asOfMs + 60_000)]);
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect((e as { field: string }).field).toBe('markets[1].asOfMs');
    }
  });
});
