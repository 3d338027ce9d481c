import { describe, expect, it } from 'vitest';
import {
  alignSeries,
  logReturns,
  parsePriceCsv,
  parseTimestamp,
  returnEndIndices,
} from '../../src/market/history.ts';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { bitfinexBtcEth, loadSeries, ohlcText } from '../helpers/price-history.ts';

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

describe('parseTimestamp', () => {
  it('reads the formats of the bundled files and common others, UTC', () => {
    expect(parseTimestamp('2019-10-17')).toBe(d('2019-10-17'));
    expect(parseTimestamp('2019-10-17 09-AM')).toBe(d('2019-10-17') + 9 * 3_600_000);
    expect(parseTimestamp('2019-10-17 12-AM')).toBe(d('2019-10-17'));
    expect(parseTimestamp('2019-10-17 12-PM')).toBe(d('2019-10-17') + 12 * 3_600_000);
    expect(parseTimestamp('2019-10-17 11-PM')).toBe(d('2019-10-17') + 23 * 3_600_000);
    expect(parseTimestamp('2019-10-17 13:30')).toBe(d('2019-10-17') + 13.5 * 3_600_000);
    expect(parseTimestamp('2019-10-17T13:30:00Z')).toBe(d('2019-10-17') + 13.5 * 3_600_000);
    expect(parseTimestamp('1571270400')).toBe(d('2019-10-17'));
    expect(parseTimestamp('1571270400000')).toBe(d('2019-10-17'));
    expect(parseTimestamp('2019-02-30')).toBeNaN();
    expect(parseTimestamp('17/10/2019')).toBeNaN();
    expect(parseTimestamp('2019-10-17 13-PM')).toBeNaN();
  });
});

describe('parsePriceCsv on the bundled files', () => {
  it('Coinbase daily: banner line skipped, newest-first file reordered, the March 2019 gap reported', () => {
    const { series, report } = loadSeries('Coinbase_BTCUSD_d.csv', 'BTC');
    expect(series.symbol).toBe('BTC');
    expect(series.interval).toBe('daily');
    expect(report.rows).toBe(1770);
    expect(report.reordered).toBe(true);
    expect(report.badRows).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.gaps).toEqual([{ fromMs: d('2019-03-19'), toMs: d('2019-04-01'), missing: 12 }]);
    expect(series.timesMs[0]).toBe(d('2014-12-01'));
    expect(series.closes[0]).toBe(370);
    expect(series.timesMs[series.timesMs.length - 1]).toBe(d('2019-10-17'));
    expect(series.closes[series.closes.length - 1]).toBe(8034.32);
    for (let t = 1; t < series.timesMs.length; t++)
      expect(series.timesMs[t]!).toBeGreaterThan(series.timesMs[t - 1]!);
  });

  it('Coinbase hourly: AM/PM timestamps, 20,111 hours, no gaps; without a symbol option the symbol column names it', () => {
    const { series, report } = loadSeries('Coinbase_BTCUSD_1h.csv');
    expect(series.symbol).toBe('BTCUSD');
    expect(series.interval).toBe('hourly');
    expect(report.rows).toBe(20111);
    expect(report.gaps).toEqual([]);
    expect(series.timesMs[0]).toBe(d('2017-07-01') + 11 * 3_600_000);
    expect(series.timesMs[series.timesMs.length - 1]).toBe(d('2019-10-17') + 9 * 3_600_000);
  });

  it('Bitfinex BTC/ETH: two symbols need a choice; ETH starts 2016-05-27 (empty cells before, not bad rows)', () => {
    const text = ohlcText('bitfinex_BTC_ETH_USD_d.csv');
    const e = catchError(() => parsePriceCsv(text, 'bitfinex.csv'));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe('bitfinex.csv.symbol');
    expect(e.message).toMatch(/BTC, ETH/);
    expect(
      catchError(() => parsePriceCsv(text, 'bitfinex.csv', { symbol: 'SOL' })).message,
    ).toMatch(/SOL not in the file/);
    const { btc, eth } = bitfinexBtcEth();
    expect(btc.closes.length).toBe(1862);
    expect(eth.closes.length).toBe(1319);
    expect(eth.timesMs[0]).toBe(d('2016-05-27'));
    expect(eth.closes[0]).toBe(11.25);
    const ethReport = loadSeries('bitfinex_BTC_ETH_USD_d.csv', 'ETH').report;
    expect(ethReport.emptyRows).toBe(543);
    expect(ethReport.badRows).toEqual([]);
    expect(ethReport.gaps.map((g) => g.missing)).toEqual([12]);
    // symbol matching is case-insensitive; the series keeps the file's spelling
    expect(parsePriceCsv(text, 'bitfinex.csv', { symbol: 'eth' }).series.symbol).toBe('ETH');
    // another column than close
    const open = parsePriceCsv(text, 'bitfinex.csv', { symbol: 'BTC', column: 'OPEN' }).series;
    expect(open.closes[0]).toBe(300);
  });

  it('the BTC closes of the two daily files agree on every common day but the last (Coinbase cut 2019-10-17 intraday)', () => {
    const a = loadSeries('Coinbase_BTCUSD_d.csv', 'BTC').series;
    const { btc } = bitfinexBtcEth();
    const al = alignSeries([a, { ...btc, symbol: 'BTC-bfx' }]);
    expect(al.timesMs.length).toBe(1770);
    const differ = [...al.timesMs].filter((_, i) => al.closes[0]![i] !== al.closes[1]![i]);
    expect(differ).toEqual([d('2019-10-17')]);
  });
});

