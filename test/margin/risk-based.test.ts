import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { MS_PER_DAY } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { RISK_BASED_DEFAULTS, type RiskBasedParams } from '../../src/margin/risk-based/params.ts';
import {
  esModel,
  varModel,
  type RiskBasedDetails,
} from '../../src/margin/risk-based/risk-based.ts';
import { clearScenarioCache } from '../../src/margin/risk-based/scenario-source.ts';
import {
  SPAN2_DEFAULTS,
  span2Model,
  type Span2Details,
} from '../../src/margin/risk-based/span2.ts';
import { stansModel } from '../../src/margin/risk-based/stans.ts';
import { DEFAULT_CORRELATION_NOTE } from '../../src/market/market-vols.ts';
import { withHistory, type MarketHistory } from '../../src/market/market-history.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { expectedShortfall, valueAtRisk } from '../../src/risk/var.ts';
import { option, syntheticSnapshot, syntheticUnderlying } from './synthetic-market.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const snap = syntheticSnapshot(
  syntheticUnderlying('BTC', 50000, 0.6, [30, 60, 90]),
  syntheticUnderlying('ETH', 3000, 0.8, [30, 60, 90]),
);
const perpLinear = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
const perpInverse = parseSymbol('BTC-PERPETUAL', 'deribit');

/** A daily history of `closes` (BTC), as market data. */
function history(closes: readonly number[]): MarketHistory {
  const t0 = Date.UTC(2019, 0, 1);
  return {
    series: [
      {
        symbol: 'BTC',
        interval: 'daily',
        timesMs: Float64Array.from(closes, (_, i) => t0 + i * MS_PER_DAY),
        closes: Float64Array.from(closes),
      },
    ],
    source: 'test',
  };
}

// 201 closes: returns cycle through a fixed pattern with one −12 % day and one +9 % day.
const closes: number[] = [100];
for (let i = 1; i <= 200; i++)
  closes.push(closes[i - 1]! * (i === 50 ? 0.88 : i === 120 ? 1.09 : 1 + 0.01 * Math.sin(i)));
const hs = (extra: Partial<RiskBasedParams> = {}): RiskBasedParams => ({
  ...RISK_BASED_DEFAULTS,
  method: 'hs',
  ...extra,
});
/** The synthetic market with the history of `closes` attached. */
const snapH = withHistory(snap, history(closes));

