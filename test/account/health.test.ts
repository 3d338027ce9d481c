import { describe, expect, it } from 'vitest';
import {
  accountHealth,
  HEALTH_THRESHOLDS,
  healthMetrics,
  healthState,
  thresholdsForModel,
  type HealthState,
} from '../../src/account/health.ts';
import { contagion, contagionMoves } from '../../src/account/contagion.ts';
import { solvencyReport } from '../../src/account/solvency.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { deribitStandardModel } from '../../src/margin/deribit-standard/deribit-standard.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { snapshotRiskModel } from '../../src/market/market-vols.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { syntheticSnapshot, syntheticUnderlying } from '../margin/synthetic-market.ts';

const snap = syntheticSnapshot(
  syntheticUnderlying('BTC', 60000, 0.5, [30, 60]),
  syntheticUnderlying('ETH', 3000, 0.7, [30, 60]),
);

function result(
  model: string,
  currency: string,
  equity: number,
  im: number,
  mm: number,
): MarginResult {
  return {
    model,
    modelVersion: '1',
    currency,
    equity,
    initialMargin: im,
    maintenanceMargin: mm,
    utilization: 0,
    worstScenario: undefined,
    contributions: [],
    addOns: [],
    unverified: [],
    warnings: [],
    inputsHash: '',
  };
}

describe("health states across each venue's thresholds", () => {
  const state = (model: string, equity: number, im: number, mm: number): HealthState =>
    accountHealth([result(model, 'BTC', equity, im, mm)], snap).state;

  it('deribit: margin call at IM ≥ 80 % of equity, reduce-only when IM > equity, liquidation when equity < MM', () => {
    expect(state('deribit-pm', 100, 50, 40)).toBe('healthy');
    expect(state('deribit-pm', 100, 79.99, 64)).toBe('healthy');
    expect(state('deribit-pm', 100, 80, 64)).toBe('margin-call');
    expect(state('deribit-pm', 100, 100, 80)).toBe('margin-call'); // IM = equity: not yet above
    expect(state('deribit-pm', 100, 100.01, 80)).toBe('reduce-only');
    expect(state('deribit-standard', 100, 150, 100)).toBe('reduce-only'); // equity = MM: not below
    expect(state('deribit-standard', 100, 150, 100.01)).toBe('liquidation');
    expect(state('deribit-pm', -1, 10, 8)).toBe('liquidation');
    expect(state('deribit-pm', 0, 0, 0)).toBe('healthy'); // nothing required
  });

  it('binance: uniMMR = equity / MM bands 150 / 120 / 105 %', () => {
    expect(state('binance-pm', 151, 0, 100)).toBe('healthy');
    expect(state('binance-pm', 150, 0, 100)).toBe('margin-call');
    expect(state('binance-pm', 121, 0, 100)).toBe('margin-call');
    expect(state('binance-pm', 120, 0, 100)).toBe('reduce-only');
    expect(state('binance-pm', 105.5, 0, 100)).toBe('reduce-only');
    expect(state('binance-pm', 105, 0, 100)).toBe('liquidation');
  });

  it('okx and clearing models', () => {
    expect(state('okx-pm', 400, 130, 100)).toBe('healthy');
    expect(state('okx-pm', 300, 130, 100)).toBe('margin-call');
    expect(state('okx-pm', 120, 130, 100)).toBe('reduce-only');
    expect(state('okx-pm', 100, 130, 100)).toBe('liquidation');
    expect(state('es', 100, 100, 80)).toBe('healthy');
    expect(state('es', 100, 101, 80)).toBe('margin-call');
    expect(state('es', 100, 130, 101)).toBe('reduce-only');
    expect(state('es', 100, 250, 200)).toBe('liquidation');
    expect(thresholdsForModel('unknown-model').venue).toBe('clearing');
  });

  it("the account is in its worst pool's state; totals in USD; the rule that fired is named", () => {
    const h = accountHealth(
      [result('deribit-pm', 'BTC', 1, 0.2, 0.16), result('deribit-pm', 'USDC', 1000, 1200, 960)],
      snap,
    );
    expect(h.pools.map((p) => p.state)).toEqual(['healthy', 'reduce-only']);
    expect(h.state).toBe('reduce-only');
    expect(h.equityUsd).toBeCloseTo(60000 + 1000, 9);
    expect(h.initialMarginUsd).toBeCloseTo(0.2 * 60000 + 1200, 9);
    expect(h.freeCollateralUsd).toBeCloseTo(h.equityUsd - h.initialMarginUsd, 9);
    expect(h.pools[1]!.rule!.source).toMatch(/IM > equity/);
    expect(h.pools[1]!.freeCollateral).toBe(-200);
  });

  it('metrics: utilizations and equity / MM with the zero conventions', () => {
    expect(healthMetrics(0, 1, 1).imUtilization).toBe(Infinity);
    expect(healthMetrics(10, 0, 0).equityToMm).toBe(Infinity);
    expect(healthState(healthMetrics(10, 0, 0), HEALTH_THRESHOLDS.binance!).state).toBe('healthy');
  });
});

