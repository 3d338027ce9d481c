import { describe, expect, it } from 'vitest';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { deribitStandardModel } from '../../src/margin/deribit-standard/deribit-standard.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import {
  firstPrincipalDirection,
  liquidationDistances,
  portfolioAfterMove,
} from '../../src/account/liquidation.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { scaleSnapshot } from '../../src/risk/scaled-snapshot.ts';
import { syntheticSnapshot, syntheticUnderlying } from '../margin/synthetic-market.ts';
import { realSnapshot } from '../helpers/real-market.ts';

// Deribit standard margin, futures rate rows (deribit-standard.md §2.1): MM = (b + p·|size|)·|size|,
// b = 1 %, p = 0.005 % per coin; inverse in coin at the mark, linear in USDC at the index.
const b = 0.01;
const p = 5e-5;
const I0 = 60000;
const basis = 30;
const F0 = I0 + basis;
const u = { ...syntheticUnderlying('BTC', I0, 0.5, [30, 60]), perpBasis: basis };
const snap = syntheticSnapshot(u);
const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);
const sd = deribitStandardModel;

describe('liquidation by root finding = closed form to 1e-14 relative (deribit-standard, flat-plus-size MM rate)', () => {
  // Inverse perp of USD face N = X·F0 (X coin-equivalent at the mark), entry E, collateral C coin.
  // At perp mark F: equity = C + N(1/E − 1/F) coin, MM = (b + p·N/F)·N/F coin (size in coin = N/F).
  // With y = N/F, equity = MM is the quadratic p·y² + (1 + b)·y − (C + N/E) = 0 (long) or
  // p·y² − (1 − b)·y + (N/E − C) = 0 (short), solved by hand below.
  const E = 58000;
  const C = 0.3;
  it('long inverse BTC-PERPETUAL: liquidation below, none above', () => {
    const X = 2;
    const N = X * F0;
    const c = C + N / E;
    const y = (2 * c) / (1 + b + Math.sqrt((1 + b) ** 2 + 4 * p * c));
    const Fliq = N / y;
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: X, entryPrice: E }],
      [{ currency: 'BTC', amount: C }],
    );
    const r = liquidationDistances(book, snap, {
      model: sd,
      params: sd.defaultParams,
      joint: false,
    });
    const btc = r.pools[0]!.underlyings[0]!;
    const mRoot = btc.down.multiplier!;
    // The perp mark moves with the multiplier: mark at liquidation = F0·m.
    expect(rel(F0 * mRoot, Fliq)).toBeLessThan(1e-14);
    expect(rel(btc.down.price!, I0 * (Fliq / F0))).toBeLessThan(1e-14);
    expect(btc.up.multiplier).toBeUndefined();
    expect(btc.down.distancePct).toBeCloseTo(Fliq / F0 - 1, 10);
    console.log(
      `inverse long: root mark ${(F0 * mRoot).toFixed(6)} vs closed form ${Fliq.toFixed(6)} (rel ${rel(F0 * mRoot, Fliq).toExponential(2)})`,
    );
  });

  it('short inverse BTC-PERPETUAL: liquidation above (smaller root of the quadratic)', () => {
    const X = -2;
    const N = -X * F0;
    const c = N / E - C;
    const y = (2 * c) / (1 - b + Math.sqrt((1 - b) ** 2 - 4 * p * c));
    const Fliq = N / y;
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: X, entryPrice: E }],
      [{ currency: 'BTC', amount: C }],
    );
    const r = liquidationDistances(book, snap, {
      model: sd,
      params: sd.defaultParams,
      joint: false,
    });
    const btc = r.pools[0]!.underlyings[0]!;
    expect(rel(F0 * btc.up.multiplier!, Fliq)).toBeLessThan(1e-14);
    // The other root, y₂ ≈ (1 − b)/p, sits at a mark of a few USD: outside the search (to 1 % of the price).
    expect(btc.down.multiplier).toBeUndefined();
    console.log(
      `inverse short: root mark ${(F0 * btc.up.multiplier!).toFixed(6)} vs closed form ${Fliq.toFixed(6)}`,
    );
  });

  it('linear BTC_USDC-PERPETUAL long and short: equity C + X(m·F0 − E) = (b + p|X|)|X|·m·I0', () => {
    const E = 60000;
    const C = 10000;
    for (const X of [2, -2]) {
      const r0 = (b + p * Math.abs(X)) * Math.abs(X);
      const m = (X * E - C) / (X * F0 - r0 * I0);
      const book = portfolio(
        [{ instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: X, entryPrice: E }],
        [{ currency: 'USDC', amount: C }],
      );
      const rep = liquidationDistances(book, snap, {
        model: sd,
        params: sd.defaultParams,
        joint: false,
      });
      expect(rep.pools[0]!.currency).toBe('USDC');
      const btc = rep.pools[0]!.underlyings[0]!;
      const side = X > 0 ? btc.down : btc.up;
      expect(rel(side.multiplier!, m)).toBeLessThan(1e-14);
      expect((X > 0 ? btc.up : btc.down).multiplier).toBeUndefined();
      // Distance in σ: ln m over the daily ATM vol (the synthetic surface is flat at 50 %).
      expect(side.distanceSigma!).toBeCloseTo(Math.log(m) / (0.5 * Math.sqrt(1 / 365)), 6);
    }
  });

  it('coin sizes instead of USD face: the inverse closed form with a constant coin size', () => {
    // size X coins at every mark: equity = C + X(F/E − 1), MM = (b + p|X|)|X| → F = E(1 − C + r)/… solved linearly.
    const X = 2;
    const r0 = (b + p * X) * X;
    const Fliq = (E * (r0 - C + X)) / X;
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: X, entryPrice: E }],
      [{ currency: 'BTC', amount: C }],
    );
    const r = liquidationDistances(book, snap, {
      model: sd,
      params: sd.defaultParams,
      joint: false,
      inverseSize: 'coin',
    });
    expect(rel(F0 * r.pools[0]!.underlyings[0]!.down.multiplier!, Fliq)).toBeLessThan(1e-14);
  });

  it('an account already below MM is at distance 0', () => {
    const book = portfolio(
      [{ instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: 2, entryPrice: 90000 }],
      [{ currency: 'BTC', amount: 0.01 }],
    );
    const r = liquidationDistances(book, snap, { model: sd, params: sd.defaultParams });
    expect(r.pools[0]!.alreadyLiquidatable).toBe(true);
    expect(r.pools[0]!.underlyings[0]!.down.distancePct).toBe(0);
  });
});