describe('var / es by historical simulation: full revaluation of the pool against hand computations', () => {
  it('a linear perp: P&L_s = X·F·(m_s − 1) USD; VaR = k-th worst loss, ES = mean of the k worst', () => {
    const book = portfolio(
      [{ instrument: perpLinear, size: 3 }],
      [{ currency: 'USDC', amount: 1e5 }],
    );
    const pnl = closes.slice(1).map((c, i) => 3 * 50000 * (c / closes[i]! - 1));
    for (const confidence of [0.99, 0.95, 0.975]) {
      const v = varModel.evaluate(book, snapH, hs({ confidence }))[0]!;
      const e = esModel.evaluate(book, snapH, hs({ confidence }))[0]!;
      expect(v.currency).toBe('USDC');
      expect(v.initialMargin).toBeCloseTo(valueAtRisk(pnl, confidence), 6);
      expect(e.initialMargin).toBeCloseTo(expectedShortfall(pnl, confidence), 6);
      expect(e.initialMargin).toBeGreaterThanOrEqual(v.initialMargin);
      expect(v.maintenanceMargin).toBeCloseTo(0.8 * v.initialMargin, 12);
    }
    const r = esModel.evaluate(book, snapH, hs())[0]!;
    const d = r.details as RiskBasedDetails;
    // 200 scenarios at 99 %: k = 2 tail scenarios, worst first; the −12 % day is the worst.
    expect(d.tailCount).toBe(2);
    expect(d.tail[0]!.id).toBe('hs-2019-02-20');
    expect(d.tail[0]!.pnl).toBeCloseTo(3 * 50000 * -0.12, 6);
    expect(d.tail[0]!.pnl).toBeLessThanOrEqual(d.tail[1]!.pnl);
    expect(r.worstScenario!.id).toBe(d.tail[0]!.id);
    expect(r.contributions[0]!.pnl).toBeCloseTo(d.tail[0]!.pnl, 9);
    // Contributions to the measure sum to it.
    expect(d.measureContributions.reduce((a, c) => a + c.loss, 0)).toBeCloseTo(
      d.expectedShortfall,
      9,
    );
  });

  it('an inverse perp is margined in its coin pool: P&L_s = X·(1 − 1/m_s) BTC', () => {
    const book = portfolio(
      [{ instrument: perpInverse, size: -2 }],
      [{ currency: 'BTC', amount: 1 }],
    );
    const r = varModel.evaluate(book, snapH, hs({ confidence: 0.99 }))[0]!;
    expect(r.currency).toBe('BTC');
    const pnl = closes.slice(1).map((c, i) => -2 * (1 - closes[i]! / c));
    expect(r.initialMargin).toBeCloseTo(valueAtRisk(pnl, 0.99), 12);
    expect(r.equity).toBeCloseTo(1, 12);
  });

  it("filtered historical simulation rescales returns to today's EWMA vol", () => {
    const book = portfolio([{ instrument: perpLinear, size: 1 }]);
    const a = varModel.evaluate(book, snapH, hs())[0]!;
    const b = varModel.evaluate(book, snapH, hs({ method: 'fhs' }))[0]!;
    expect((b.details as RiskBasedDetails).method).toBe('fhs');
    expect(b.initialMargin).not.toBeCloseTo(a.initialMargin, 2);
    expect((b.details as RiskBasedDetails).scenarioSource).toMatch(/filtered historical/);
  });

  it('fails closed: hs without history, a history too short for the quantile, a scenario set silent about an underlying', () => {
    const book = portfolio([{ instrument: perpLinear, size: 1 }]);
    const expectErr = (f: () => unknown, field: string, text: RegExp) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e, 'INVALID_INPUT'), String(e)).toBe(true);
        expect((e as { field: string }).field).toBe(field);
        expect((e as Error).message).toMatch(text);
      }
    };
    expectErr(
      () => varModel.evaluate(book, snap, { ...RISK_BASED_DEFAULTS, method: 'hs' }),
      'market.history',
      /needs a price history/,
    );
    expectErr(
      () => varModel.evaluate(book, withHistory(snap, history(closes.slice(0, 50))), hs()),
      'market.history',
      /too short: 49 scenario\(s\) cannot resolve a 99% quantile/,
    );
    expectErr(
      () =>
        varModel.evaluate(
          portfolio([{ instrument: parseSymbol('ETH_USDC-PERPETUAL', 'deribit'), size: 1 }]),
          snapH,
          hs(),
        ),
      'market.history',
      /no price history for ETH/,
    );
    expectErr(
      () =>
        varModel.evaluate(book, snap, {
          ...RISK_BASED_DEFAULTS,
          scenarios: {
            description: 'x',
            list: [
              {
                id: 'a',
                label: 'a',
                moves: { ETH: { spotMultiplier: 0.5, vol: { kind: 'none' } } },
                weight: 1,
                timeShiftDays: 0,
              },
            ],
          },
        }),
      'params.scenarios.list[0].moves',
      /does not move BTC/,
    );
    expectErr(
      () => varModel.evaluate(book, snap, { ...RISK_BASED_DEFAULTS, method: 'xx' as never }),
      'params.method',
      /unknown method/,
    );
    expectErr(
      () => varModel.evaluate(book, snap, { ...RISK_BASED_DEFAULTS, confidence: 1 }),
      'params.confidence',
      /\(0, 1\)/,
    );
  });
});

describe('Monte Carlo var / es', () => {
  const book = portfolio(
    [
      { instrument: option('BTC', 30, 55000, 'C'), size: -5 },
      { instrument: option('ETH', 60, 2800, 'P', true), size: -20 },
      { instrument: perpLinear, size: 0.5 },
    ],
    [
      { currency: 'BTC', amount: 3 },
      { currency: 'USDC', amount: 20000 },
    ],
  );
  const params = {
    ...RISK_BASED_DEFAULTS,
    mc: { ...RISK_BASED_DEFAULTS.mc, paths: 4000 },
    seed: 11,
  };

  it('same seed → bit-identical result (scenarios regenerated, not cached)', () => {
    clearScenarioCache();
    const a = JSON.stringify(esModel.evaluate(book, snap, params));
    clearScenarioCache();
    const b = JSON.stringify(esModel.evaluate(book, snap, params));
    expect(b).toBe(a);
    const c = JSON.stringify(esModel.evaluate(book, snap, { ...params, seed: 12 }));
    expect(c).not.toBe(a);
  });

  it('one result per settlement currency; ATM vols and the default correlation are stated and listed as unverified', () => {
    const rs = esModel.evaluate(book, snap, params);
    expect(rs.map((r) => r.currency)).toEqual(['BTC', 'USDC']);
    const usdc = rs[1]!;
    const d = usdc.details as RiskBasedDetails;
    expect(d.simulation!.underlyings).toEqual(['BTC', 'ETH']);
    expect(d.simulation!.vols[0]).toBeCloseTo(0.6, 10); // flat synthetic surface: ATM = 60 %
    expect(d.simulation!.vols[1]).toBeCloseTo(0.8, 10);
    expect(d.simulation!.correlation[0]![1]).toBe(0.8);
    expect(usdc.unverified).toContain(DEFAULT_CORRELATION_NOTE);
    expect(rs[0]!.unverified).not.toContain(DEFAULT_CORRELATION_NOTE); // one underlying: no correlation used
    expect(d.tail.length).toBe(40);
    for (let i = 1; i < d.tail.length; i++)
      expect(d.tail[i]!.pnl).toBeGreaterThanOrEqual(d.tail[i - 1]!.pnl);
    expect(d.varScenario.pnl).toBeCloseTo(-d.valueAtRisk, 12);
  });

  it('a given correlation and vols replace the defaults', () => {
    const r = esModel.evaluate(book, snap, {
      ...params,
      mc: { ...params.mc, vols: { BTC: 0.5, ETH: 0.7 }, correlation: 0.3 },
    })[1]!;
    const d = r.details as RiskBasedDetails;
    expect(d.simulation!.vols).toEqual([0.5, 0.7]);
    expect(d.simulation!.correlation[0]![1]).toBe(0.3);
    expect(r.unverified).not.toContain(DEFAULT_CORRELATION_NOTE);
  });

  it('registered: var, es, span2, stans', () => {
    for (const id of ['var', 'es', 'span2', 'stans']) expect(marginModel(id).id).toBe(id);
  });
});

