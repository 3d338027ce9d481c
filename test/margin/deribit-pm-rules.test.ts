import { describe, expect, it } from 'vitest';
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import { yearFraction } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import { black76Greeks, black76Price } from '../../src/pricing/black76.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import { positionsValue } from '../../src/risk/equity.ts';
import { instrumentState } from '../../src/risk/pnl-matrix.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import {
  DERIBIT_PM_UNVERIFIED,
  deribitPmModel,
  type DeribitPmDetails,
  type DeribitPmParams,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { deltaShockH1 } from '../../src/margin/deribit-pm/shocks.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import {
  AS_OF,
  expiryIn,
  future,
  option,
  syntheticSnapshot,
  syntheticUnderlying,
} from './synthetic-market.ts';

const D = deribitPmModel.defaultParams;
const U = DERIBIT_PM_UNVERIFIED;
const perp = parseSymbol('BTC-PERPETUAL', 'deribit');
const btcPair = D.model_params.currency_pair.btc_usd!;
const btcCcy = D.model_params.currency.btc!;
const MOVES = [-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16];
const EXT = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5];

function withRules(
  rules: Partial<DeribitPmParams['rules']>,
  p: DeribitPmParams = D,
): DeribitPmParams {
  return { ...p, rules: { ...p.rules, ...rules } };
}
function withBtc(
  ccy: Partial<typeof btcCcy>,
  pair: Partial<typeof btcPair> = {},
  p: DeribitPmParams = D,
): DeribitPmParams {
  return {
    ...p,
    model_params: {
      ...p.model_params,
      currency: { ...p.model_params.currency, btc: { ...btcCcy, ...ccy } },
      currency_pair: { ...p.model_params.currency_pair, btc_usd: { ...btcPair, ...pair } },
    },
  };
}
/**
 * One reading: every hypothesis rule pinned at the reading `params` sets (these tests check
 * each rule's formula; the default, the highest over the readings, is
 * test/margin/hypotheses-property.test.ts).
 */
function run(
  positions: Position[],
  snap: MarketSnapshot,
  params: DeribitPmParams = D,
): { r: MarginResult; d: DeribitPmDetails } {
  const [r] = deribitPmModel.evaluate(portfolio(positions), snap, pinnedDeribitParams(params));
  return { r: r!, d: r!.details as DeribitPmDetails };
}
const vec = (d: DeribitPmDetails, symbol: string) => d.simulate.initial_risk_vectors[symbol]!;
const rmd = (d: DeribitPmDetails) =>
  Object.values(d.simulate.margins)[0]!.initial_margin_details.risk_matrix_margin_details;

/** k(DTE) = (30/DTE)^p. */
const kOf = (dte: number) => Math.pow(30 / Math.max(dte, 1), dte < 30 ? 0.3 : 0.13);

