// Price history reaches the risk-based models as market data (market.history): the input hash
// of a result covers it, and parameters that still carry a `history` are refused, saying it moved.
import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { RISK_BASED_DEFAULTS, type RiskBasedParams } from '../../src/margin/risk-based/params.ts';
import { varModel } from '../../src/margin/risk-based/risk-based.ts';
import { SPAN2_DEFAULTS, span2Model } from '../../src/margin/risk-based/span2.ts';
import { withHistory, type MarketHistory } from '../../src/market/market-history.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { syntheticSnapshot, syntheticUnderlying } from './synthetic-market.ts';

const snap = syntheticSnapshot(syntheticUnderlying('BTC', 50000, 0.6, [30, 60]));
const book = portfolio([{ instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: 2 }]);
const t0 = Date.UTC(2019, 0, 1);
const closes: number[] = [100];
for (let i = 1; i <= 300; i++) closes.push(closes[i - 1]! * (1 + 0.02 * Math.sin(1.7 * i)));

/** A fresh daily BTC history of `c` (new arrays every call), first day `start`. */
function history(c: readonly number[], start = t0, source: string | null = 'test'): MarketHistory {
  return {
    series: [
      {
        symbol: 'BTC',
        interval: 'daily',
        timesMs: Float64Array.from(c, (_, i) => start + i * MS_PER_DAY),
        closes: Float64Array.from(c),
      },
    ],
    source,
  };
}
const hs: RiskBasedParams = { ...RISK_BASED_DEFAULTS, method: 'hs' };
const hashOn = (h: MarketHistory | undefined, p: RiskBasedParams = hs) =>
  varModel.evaluate(book, h ? withHistory(snap, h) : snap, p)[0]!.inputsHash;

describe('the input hash covers the market history', () => {
  it('the same history content (new objects) gives the same hash; any change to it another', () => {
    const base = hashOn(history(closes));
    expect(hashOn(history(closes))).toBe(base);
    // one close deep in the series (the 200th of 301)
    const moved = [...closes];
    moved[200] = moved[200]! * 1.0001;
    expect(hashOn(history(moved))).not.toBe(base);
    // the same closes on other days
    expect(hashOn(history(closes, t0 + MS_PER_DAY))).not.toBe(base);
    // another source label
    expect(hashOn(history(closes, t0, 'elsewhere'))).not.toBe(base);
  });

  it('mc with history-based vols: a different history, a different hash; no history, another', () => {
    const mc: RiskBasedParams = {
      ...RISK_BASED_DEFAULTS,
      mc: { ...RISK_BASED_DEFAULTS.mc, paths: 500 },
    };
    const a = hashOn(history(closes), mc);
    const b = hashOn(history(closes.map((c, i) => (i === 300 ? c * 1.01 : c))), mc);
    expect(a).not.toBe(b);
    expect(hashOn(undefined, mc)).not.toBe(a);
  });
});

describe('a history parameter is refused, saying it moved to market.history', () => {
  const legacy = {
    series: [{ symbol: 'BTC', interval: 'daily', timesMs: [0, 1], closes: [1, 2] }],
  };

  it('in a params file (strict merge): SCHEMA at <file>.history, and at <file>.var.history for span2', () => {
    for (const [defaults, override, field] of [
      [varModel.defaultParams, { method: 'hs', history: legacy }, 'p.json.history'],
      [SPAN2_DEFAULTS, { var: { history: legacy } }, 'p.json.var.history'],
    ] as const) {
      try {
        mergeParams(defaults, override, 'p.json');
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e, 'SCHEMA'), String(e)).toBe(true);
        expect((e as { field: string }).field).toBe(field);
        expect((e as Error).message).toMatch(/market data.*moved to market\.history/);
      }
    }
  });

  it('in parameters built in code: INVALID_INPUT at params.history / params.var.history', () => {
    const h = withHistory(snap, history(closes));
    const cases: [() => unknown, string][] = [
      [() => varModel.evaluate(book, h, { ...hs, history: legacy } as never), 'params.history'],
      [
        () =>
          span2Model.evaluate(book, h, {
            ...SPAN2_DEFAULTS,
            var: { ...SPAN2_DEFAULTS.var, history: legacy },
          } as never),
        'params.var.history',
      ],
    ];
    for (const [f, field] of cases) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e, 'INVALID_INPUT'), String(e)).toBe(true);
        expect((e as { field: string }).field).toBe(field);
        expect((e as Error).message).toMatch(/moved to market\.history/);
      }
    }
  });
});
