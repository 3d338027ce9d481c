import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { assertFresh, stalenessProblem } from '../../src/market/staleness.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';

const asOfMs = Date.UTC(2026, 7, 1, 8);
const snapshot: MarketSnapshot = { asOfMs, underlyings: {} };
const HOUR = 3_600_000;

describe('staleness', () => {
  it('a fresh snapshot has no problem and assertFresh returns its age', () => {
    expect(stalenessProblem(snapshot, asOfMs + HOUR / 2, HOUR)).toBeUndefined();
    expect(assertFresh(snapshot, asOfMs + HOUR / 2, HOUR)).toBe(HOUR / 2);
    // up to a minute in the future is clock noise
    expect(assertFresh(snapshot, asOfMs - 30_000, HOUR)).toBe(-30_000);
  });

  it('an old snapshot: the problem states age, time and limit; the error adds what to do', () => {
    const problem = stalenessProblem(snapshot, asOfMs + 3 * 24 * HOUR, HOUR);
    expect(problem).toBe(
      'the snapshot is 3 d old (as of 2026-08-01T08:00:00.000Z; the limit is 60 min)',
    );
    try {
      assertFresh(snapshot, asOfMs + 3 * 24 * HOUR, HOUR, '--market');
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'STALE_MARKET')).toBe(true);
      expect((e as Error).message).toBe(
        `--market: ${problem}: refresh it, or pass --allow-stale to margin on it as of its own time`,
      );
    }
  });

  it('a snapshot from the future is a clock or data error', () => {
    const problem = stalenessProblem(snapshot, asOfMs - 2 * HOUR, HOUR);
    expect(problem).toBe(
      'the snapshot (as of 2026-08-01T08:00:00.000Z) is 2.0 h in the future: check the clock or the data',
    );
    expect(() => assertFresh(snapshot, asOfMs - 2 * HOUR, HOUR)).toThrow(`market: ${problem}`);
  });
});