describe('Deribit PM options: vol shocks in the right cells (OPT-A, OPT-B)', () => {
  const dte = 7;
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', 65_000, 0.6, [dte]));
  const call = option('BTC', dte, 70_000, 'C');
  const T = yearFraction(AS_OF, expiryIn(dte));
  const F = 65_000;
  const V = (f: number, s: number) => black76Price('call', f, 70_000, T, s);
  const k = kOf(dte);
  const vols = { up: Math.max(0.6 * (1 + 0.5 * k), 0.5), same: 0.6, down: 0.6 * (1 - 0.25 * k) };

  it('standard cells: [up, same, down] per bucket, coin-value change V1/F1 − V0/F0 (× size 2)', () => {
    const { d, r } = run([{ instrument: call, size: 2 }], snap);
    const v = vec(d, call.symbol);
    MOVES.forEach((m, b) => {
      (['up', 'same', 'down'] as const).forEach((cell, c) => {
        const F1 = F * (1 + m);
        expect(v.standard[3 * b + c]!).toBeCloseTo(
          2 * (V(F1, vols[cell]) / F1 - V(F, 0.6) / F),
          13,
        );
      });
    });
    expect(r.unverified).toEqual(
      expect.arrayContaining([U.optionRepricing, U.volShock, U.volCellOrder, U.rollShockOptions]),
    );
    expect(r.unverified).not.toContain(U.minVolFloor);
  });

  it('extended cells: vol up, × r/|m| × (1+m)/(1+sign(m)·r) for a coin-settled option', () => {
    const { d } = run([{ instrument: call, size: 2 }], snap);
    const v = vec(d, call.symbol);
    EXT.forEach((m, j) => {
      const F1 = F * (1 + m);
      const pnl = 2 * (V(F1, vols.up) / F1 - V(F, 0.6) / F);
      expect(v.extended[j]!).toBeCloseTo(
        (pnl * (0.16 / Math.abs(m)) * (1 + m)) / (1 + Math.sign(m) * 0.16),
        13,
      );
    });
    // Switch: no conversion for options.
    const { d: d2 } = run(
      [{ instrument: call, size: 2 }],
      snap,
      withRules({ extendedCoinConversion: 'none' }),
    );
    EXT.forEach((m, j) => {
      const F1 = F * (1 + m);
      expect(vec(d2, call.symbol).extended[j]!).toBeCloseTo(
        2 * (V(F1, vols.up) / F1 - V(F, 0.6) / F) * (0.16 / Math.abs(m)),
        13,
      );
    });
  });

  it('OPT-B switch: (V1 − V0)/F1', () => {
    const { d } = run(
      [{ instrument: call, size: 1 }],
      snap,
      withRules({ inverseOptionPnl: 'usd-at-shocked' }),
    );
    const v = vec(d, call.symbol);
    MOVES.forEach((m, b) => {
      const F1 = F * (1 + m);
      expect(v.standard[3 * b + 1]!).toBeCloseTo((V(F1, 0.6) - V(F, 0.6)) / F1, 13);
    });
  });

  it('USDC-settled option: USD P&L, extended × r/|m| only, pool USDC with the usd block', () => {
    const lin = option('BTC', dte, 70_000, 'C', true);
    const { r, d } = run([{ instrument: lin, size: 1 }], snap);
    expect(r.currency).toBe('USDC');
    expect(Object.keys(d.simulate.aggregated_risk_vectors)).toEqual(['btc_usdc']);
    const v = vec(d, lin.symbol);
    expect(v.standard[0]!).toBeCloseTo(V(F * 0.84, vols.up) - V(F, 0.6), 9);
    expect(v.extended[7]!).toBeCloseTo((V(F * 6, vols.up) - V(F, 0.6)) * (0.16 / 5), 9);
    expect(r.unverified).toContain(U.linearDeltaOne);
  });

  it('min_volatility_for_shock_up: floor on the shocked IV (default) or on the base IV (switch)', () => {
    const low = syntheticSnapshot(syntheticUnderlying('BTC', 65_000, 0.3, [30]));
    const c30 = option('BTC', 30, 70_000, 'C');
    const T30 = yearFraction(AS_OF, expiryIn(30));
    const V30 = (f: number, s: number) => black76Price('call', f, 70_000, T30, s);
    const { r, d } = run([{ instrument: c30, size: 1 }], low);
    expect(vec(d, c30.symbol).standard[12]!).toBeCloseTo(V30(F, 0.5) / F - V30(F, 0.3) / F, 14); // max(0.45, 0.5)
    expect(r.unverified).toContain(U.minVolFloor);
    const { d: d2 } = run(
      [{ instrument: c30, size: 1 }],
      low,
      withRules({ minVolForShockUp: 'floor-base' }),
    );
    expect(vec(d2, c30.symbol).standard[12]!).toBeCloseTo(
      V30(F, 0.3 + 0.5 * 0.5) / F - V30(F, 0.3) / F,
      14,
    );
  });
});

