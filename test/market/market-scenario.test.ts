/**
 * Whole-market moves for the dashboard sliders: a vol scale multiplies the implied vol at every
 * strike and expiry; a roll keeps the vol per log-moneyness at each surviving expiry and drops
 * the expired ones.
 */
import { describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { surfaceVol } from '../../src/market/marks.ts';
import { rollSnapshot, scaleVols } from '../../src/market/market-scenario.ts';
import { realSnapshot } from '../helpers/real-market.ts';

describe('market scenario moves', () => {
  const s = realSnapshot();
  const btc = s.underlyings.BTC!;
  const slices = btc.surface;

  it('scaleVols(1.3): the vol at every strike of every expiry × 1.3', () => {
    const moved = scaleVols(s, 1.3);
    for (const sl of slices)
      for (const K of [40000, 55000, 62000, 70000, 90000]) {
        const v0 = surfaceVol(btc, K, sl.expiryMs, s.asOfMs);
        const v1 = surfaceVol(moved.underlyings.BTC!, K, sl.expiryMs, s.asOfMs);
        expect(v1 / v0).toBeCloseTo(1.3, 12);
      }
    expect(moved.underlyings.BTC!.index).toBe(btc.index);
  });

  it('rollSnapshot: as-of moves, expired slices and forwards drop, vol per moneyness kept', () => {
    const to = slices[0]!.expiryMs; // the first expiry itself: that slice must drop
    const rolled = rollSnapshot(s, to);
    const r = rolled.underlyings.BTC!;
    expect(rolled.asOfMs).toBe(to);
    expect(r.surface).toHaveLength(slices.length - 1);
    expect(r.forwards.every((f) => f.expiryMs > to)).toBe(true);
    for (const sl of r.surface) {
      expect(sl.T).toBeCloseTo((sl.expiryMs - to) / (365 * MS_PER_DAY), 14);
      for (const K of [50000, 65000, 80000]) {
        // same strike, same forward of that expiry → same log-moneyness → same vol
        const v0 = surfaceVol(btc, K, sl.expiryMs, s.asOfMs);
        const v1 = surfaceVol(r, K, sl.expiryMs, to);
        expect(v1).toBeCloseTo(v0, 12);
      }
    }
  });

  it('bad input is a BallastError naming the field', () => {
    expect(() => scaleVols(s, 0)).toThrow(/volScale/);
    expect(() => rollSnapshot(s, s.asOfMs - 1)).toThrow(/days/);
  });
});
