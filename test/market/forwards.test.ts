import { describe, expect, it } from 'vitest';
import { forwardAt, forwardFromParity, quoteMid } from '../../src/market/forwards.ts';
import type { UnderlyingMarket } from '../../src/market/snapshot.ts';
import { black76Price } from '../../src/pricing/black76.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { isBallastError } from '../../src/core/errors.ts';

const asOf = Date.UTC(2025, 0, 1, 8);
const u: UnderlyingMarket = {
  underlying: 'BTC',
  index: 100_000,
  rate: 0,
  perpBasis: 0,
  surface: [],
  forwards: [
    { expiryMs: asOf + 30 * MS_PER_DAY, forward: 101_000, source: 'future' },
    { expiryMs: asOf + 90 * MS_PER_DAY, forward: 103_000, source: 'future' },
  ],
};

describe('forwards', () => {
  it('mid of a quote; crossed and non-positive quotes are typed errors naming the field', () => {
    expect(quoteMid({ bid: 99, ask: 101 }, 'f')).toBe(100);
    expect(() => quoteMid({ bid: 102, ask: 101 }, 'futures[BTC-27DEC24]')).toThrow(
      /futures\[BTC-27DEC24\]: crossed market/,
    );
    try {
      quoteMid({ bid: 102, ask: 101 }, 'x');
    } catch (e) {
      expect(isBallastError(e, 'CROSSED_MARKET')).toBe(true);
    }
    expect(() => quoteMid({ bid: 0, ask: 1 }, 'x')).toThrow(/positive/);
  });

  it('listed expiries are exact; between them the log-forward is linear in time', () => {
    expect(forwardAt(u, asOf + 30 * MS_PER_DAY, asOf)).toBe(101_000);
    const mid = forwardAt(u, asOf + 60 * MS_PER_DAY, asOf);
    expect(mid).toBeCloseTo(Math.sqrt(101_000 * 103_000), 6);
    const early = forwardAt(u, asOf + 15 * MS_PER_DAY, asOf);
    expect(early).toBeCloseTo(Math.sqrt(100_000 * 101_000), 6);
  });

  it('beyond the last forward, or without forwards, is MISSING_FORWARD; a past expiry is EXPIRED', () => {
    expect(() => forwardAt(u, asOf + 365 * MS_PER_DAY, asOf, 'BTC-1JAN26-1-C')).toThrow(
      /BTC-1JAN26-1-C: no forward/,
    );
    expect(() => forwardAt(u, asOf - MS_PER_DAY, asOf)).toThrow(/not after/);
  });

  it('put-call parity recovers the forward from linear and inverse premia', () => {
    const F = 64_321;
    const T = 0.1;
    const df = Math.exp(-0.03 * T);
    const strikes = [55_000, 60_000, 65_000, 70_000];
    const linear = strikes.map((K) => ({
      strike: K,
      callMid: black76Price('call', F, K, T, 0.6, df),
      putMid: black76Price('put', F, K, T, 0.6, df),
    }));
    expect(forwardFromParity(linear, false, df, 'x')).toBeCloseTo(F, 6);
    const coin = linear.map((p) => ({
      strike: p.strike,
      callMid: p.callMid / F,
      putMid: p.putMid / F,
    }));
    expect(forwardFromParity(coin, true, df, 'x')).toBeCloseTo(F, 6);
    expect(() => forwardFromParity([], true, 1, 'options[BTC-3AUG26].forward')).toThrow(
      /MISSING|no future/,
    );
  });
});