describe('Deribit PM aggregation: extended dampener, gain offset and cap', () => {
  const S0 = 65_000;
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', S0, 0.6, [30]));
  const allowance = (m: number) =>
    ((Math.abs(m) / 0.16 - 1) * 100_000) / ((1 + Math.sign(m) * 0.16) * S0);

  it('dampener on losses: min(0, x + allowance) (short 1,000 BTC perp)', () => {
    const { d } = run([{ instrument: perp, size: -1000 }], snap);
    const pre = d.simulate.pre_aggregated_risk_vectors.btc_btc!.extended;
    const agg = d.simulate.aggregated_risk_vectors.btc_btc!.extended;
    EXT.forEach((m, j) => {
      if (m > 0) expect(agg[j]!).toBeCloseTo(Math.min(0, pre[j]! + allowance(m)), 12);
      else expect(agg[j]).toBe(0); // gains × pnl_offset 0
    });
    expect(d.keys[0]!.cells[27]!.allowance).toBeCloseTo(allowance(-0.66), 12);
  });

  it('dampener on gains: sign-aware max(0, x − allowance) × pnl_offset, or never credited (switch)', () => {
    const p = withBtc({ pnl_offset: 0.5, max_offsetable_pnl: 1e12 });
    const { d, r } = run([{ instrument: perp, size: 1000 }], snap, p);
    const pre = d.simulate.pre_aggregated_risk_vectors.btc_btc!.extended;
    const agg = d.simulate.aggregated_risk_vectors.btc_btc!.extended;
    EXT.forEach((m, j) => {
      if (m > 0) expect(agg[j]!).toBeCloseTo(0.5 * Math.max(0, pre[j]! - allowance(m)), 12);
      else expect(agg[j]!).toBeCloseTo(Math.min(0, pre[j]! + allowance(m)), 12);
    });
    expect(agg[2]!).toBeGreaterThan(0);
    expect(r.unverified).toContain(U.dampenerGains);
    const { d: d2 } = run(
      [{ instrument: perp, size: 1000 }],
      snap,
      withRules({ dampenerGains: 'none' }, p),
    );
    EXT.forEach((m, j) => {
      if (m > 0) expect(d2.simulate.aggregated_risk_vectors.btc_btc!.extended[j]).toBe(0);
    });
  });

  it('gain offset: gains × pnl_offset; cap max_offsetable_pnl (USD → coin at S0) before the offset by default', () => {
    const p = withBtc({ pnl_offset: 0.6, max_offsetable_pnl: 1_000_000 });
    const cap = 1_000_000 / S0;
    const book = [{ instrument: perp, size: 1000 }];
    const gainAt = (m: number) => 1000 * (m / (1 + m));
    const at = (params: DeribitPmParams) =>
      run(book, snap, params).d.simulate.aggregated_risk_vectors.btc_btc!.standard;
    const before = at(p);
    expect(before[24]!).toBeCloseTo(0.6 * Math.min(gainAt(0.16), cap), 12);
    expect(before[15]!).toBeCloseTo(0.6 * Math.min(gainAt(0.04), cap), 12);
    expect(before[0]!).toBe(gainAt(-0.16) + 0); // losses unchanged
    const after = at(withRules({ gainCapOrder: 'after-offset' }, p));
    expect(after[24]!).toBeCloseTo(Math.min(0.6 * gainAt(0.16), cap), 12);
    const coinCap = at(withRules({ gainCapUnit: 'settlement' }, p));
    expect(coinCap[24]!).toBeCloseTo(0.6 * gainAt(0.16), 12);
    expect(run(book, snap, p).r.unverified).toContain(U.gainCap);
    // A cap that never binds is not listed.
    expect(
      run(book, snap, withBtc({ pnl_offset: 0.6, max_offsetable_pnl: 1e15 })).r.unverified,
    ).not.toContain(U.gainCap);
  });

  it('an extended worst case: large short far-OTM put book (loss beyond the allowance)', () => {
    const put = option('BTC', 30, 30_000, 'P');
    const { r, d } = run([{ instrument: put, size: -10_000 }], snap);
    const det = rmd(d);
    expect(det.worst_case_bucket.source).toBe('extended');
    expect(det.worst_case_bucket.index).toBe(0);
    expect(det.worst_case).toBeCloseTo(
      -d.simulate.aggregated_risk_vectors.btc_btc!.extended[0]!,
      12,
    );
    expect(r.worstScenario?.id).toBe('ext-0');
    expect(r.unverified).toEqual(
      expect.arrayContaining([U.dampener, U.extendedWeighting, U.worstCaseBucket]),
    );
  });
});

