import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isBallastError } from '../../src/core/errors.ts';
import { normCdf } from '../../src/core/normal.ts';
import {
  checkButterfly,
  checkCalendar,
  repairButterfly,
  repairCalendar,
} from '../../src/market/arbitrage.ts';
import { fitSviSlice, type SviFit, type SviQuote } from '../../src/market/svi-fit.ts';
import { type SviParams, sviTotalVariance, sviValidate } from '../../src/market/svi.ts';
import { impliedVolAt, makeVolSurface } from '../../src/market/vol-surface.ts';

const volAt = (p: SviParams, k: number, T: number) => Math.sqrt(sviTotalVariance(p, k) / T);

/** Deterministic pseudo-noise in [−1, 1] (no Math.random in tests either). */
const noise = (i: number) => {
  const x = Math.sin(12.9898 * (i + 1)) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
};

describe('fitSviSlice: round trip on synthetic quotes', () => {
  const truth: SviParams = { a: 0.02, b: 0.12, rho: -0.35, m: 0.03, sigma: 0.15 };
  const T = 0.5;
  const ks = Array.from({ length: 31 }, (_, i) => -0.75 + 0.05 * i);

  it('recovers the vol curve without noise (RMSE ≤ 0.05 vol points, curve within 0.05 on the quoted range)', () => {
    const quotes: SviQuote[] = ks.map((k) => ({ k, vol: volAt(truth, k, T) }));
    const fit = fitSviSlice(quotes, T);
    expect(fit.rmseVolPoints).toBeLessThanOrEqual(0.05);
    expect(fit.maxAbsErrorVolPoints).toBeLessThanOrEqual(0.05);
    expect(fit.n).toBe(31);
    expect(fit.dropped).toEqual([]);
    for (let k = -0.75; k <= 0.75; k += 0.01) {
      expect(Math.abs(volAt(fit.params, k, T) - volAt(truth, k, T))).toBeLessThanOrEqual(0.0005);
    }
    expect(fit.butterfly.arbitrageFree).toBe(true);
    expect(fit.repaired).toBe(false);
    // deterministic
    expect(fitSviSlice(quotes, T)).toEqual(fit);
  });

  it('with ±0.3 vol-point noise and three wild quotes: drops exactly the outliers, curve within 0.3 vol points', () => {
    const wild = new Map([
      [4, +0.15],
      [15, -0.1],
      [27, +0.25],
    ]);
    const quotes: SviQuote[] = ks.map((k, i) => ({
      k,
      vol: volAt(truth, k, T) + 0.003 * noise(i) + (wild.get(i) ?? 0),
    }));
    const fit = fitSviSlice(quotes, T);
    expect(fit.dropped.map((d) => d.index)).toEqual([4, 15, 27]);
    for (const d of fit.dropped) {
      expect(d.reason).toBe('outlier');
      expect(Math.abs(d.residualVolPoints!)).toBeGreaterThan(5);
    }
    expect(fit.used).toHaveLength(28);
    expect(fit.rmseVolPoints).toBeLessThanOrEqual(0.3);
    for (let k = -0.75; k <= 0.75; k += 0.01) {
      expect(Math.abs(volAt(fit.params, k, T) - volAt(truth, k, T))).toBeLessThanOrEqual(0.003);
    }
  });

  it('without dropping (outlierMads: Infinity) the robust loss down-weights the wild quotes', () => {
    const wild = new Map([
      [4, +0.15],
      [15, -0.1],
      [27, +0.25],
    ]);
    const quotes: SviQuote[] = ks.map((k, i) => ({
      k,
      vol: volAt(truth, k, T) + 0.003 * noise(i) + (wild.get(i) ?? 0),
    }));
    const maxErr = (f: SviFit) => {
      let m = 0;
      for (let k = -0.75; k <= 0.75; k += 0.01)
        m = Math.max(m, Math.abs(volAt(f.params, k, T) - volAt(truth, k, T)));
      return m;
    };
    for (const loss of ['huber', 'soft-l1'] as const) {
      const robust = fitSviSlice(quotes, T, { outlierMads: Infinity, loss });
      expect(robust.dropped).toEqual([]);
      for (const i of wild.keys()) expect(robust.robustWeights[i]!, loss).toBeLessThan(0.1);
      expect(maxErr(robust), loss).toBeLessThan(0.003);
    }
    // plain least squares is dragged by them
    const plain = fitSviSlice(quotes, T, { outlierMads: Infinity, loss: 'linear' });
    expect(maxErr(plain)).toBeGreaterThan(0.01);
  });

  it('keeps every constraint: Lee bound, |ρ| ≤ 0.999, σ ≥ floor, minimum variance ≥ 0', () => {
    // Quotes from a slice with right-wing slope b(1 + ρ) = 3 > 2 (violates Lee) and one with
    // negative minimum variance in the data region.
    const steep: SviParams = { a: 0.01, b: 2, rho: 0.5, m: 0, sigma: 0.1 };
    const qs = ks.map((k) => ({ k, vol: volAt(steep, k, 1) }));
    const f1 = fitSviSlice(qs, 1);
    expect(f1.params.b * (1 + Math.abs(f1.params.rho))).toBeLessThanOrEqual(2 + 1e-9);
    const dip = ks.map((k) => ({ k, vol: Math.max(0.01, Math.sqrt(Math.abs(k)) * 0.4) }));
    const f2 = fitSviSlice(dip, 0.1, { sigmaMin: 0.01 });
    expect(sviValidate(f2.params)).toEqual([]);
    expect(Math.abs(f2.params.rho)).toBeLessThanOrEqual(0.999);
    expect(f2.params.sigma).toBeGreaterThanOrEqual(0.01 - 1e-15);
    expect(
      f2.params.a + f2.params.b * f2.params.sigma * Math.sqrt(1 - f2.params.rho ** 2),
    ).toBeGreaterThanOrEqual(0);
  });

  it('drops non-positive vols/weights and crossed quotes with reasons', () => {
    const quotes: SviQuote[] = ks.map((k) => ({ k, vol: volAt(truth, k, T) }));
    quotes[2] = { k: ks[2]!, vol: 0 };
    quotes[5] = { k: ks[5]!, vol: 0.3, weight: 0 };
    quotes[9] = { k: ks[9]!, vol: 0.3, bidVol: 0.31, askVol: 0.29 };
    const fit = fitSviSlice(quotes, T);
    expect(fit.dropped).toEqual([
      { index: 2, reason: 'non-positive vol' },
      { index: 5, reason: 'non-positive weight' },
      { index: 9, reason: 'crossed bid/ask' },
    ]);
    expect(fit.rmseVolPoints).toBeLessThan(0.05);
  });

  it('throws FIT_FAILED naming the field for bad input or fewer than 5 usable quotes', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (isBallastError(e, 'FIT_FAILED')) return e.field;
        throw e;
      }
      return 'no error';
    };
    const q = ks.map((k) => ({ k, vol: 0.3 }));
    expect(field(() => fitSviSlice(q.slice(0, 4), 1))).toBe('quotes');
    expect(field(() => fitSviSlice([...q.slice(0, 4), { k: 0.5, vol: -1 }], 1))).toBe('quotes');
    expect(
      field(() =>
        fitSviSlice(
          q.map((x, i) => (i === 3 ? { ...x, vol: NaN } : x)),
          1,
        ),
      ),
    ).toBe('quotes[3].vol');
    expect(
      field(() =>
        fitSviSlice(
          q.map((x, i) => (i === 1 ? { ...x, k: Infinity } : x)),
          1,
        ),
      ),
    ).toBe('quotes[1].k');
    expect(
      field(() =>
        fitSviSlice(
          q.map((x, i) => (i === 2 ? { ...x, bidVol: NaN } : x)),
          1,
        ),
      ),
    ).toBe('quotes[2].bidVol');
    expect(field(() => fitSviSlice(q, NaN))).toBe('T');
    expect(field(() => fitSviSlice(q, 0))).toBe('T');
  });
});

