import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { SPAN_STANDARD_SCENARIOS, spanScenarios } from '../../src/scenarios/span-grid.ts';
import { buildUsdBook } from '../../src/margin/clearing/usd-book.ts';
import { riskArrays, scanDecomposition, scanRisk } from '../../src/margin/span/scan-risk.ts';
import { intraCommoditySpreadCharge } from '../../src/margin/span/intra-commodity.ts';
import { interCommodityCredits } from '../../src/margin/span/inter-commodity.ts';
import {
  SPAN_DEFAULT_PARAMS,
  spanModel,
  validateSpanParams,
  type SpanDetails,
  type SpanParams,
} from '../../src/margin/span/span.ts';
import { AS_OF, book, genericFuture, SNAPSHOT, underlying } from './clearing-fixtures.ts';

interface WS1 {
  inputs: {
    price_scan_range_usd: number;
    price_scan_range_points: number;
    scenario_order: string[];
    risk_arrays_profit_positive: Record<string, number[]>;
    portfolios: Record<string, Record<string, number>>;
  };
  expected: {
    covered_write_array_profit_positive: number[];
    scan_risk_usd: Record<string, number>;
    worst_scenario: Record<string, string>;
    customer_margin_comparison: { assumed_prices: { future: number } };
  };
  precision: { arrays: string };
  derived_not_published: {
    ratio_write_long_3_futures_short_5_calls: { scan_risk_usd: number; worst_scenario: string };
  };
}

const ws1 = JSON.parse(
  readFileSync(
    new URL('../fixtures/methodology-examples/W-S1_span-mcmillan-risk-array.json', import.meta.url),
    'utf8',
  ),
) as WS1;

/** −v without producing −0 (the book's profit-positive 0 is a loss-positive 0). */
const negate = (v: number): number => (v === 0 ? 0 : -v);

/** The file's portfolio legs ("future", "call") name its arrays ("long_1_future", "long_1_dec410_call"). */
function arrayFor(leg: string): number[] {
  const key = Object.keys(ws1.inputs.risk_arrays_profit_positive).find(
    (k) => k.endsWith(`_${leg}`) || k.includes(`_${leg}`),
  );
  if (!key) throw new Error(`no array for ${leg}`);
  // The book prints profit-positive arrays; SPAN's convention is loss positive.
  return ws1.inputs.risk_arrays_profit_positive[key]!.map(negate);
}

function scanOf(legs: Record<string, number>) {
  const names = Object.keys(legs);
  return scanRisk(
    names.map(arrayFor),
    names.map((n) => legs[n]!),
  );
}

describe('W-S1 (McMillan SPAN risk arrays, covered write)', () => {
  it('reproduces the three published scan risks exactly from the published arrays', () => {
    for (const [name, legs] of Object.entries(ws1.inputs.portfolios)) {
      const s = scanOf(legs);
      expect(s.risk, name).toBe(ws1.expected.scan_risk_usd[name]);
      const label = ws1.inputs.scenario_order[s.scenarioIndex]!;
      const expected = ws1.expected.worst_scenario[name]!;
      // "down 3/3 (either vol)" is a tie; the lowest index wins.
      expect(
        expected.startsWith(label) || label.startsWith(expected.replace(/ \(either vol\)$/, '')),
        `${name}: ${label} vs ${expected}`,
      ).toBe(true);
    }
  });

  it('the covered-write array is future − call in all 16 scenarios', () => {
    const s = scanOf(ws1.inputs.portfolios['covered_write']!);
    expect(s.portfolioArray).toEqual(ws1.expected.covered_write_array_profit_positive.map(negate));
  });

  it('our derived ratio write (3 futures − 5 calls) matches the file', () => {
    const d = ws1.derived_not_published.ratio_write_long_3_futures_short_5_calls;
    const s = scanRisk([arrayFor('future'), arrayFor('call')], [3, -5]);
    expect(s.risk).toBe(d.scan_risk_usd);
    expect(ws1.inputs.scenario_order[s.scenarioIndex]!.startsWith(d.worst_scenario)).toBe(true);
  });

  it('generates the future risk array from the PSR at the published $10 precision', () => {
    expect(ws1.precision.arrays).toMatch(/\$10/);
    const F = ws1.expected.customer_margin_comparison.assumed_prices.future;
    const multiplier = ws1.inputs.price_scan_range_usd / ws1.inputs.price_scan_range_points;
    const expiryMs = AS_OF + 45 * 86_400_000;
    const snap: MarketSnapshot = {
      asOfMs: AS_OF,
      underlyings: { SPX: underlying('SPX', F, [{ expiryMs, forward: F }], 0.2) },
    };
    const scenarios = spanScenarios({
      SPX: {
        priceScanRange: ws1.inputs.price_scan_range_points / F,
        volScanRange: { kind: 'absolute', size: 0.02 },
      },
    });
    const fut = genericFuture('SPX', expiryMs, multiplier);
    const b = buildUsdBook([{ instrument: fut, size: multiplier }], snap, scenarios);
    const arr = Array.from(riskArrays(b, scenarios)).map((v) => multiplier * v);
    const rounded = arr.map((v) => Math.round(v / 10) * 10 + 0);
    expect(rounded).toEqual(arrayFor('future'));
    // the extreme rows are exactly 35 % of a 2 × PSR move
    expect(arr[14]).toBeCloseTo(-0.35 * 2 * ws1.inputs.price_scan_range_usd, 9);
  });
});

