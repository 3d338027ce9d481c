import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { parsePriceCsv, type PriceSeries } from '../../src/market/history.ts';
import { withHistory } from '../../src/market/market-history.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { deribitStandardModel } from '../../src/margin/deribit-standard/deribit-standard.ts';
import type { MarginModel } from '../../src/margin/margin-model.ts';
import { RISK_BASED_DEFAULTS } from '../../src/margin/risk-based/params.ts';
import { esModel } from '../../src/margin/risk-based/risk-based.ts';
import { backtestMargin, type BacktestDay, type BacktestReport } from '../../src/risk/backtest.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { syntheticSnapshot, syntheticUnderlying } from '../margin/synthetic-market.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const day0 = Date.UTC(2020, 0, 1);
const series = (closes: number[]): PriceSeries => ({
  symbol: 'BTC',
  interval: 'daily',
  timesMs: Float64Array.from(closes, (_, i) => day0 + i * MS_PER_DAY),
  closes: Float64Array.from(closes),
});

describe('backtest mechanics on a synthetic history', () => {
  const I0 = 50000;
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', I0, 0.5, [30, 60]));
  const book = portfolio(
    [{ instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: 2 }],
    [{ currency: 'USDC', amount: 10000 }],
  );
  const closes = [100, 101, 99, 103, 95, 96, 96, 110, 100, 100, 104];
  const hist = [series(closes)];
  const fixed = (margin: number) => () => [
    { currency: 'USDC', initialMargin: margin, maintenanceMargin: margin / 2 },
  ];

  it('realised P&L by full revaluation at the moved market, breaches counted exactly', () => {
    const r = backtestMargin({
      portfolio: book,
      snapshot: snap,
      history: hist,
      fromMs: day0,
      toMs: day0 + 9 * MS_PER_DAY,
      horizonDays: 1,
      confidence: 0.9,
      marginOf: fixed(6000),
    });
    const p = r.pools[0]!;
    expect(r.days).toBe(10);
    // Day t: the snapshot moved by P_t/P_0 (anchor = first day), P&L = X·I0·(P_{t+1} − P_t)/P_0.
    p.rows.forEach((row, t) =>
      expect(row.pnl).toBeCloseTo((2 * I0 * (closes[t + 1]! - closes[t]!)) / closes[0]!, 8),
    );
    const losses = closes.slice(0, 10).map((c, t) => (-2 * I0 * (closes[t + 1]! - c)) / closes[0]!);
    expect(p.breaches).toBe(losses.filter((l) => l > 6000).length);
    expect(p.breaches).toBe(2); // 103 → 95 (8000) and 110 → 100 (10000)
    expect(p.kupiec.observations).toBe(10);
    expect(p.coverage).toBeCloseTo(0.8, 12);
    // Exposure: |2| coins × the perp mark of the day (USD pool).
    expect(p.averageExposure).toBeCloseTo(
      (2 * I0 * closes.slice(0, 10).reduce((a, b) => a + b, 0)) / closes[0]! / 10,
      6,
    );
    expect(p.costOfMargin).toBeCloseTo(6000 / p.averageExposure, 12);
    expect(p.worstShortfall).toBeCloseTo(10000 - 6000, 6);
  });

  it('MM instead of IM; the margin function sees only the history up to its day', () => {
    const seen: number[] = [];
    const r = backtestMargin({
      portfolio: book,
      snapshot: snap,
      history: hist,
      fromMs: day0 + 2 * MS_PER_DAY,
      toMs: day0 + 5 * MS_PER_DAY,
      horizonDays: 2,
      confidence: 0.99,
      against: 'maintenance',
      marginOf: (d: BacktestDay) => {
        seen.push(d.historyEnd);
        expect(d.history.timesMs[d.historyEnd]).toBe(d.timeMs);
        return [{ currency: 'USDC', initialMargin: 1e9, maintenanceMargin: 0 }];
      },
    });
    expect(seen).toEqual([2, 3, 4, 5]);
    expect(r.pools[0]!.rows.every((x) => x.margin === 0)).toBe(true);
    expect(r.pools[0]!.breaches).toBe(r.pools[0]!.rows.filter((x) => x.loss > 0).length);
  });

  it('a USD pool over a coin-settled book: coin P&L converted at the day-(t+h) index', () => {
    const inverse = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 2 }],
      [{ currency: 'BTC', amount: 1 }],
    );
    const r = backtestMargin({
      portfolio: inverse,
      snapshot: snap,
      history: hist,
      fromMs: day0,
      toMs: day0 + 9 * MS_PER_DAY,
      horizonDays: 1,
      confidence: 0.9,
      marginOf: () => [{ currency: 'USD', initialMargin: 6000, maintenanceMargin: 3000 }],
    });
    const p = r.pools[0]!;
    expect(p.currency).toBe('USD');
    p.rows.forEach((row, t) => {
      // 2 coin-equivalents of an inverse perp: coin P&L 2·(1 − P_t/P_{t+1}), USD at I0·P_{t+1}/P_0.
      const m = closes[t + 1]! / closes[t]!;
      const usd = (I0 * closes[t + 1]!) / closes[0]!;
      expect(row.pnl).toBeCloseTo(2 * (1 - 1 / m) * usd, 8);
      // Exposure: 2 coins at the day-t index.
      expect(row.exposure).toBeCloseTo((2 * I0 * closes[t]!) / closes[0]!, 8);
    });
  });

  it('dates outside the history and too-short histories are errors naming the field', () => {
    const run =
      (fromMs: number, toMs: number, h = hist, horizonDays = 1) =>
      () =>
        backtestMargin({
          portfolio: book,
          snapshot: snap,
          history: h,
          fromMs,
          toMs,
          horizonDays,
          confidence: 0.99,
          marginOf: fixed(1),
        });
    const expectField = (f: () => unknown, field: string) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e, 'INVALID_INPUT'), String(e)).toBe(true);
        expect((e as { field: string }).field).toBe(field);
      }
    };
    expectField(run(day0 - 5 * MS_PER_DAY, day0 + MS_PER_DAY), 'from');
    expectField(run(day0 + 10 * MS_PER_DAY, day0 + 10 * MS_PER_DAY), 'from'); // the last day has no next day
    expectField(run(day0, day0 + 40 * MS_PER_DAY), 'to');
    expectField(run(day0 + 3 * MS_PER_DAY, day0), 'from');
    expectField(run(day0, day0, [series([100, 101])], 2), 'history');
    expectField(run(day0, day0, [{ ...series(closes), symbol: 'ETH' }]), 'history');
  });
});