describe('Deribit PM add-ons: roll shock and delta shock', () => {
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', 65_000, 0.6, [30, 365]));
  const T30 = yearFraction(AS_OF, expiryIn(30));
  const coinDelta = (K: number) => {
    const g = black76Greeks('call', 65_000, K, T30, 0.6);
    return g.delta - g.price / 65_000;
  };

  it('options: per-expiry netted |Σ delta| by default, Σ|delta| per instrument by switch', () => {
    const c1 = option('BTC', 30, 65_000, 'C');
    const c2 = option('BTC', 30, 80_000, 'C');
    const book = [
      { instrument: c1, size: 10 },
      { instrument: c2, size: -10 },
    ];
    const d1 = 10 * coinDelta(65_000);
    const d2 = -10 * coinDelta(80_000);
    const { d, r } = run(book, snap);
    expect(rmd(d).roll_shock).toBeCloseTo(Math.abs(d1 + d2) * 0.01, 12);
    expect(r.unverified).toContain(U.rollShockOptions);
    const { d: dd } = run(book, snap, withRules({ rollShockOptions: 'per-instrument' }));
    expect(rmd(dd).roll_shock).toBeCloseTo((Math.abs(d1) + Math.abs(d2)) * 0.01, 12);
    // BS-delta convention (no mark subtracted).
    const { d: db } = run(
      [{ instrument: c1, size: 10 }],
      snap,
      withRules({ rollShockOptionDelta: 'bs' }),
    );
    expect(rmd(db).roll_shock).toBeCloseTo(
      10 * black76Greeks('call', 65_000, 65_000, T30, 0.6).delta * 0.01,
      12,
    );
  });

  it('futures: per-instrument |size| × max(min, f(rate·T)); above the floor exp (default) or linear, flagged', () => {
    const f365 = future('BTC', 365);
    const { d, r } = run(
      [
        { instrument: f365, size: 2 },
        { instrument: perp, size: -2 },
      ],
      snap,
    );
    const T = yearFraction(AS_OF, expiryIn(365));
    expect(rmd(d).roll_shock).toBeCloseTo(2 * Math.expm1(0.075 * T) + 2 * 0.01, 14);
    expect(r.unverified).toContain(U.rollShockTime);
    const { d: dl } = run(
      [
        { instrument: f365, size: 2 },
        { instrument: perp, size: -2 },
      ],
      snap,
      withRules({ rollShockTime: 'linear' }),
    );
    expect(rmd(dl).roll_shock).toBeCloseTo(2 * 0.075 * T + 2 * 0.01, 14);
  });

  it('delta shock H1: 1,000 BTC at 65,000 USD → excess 692.3 BTC, 3.46 %, 34.6 BTC (notes §11)', () => {
    const h = deltaShockH1(1000, 65_000, btcPair);
    expect(h.excess).toBeCloseTo(692.3, 1);
    expect(h.fraction).toBeCloseTo(0.0346, 4);
    expect(h.amountCoin).toBeCloseTo(34.6, 1);
    expect(h.amountCoin).toBeCloseTo(1000 * 0.00005 * (1000 - 20_000_000 / 65_000), 12);
    // Below the threshold: 0; capped at max_delta_shock.
    expect(deltaShockH1(300, 65_000, btcPair).amountCoin).toBe(0);
    expect(deltaShockH1(-5000, 65_000, btcPair).fraction).toBe(0.1);
  });

  it('delta shock in the model: H1 by default and listed unverified; H2 and off switchable', () => {
    const book = [{ instrument: perp, size: 1000 }];
    const { r, d } = run(book, snap);
    expect(rmd(d).delta_shock).toBeCloseTo(deltaShockH1(1000, 65_000, btcPair).amountCoin, 12);
    expect(r.unverified).toContain(U.deltaShock);
    const { r: roff, d: doff } = run(book, snap, withRules({ deltaShock: 'off' }));
    expect(rmd(doff).delta_shock).toBe(0);
    expect(roff.unverified).not.toContain(U.deltaShock);
    expect(r.initialMargin - roff.initialMargin).toBeCloseTo(rmd(d).delta_shock, 8);
    const { d: dh2 } = run(book, snap, withRules({ deltaShock: 'H2' }));
    const h2 =
      Math.min(Math.max(1000 * 65_000 - 20_000_000, 0) * 1000 * 0.01, 0.1 * 65_000 * 1000) / 65_000;
    expect(rmd(dh2).delta_shock).toBeCloseTo(h2, 9);
    // H2 is 0 for a short book (the replica's sign behaviour).
    expect(
      rmd(run([{ instrument: perp, size: -1000 }], snap, withRules({ deltaShock: 'H2' })).d)
        .delta_shock,
    ).toBe(0);
  });
});

