/** Bad prints (src/market/bad-prints.ts): the bundled 2015-01-14 print, and the rule's edges. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parsePriceCsv, type PriceSeries } from '../../src/market/history.ts';
import { findBadPrints, withoutBadPrints } from '../../src/market/bad-prints.ts';

const DAY = 86_400_000;
const series = (closes: number[]): PriceSeries => ({
  symbol: 'BTC',
  interval: 'daily',
  timesMs: Float64Array.from(closes, (_, i) => Date.UTC(2020, 0, 1) + i * DAY),
  closes: Float64Array.from(closes),
});
/** A deterministic wiggle of ±1 % around 100 (no randomness needed). */
const calm = (n: number) =>
  Array.from({ length: n }, (_, i) => 100 * (1 + 0.01 * Math.sin(i * 1.7)));

describe('findBadPrints', () => {
  it('finds the 2015-01-14 BTC print of the bundled history (close 120 between 260 and 211.91)', () => {
    const text = readFileSync('data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv', 'utf8');
    const { series: btc } = parsePriceCsv(text, 'bundled', { symbol: 'BTC' });
    const prints = findBadPrints(btc);
    const dates = prints.map((p) => new Date(p.timeMs).toISOString().slice(0, 10));
    expect(dates).toEqual(['2015-01-14']);
    expect(prints[0]!.close).toBe(120);
    expect(prints[0]!.previous).toBe(260);
    expect(prints[0]!.next).toBe(211.91);
    const cleaned = withoutBadPrints(btc, prints);
    expect(cleaned.closes.length).toBe(btc.closes.length - 1);
    expect(Array.from(cleaned.closes)).not.toContain(120);
  });

  it('a spike that leaves by 40 % and comes back is flagged; a 40 % crash that stays is not', () => {
    const spike = calm(80);
    spike[50] = 60;
    expect(findBadPrints(series(spike)).map((p) => p.index)).toEqual([50]);
    const crash = calm(80).map((c, i) => (i >= 50 ? c * 0.6 : c));
    expect(findBadPrints(series(crash))).toEqual([]);
  });

  it('a 15 % round trip (below the 20 % minimum move) is not flagged', () => {
    const small = calm(80);
    small[50] = 86;
    expect(findBadPrints(series(small))).toEqual([]);
  });
});