describe('parsePriceCsv repairs (reported) and errors', () => {
  const csv = [
    'Some banner line,https://example.com',
    'Date,Symbol,Open,High,Low,Close',
    '2024-01-05,BTCUSD,1,1,1,105',
    '2024-01-04,BTCUSD,1,1,1,0', // zero price
    '2024-01-03,BTCUSD,1,1,1,-5', // negative
    '2024-01-02,BTCUSD,1,1,1,abc', // not a number
    '2024-01-02,BTCUSD,1,1,1,102',
    '2024-01-01,BTCUSD,1,1,1,Infinity',
    '2023-12-31,BTCUSD,1,1,1,99',
    '2023-12-31,BTCUSD,1,1,1,99', // exact duplicate
    '2023-12-30,BTCUSD,1,1,1,98.5',
    '2023-12-30,BTCUSD,1,1,1,97', // conflicting duplicate
    'not-a-date,BTCUSD,1,1,1,100',
    '2023-12-27,BTCUSD,1,1',
    '2023-12-26,BTCUSD,1,1,1,95',
    '',
  ].join('\r\n');

  it('drops non-positive / non-finite prices, bad dates, short rows and conflicting duplicates, reporting each line', () => {
    const { series, report } = parsePriceCsv(csv, 'mini.csv', { symbol: 'BTC' });
    expect(report.badRows).toEqual([
      { line: 4, reason: 'non-positive price 0' },
      { line: 5, reason: 'non-positive price -5' },
      { line: 6, reason: "price 'abc' is not a finite number" },
      { line: 8, reason: "price 'Infinity' is not a finite number" },
      { line: 12, reason: 'duplicate timestamp with a different price (kept line 11)' },
      { line: 13, reason: "unreadable date 'not-a-date'" },
      { line: 14, reason: 'has 4 fields, the header has 6' },
    ]);
    expect(report.duplicates).toBe(2);
    expect(report.reordered).toBe(true);
    expect(report.dataLines).toBe(13);
    expect([...series.closes]).toEqual([95, 98.5, 99, 102, 105]);
    // gaps: 12-26 → 12-30 (3 missing), 12-31 → 01-02 (1), 01-02 → 01-05 (2)
    expect(report.gaps.map((g) => g.missing)).toEqual([3, 1, 2]);
    expect(report.gaps[0]).toEqual({ fromMs: d('2023-12-26'), toMs: d('2023-12-30'), missing: 3 });
  });

  it('an empty series after the repairs is an error naming the source', () => {
    const e = catchError(() =>
      parsePriceCsv('date,close\n2024-01-01,0\n2024-01-02,-1\n', 'zero.csv'),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe('zero.csv');
    expect(catchError(() => parsePriceCsv('date,open\n2024-01-01,1\n', 'noclose.csv')).code).toBe(
      'SCHEMA',
    );
    expect(catchError(() => parsePriceCsv('when,close\n2024-01-01,1\n', 'nodate.csv')).code).toBe(
      'SCHEMA',
    );
    expect(
      catchError(() =>
        parsePriceCsv('date,close\n2024-01-01,1\n2024-01-08,2\n2024-01-15,3\n', 'weekly.csv'),
      ).code,
    ).toBe('UNSUPPORTED');
  });

  it('a multi-symbol symbol column filters rows by the chosen symbol', () => {
    const long =
      'date,symbol,close\n2024-01-01,BTC,100\n2024-01-01,ETH,10\n2024-01-02,BTC,101\n2024-01-02,ETH,11\n';
    expect(catchError(() => parsePriceCsv(long, 'long.csv')).field).toBe('long.csv.symbol');
    const { series } = parsePriceCsv(long, 'long.csv', { symbol: 'eth' });
    expect(series.symbol).toBe('eth');
    expect([...series.closes]).toEqual([10, 11]);
  });
});

describe('log returns and alignment', () => {
  const s = {
    symbol: 'X',
    interval: 'daily' as const,
    timesMs: Float64Array.from([0, 1, 2, 3, 4, 5, 6], (k) => k * DAY),
    closes: Float64Array.from([100, 110, 99, 120, 130, 125, 140]),
  };

  it('overlapping and non-overlapping windows (non-overlapping anchored at the newest price)', () => {
    expect([...returnEndIndices(7, 1, true)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...returnEndIndices(7, 2, true)]).toEqual([2, 3, 4, 5, 6]);
    expect([...returnEndIndices(7, 2, false)]).toEqual([2, 4, 6]);
    expect([...returnEndIndices(7, 4, false)]).toEqual([6]);
    expect([...returnEndIndices(8, 3, false)]).toEqual([4, 7]);
    const r = logReturns(s, 2, false);
    expect([...r]).toEqual([Math.log(99 / 100), Math.log(130 / 99), Math.log(140 / 130)]);
    expect(logReturns(s, 1, true)[0]).toBe(Math.log(1.1));
  });

  it('too short for the horizon: INVALID_INPUT on history', () => {
    const e = catchError(() => logReturns(s, 7, true));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.field).toBe('history');
    expect(catchError(() => logReturns(s, 0, true)).field).toBe('horizon');
    expect(catchError(() => logReturns(s, 1.5, true)).field).toBe('horizon');
  });

  it('aligns on the intersection of timestamps and reports what was dropped', () => {
    const { btc, eth } = bitfinexBtcEth();
    const al = alignSeries([btc, eth]);
    expect(al.timesMs.length).toBe(1319);
    expect(al.dropped).toEqual([543, 0]);
    expect(al.gaps.map((g) => g.missing)).toEqual([12]);
    expect(al.closes[1]).toEqual(eth.closes);
    const hourly = loadSeries('Coinbase_BTCUSD_1h.csv').series;
    expect(catchError(() => alignSeries([btc, hourly])).field).toBe('history');
    const disjoint = { ...s, timesMs: Float64Array.from(s.timesMs, (t) => t + d('1990-01-01')) };
    expect(catchError(() => alignSeries([btc, disjoint])).message).toMatch(/share no timestamps/);
  });
});