describe('liquidation of an options book on the real Deribit snapshot (deribit-pm)', () => {
  const real = realSnapshot();
  const book = portfolio(
    [
      { instrument: parseSymbol('BTC-28AUG26-55000-P', 'deribit'), size: -10 },
      { instrument: parseSymbol('BTC-28AUG26-72000-C', 'deribit'), size: -10 },
    ],
    [{ currency: 'BTC', amount: 4 }],
  );
  const r = liquidationDistances(book, real, {
    model: deribitPmModel,
    params: deribitPmModel.defaultParams,
  });
  const pool = r.pools[0]!;
  const btc = pool.underlyings[0]!;

  it('finds a liquidation price on both sides of a short strangle', () => {
    expect(btc.up.multiplier!).toBeGreaterThan(1);
    expect(btc.down.multiplier!).toBeLessThan(1);
    expect(btc.up.distanceSigma!).toBeGreaterThan(0);
    expect(btc.down.distanceSigma!).toBeLessThan(0);
    console.log(
      `short strangle (deribit-pm): up ${(100 * btc.up.distancePct!).toFixed(3)} % (${btc.up.distanceSigma!.toFixed(2)} σ), down ${(100 * btc.down.distancePct!).toFixed(3)} % (${btc.down.distanceSigma!.toFixed(2)} σ), ${r.evaluations} evaluations`,
    );
  });

  it('equity equals MM at the reported prices, re-margined independently', () => {
    for (const side of [btc.up, btc.down]) {
      const m = side.multiplier!;
      const res = deribitPmModel.evaluate(
        portfolioAfterMove(book, { BTC: m }, 'usd-notional'),
        scaleSnapshot(real, { BTC: m }),
        deribitPmModel.defaultParams,
      )[0]!;
      expect(Math.abs(res.equity - res.maintenanceMargin)).toBeLessThan(
        1e-9 * Math.max(1, res.maintenanceMargin),
      );
      expect(res.equity).toBeCloseTo(side.equity!, 12);
    }
  });

  it('the joint move of a single underlying is the same move in σ units', () => {
    const j = pool.joint!;
    expect(j.explainedVariance).toBe(1);
    expect(rel(1 + j.up.moves!.BTC!, btc.up.multiplier!)).toBeLessThan(1e-9);
    expect(rel(1 + j.down.moves!.BTC!, btc.down.multiplier!)).toBeLessThan(1e-9);
  });
});

