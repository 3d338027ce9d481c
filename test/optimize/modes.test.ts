/**
 * The other optimization modes on the bundled Deribit BTC snapshot: exposure tracking (QP),
 * ES hedge (CVaR LP on Monte Carlo scenarios), margin-call cure, allocation across accounts,
 * collateral spreading and the robustness report.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { parseJson, readTextFile } from '../../src/io/read-json.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { totalsUsd } from '../../src/margin/usd-totals.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { routeTrades, splitBook, spreadCollateral } from '../../src/optimize/allocate.ts';
import { optimizeEsHedge } from '../../src/optimize/cvar.ts';
import { cureMarginCall } from '../../src/optimize/cure.ts';
import { bookExposures } from '../../src/optimize/exposures.ts';
import { robustnessReport, robustnessScenarios } from '../../src/optimize/robustness.ts';
import { trackExposures } from '../../src/optimize/tracking.ts';
import { listedUniverse } from '../../src/optimize/universe.ts';
import { optimizeHedge } from '../../src/optimize/hedge.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const pm = marginModel('deribit-pm');
const listed = listedUniverse(snapshot);
const book = (file: string): Portfolio =>
  importPortfolio(
    readTextFile(fileURLToPath(new URL(`../../${file}`, import.meta.url))),
    file,
    snapshot,
    parseJson,
  ).portfolio;
const imUsd = (p: Portfolio, id = 'deribit-pm') => {
  const m = marginModel(id);
  return p.positions.length === 0
    ? 0
    : totalsUsd(m.evaluate(p, snapshot, m.defaultParams), snapshot).initialMargin;
};

describe('exposure tracking QP', () => {
  it('moves delta and vega toward their targets and never worsens its own objective', async () => {
    const p = book('examples/short-strangle.json');
    const r = await trackExposures({
      portfolio: p,
      snapshot,
      model: pm,
      universe: listed,
      targets: { delta: 0, vega: 0 },
    });
    expect(r.lp.method).toMatch(/QP/);
    expect(r.status).toBe('improved');
    expect(r.penaltyAfterUsd).toBeLessThan(r.penaltyBeforeUsd);
    // An empty book after (the QP may close it: at the reading the default charges, closing the
    // strangle costs less than its margin) has no BTC row: its exposures are 0.
    const row = bookExposures(r.portfolioAfter.positions, snapshot).BTC;
    const exp = (g: (typeof r.tracked)[number]['greek']) => (row ? row[g] : 0);
    for (const t of r.tracked) {
      expect(Math.abs(exp(t.greek) - t.target)).toBeLessThan(Math.abs(t.before - t.target));
      expect(t.after).toBeCloseTo(exp(t.greek), 6);
    }
    expect(r.after.initialMarginUsd + r.costUsd + r.penaltyAfterUsd).toBeLessThan(
      r.before.initialMarginUsd + r.penaltyBeforeUsd,
    );
  });

  it('solves under a model margined in one USD pool (scenario surrogate), and fails closed on its objective', async () => {
    // The surrogate's USD rows are scaled to about one coin; unscaled, HiGHS's QP solver failed
    // on SPAN and ran into its limits on OKX PM for this book.
    const p = book('examples/short-strangle.json');
    for (const id of ['span', 'okx-pm']) {
      const model = marginModel(id);
      const r = await trackExposures({
        portfolio: p,
        snapshot,
        model,
        universe: listed,
        targets: { delta: 0 },
        solveOptions: { timeLimitSeconds: 20 },
      });
      expect(r.lp.representation, id).toBe('surrogate');
      expect(
        r.warnings.some((w) => /scenario surrogate/.test(w)),
        id,
      ).toBe(true);
      expect(r.status, id).toBe('improved');
      expect(r.after.initialMarginUsd + r.costUsd + r.penaltyAfterUsd, id).toBeLessThan(
        r.before.initialMarginUsd + r.penaltyBeforeUsd,
      );
      expect(r.after.initialMarginUsd, id).toBeCloseTo(imUsd(r.portfolioAfter, id), 6);
    }
  });

  it('a large μ holds the target to within the rounding to lots', async () => {
    const p = book('examples/hedged-book.json');
    const tight = await trackExposures({
      portfolio: p,
      snapshot,
      model: pm,
      universe: listed,
      targets: { vega: 0 },
      mu: 1e7,
    });
    expect(tight.status).toBe('improved');
    expect(Math.abs(tight.tracked[0]!.after)).toBeLessThan(
      0.02 * Math.abs(tight.tracked[0]!.before),
    );
  });
});

describe('ES hedge (CVaR LP on Monte Carlo scenarios)', () => {
  it("lowers the book's 99% ES on its scenarios; the LP ES matches the re-measured continuous optimum", async () => {
    const p = book('examples/short-strangle.json');
    const scenarios = robustnessScenarios(snapshot, ['BTC'], { count: 800, seed: 11 });
    const r = await optimizeEsHedge({
      portfolio: p,
      snapshot,
      universe: listed,
      scenarios,
      constraints: { keepExposures: 0.25 },
    });
    expect(r.status).toBe('improved');
    expect(r.after.expectedShortfall).toBeLessThan(r.before.expectedShortfall);
    expect(r.scenarios).toBe(800);
    // Every band holds after rounding.
    for (const b of r.bands) {
      const v = r.exposuresAfter[b.underlying]![b.greek];
      expect(v).toBeGreaterThanOrEqual(b.min - 1e-9 * Math.max(1, Math.abs(v)));
      expect(v).toBeLessThanOrEqual(b.max + 1e-9 * Math.max(1, Math.abs(v)));
    }
  });
});

describe('margin-call cure', () => {
  const strangle = book('examples/short-strangle.json');
  const thin = { ...strangle, balances: [{ currency: 'BTC', amount: 0.9 }] };

  it('reduce-only trades bring utilization to the target and are compared with the top-up', async () => {
    const r = await cureMarginCall({
      portfolio: thin,
      snapshot,
      model: pm,
      universe: listed,
      targetUtilization: 0.8,
    });
    expect(r.needed).toBe(true);
    expect(r.before[0]!.utilization).toBeGreaterThan(1);
    expect(r.trades.status).toBe('cured');
    const held = new Map(thin.positions.map((x) => [x.instrument.symbol, x.size]));
    for (const t of r.trades.trades) {
      expect(held.has(t.symbol)).toBe(true);
      expect(Math.sign(t.size)).toBe(-Math.sign(held.get(t.symbol)!));
    }
    const after = pm.evaluate(r.trades.portfolioAfter, snapshot, pm.defaultParams)[0]!;
    expect(after.utilization).toBeLessThanOrEqual(0.8);
    expect(r.trades.after[0]!.utilization).toBeCloseTo(after.utilization, 12);
    // The top-up is exactly what reaches 80 %: IM/0.8 − equity.
    const b = r.before[0]!;
    expect(r.topUp.pools[0]!.amount).toBeCloseTo(b.initialMargin / 0.8 - b.equity, 12);
    const topped = pm.evaluate(
      { ...thin, balances: [{ currency: 'BTC', amount: 0.9 + r.topUp.pools[0]!.amount }] },
      snapshot,
      pm.defaultParams,
    )[0]!;
    expect(topped.utilization).toBeCloseTo(0.8, 9);
    expect(r.cheaper).toBe(r.trades.costUsd <= r.topUp.totalUsd ? 'trades' : 'collateral');
  });

  it('no cure is needed below the target', async () => {
    const r = await cureMarginCall({
      portfolio: strangle,
      snapshot,
      model: pm,
      universe: listed,
      targetUtilization: 0.8,
    });
    expect(r.needed).toBe(false);
    expect(r.trades.status).toBe('not-needed');
    expect(r.topUp.totalUsd).toBe(0);
  });

  it('a cure the universe cannot reach says so and falls back to collateral', async () => {
    const r = await cureMarginCall({
      portfolio: { ...strangle, balances: [{ currency: 'BTC', amount: 0.3 }] },
      snapshot,
      model: pm,
      universe: listed,
      targetUtilization: 0.8,
      constraints: { reduceOnly: true, maxSize: 0.5 },
    });
    expect(r.trades.status).toBe('not-cured');
    expect(r.trades.reason).toMatch(/0\.8 utilization/);
    expect(r.cheaper).toBe('collateral');
    expect(r.topUp.totalUsd).toBeGreaterThan(0);
  });
});

describe('allocation across accounts', () => {
  const hedged = book('examples/hedged-book.json');
  const strangle = book('examples/short-strangle.json');
  const accounts = [
    { name: 'main', model: pm, portfolio: hedged },
    { name: 'sub', model: pm, portfolio: strangle },
    {
      name: 'okx',
      model: marginModel('okx-pm'),
      portfolio: portfolio([], [{ currency: 'BTC', amount: 3 }]),
    },
  ];
  const trades = [
    { instrument: parseSymbol('BTC-28AUG26-50000-P', 'deribit'), size: 10 },
    { instrument: parseSymbol('BTC-PERPETUAL', 'deribit'), size: -1, entryPrice: 62700 },
    { instrument: parseSymbol('BTC-25SEP26-70000-C', 'deribit'), size: 4 },
  ];

  for (const wholeTrades of [false, true]) {
    it(`routes new trades to minimise total exact IM (${wholeTrades ? 'whole trades, MIP' : 'split allowed'}), never worse than any simple allocation`, async () => {
      const r = await routeTrades(trades, accounts, snapshot, { wholeTrades });
      for (const l of r.lines)
        expect(l.shares.reduce((s, x) => s + x.size, 0)).toBeCloseTo(l.size, 9);
      if (wholeTrades)
        for (const l of r.lines) expect(l.shares.filter((x) => x.size !== 0)).toHaveLength(1);
      for (const b of r.baselines)
        if (b.fits)
          expect(r.totalInitialMarginUsd).toBeLessThanOrEqual(b.totalInitialMarginUsd + 1e-6);
      // Exact totals recomputed independently.
      const total = r.accounts.reduce((s, a) => s + imUsd(a.portfolioAfter, a.model), 0);
      expect(r.totalInitialMarginUsd).toBeCloseTo(total, 6);
      expect(r.accounts.every((a) => a.fits)).toBe(true);
    });
  }

  it('splits a book across a Deribit and an OKX account; fails closed to the better simple split', async () => {
    const r = await splitBook(
      hedged,
      [
        { name: 'deribit', model: pm, portfolio: portfolio([], [{ currency: 'BTC', amount: 3 }]) },
        {
          name: 'okx',
          model: marginModel('okx-pm'),
          portfolio: portfolio([], [{ currency: 'BTC', amount: 3 }]),
        },
      ],
      snapshot,
    );
    const allDeribit = imUsd(hedged);
    const allOkx = imUsd(hedged, 'okx-pm');
    expect(r.totalInitialMarginUsd).toBeLessThanOrEqual(Math.min(allDeribit, allOkx) + 1e-6);
    expect(['optimized', 'baseline']).toContain(r.status);
  });

  it('spreads collateral to maximise the smallest headroom (water-filling)', async () => {
    const r = await spreadCollateral(accounts.slice(0, 2), 300_000, snapshot);
    const total = r.shares.reduce((s, x) => s + x.usd, 0);
    expect(total).toBeCloseTo(300_000, 6);
    expect(r.minHeadroomAfterUsd).toBeGreaterThan(r.minHeadroomBeforeUsd);
    expect(r.minHeadroomAfterUsd).toBeCloseTo(r.minHeadroomLpUsd, 4);
    // Both pools end level (the budget exceeds the gap between them).
    const after = r.shares.map((s) => s.headroomAfterUsd);
    expect(Math.abs(after[0]! - after[1]!)).toBeLessThan(1e-4);
  });
});

describe('robustness on an independent Monte Carlo set', () => {
  it('is seeded (same seed, same numbers) and reports ES and worst loss of both books', async () => {
    const p = book('examples/short-strangle.json');
    const r = await optimizeHedge({
      portfolio: p,
      snapshot,
      model: pm,
      universe: listed,
      constraints: { keepExposures: 0.1 },
    });
    const a = robustnessReport(p, r.portfolioAfter, snapshot, { seed: 5, count: 500 });
    const b = robustnessReport(p, r.portfolioAfter, snapshot, { seed: 5, count: 500 });
    const c = robustnessReport(p, r.portfolioAfter, snapshot, { seed: 6, count: 500 });
    expect(b).toEqual(a);
    expect(c.original.expectedShortfallUsd).not.toBe(a.original.expectedShortfallUsd);
    expect(a.original.expectedShortfallUsd).toBeGreaterThan(0);
    expect(a.original.worstLossUsd).toBeGreaterThanOrEqual(a.original.expectedShortfallUsd);
    expect(a.optimized.expectedShortfallUsd).toBeLessThan(a.original.expectedShortfallUsd);
    expect(a.fatterTail).toBe(false);
  });

  it('the same book on both sides gives identical figures', () => {
    const p = book('examples/hedged-book.json');
    const r = robustnessReport(p, p, snapshot, { count: 300 });
    expect(r.optimized).toEqual(r.original);
  });
});
