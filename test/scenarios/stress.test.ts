import { describe, expect, it } from 'vitest';
import {
  historicalStressScenarios,
  measureStress,
  parseStressScenarios,
  STRESS_EVENTS,
} from '../../src/scenarios/stress.ts';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { bitfinexBtcEth, loadSeries, ohlcText } from '../helpers/price-history.ts';

function catchError(f: () => unknown): BallastError {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

const d = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** Close of `symbol` on `date` read straight from the Bitfinex CSV text (independent of parsePriceCsv). */
function rawClose(symbol: 'BTC' | 'ETH', date: string): number {
  const lines = ohlcText('bitfinex_BTC_ETH_USD_d.csv').split('\n');
  const col = lines[0]!.split(',').indexOf(`${symbol}:close`);
  const row = lines.find((l) => l.startsWith(`${date},`))!;
  return Number(row.split(',')[col]);
}

describe('measured stress events (data/crypto-ohlc, Bitfinex daily BTC/ETH)', () => {
  const { btc, eth } = bitfinexBtcEth();
  const lib = historicalStressScenarios([btc, eth], { skipUncovered: true });
  const move = (id: string, days: number, sym: string) =>
    lib.measurements.find((m) => m.event.id === id && m.days === days)!.moves[sym]!;

  it('the 2020-2022 crashes of the library are not in the bundled data (it ends 2020-01-17): reported, not invented', () => {
    const missing = ['covid-2020-03-12', 'may-2021-05-19', 'celsius-2022-06-13', 'ftx-2022-11-09'];
    expect([...new Set(lib.uncovered.map((u) => u.id))]).toEqual(missing);
    for (const id of missing) {
      const ev = STRESS_EVENTS.find((e) => e.id === id)!;
      const e = catchError(() => measureStress([btc, eth], ev.date, 1));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.field).toBe('history.BTC');
      expect(e.message).toMatch(/the data covers 2014-12-01 \.\. 2020-01-17/);
    }
    // without skipUncovered the library fails closed
    expect(() => historicalStressScenarios([btc, eth])).toThrow(/2020-03-12/);
  });

  it('China exchange ban, 2017-09-14: BTC −15.69 %, ETH −18.81 % close to close (09-13 → 09-14), as the CSV says', () => {
    const b = move('china-ban-2017-09-14', 1, 'BTC');
    const e = move('china-ban-2017-09-14', 1, 'ETH');
    expect([b.fromMs, b.toMs]).toEqual([d('2017-09-13'), d('2017-09-14')]);
    expect(b.spotMultiplier).toBe(rawClose('BTC', '2017-09-14') / rawClose('BTC', '2017-09-13'));
    expect(e.spotMultiplier).toBe(rawClose('ETH', '2017-09-14') / rawClose('ETH', '2017-09-13'));
    expect(b.spotMultiplier - 1).toBeCloseTo(-0.1569, 4);
    expect(e.spotMultiplier - 1).toBeCloseTo(-0.1881, 4);
  });

  it('every covered event is a large fall: 1-day BTC and ETH below −10 %, 3-day at least as bad as 1-day', () => {
    const covered = STRESS_EVENTS.filter((ev) => !lib.uncovered.some((u) => u.id === ev.id));
    expect(covered.map((e) => e.id)).toEqual([
      'china-ban-2017-09-14',
      'jan-2018-01-16',
      'feb-2018-02-05',
      'hash-war-2018-11-19',
      'sep-2019-09-24',
    ]);
    const table: string[] = [];
    for (const ev of covered) {
      for (const sym of ['BTC', 'ETH']) {
        const one = move(ev.id, 1, sym);
        const three = move(ev.id, 3, sym);
        expect(one.spotMultiplier).toBeLessThan(0.9);
        expect(three.logReturn).toBeLessThanOrEqual(one.logReturn);
        // the end of the worst window lies within ±2 days of the event date
        expect(Math.abs(one.toMs - d(ev.date))).toBeLessThanOrEqual(2 * 86_400_000);
        table.push(
          `${ev.date} ${sym}: 1d ${((one.spotMultiplier - 1) * 100).toFixed(2)}%, 3d ${((three.spotMultiplier - 1) * 100).toFixed(2)}%`,
        );
      }
    }
    console.log(`measured stress moves:\n${table.join('\n')}`);
  });

  it('scenarios: ids, labels with the dates found, spot only', () => {
    const s = lib.scenarios.find((x) => x.id === 'stress-china-ban-2017-09-14-1d')!;
    expect(s.label).toBe(
      'China exchange ban (September 2017), 1d: BTC −15.69% (2017-09-13 → 2017-09-14), ETH −18.81% (2017-09-13 → 2017-09-14)',
    );
    expect(s.moves.BTC!.vol).toEqual({ kind: 'none' });
    expect(s.group).toBe('stress');
    expect(s.weight).toBe(1);
    expect(lib.scenarios.length).toBe(10);
  });

  it('measures from hourly data too (worst 24-hour window ending near the date), and the Coinbase daily file agrees', () => {
    const hourly = loadSeries('Coinbase_BTCUSD_1h.csv', 'BTC').series;
    const m = measureStress([hourly], '2017-12-22', 1);
    expect(m.moves.BTC!.toMs - m.moves.BTC!.fromMs).toBe(86_400_000);
    expect(m.moves.BTC!.spotMultiplier).toBeLessThan(0.8);
    const cb = loadSeries('Coinbase_BTCUSD_d.csv', 'BTC').series;
    expect(measureStress([cb], '2018-11-19', 1).moves.BTC!.spotMultiplier).toBe(
      move('hash-war-2018-11-19', 1, 'BTC').spotMultiplier,
    );
  });

  it('bad dates and horizons are typed errors', () => {
    expect(catchError(() => measureStress([btc], '2018-02-30', 1)).field).toBe('date');
    expect(catchError(() => measureStress([btc], '14/09/2017', 1)).field).toBe('date');
    expect(catchError(() => measureStress([btc], '2017-09-14', 0)).field).toBe('days');
  });
});

