import { describe, expect, it } from 'vitest';
import { historicalLogReturns, historicalScenarios } from '../../src/scenarios/historical.ts';
import {
  filteredHistoricalLogReturns,
  filteredHistoricalScenarios,
} from '../../src/scenarios/filtered-historical.ts';
import { ewmaVolatility } from '../../src/market/ewma.ts';
import { alignSeries, type PriceSeries } from '../../src/market/history.ts';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { bitfinexBtcEth, loadSeries } from '../helpers/price-history.ts';

const DAY = 86_400_000;
const d = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

function catchError(f: () => unknown): BallastError {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

function series(symbol: string, closes: number[], start = d('2024-01-01')): PriceSeries {
  return {
    symbol,
    interval: 'daily',
    timesMs: Float64Array.from(closes, (_, k) => start + k * DAY),
    closes: Float64Array.from(closes),
  };
}

describe('historicalScenarios', () => {
  const { btc, eth } = bitfinexBtcEth();

  it('one scenario per 1-day window of the aligned BTC/ETH history, multipliers = price ratios, dates in ids and labels', () => {
    const sc = historicalScenarios([btc, eth], { horizonSteps: 1, overlapping: true });
    expect(sc.length).toBe(1318); // 1,319 common days (ETH from 2016-05-27)
    const last = sc[sc.length - 1]!;
    expect(last.id).toBe('hs-2020-01-17');
    expect(last.label).toMatch(/^2020-01-16 → 2020-01-17: BTC −0\.24%, ETH \+0\.01%$/);
    expect(last.moves.BTC!.spotMultiplier).toBeCloseTo(8693.43 / 8714.76, 14);
    expect(last.moves.ETH!.spotMultiplier).toBeCloseTo(163.95 / 163.93, 14);
    expect(last.moves.BTC!.vol).toEqual({ kind: 'none' });
    expect(last.weight).toBe(1);
    expect(last.timeShiftDays).toBe(0);
    expect(last.group).toBe('historical');
    // the window across the March 2019 gap spans 13 calendar days, and says so in its label
    const gap = sc.find((s) => s.id === 'hs-2019-04-01')!;
    expect(gap.label.startsWith('2019-03-19 → 2019-04-01')).toBe(true);
    expect(new Set(sc.map((s) => s.id)).size).toBe(sc.length);
  });

  it('10-day non-overlapping windows anchored at the newest day; window keeps the newest', () => {
    const sc = historicalScenarios([btc, eth], { horizonSteps: 10, overlapping: false, window: 5 });
    expect(sc.map((s) => s.id)).toEqual([
      'hs-2019-12-08',
      'hs-2019-12-18',
      'hs-2019-12-28',
      'hs-2020-01-07',
      'hs-2020-01-17',
    ]);
    const r = historicalLogReturns([btc, eth], { horizonSteps: 10, overlapping: false });
    expect(r.returns[0]!.length).toBe(Math.floor(1318 / 10));
    expect(r.dropped).toEqual([543, 0]);
    expect(sc[4]!.moves.BTC!.spotMultiplier).toBeCloseTo(
      8693.43 / btc.closes[btc.closes.length - 11]!,
      13,
    );
  });

  it('hourly history: 24-hour overlapping windows, ids with the hour', () => {
    const h = loadSeries('Coinbase_BTCUSD_1h.csv', 'BTC').series;
    const sc = historicalScenarios([h], { horizonSteps: 24, overlapping: true, window: 3 });
    expect(sc.map((s) => s.id)).toEqual([
      'hs-2019-10-17T07:00Z',
      'hs-2019-10-17T08:00Z',
      'hs-2019-10-17T09:00Z',
    ]);
  });

  it('too short for the horizon, duplicate symbols and a bad window are errors', () => {
    const e = catchError(() =>
      historicalScenarios([series('BTC', [100, 101, 102])], { horizonSteps: 3, overlapping: true }),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe('history');
    expect(
      catchError(() => historicalScenarios([btc, btc], { horizonSteps: 1, overlapping: true }))
        .field,
    ).toBe('series[1].symbol');
    expect(
      catchError(() =>
        historicalScenarios([btc], { horizonSteps: 1, overlapping: true, window: 0 }),
      ).field,
    ).toBe('window');
  });
});

describe('filteredHistoricalScenarios', () => {
  it('r̃_t = r_t·σ_now/σ_t, by hand on a short series', () => {
    const closes = [100, 101, 99, 103, 102, 108, 104];
    const s = series('BTC', closes);
    const r = closes.slice(1).map((c, t) => Math.log(c / closes[t]!));
    const sigma = ewmaVolatility(r, 0.94, 2);
    const now = sigma[r.length]!;
    const f = filteredHistoricalLogReturns([s], {
      horizonSteps: 1,
      overlapping: true,
      seedWindow: 2,
    });
    expect(f.sigmaNow[0]).toBe(now);
    f.returns[0]!.forEach((v, t) => expect(v).toBeCloseTo((r[t]! * now) / sigma[t]!, 15));
    // 2-step windows sum the filtered 1-step returns
    const two = filteredHistoricalLogReturns([s], {
      horizonSteps: 2,
      overlapping: false,
      seedWindow: 2,
    });
    expect(two.returns[0]!.length).toBe(3);
    expect(two.returns[0]![2]).toBeCloseTo(
      (r[4]! * now) / sigma[4]! + (r[5]! * now) / sigma[5]!,
      15,
    );
    const sc = filteredHistoricalScenarios([s], {
      horizonSteps: 1,
      overlapping: true,
      seedWindow: 2,
    });
    expect(sc[5]!.id).toBe('fhs-2024-01-07');
    expect(sc[5]!.label).toMatch(/^2024-01-06 → 2024-01-07 \(vol-scaled\): BTC /);
    expect(sc[5]!.moves.BTC!.spotMultiplier).toBeCloseTo(Math.exp((r[5]! * now) / sigma[5]!), 15);
  });

  it('constant |return| ⇒ constant EWMA vol ⇒ FHS = HS', () => {
    const closes = [100];
    for (let t = 0; t < 40; t++) closes.push(closes[t]! * Math.exp(t % 3 === 0 ? -0.02 : 0.02));
    const s = series('ETH', closes);
    const hs = historicalScenarios([s], { horizonSteps: 3, overlapping: true });
    const fhs = filteredHistoricalScenarios([s], { horizonSteps: 3, overlapping: true });
    expect(fhs.length).toBe(hs.length);
    fhs.forEach((f, k) =>
      expect(f.moves.ETH!.spotMultiplier).toBeCloseTo(hs[k]!.moves.ETH!.spotMultiplier, 13),
    );
  });

  it('on real BTC/ETH: rescaled to the January 2020 vol, the 2017-09-14 crash shrinks (vol then was higher)', () => {
    const { btc, eth } = bitfinexBtcEth();
    const hs = historicalScenarios([btc, eth], { horizonSteps: 1, overlapping: true });
    const fhs = filteredHistoricalScenarios([btc, eth], { horizonSteps: 1, overlapping: true });
    expect(fhs.length).toBe(hs.length);
    const a = hs.find((s) => s.id === 'hs-2017-09-14')!;
    const b = fhs.find((s) => s.id === 'fhs-2017-09-14')!;
    expect(b.moves.BTC!.spotMultiplier).toBeLessThan(1);
    expect(b.moves.BTC!.spotMultiplier).toBeGreaterThan(a.moves.BTC!.spotMultiplier);
    const al = alignSeries([btc, eth]);
    expect(al.timesMs.length - 1).toBe(fhs.length);
  });

  it('flat early data (zero EWMA vol before a move) is an error unless a vol floor is set', () => {
    const s = series('BTC', [100, 100, 100, 100, 101, 102]);
    const e = catchError(() =>
      filteredHistoricalScenarios([s], { horizonSteps: 1, overlapping: true, seedWindow: 3 }),
    );
    expect(e.field).toBe('volFloor');
    const ok = filteredHistoricalScenarios([s], {
      horizonSteps: 1,
      overlapping: true,
      seedWindow: 3,
      volFloor: 0.001,
    });
    expect(ok.length).toBe(5);
    expect(ok.every((x) => Number.isFinite(x.moves.BTC!.spotMultiplier))).toBe(true);
  });
});