describe('SPAN grid', () => {
  it('16 scenarios: 14 paired at 0, ±1/3, ±2/3, ±1 PSR with vol ±VSR, 2 extremes at ±2 PSR weighted 0.35', () => {
    const sc = spanScenarios({
      BTC: { priceScanRange: 0.15, volScanRange: { kind: 'absolute', size: 0.1 } },
    });
    expect(sc).toHaveLength(16);
    expect(sc.slice(0, 14).every((s) => s.weight === 1)).toBe(true);
    expect(sc[14]!.weight).toBe(0.35);
    expect(sc[15]!.weight).toBe(0.35);
    expect(sc[14]!.moves['BTC']!.spotMultiplier).toBeCloseTo(1.3, 15);
    expect(sc[15]!.moves['BTC']!.spotMultiplier).toBeCloseTo(0.7, 15);
    expect(sc[14]!.moves['BTC']!.vol).toEqual({ kind: 'none' });
    expect(sc[2]!.moves['BTC']!.spotMultiplier).toBeCloseTo(1.05, 15);
    expect(sc[2]!.moves['BTC']!.vol).toEqual({ kind: 'absolute', size: 0.1 });
    expect(sc[3]!.moves['BTC']!.vol).toEqual({ kind: 'absolute', size: -0.1 });
    expect(sc.every((s) => s.timeShiftDays === 1)).toBe(true);
    expect(sc.map((s) => s.group).filter((g) => g === 'extreme')).toHaveLength(2);
  });

  it('a move through zero is a typed error', () => {
    expect(() =>
      spanScenarios({
        BTC: { priceScanRange: 0.6, volScanRange: { kind: 'absolute', size: 0.1 } },
      }),
    ).toThrow(/BTC.priceScanRange/);
  });

  it('the model counts 35 % of the extreme P&L in the risk arrays', () => {
    const r = spanModel.evaluate(book([['BTC-27DEC24', 1]]), SNAPSHOT, SPAN_DEFAULT_PARAMS)[0]!;
    const d = r.details as SpanDetails;
    const arr = d.commodities[0]!.positions[0]!.riskArray;
    const F = 71_000;
    const psr = SPAN_DEFAULT_PARAMS.commodities['BTC']!.priceScanRange;
    expect(arr[14]).toBeCloseTo(-0.35 * 2 * psr * F, 6);
    expect(arr[15]).toBeCloseTo(0.35 * 2 * psr * F, 6);
    expect(arr[12]).toBeCloseTo(psr * F, 6);
    expect(d.commodities[0]!.scanRisk).toBeCloseTo(psr * F, 6);
  });
});