describe('fitSviSlice with enforceButterfly: the butterfly-constrained fit', () => {
  // Vogt's slice (Gatheral & Jacquier 2014, §3.2, T = 1): g < 0 on k ∈ (0.64, 1.26).
  const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
  const quotes: SviQuote[] = Array.from({ length: 31 }, (_, i) => {
    const k = -1 + i * 0.075;
    return { k, vol: volAt(vogt, k, 1) };
  });
  /** RMSE in vol points with the fit's base weights (normalised vega or uniform). */
  const rmse = (p: SviParams, weighting: 'vega' | 'uniform') => {
    let s = 0;
    let sw = 0;
    for (const q of quotes) {
      const d1 = -q.k / q.vol + q.vol / 2;
      const lam = weighting === 'vega' ? Math.exp(-0.5 * d1 * d1) : 1;
      s += lam * (volAt(p, q.k, 1) - q.vol) ** 2;
      sw += lam;
    }
    return 100 * Math.sqrt(s / sw);
  };

  for (const weighting of ['vega', 'uniform'] as const) {
    it(`Vogt quotes (${weighting} weights): arbitrage-free, and at least as close as the repair of the plain fit`, () => {
      const free = fitSviSlice(quotes, 1, { weighting });
      expect(free.rmseVolPoints).toBeLessThan(1e-6); // the plain fit reproduces Vogt's slice
      expect(free.butterfly.arbitrageFree).toBe(false);
      const fit = fitSviSlice(quotes, 1, { weighting, enforceButterfly: true });
      expect(fit.repaired).toBe(true);
      expect(fit.butterfly.arbitrageFree).toBe(true);
      expect(checkButterfly(fit.params).arbitrageFree).toBe(true);
      expect(fit.butterfly.minDensity).toBeGreaterThanOrEqual(0);
      expect(sviValidate(fit.params)).toEqual([]);
      expect(fit.rmseVolPoints).toBeCloseTo(rmse(fit.params, weighting), 10);
      // The quotes carry genuine butterfly arbitrage, so some error is unavoidable; the
      // constrained optimum is no worse than the SSVI-based repair of the plain fit (one of
      // its starts), here slightly better (vega 0.1433 vs 0.1434, uniform 0.5892 vs 0.5896).
      const repaired = repairButterfly(
        free.params,
        quotes.map((q) => ({
          ...q,
          weight: weighting === 'vega' ? Math.exp(-0.5 * (q.vol / 2 - q.k / q.vol) ** 2) : 1,
        })),
        1,
      );
      expect(fit.rmseVolPoints).toBeLessThanOrEqual(rmse(repaired, weighting) + 1e-9);
      expect(fit.rmseVolPoints).toBeLessThan(weighting === 'vega' ? 0.15 : 0.6);
      // deterministic
      expect(fitSviSlice(quotes, 1, { weighting, enforceButterfly: true })).toEqual(fit);
    });
  }

  it('honours the check options and leaves an arbitrage-free fit untouched', () => {
    const opts = { points: 4001, tolerance: 0 };
    const fit = fitSviSlice(quotes, 1, { enforceButterfly: true, butterfly: opts });
    expect(checkButterfly(fit.params, opts).arbitrageFree).toBe(true);
    const clean: SviParams = { a: 0.02, b: 0.12, rho: -0.35, m: 0.03, sigma: 0.15 };
    const qs = quotes.map((q) => ({ k: q.k, vol: volAt(clean, q.k, 0.5) }));
    const free = fitSviSlice(qs, 0.5);
    expect(free.butterfly.arbitrageFree).toBe(true);
    const enforced = fitSviSlice(qs, 0.5, { enforceButterfly: true });
    expect(enforced.repaired).toBe(false);
    expect(enforced).toEqual(free);
  });
});