describe('span2: x·VaR + (1 − x)·stress + liquidity + concentration', () => {
  const book = portfolio(
    [
      { instrument: option('BTC', 30, 45000, 'P'), size: -10 },
      { instrument: perpInverse, size: 1500 },
    ],
    [{ currency: 'BTC', amount: 5 }],
  );
  const p = {
    ...SPAN2_DEFAULTS,
    var: { ...SPAN2_DEFAULTS.var, method: 'hs' as const, horizonDays: 1 },
  };
  const r = span2Model.evaluate(book, snapH, p)[0]!;
  const d = r.details as Span2Details;
  it('IM is the blend plus the named add-ons', () => {
    expect(d.blend).toBeCloseTo(0.75 * Math.max(0, d.valueAtRisk) + 0.25 * d.stress, 12);
    expect(r.initialMargin).toBeCloseTo(d.blend + d.liquidity + d.concentration, 12);
    expect(r.addOns.map((a) => a.name)).toEqual(['var', 'stress', 'liquidity', 'concentration']);
    expect(r.addOns.reduce((a, x) => a + x.amount, 0)).toBeCloseTo(r.initialMargin, 12);
    expect(r.maintenanceMargin).toBeCloseTo(r.initialMargin / 1.1, 12);
  });
  it('add-ons by hand: close-out 5 bp on 1500 BTC of perp and 10 bp on 10 options; concentration 2 % of (1510 − 1000) coins', () => {
    expect(d.liquidity).toBeCloseTo(1500 * 0.0005 + 10 * 0.001, 12);
    expect(d.concentration).toBeCloseTo(0.02 * (1510 - 1000), 12);
  });
  it('the stress leg is the worst of the hypothetical moves (the −30 % crash for a long book)', () => {
    expect(d.stressWorst[0]!.id).toBe('hyp-crash-30');
    expect(d.stress).toBeCloseTo(-d.stressWorst[0]!.pnl, 12);
    expect(d.stressScenarios).toBe(6);
    expect(r.worstScenario!.id).toBe('stress:hyp-crash-30');
  });
});

describe('stans: 99 % ES over 2 days on Student-t paths with implied-vol moves', () => {
  it('defaults and the ES itself', () => {
    const book = portfolio(
      [{ instrument: option('BTC', 30, 50000, 'C'), size: -4 }],
      [{ currency: 'BTC', amount: 2 }],
    );
    const p = { ...stansModel.defaultParams, mc: { ...stansModel.defaultParams.mc, paths: 2000 } };
    const r = stansModel.evaluate(book, snap, p)[0]!;
    const d = r.details as RiskBasedDetails;
    expect(d.horizonDays).toBe(2);
    expect(d.confidence).toBe(0.99);
    expect(d.measure).toBe('es');
    expect(r.maintenanceMargin).toBe(r.initialMargin);
    expect(r.initialMargin).toBeCloseTo(d.expectedShortfall, 12);
    expect(d.scenarioSource).toMatch(/student-t \(ν 4\), 2000 pseudo paths.*vol of vol 0\.9/);
    expect(r.unverified[0]).toMatch(/^stans:/);
  });
  it('10,000 paths on the real snapshot, as STANS', () => {
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-28AUG26-72000-C', 'deribit'), size: -10 }],
      [{ currency: 'BTC', amount: 4 }],
    );
    const r = stansModel.evaluate(book, realSnapshot(), stansModel.defaultParams)[0]!;
    expect((r.details as RiskBasedDetails).scenarios).toBe(10000);
    expect((r.details as RiskBasedDetails).tailCount).toBe(100);
    expect(r.initialMargin).toBeGreaterThan(0);
  });
});