describe('Deribit PM pools and errors', () => {
  const snap = syntheticSnapshot(
    syntheticUnderlying('BTC', 65_000, 0.6, [30]),
    syntheticUnderlying('ETH', 2_000, 0.7, [30]),
    syntheticUnderlying('SOL', 150, 0.8, [30]),
  );
  const btcLin = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
  const ethLin = parseSymbol('ETH_USDC-PERPETUAL', 'deribit');
  const ethInv = parseSymbol('ETH-PERPETUAL', 'deribit');

  it('one result per settlement currency; linear delta-one X·F0·m; USD roll shock at index', () => {
    const res = deribitPmModel.evaluate(
      portfolio([
        { instrument: perp, size: 1 },
        { instrument: ethInv, size: -3 },
        { instrument: btcLin, size: 2 },
      ]),
      snap,
      D,
    );
    expect(res.map((r) => r.currency)).toEqual(['BTC', 'ETH', 'USDC']);
    const usdc = res[2]!.details as DeribitPmDetails;
    expect(usdc.simulate.initial_risk_vectors[btcLin.symbol]!.standard[0]).toBeCloseTo(
      2 * 65_000 * -0.16,
      9,
    );
    expect(rmd(usdc).roll_shock).toBeCloseTo(2 * 65_000 * 0.01, 9);
    expect(rmd(usdc).worst_case).toBeCloseTo(2 * 65_000 * 0.16, 9);
    expect(res[2]!.unverified).toEqual(expect.arrayContaining([U.linearDeltaOne, U.rollShockUsd]));
  });

  it('several pairs in one pool: sum of per-key worst cases (default) ≥ joint', () => {
    const book = portfolio([
      { instrument: btcLin, size: 1 },
      { instrument: ethLin, size: -20 },
    ]);
    const [sum] = deribitPmModel.evaluate(book, snap, D);
    const [joint] = deribitPmModel.evaluate(
      book,
      snap,
      withRules({ multiPairAggregation: 'joint' }),
    );
    const ds = sum!.details as DeribitPmDetails;
    expect(Object.keys(ds.simulate.aggregated_risk_vectors)).toEqual(['btc_usdc', 'eth_usdc']);
    expect(rmd(ds).worst_case).toBeCloseTo(ds.keys[0]!.worstCase + ds.keys[1]!.worstCase, 9);
    expect(rmd(joint!.details as DeribitPmDetails).worst_case).toBeLessThanOrEqual(
      rmd(ds).worst_case,
    );
    expect(sum!.unverified).toContain(U.multiPair);
  });

  it('typed errors: no parameters for a pair, an option without a vol surface', () => {
    const sol = parseSymbol('SOL_USDC-PERPETUAL', 'deribit');
    let err: unknown;
    try {
      deribitPmModel.evaluate(portfolio([{ instrument: sol, size: 1 }]), snap, D);
    } catch (e) {
      err = e;
    }
    expect(isBallastError(err, 'INVALID_INPUT')).toBe(true);
    const noVol: MarketSnapshot = {
      asOfMs: AS_OF,
      underlyings: { BTC: { ...snap.underlyings.BTC!, surface: [] } },
    };
    err = undefined;
    try {
      deribitPmModel.evaluate(
        portfolio([{ instrument: option('BTC', 30, 70_000, 'C'), size: -1 }]),
        noVol,
        D,
      );
    } catch (e) {
      err = e;
    }
    expect(isBallastError(err, 'MISSING_VOL')).toBe(true);
    err = undefined;
    try {
      deribitPmModel.evaluate(
        portfolio([{ instrument: perp, size: 1 }]),
        snap,
        withRules({ deltaShock: 'H3' as 'H1' }),
      );
    } catch (e) {
      err = e;
    }
    expect(isBallastError(err, 'INVALID_INPUT')).toBe(true);
  });

  it('equity: pool balance + marked positions; utilization = IM / equity', () => {
    const [r] = deribitPmModel.evaluate(
      portfolio(
        [{ instrument: perp, size: 1, entryPrice: 60_000 }],
        [{ currency: 'BTC', amount: 1.5 }],
      ),
      snap,
      D,
    );
    const pos = { instrument: perp, size: 1, entryPrice: 60_000 };
    expect(r!.equity).toBeCloseTo(
      1.5 + positionsValue([pos], [instrumentState(perp, snap)]).value,
      14,
    );
    expect(r!.utilization).toBeCloseTo(r!.initialMargin / r!.equity, 14);
  });
});