// Real BTC history: Coinbase daily closes (data/crypto-ohlc), 2018-01-01 → 2019-09-30.
const btc = parsePriceCsv(
  readFileSync('data/crypto-ohlc/Coinbase_BTCUSD_d.csv', 'utf8'),
  'Coinbase_BTCUSD_d.csv',
  { symbol: 'BTC' },
).series;
const real = realSnapshot();
const perpBook = portfolio(
  [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 5 }],
  [{ currency: 'BTC', amount: 2 }],
  'long perp',
);
const optionsBook = portfolio(
  [
    { instrument: parseSymbol('BTC-28AUG26-55000-P', 'deribit'), size: -10 },
    { instrument: parseSymbol('BTC-28AUG26-72000-C', 'deribit'), size: -10 },
  ],
  [{ currency: 'BTC', amount: 4 }],
  'short strangle',
);

function run(model: MarginModel<unknown>, book: Portfolio): BacktestReport {
  return backtestMargin({
    portfolio: book,
    snapshot: real,
    history: [btc],
    fromMs: Date.UTC(2018, 0, 1),
    toMs: Date.UTC(2019, 8, 30),
    horizonDays: 1,
    confidence: 0.99,
    marginOf: (d) => {
      if (model.id !== 'es') return model.evaluate(book, d.snapshot, model.defaultParams);
      // ES (99 %, 1 day) by historical simulation on the newest 365 days up to day t only.
      const h = {
        symbol: 'BTC',
        interval: 'daily' as const,
        timesMs: d.history.timesMs.subarray(0, d.historyEnd + 1),
        closes: d.history.closes[0]!.subarray(0, d.historyEnd + 1),
      };
      return model.evaluate(book, withHistory(d.snapshot, { series: [h], source: 'Coinbase' }), {
        ...RISK_BASED_DEFAULTS,
        method: 'hs',
        window: 365,
      });
    },
  });
}

describe('backtest on real BTC history (Coinbase daily, 2018-01 → 2019-09)', () => {
  const models = [
    deribitStandardModel,
    deribitPmModel,
    esModel,
  ] as unknown as MarginModel<unknown>[];
  const lines: string[] = [];
  for (const book of [perpBook, optionsBook]) {
    for (const model of models) {
      it(`${book.name} under ${model.id}: breaches and Kupiec p-value computed`, () => {
        const r = run(model, book);
        const p = r.pools[0]!;
        expect(p.observations).toBe(r.days);
        expect(p.breaches).toBeLessThanOrEqual(r.days);
        expect(Number.isFinite(p.kupiec.lr) && p.kupiec.lr >= 0).toBe(true);
        expect(p.kupiec.pValue >= 0 && p.kupiec.pValue <= 1).toBe(true);
        expect(Number.isFinite(p.costOfMargin) && p.costOfMargin > 0).toBe(true);
        lines.push(
          `${(book.name ?? '').padEnd(15)} ${model.id.padEnd(17)} days ${r.days}  breaches ${String(p.breaches).padStart(3)} (expected ${p.kupiec.expectedBreaches.toFixed(1)})  LR ${p.kupiec.lr.toFixed(3).padStart(7)}  p ${p.kupiec.pValue.toFixed(4)}  avg margin ${p.averageMargin.toFixed(4)} BTC  cost ${(100 * p.costOfMargin).toFixed(2)} %`,
        );
      });
    }
  }
  it('prints the table', () => {
    console.log(`\n${lines.join('\n')}`);
    expect(lines).toHaveLength(6);
  });
});