describe('parseStressScenarios (user-defined shocks)', () => {
  it('parses spot and relative vol moves, defaults, ids', () => {
    const sc = parseStressScenarios(
      [
        { name: 'BTC crash', moves: { BTC: { spot: -0.3, vol: 0.5 }, ETH: { spot: -0.4 } } },
        {
          name: 'Alt season',
          id: 'alts',
          moves: {},
          default: { spot: 0.5, vol: -0.2 },
          timeShiftDays: 1,
        },
      ],
      'stress.json',
    );
    expect(sc[0]).toEqual({
      id: 'user-0',
      label: 'BTC crash: BTC −30.00% (vol +50.0%), ETH −40.00%',
      moves: {
        BTC: { spotMultiplier: 0.7, vol: { kind: 'relative', size: 0.5 } },
        ETH: { spotMultiplier: 0.6, vol: { kind: 'none' } },
      },
      weight: 1,
      timeShiftDays: 0,
      group: 'stress',
    });
    expect(sc[1]!.id).toBe('alts');
    expect(sc[1]!.defaultMove).toEqual({
      spotMultiplier: 1.5,
      vol: { kind: 'relative', size: -0.2 },
    });
    expect(sc[1]!.timeShiftDays).toBe(1);
  });

  it('typed errors naming the field', () => {
    const cases: [unknown, string, string][] = [
      [{}, 'SCHEMA', 'stress.json'],
      [[42], 'SCHEMA', 'stress.json[0]'],
      [[{ moves: { BTC: { spot: -0.3 } } }], 'SCHEMA', 'stress.json[0].name'],
      [
        [{ name: 'x', moves: { BTC: { spot: '-30%' } } }],
        'SCHEMA',
        'stress.json[0].moves.BTC.spot',
      ],
      [
        [{ name: 'x', moves: { BTC: { spot: -1 } } }],
        'INVALID_INPUT',
        'stress.json[0].moves.BTC.spot',
      ],
      [
        [{ name: 'x', moves: { BTC: { spot: -0.1, vol: -1.5 } } }],
        'INVALID_INPUT',
        'stress.json[0].moves.BTC.vol',
      ],
      [
        [{ name: 'x', moves: { BTC: { spot: -0.1, volume: 1 } } }],
        'SCHEMA',
        'stress.json[0].moves.BTC.volume',
      ],
      [[{ name: 'x', moves: { BTC: 0.1 } }], 'SCHEMA', 'stress.json[0].moves.BTC'],
      [[{ name: 'x', moves: {} }], 'INVALID_INPUT', 'stress.json[0].moves'],
      [
        [{ name: 'x', moves: { BTC: { spot: 0 } }, timeShiftDays: -1 }],
        'INVALID_INPUT',
        'stress.json[0].timeShiftDays',
      ],
      [
        [
          { name: 'a', id: 'same', moves: { BTC: { spot: 0 } } },
          { name: 'b', id: 'same', moves: { BTC: { spot: 0 } } },
        ],
        'INVALID_INPUT',
        'stress.json[1].id',
      ],
      [[{ name: 'x', moves: { BTC: { spot: 0 } }, weight: 2 }], 'SCHEMA', 'stress.json[0].weight'],
    ];
    for (const [value, code, field] of cases) {
      const e = catchError(() => parseStressScenarios(value, 'stress.json'));
      expect([e.code, e.field]).toEqual([code, field]);
    }
  });
});
