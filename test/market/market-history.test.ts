// Price history as market data (src/market/market-history.ts): validation naming the field
// under market.history, attaching it to a snapshot, and the series of a book's underlyings.
import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import {
  historySeriesFor,
  validatedHistory,
  withHistory,
  type MarketHistory,
} from '../../src/market/market-history.ts';
import { syntheticSnapshot, syntheticUnderlying } from '../margin/synthetic-market.ts';

const t0 = Date.UTC(2020, 0, 1);
const series = (symbol: string, closes: number[]) => ({
  symbol,
  interval: 'daily' as const,
  timesMs: Float64Array.from(closes, (_, i) => t0 + i * MS_PER_DAY),
  closes: Float64Array.from(closes),
});
const good: MarketHistory = {
  series: [series('BTC', [100, 101, 99, 102]), series('ETH', [10, 11, 10.5, 10.7])],
  source: 'test',
};

/** The INVALID_INPUT field `f` throws. */
function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isBallastError(e, 'INVALID_INPUT'), String(e)).toBe(true);
    return (e as { field: string }).field;
  }
  throw new Error('expected an INVALID_INPUT error');
}

describe('market history: validation names the field under market.history', () => {
  it('accepts a good history (the same object back)', () => {
    expect(validatedHistory(good)).toBe(good);
  });

  it('refuses each malformed part at its path', () => {
    const s = good.series[0]!;
    const bad = (x: unknown): MarketHistory => ({ series: [x], source: null }) as never;
    expect(fieldOf(() => validatedHistory(null))).toBe('market.history');
    expect(fieldOf(() => validatedHistory({ series: [], source: null }))).toBe(
      'market.history.series',
    );
    expect(fieldOf(() => validatedHistory(bad({ ...s, symbol: 'btc' })))).toBe(
      'market.history.series[0].symbol',
    );
    expect(fieldOf(() => validatedHistory(bad({ ...s, interval: 'weekly' })))).toBe(
      'market.history.series[0].interval',
    );
    expect(fieldOf(() => validatedHistory(bad({ ...s, closes: [100, 101, 99, 102] })))).toBe(
      'market.history.series[0]',
    );
    expect(fieldOf(() => validatedHistory(bad({ ...s, closes: s.closes.subarray(0, 3) })))).toBe(
      'market.history.series[0]',
    );
    const times = Float64Array.from(s.timesMs);
    times[2] = times[1]!;
    expect(fieldOf(() => validatedHistory(bad({ ...s, timesMs: times })))).toBe(
      'market.history.series[0].timesMs[2]',
    );
    for (const x of [0, -1, NaN, Infinity]) {
      const closes = Float64Array.from(s.closes);
      closes[3] = x;
      expect(fieldOf(() => validatedHistory(bad({ ...s, closes })))).toBe(
        'market.history.series[0].closes[3]',
      );
    }
    expect(
      fieldOf(() =>
        validatedHistory({ series: good.series, source: 7 } as unknown as MarketHistory),
      ),
    ).toBe('market.history.source');
  });
});

describe('market history on a snapshot', () => {
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', 50000, 0.6, [30]));

  it('withHistory attaches it (validated) to a new snapshot object; the original is unchanged', () => {
    const s = withHistory(snap, good);
    expect(s).not.toBe(snap);
    expect(s.history).toBe(good);
    expect(snap.history).toBeUndefined();
    expect(s.underlyings).toBe(snap.underlyings);
    expect(fieldOf(() => withHistory(snap, { series: [], source: null }))).toBe(
      'market.history.series',
    );
  });

  it('historySeriesFor: the series of the underlyings in order, named by them; none or a missing one fails at market.history', () => {
    const got = historySeriesFor(good, ['ETH', 'BTC'], 'method hs');
    expect(got.map((x) => x.symbol)).toEqual(['ETH', 'BTC']);
    expect(got[0]!.closes).toBe(good.series[1]!.closes);
    expect(fieldOf(() => historySeriesFor(undefined, ['BTC'], 'method hs'))).toBe('market.history');
    expect(() => historySeriesFor(undefined, ['BTC'], 'method hs')).toThrow(
      /method hs needs a price history/,
    );
    expect(fieldOf(() => historySeriesFor(good, ['SOL'], 'method hs'))).toBe('market.history');
    expect(() => historySeriesFor(good, ['SOL'], 'method hs')).toThrow(/no price history for SOL/);
  });
});