describe('SPAN model', () => {
  it('default parameters are valid', () => {
    expect(() => validateSpanParams(SPAN_DEFAULT_PARAMS)).not.toThrow();
  });

  it('a long future: scan risk = PSR × F, no spreads; IM = 1.1 × MM; result shape', () => {
    const [r] = spanModel.evaluate(
      book([['BTC-27DEC24', 2]], [{ currency: 'USDC', amount: 50_000 }]),
      SNAPSHOT,
      SPAN_DEFAULT_PARAMS,
    );
    expect(r!.currency).toBe('USD');
    expect(r!.maintenanceMargin).toBeCloseTo(2 * 0.15 * 71_000, 6);
    expect(r!.initialMargin).toBeCloseTo(1.1 * r!.maintenanceMargin, 6);
    expect(r!.equity).toBe(50_000);
    expect(r!.worstScenario!.index).toBe(12);
    expect(r!.contributions[0]!.pnl).toBeCloseTo(r!.worstScenario!.pnl, 9);
    expect(r!.unverified.some((u) => u.startsWith('span.parameters'))).toBe(true);
    expect(r!.unverified.some((u) => u.startsWith('span.inverse-in-usd'))).toBe(true);
    expect(r!.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    const mmFromParts =
      (r!.details as SpanDetails).commodities[0]!.scanRisk +
      r!.addOns.filter((a) => a.appliesTo !== 'initial').reduce((s, a) => s + a.amount, 0);
    expect(mmFromParts).toBeCloseTo(r!.maintenanceMargin, 9);
  });

  it('a calendar spread (long Dec, short Mar) gets the intra-commodity tier charge', () => {
    const [r] = spanModel.evaluate(
      book([
        ['BTC-27DEC24', 1],
        ['BTC-28MAR25', -1],
      ]),
      SNAPSHOT,
      SPAN_DEFAULT_PARAMS,
    );
    const d = r!.details as SpanDetails;
    const cc = d.commodities[0]!;
    // Dec (56 days) is tier T2, Mar (147 days) tier T3: one coin of T2/T3 spread at 1 % of the index.
    expect(cc.intraCommodity.tierDeltas['T2']).toBeCloseTo(1, 9);
    expect(cc.intraCommodity.tierDeltas['T3']).toBeCloseTo(-1, 9);
    const t23 = cc.intraCommodity.tierSpreads.find(
      (s) => s.tiers[0] === 'T2' && s.tiers[1] === 'T3',
    )!;
    expect(t23.spreads).toBeCloseTo(1, 9);
    expect(cc.intraCommodity.charge).toBeCloseTo(0.01 * 70_000, 6);
    const add = r!.addOns.find((a) => a.name === 'intra-commodity spread charge')!;
    expect(add.amount).toBeCloseTo(700, 6);
    // the scan alone sees only the forward basis: far less than an outright
    expect(cc.scanRisk).toBeCloseTo(0.15 * (73_000 - 71_000), 6);
    expect(r!.maintenanceMargin).toBeCloseTo(cc.scanRisk + 700, 6);
    expect(r!.unverified.some((u) => u.startsWith('span.intra-commodity'))).toBe(true);
  });

  it('intra-tier spreads (two months in one tier) and residual pairs are charged', () => {
    const tiers = [
      { id: 'A', fromDays: 0, toDays: 100, intraTierRate: 0.01 },
      { id: 'B', fromDays: 100, toDays: 200, intraTierRate: 0 },
      { id: 'C', fromDays: 200, toDays: null, intraTierRate: 0 },
    ];
    const c = intraCommoditySpreadCharge(
      [
        { month: 'm1', dteDays: 10, delta: 2 },
        { month: 'm2', dteDays: 50, delta: -1 },
        { month: 'm3', dteDays: 150, delta: -0.5 },
        { month: 'm4', dteDays: 250, delta: -0.25 },
      ],
      { tiers, tierSpreads: [{ tiers: ['A', 'B'], rate: 0.02 }], residualSpreadRate: 0.05 },
      100,
    );
    expect(c.intraTier[0]).toEqual({ tier: 'A', spreads: 1, charge: 1 });
    expect(c.tierSpreads[0]!.spreads).toBe(0.5);
    expect(c.residual.spreads).toBe(0.25);
    expect(c.charge).toBeCloseTo(1 + 0.5 * 0.02 * 100 + 0.25 * 0.05 * 100, 12);
  });

  it('inter-commodity credit (long BTC, short ETH) reduces margin but never below zero or the short option minimum', () => {
    const btcEth = book([
      ['BTC-27DEC24', 1],
      ['ETH-27DEC24', -28],
    ]);
    const base = spanModel.evaluate(btcEth, SNAPSHOT, SPAN_DEFAULT_PARAMS)[0]!;
    const noCredit: SpanParams = { ...SPAN_DEFAULT_PARAMS, interCommoditySpreads: [] };
    const without = spanModel.evaluate(btcEth, SNAPSHOT, noCredit)[0]!;
    const credit = -base.addOns.find((a) => a.name === 'inter-commodity spread credit')!.amount;
    expect(credit).toBeGreaterThan(0);
    expect(base.maintenanceMargin).toBeCloseTo(without.maintenanceMargin - credit, 6);
    expect(base.unverified.some((u) => u.startsWith('span.inter-commodity'))).toBe(true);

    // a 100 % credit with a huge delta ratio cannot take a commodity below zero
    const full: SpanParams = {
      ...SPAN_DEFAULT_PARAMS,
      interCommoditySpreads: [
        {
          id: 'x',
          legs: [
            { commodity: 'BTC', deltaRatio: 1 },
            { commodity: 'ETH', deltaRatio: 1 },
          ],
          creditRate: 1,
        },
      ],
    };
    const r = spanModel.evaluate(btcEth, SNAPSHOT, full)[0]!;
    for (const c of (r.details as SpanDetails).commodities) {
      expect(c.risk).toBeGreaterThanOrEqual(0);
      expect(c.creditApplied).toBeLessThanOrEqual(
        c.scanRisk + c.intraCommodity.charge + c.delivery.charge + 1e-9,
      );
    }
    expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);

    // with short options whose SOM exceeds the credited risk, the SOM binds
    const somHeavy: SpanParams = {
      ...full,
      commodities: {
        ...full.commodities,
        BTC: {
          ...full.commodities['BTC']!,
          shortOptionMinimum: { perCoinUsd: 0, fractionOfIndex: 0.2 },
        },
      },
    };
    const withShorts = book([
      ['BTC-27DEC24', 1],
      ['BTC-28MAR25-30000-P', -3],
      ['ETH-27DEC24', -28],
    ]);
    const s = spanModel.evaluate(withShorts, SNAPSHOT, somHeavy)[0]!;
    const btc = (s.details as SpanDetails).commodities.find((c) => c.commodity === 'BTC')!;
    expect(btc.shortOptionMinimum.shortOptions).toBe(3);
    expect(btc.shortOptionMinimum.amount).toBeCloseTo(3 * 0.2 * 70_000, 6);
    expect(btc.risk).toBeCloseTo(btc.shortOptionMinimum.amount, 6);
    expect(s.addOns.find((a) => a.name === 'short option minimum')!.amount).toBeGreaterThan(0);
    expect(s.unverified.some((u) => u.startsWith('span.short-option-minimum'))).toBe(true);
  });

  it('inter-commodity credit arithmetic: spreads × ratio × rate × WFPR per leg', () => {
    const c = interCommodityCredits(
      { BTC: { netDeltaUsd: 1000, priceRisk: 150 }, ETH: { netDeltaUsd: -500, priceRisk: 100 } },
      [
        {
          id: 'p',
          legs: [
            { commodity: 'BTC', deltaRatio: 1 },
            { commodity: 'ETH', deltaRatio: 1 },
          ],
          creditRate: 0.5,
        },
      ],
    );
    expect(c.spreads[0]!.spreads).toBe(500);
    expect(c.credits['BTC']).toBeCloseTo(500 * 0.5 * 0.15, 12);
    expect(c.credits['ETH']).toBeCloseTo(500 * 0.5 * 0.2, 12);
    const same = interCommodityCredits(
      { BTC: { netDeltaUsd: 1000, priceRisk: 150 }, ETH: { netDeltaUsd: 500, priceRisk: 100 } },
      [
        {
          id: 'p',
          legs: [
            { commodity: 'BTC', deltaRatio: 1 },
            { commodity: 'ETH', deltaRatio: 1 },
          ],
          creditRate: 0.5,
        },
      ],
    );
    expect(same.credits['BTC']).toBe(0);
  });

  it('scan decomposition: time risk from the unchanged-price pair, vol risk from the worst pair', () => {
    const rows = SPAN_STANDARD_SCENARIOS.map((r) => ({
      priceMove: r.priceNumerator / r.priceDenominator,
      volMultiplier: r.volMultiplier,
      weight: r.weight,
    }));
    const s = scanOf(ws1.inputs.portfolios['covered_write']!);
    const d = scanDecomposition(s, rows);
    expect(d.timeRisk).toBe((460 - 610) / 2);
    expect(d.volatilityRisk).toBe((6620 - 6010) / 2);
    expect(d.priceRisk).toBe(6620 - d.timeRisk - d.volatilityRisk);
  });

  it('delivery charge for positions in their last day', () => {
    const [r] = spanModel.evaluate(book([['BTC-2NOV24', 1]]), SNAPSHOT, SPAN_DEFAULT_PARAMS);
    const cc = (r!.details as SpanDetails).commodities[0]!;
    expect(cc.delivery.deltaInPeriod).toBeCloseTo(1, 9);
    expect(cc.delivery.charge).toBeCloseTo(0.005 * 70_000, 6);
  });

  it('options: NOV reported, long option risk not above its value, short options need more', () => {
    const long = spanModel.evaluate(
      book([['BTC-28MAR25-80000-C', 1]]),
      SNAPSHOT,
      SPAN_DEFAULT_PARAMS,
    )[0]!;
    const d = long.details as SpanDetails;
    expect(d.netOptionValue).toBeGreaterThan(0);
    expect(d.commodities[0]!.scanRisk).toBeLessThanOrEqual(d.netOptionValue + 1e-9);
    expect(long.equity).toBeCloseTo(d.netOptionValue, 9);
    expect(d.fundsRequiredBeyondOptionValue).toBeCloseTo(d.totalRisk - d.netOptionValue, 9);
    expect(long.unverified.some((u) => u.startsWith('span.nov'))).toBe(true);
    const short = spanModel.evaluate(
      book([['BTC-28MAR25-80000-C', -1]]),
      SNAPSHOT,
      SPAN_DEFAULT_PARAMS,
    )[0]!;
    expect(short.maintenanceMargin).toBeGreaterThan(long.maintenanceMargin);
    expect(short.equity).toBeCloseTo(-d.netOptionValue, 9);
  });

  it('fails closed: an underlying without parameters, a bad parameter', () => {
    const snap: MarketSnapshot = {
      ...SNAPSHOT,
      underlyings: { ...SNAPSHOT.underlyings, SOL: underlying('SOL', 150, [], 0.8) },
    };
    const p = portfolio([
      {
        instrument: {
          symbol: 'SOL_USDC',
          venue: 'deribit',
          kind: 'spot',
          underlying: 'SOL',
          quote: 'USDC',
          settlementCurrency: 'USDC',
          settlement: 'linear',
          contract: { size: 1, unit: 'base' },
        },
        size: 10,
      },
    ]);
    try {
      spanModel.evaluate(p, snap, SPAN_DEFAULT_PARAMS);
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect(String(e)).toMatch(/params.commodities.SOL/);
    }
    expect(() =>
      spanModel.evaluate(book([['BTC-27DEC24', 1]]), SNAPSHOT, {
        ...SPAN_DEFAULT_PARAMS,
        initialToMaintenance: 0.9,
      }),
    ).toThrow(/initialToMaintenance/);
  });

  it('empty book: zero requirements, equity = collateral', () => {
    const [r] = spanModel.evaluate(
      portfolio([], [{ currency: 'USDC', amount: 10 }]),
      SNAPSHOT,
      SPAN_DEFAULT_PARAMS,
    );
    expect(r!.maintenanceMargin).toBe(0);
    expect(r!.initialMargin).toBe(0);
    expect(r!.equity).toBe(10);
    expect(r!.unverified).toEqual([]);
  });

  it('properties: finite, ≥ 0, ≥ Σ SOM, order-independent to the bit', () => {
    const symbols = [
      'BTC-27DEC24',
      'BTC-28MAR25',
      'BTC-28MAR25-80000-C',
      'BTC-27DEC24-60000-P',
      'BTC_USDC-PERPETUAL',
      'ETH-27DEC24',
      'ETH-28MAR25-3000-C',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...symbols), fc.integer({ min: -20, max: 20 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (items) => {
          const p = book(items.map(([s, q]) => [s, q / 4] as [string, number]));
          const [r] = spanModel.evaluate(p, SNAPSHOT, SPAN_DEFAULT_PARAMS);
          expect(Number.isFinite(r!.maintenanceMargin)).toBe(true);
          expect(r!.maintenanceMargin).toBeGreaterThanOrEqual(0);
          expect(r!.initialMargin).toBeGreaterThanOrEqual(r!.maintenanceMargin);
          const d = r!.details as SpanDetails;
          for (const c of d.commodities)
            expect(c.risk).toBeGreaterThanOrEqual(c.shortOptionMinimum.amount - 1e-9);
          const reversed = portfolio([...p.positions].reverse(), p.balances);
          const [r2] = spanModel.evaluate(reversed, SNAPSHOT, SPAN_DEFAULT_PARAMS);
          expect(r2!.maintenanceMargin).toBe(r!.maintenanceMargin);
          expect(r2!.inputsHash).toBe(r!.inputsHash);
        },
      ),
      { numRuns: 40 },
    );
  });
});
