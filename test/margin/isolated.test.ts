import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { isolatedModel, type IsolatedDetails } from '../../src/margin/isolated.ts';
import { deribitStandardModel } from '../../src/margin/deribit-standard/deribit-standard.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { DERIBIT_STANDARD_UNVERIFIED } from '../../src/margin/deribit-standard/formulas.ts';
import { future, option, syntheticSnapshot, syntheticUnderlying } from './synthetic-market.ts';

const snap = syntheticSnapshot(
  syntheticUnderlying('BTC', 65_000, 0.6, [30, 90]),
  syntheticUnderlying('ETH', 2_000, 0.7, [30]),
);
const perp = parseSymbol('BTC-PERPETUAL', 'deribit');
const ethPerp = parseSymbol('ETH-PERPETUAL', 'deribit');
const btcLin = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
const f30 = future('BTC', 30);
const menu: Instrument[] = [
  perp,
  f30,
  ethPerp,
  btcLin,
  option('BTC', 30, 70_000, 'C'),
  option('BTC', 90, 55_000, 'P'),
  option('ETH', 30, 1_800, 'P'),
  option('BTC', 30, 60_000, 'P', true),
];
const bookArb = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: menu.length - 1 }),
    fc.double({ min: -30, max: 30, noNaN: true }),
  ),
  { minLength: 1, maxLength: 6 },
);
const toBook = (b: [number, number][]) =>
  portfolio(b.map(([i, q]) => ({ instrument: menu[i]!, size: q })));

describe('isolated baseline', () => {
  it('each position margined on its own: no tier aggregation across positions of one product family', () => {
    const book = portfolio([
      { instrument: perp, size: 100 },
      { instrument: f30, size: 100 },
    ]);
    const [r] = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
    const one = (0.02 + 0.00005 * 100) * 100;
    expect(r!.initialMargin).toBeCloseTo(2 * one, 12);
    expect(r!.maintenanceMargin).toBeCloseTo(2 * (0.01 + 0.00005 * 100) * 100, 12);
    const det = r!.details as IsolatedDetails;
    expect(det.positions.map((p) => p.rateSize)).toEqual([100, 100]);
    // The gross reading of standard margin charges more; the isolated baseline never aggregates.
    const [gross] = deribitStandardModel.evaluate(book, snap, {
      ...deribitStandardModel.defaultParams,
      sizeAggregation: 'gross',
    });
    expect(gross!.initialMargin).toBeGreaterThan(r!.initialMargin);
  });

  it('long options need nothing; short options the standard formulas; one result per settlement currency', () => {
    const book = portfolio([
      { instrument: menu[4]!, size: 5 },
      { instrument: menu[5]!, size: -2 },
      { instrument: ethPerp, size: -10 },
      { instrument: btcLin, size: 1 },
    ]);
    const res = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
    expect(res.map((r) => r.currency)).toEqual(['BTC', 'ETH', 'USDC']);
    const btc = res[0]!.details as IsolatedDetails;
    expect(btc.positions.find((p) => p.size === 5)!.initialMargin).toBe(0);
    expect(btc.positions.find((p) => p.size === -2)!.initialMargin).toBeGreaterThan(0.2);
    expect(res[0]!.unverified).toEqual(
      expect.arrayContaining([
        DERIBIT_STANDARD_UNVERIFIED.longOptions,
        DERIBIT_STANDARD_UNVERIFIED.optionFractions,
      ]),
    );
    expect(res[2]!.initialMargin).toBeCloseTo((0.02 + 0.00005) * 65_000, 9);
  });

  it('sanity: isolated = deribit-standard (per-position) ≥ Deribit PM on a large hedged book', () => {
    const book = portfolio([
      { instrument: perp, size: 50 },
      { instrument: f30, size: -50 },
    ]);
    const [iso] = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
    const [std] = deribitStandardModel.evaluate(book, snap, deribitStandardModel.defaultParams);
    const [pm] = deribitPmModel.evaluate(book, snap, deribitPmModel.defaultParams);
    expect(iso!.initialMargin).toBe(std!.initialMargin);
    expect(std!.initialMargin).toBeGreaterThan(pm!.initialMargin);
    expect(pm!.initialMargin).toBeGreaterThan(0);
  });

  it('property: isolated equals deribit-standard per-position (no open orders) for any book', () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const book = toBook(b);
        const iso = isolatedModel.evaluate(book, snap, isolatedModel.defaultParams);
        const std = deribitStandardModel.evaluate(book, snap, deribitStandardModel.defaultParams);
        iso.forEach((r, i) => {
          expect(r.currency).toBe(std[i]!.currency);
          expect(r.initialMargin).toBeCloseTo(std[i]!.initialMargin, 9);
          expect(r.initialMargin).toBeGreaterThanOrEqual(0);
          expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
        });
      }),
      { numRuns: 30 },
    );
  });
});