// ---------------------------------------------------------------------------------------
// Real data: Deribit BTC and ETH chains recorded by quantflow (data/deribit-quantflow).

interface Input {
  security_type: 'spot' | 'forward' | 'option';
  bid: string;
  ask: string;
  maturity?: string;
  strike?: string;
  option_type?: 'call' | 'put';
  iv_bid?: string;
  iv_ask?: string;
}
interface Expiry {
  maturity: string;
  T: number;
  F: number;
  quotes: SviQuote[];
  strikes: number[];
}

function loadChain(asset: 'btc' | 'eth'): Expiry[] {
  const raw = JSON.parse(
    readFileSync(
      new URL(`../../data/deribit-quantflow/volsurface_${asset}.json`, import.meta.url),
      'utf8',
    ),
  ) as { asset_curve: { ref_date: string }; inputs: Input[] };
  const ref = Date.parse(raw.asset_curve.ref_date.replace(/(\.\d{3})\d+/, '$1'));
  const out: Expiry[] = [];
  for (const f of raw.inputs.filter((x) => x.security_type === 'forward')) {
    const F = (Number(f.bid) + Number(f.ask)) / 2;
    const T = (Date.parse(f.maturity!) - ref) / (365 * 86_400_000);
    const quotes: SviQuote[] = [];
    const strikes: number[] = [];
    for (const o of raw.inputs) {
      if (o.security_type !== 'option' || o.maturity !== f.maturity) continue;
      const K = Number(o.strike);
      if (o.option_type !== (K < F ? 'put' : 'call')) continue; // OTM only
      const bid = Number(o.iv_bid);
      const ask = Number(o.iv_ask);
      if (!(bid > 0 && ask > 0)) continue;
      quotes.push({ k: Math.log(K / F), vol: (bid + ask) / 2, bidVol: bid, askVol: ask });
      strikes.push(K);
    }
    out.push({ maturity: f.maturity!, T, F, quotes, strikes });
  }
  return out.sort((x, y) => x.T - y.T);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Discrete butterfly arbitrage in the mid quotes: negative convexity of undiscounted call prices in K. */
function midButterflyViolations(e: Expiry): number[] {
  const call = (k: number, w: number) => {
    const s = Math.sqrt(w);
    const d1 = -k / s + s / 2;
    return normCdf(d1) - Math.exp(k) * normCdf(d1 - s);
  };
  const pts = e.quotes
    .map((q, i) => ({ K: e.strikes[i]!, C: e.F * call(q.k, q.vol * q.vol * e.T) }))
    .sort((a, b) => a.K - b.K);
  const bad: number[] = [];
  for (let i = 1; i + 1 < pts.length; i++) {
    const s1 = (pts[i]!.C - pts[i - 1]!.C) / (pts[i]!.K - pts[i - 1]!.K);
    const s2 = (pts[i + 1]!.C - pts[i]!.C) / (pts[i + 1]!.K - pts[i]!.K);
    if (s2 < s1 - 1e-9) bad.push(pts[i]!.K);
  }
  return bad;
}

interface Row {
  expiry: string;
  T: number;
  quotes: number;
  used: number;
  rmse: number;
  maxErr: number;
  halfMedSpread: number;
  insideBidAsk: number;
  butterfly: string;
  midArb: number;
  rmseEnforced: number;
  rmseAfterCalendar: number;
}

for (const asset of ['btc', 'eth'] as const) {
  describe(`fitSviSlice on real Deribit ${asset.toUpperCase()} quotes (quantflow fixture)`, () => {
    const chain = loadChain(asset);
    const fits: SviFit[] = [];
    const enforced: SviFit[] = [];
    const rows: Row[] = [];
    let calendarBefore: ReturnType<typeof checkCalendar>;
    let repairedSet: { T: number; params: SviParams }[];

    beforeAll(() => {
      for (const e of chain) {
        const fit = fitSviSlice(e.quotes, e.T);
        fits.push(fit);
        enforced.push(
          fit.butterfly.arbitrageFree
            ? fit
            : fitSviSlice(e.quotes, e.T, { enforceButterfly: true }),
        );
      }
      const set = enforced.map((f) => ({ T: f.T, params: f.params }));
      calendarBefore = checkCalendar(set);
      repairedSet = repairCalendar(set);
      chain.forEach((e, i) => {
        const f = fits[i]!;
        const rmseOf = (p: SviParams) => {
          let s = 0;
          let sw = 0;
          // same weights as the fit: normalised vega (relative weights only matter)
          for (const j of enforced[i]!.used) {
            const q = e.quotes[j]!;
            const d1 = -q.k / (q.vol * Math.sqrt(e.T)) + (q.vol * Math.sqrt(e.T)) / 2;
            const lam = Math.exp(-0.5 * d1 * d1);
            s += lam * (volAt(p, q.k, e.T) - q.vol) ** 2;
            sw += lam;
          }
          return 100 * Math.sqrt(s / sw);
        };
        const inside = f.used.filter((j, n) => {
          const q = e.quotes[j]!;
          const v = q.vol + f.residualsVolPoints[n]! / 100;
          return v >= q.bidVol! && v <= q.askVol!;
        }).length;
        rows.push({
          expiry: e.maturity.slice(0, 10),
          T: Number(e.T.toFixed(4)),
          quotes: e.quotes.length,
          used: f.n,
          rmse: Number(f.rmseVolPoints.toFixed(3)),
          maxErr: Number(f.maxAbsErrorVolPoints.toFixed(2)),
          halfMedSpread: Number(
            (50 * median(e.quotes.map((q) => q.askVol! - q.bidVol!))).toFixed(2),
          ),
          insideBidAsk: Number((inside / f.n).toFixed(2)),
          butterfly: f.butterfly.arbitrageFree ? 'ok' : `g<0 @k=${f.butterfly.kAtMin.toFixed(2)}`,
          midArb: midButterflyViolations(e).length,
          rmseEnforced: Number(enforced[i]!.rmseVolPoints.toFixed(3)),
          rmseAfterCalendar: Number(rmseOf(repairedSet[i]!.params).toFixed(3)),
        });
      });
      console.log(
        `${asset.toUpperCase()} SVI fits per expiry (vol points; halfMedSpread = ½ median bid/ask vol spread)`,
      );
      console.table(rows);
      console.log(
        `${asset.toUpperCase()} calendar violations before repair:`,
        calendarBefore.violations.map(
          (v) =>
            `T1=${v.T1.toFixed(4)} T2=${v.T2.toFixed(4)} k=${v.k.toFixed(3)} w1=${v.w1.toFixed(5)} w2=${v.w2.toFixed(5)}`,
        ),
      );
    });

    it('has 12 expiries with at least 5 OTM quotes each', () => {
      expect(chain).toHaveLength(12);
      for (const e of chain) expect(e.quotes.length).toBeGreaterThanOrEqual(5);
    });

    it('fits every expiry with weighted RMSE ≤ half the median bid/ask vol spread (and ≤ 2 vol points)', () => {
      // A mid is within half a spread of any price inside the bid/ask, so a weighted RMSE below
      // half the median spread means the fitted curve typically lies inside the quoted market.
      for (const r of rows) {
        expect(r.rmse, r.expiry).toBeLessThanOrEqual(Math.min(2, r.halfMedSpread));
        expect(r.insideBidAsk, r.expiry).toBeGreaterThanOrEqual(0.8);
      }
    });

    it('every slice is butterfly-free once enforced, at a small cost in RMSE', () => {
      // Plain fits of the short BTC expiries (and a few others) show g < 0 just beyond the last
      // quoted call strike although the mid quotes there are free of discrete butterfly
      // arbitrage (`midArb` = 0): it is SVI extrapolation, which `enforceButterfly` removes.
      for (const [i, f] of enforced.entries()) {
        expect(f.butterfly.arbitrageFree, rows[i]!.expiry).toBe(true);
        expect(checkButterfly(f.params).arbitrageFree).toBe(true);
        expect(f.rmseVolPoints, rows[i]!.expiry).toBeLessThanOrEqual(
          Math.min(2, rows[i]!.halfMedSpread),
        );
      }
    });

    it('runs the calendar check on the set; the repaired set passes and stays butterfly-free and close', () => {
      expect(calendarBefore.violations.every((v) => v.w2 < v.w1 && v.T1 < v.T2)).toBe(true);
      expect(checkCalendar(repairedSet).arbitrageFree).toBe(true);
      // Raising `a` shifts the whole later slice, so a short expiry can lose some accuracy
      // (ETH 2026-05-24: 0.27 → 0.91 vol points); it stays within 2 vol points.
      for (const [i, s] of repairedSet.entries()) {
        expect(checkButterfly(s.params).arbitrageFree, rows[i]!.expiry).toBe(true);
        expect(rows[i]!.rmseAfterCalendar, rows[i]!.expiry).toBeLessThanOrEqual(2);
      }
      // The repaired slices make a surface that reproduces the fits at the listed expiries.
      const surface = makeVolSurface(
        repairedSet.map((s, i) => ({
          ...s,
          expiryMs: Date.parse(chain[i]!.maturity),
          forward: chain[i]!.F,
        })),
      );
      const e = chain[5]!;
      const K = e.strikes[0]!;
      expect(impliedVolAt(surface, K, e.F, e.T)).toBeCloseTo(
        volAt(repairedSet[5]!.params, Math.log(K / e.F), e.T),
        12,
      );
    });
  });
}