describe('solvency: equity − MM and its change per 1 % move', () => {
  const I0 = 60000;
  const b = 0.01;
  const p = 5e-5;
  it('a linear perp: exact deltas of C + X(m·F0 − E) − (b + p|X|)|X|·m·I0', () => {
    const X = 3;
    const book = portfolio(
      [{ instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: X, entryPrice: 59000 }],
      [{ currency: 'USDC', amount: 20000 }],
    );
    const r = solvencyReport(book, snap, {
      model: deribitStandardModel,
      params: deribitStandardModel.defaultParams,
    });
    const slope = X * I0 - (b + p * X) * X * I0; // per unit of m
    const s = r.pools[0]!.sensitivities[0]!;
    expect(s.up).toBeCloseTo(0.01 * slope, 6);
    expect(s.down).toBeCloseTo(-0.01 * slope, 6);
    expect(s.delta).toBeCloseTo(0.01 * slope, 6);
    expect(s.deltaUsd).toBeCloseTo(0.01 * slope, 6); // a USDC pool: USD = USDC
    expect(r.solvencyVolatilityUsd!).toBeCloseTo(
      (0.01 * slope * 0.5 * Math.sqrt(1 / 365)) / 0.01,
      4,
    );
  });

  it('coin collateral behind a short inverse perp of the same USD face: flat in USD (but for the size term of MM), not in BTC', () => {
    // 2 BTC collateral, short an inverse perp of N = 2·F0 USD at entry E = F0. At a move m (F = m·F0):
    // equity = 2 + N(1/F − 1/E) = 2/m BTC, i.e. 2·F0 USD whatever m: the collateral hedges the perp.
    // MM = (b + p·y)·y BTC with y = N/F = 2/m coins, i.e. 2b·F0 + 4p·F0/m USD: only the size term moves.
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: -2, entryPrice: I0 }],
      [{ currency: 'BTC', amount: 2 }],
    );
    const r = solvencyReport(book, snap, {
      model: deribitStandardModel,
      params: deribitStandardModel.defaultParams,
    });
    const s = r.pools[0]!.sensitivities[0]!;
    const usd = (m: number) => 2 * I0 - (2 * b * I0 + (4 * p * I0) / m);
    expect(s.upUsd).toBeCloseTo(usd(1.01) - usd(1), 8);
    expect(s.downUsd).toBeCloseTo(usd(0.99) - usd(1), 8);
    expect(Math.abs(s.upUsd)).toBeLessThan(0.2); // against 1 % of 120,000 USD of exposure
    const btc = (m: number) => (2 * (1 - b)) / m - (4 * p) / (m * m);
    expect(s.delta).toBeCloseTo((btc(1.01) - btc(0.99)) / 2, 12);
    expect(s.delta).toBeLessThan(-0.019); // in coin the buffer shrinks as BTC rises
  });
});

describe('contagion: a shock to one underlying carried through β = ρ·σ_j/σ_i', () => {
  const risk = snapshotRiskModel(snap, ['BTC', 'ETH']);
  it('moves from the risk model', () => {
    const m = contagionMoves(risk, 'BTC', -0.2);
    const eth = m.find((x) => x.underlying === 'ETH')!;
    expect(eth.beta).toBeCloseTo((0.8 * 0.7) / 0.5, 10);
    expect(eth.move).toBeCloseTo(Math.exp(eth.beta * Math.log(0.8)) - 1, 12);
    expect(m.find((x) => x.underlying === 'BTC')!.move).toBe(-0.2);
  });
  it('margin and health before and after, re-margined on the moved market', () => {
    const book = portfolio(
      [
        { instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: 1, entryPrice: 60000 },
        { instrument: parseSymbol('ETH_USDC-PERPETUAL', 'deribit'), size: 40, entryPrice: 3000 },
      ],
      [{ currency: 'USDC', amount: 50000 }],
    );
    const params = {
      ...deribitStandardModel.defaultParams,
      futures: [
        ...deribitStandardModel.defaultParams.futures,
        {
          id: 'eth-usdc-linear',
          underlying: 'ETH',
          settlement: 'linear' as const,
          kinds: ['perpetual' as const],
          im: { base: 0.02, perCoin: 0 },
          mm: { base: 0.01, perCoin: 0 },
        },
      ],
    };
    const c = contagion(book, snap, {
      model: deribitStandardModel,
      params,
      underlying: 'BTC',
      shock: -0.2,
    });
    const eth = c.moves.find((m) => m.underlying === 'ETH')!.move;
    expect(c.equityChangeUsd).toBeCloseTo(1 * 60000 * -0.2 + 40 * 3000 * eth, 6);
    expect(c.before.state).toBe('healthy');
    expect(c.after.equityUsd).toBeLessThan(c.before.equityUsd);
    expect(c.correlationSource).toBe('default');
  });
});