describe('joint direction: first principal component of the covariance', () => {
  it('equal vols and correlation ρ: d ∝ (1, 1), λ₁ = σ²(1 + ρ)', () => {
    const s2 = 0.04;
    const rho = 0.8;
    const { direction, explained } = firstPrincipalDirection([
      [s2, rho * s2],
      [rho * s2, s2],
    ]);
    expect(direction[0]).toBeCloseTo(Math.sqrt((s2 * (1 + rho)) / 2), 12);
    expect(direction[1]).toBeCloseTo(direction[0]!, 12);
    expect(explained).toBeCloseTo((1 + rho) / 2, 12);
  });

  it('two underlyings move together to liquidation on a long BTC + long ETH book', () => {
    const two = syntheticSnapshot(u, syntheticUnderlying('ETH', 3000, 0.7, [30, 60]));
    const book = portfolio(
      [
        { instrument: parseSymbol('BTC_USDC-PERPETUAL', 'deribit'), size: 1, entryPrice: F0 },
        { instrument: parseSymbol('ETH_USDC-PERPETUAL', 'deribit'), size: 20, entryPrice: 3000 },
      ],
      [{ currency: 'USDC', amount: 20000 }],
    );
    const params = {
      ...sd.defaultParams,
      futures: [
        ...sd.defaultParams.futures.filter((r) => r.id !== 'eth-usdc-linear'),
        {
          id: 'eth-usdc-linear',
          underlying: 'ETH',
          settlement: 'linear' as const,
          kinds: ['future' as const, 'perpetual' as const],
          im: { base: 0.02, perCoin: 0 },
          mm: { base: 0.01, perCoin: 0 },
        },
      ],
    };
    const r = liquidationDistances(book, two, { model: sd, params });
    const j = r.pools[0]!.joint!;
    // Both long: the joint liquidation is a fall of the common factor; ETH (higher vol) falls more.
    expect(j.down.sigmas!).toBeLessThan(0);
    expect(j.up.sigmas).toBeUndefined();
    const mB = 1 + j.down.moves!.BTC!;
    const mE = 1 + j.down.moves!.ETH!;
    expect(Math.log(mE) / Math.log(mB)).toBeCloseTo(j.direction.ETH! / j.direction.BTC!, 10);
    expect(mE).toBeLessThan(mB);
    const res = sd.evaluate(book, scaleSnapshot(two, { BTC: mB, ETH: mE }), params)[0]!;
    expect(Math.abs(res.equity - res.maintenanceMargin)).toBeLessThan(1e-7);
    // Closed form along the ray: C + Σ X_j(m_j·F_j − E_j) = Σ r_j|X_j|·m_j·I_j.
    const eq = 20000 + 1 * (mB * F0 - F0) + 20 * (mE * 3000 - 3000);
    const mm = (b + p) * 1 * mB * I0 + 0.01 * 20 * mE * 3000;
    expect(Math.abs(eq - mm)).toBeLessThan(1e-7);
  });
});