describe('Deribit PM properties', () => {
  const snap = syntheticSnapshot(syntheticUnderlying('BTC', 65_000, 0.6, [7, 30, 90]));
  const menu: Instrument[] = [
    perp,
    future('BTC', 30),
    option('BTC', 7, 60_000, 'P'),
    option('BTC', 30, 70_000, 'C'),
    option('BTC', 90, 50_000, 'P'),
    option('BTC', 30, 65_000, 'C', true),
  ];
  const bookArb = fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: menu.length - 1 }),
      fc.double({ min: -50, max: 50, noNaN: true }),
    ),
    { minLength: 1, maxLength: 6 },
  );
  const toPositions = (b: [number, number][]) =>
    b.map(([i, q]) => ({ instrument: menu[i]!, size: q }));

  it('requirements are finite and ≥ 0; the order of positions changes nothing (bit for bit)', () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const pos = toPositions(b);
        const a = deribitPmModel.evaluate(portfolio(pos), snap, D);
        const z = deribitPmModel.evaluate(portfolio([...pos].reverse()), snap, D);
        for (const [r, s] of a.map((r, i) => [r, z[i]!] as const)) {
          expect(Number.isFinite(r.initialMargin) && r.initialMargin >= 0).toBe(true);
          expect(Number.isFinite(r.maintenanceMargin) && r.maintenanceMargin >= 0).toBe(true);
          expect(s.initialMargin).toBe(r.initialMargin);
          expect(s.maintenanceMargin).toBe(r.maintenanceMargin);
          expect(s.inputsHash).toBe(r.inputsHash);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('scaling the book by k scales the scenario part by k (no dampener, no gain credit, no delta shock)', () => {
    const p = withRules(
      { deltaShock: 'off' },
      withBtc({ extended_dampener: 0, pnl_offset: 0 }, {}, withBtc({})),
    );
    const pUsd: DeribitPmParams = {
      ...p,
      model_params: {
        ...p.model_params,
        currency: {
          ...p.model_params.currency,
          usd: { ...p.model_params.currency.usd!, extended_dampener: 0, pnl_offset: 0 },
        },
      },
    };
    fc.assert(
      fc.property(bookArb, fc.double({ min: 0.1, max: 10, noNaN: true }), (b, k) => {
        const pos = toPositions(b);
        const one = deribitPmModel.evaluate(portfolio(pos), snap, pUsd);
        const many = deribitPmModel.evaluate(
          portfolio(pos.map((x) => ({ ...x, size: k * x.size }))),
          snap,
          pUsd,
        );
        one.forEach((r, i) => {
          const w1 = (r.details as DeribitPmDetails).worstCaseUnrounded;
          const wk = (many[i]!.details as DeribitPmDetails).worstCaseUnrounded;
          expect(Math.abs(wk - k * w1)).toBeLessThanOrEqual(1e-9 * Math.max(1, k * w1));
        });
      }),
      { numRuns: 40 },
    );
  });
});
