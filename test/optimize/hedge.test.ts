import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { parseJson, readTextFile } from '../../src/io/read-json.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { totalsUsd } from '../../src/margin/usd-totals.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { bookExposures, GREEKS } from '../../src/optimize/exposures.ts';
import { optimizeHedge } from '../../src/optimize/hedge.ts';
import { LpModel } from '../../src/optimize/lp-model.ts';
import { addMarginTerms, marginUsdObjective } from '../../src/optimize/margin-lp.ts';
import { addWorstLoss } from '../../src/optimize/minimax.ts';
import { loadSolver } from '../../src/optimize/solver.ts';
import { buildTradeProblem } from '../../src/optimize/trade-problem.ts';
import { listedCandidate, listedUniverse, type Universe } from '../../src/optimize/universe.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const pm = marginModel('deribit-pm');
const book = (file: string): Portfolio => {
  const path = fileURLToPath(new URL(`../../${file}`, import.meta.url));
  return importPortfolio(readTextFile(path), file, snapshot, parseJson).portfolio;
};
// The LP (optimize/margin-lp.ts) is built at the reading of the hypothesis rules the default
// charges for the book (src/margin/hypotheses.ts `chargedParams`): at zero trades it equals the
// default, the highest over the readings.
const exactImUsd = (p: Portfolio) =>
  totalsUsd(deribitPmModel.evaluate(p, snapshot, deribitPmModel.defaultParams), snapshot)
    .initialMargin;
const listed = listedUniverse(snapshot);

/** A candidate priced at its mark with no spread and no fee. */
const free = (symbol: string) => {
  const c = listedCandidate(parseSymbol(symbol, 'deribit'), snapshot);
  return { ...c, bid: c.mark, ask: c.mark, fee: 0 };
};

async function infeasible(f: () => Promise<unknown>): Promise<BallastError> {
  try {
    await f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

describe('LP correctness on hand-solvable problems', () => {
  it('a 2-scenario min-max: base (−10, 4), one instrument (5, −3) → x = 1.75, worst loss 1.25, duals (3/8, 5/8)', async () => {
    const lp = new LpModel('two scenarios');
    const x = lp.addVariable('x', { lb: -Infinity });
    const t = addWorstLoss(lp, 'loss', [-10, 4], [{ variable: x, pnl: [5, -3] }], ['down', 'up']);
    lp.addCost(t, 1);
    const s = (await loadSolver()).solve(lp);
    expect(s.value(x)).toBeCloseTo(1.75, 12);
    expect(s.objective).toBeCloseTo(1.25, 12);
    expect(s.dual('loss[down]')).toBeCloseTo(3 / 8, 12);
    expect(s.dual('loss[up]')).toBeCloseTo(5 / 8, 12);
  });

  it('Deribit PM as an LP equals the exact model at zero trades (both example books)', async () => {
    const solver = await loadSolver();
    for (const file of ['examples/hedged-book.json', 'examples/short-strangle.json']) {
      const p = book(file);
      const problem = buildTradeProblem(
        'zero',
        p,
        snapshot,
        { source: 'none', candidates: [] },
        {},
      );
      const pools = addMarginTerms(
        problem.model,
        problem.trades,
        p,
        snapshot,
        pm,
        pm.defaultParams,
      );
      const obj = marginUsdObjective(pools);
      for (const [v, a] of obj.terms) problem.model.addCost(v, a);
      problem.model.addOffset(obj.offset);
      const s = solver.solve(problem.model);
      expect(pools.every((x) => x.representation === 'exact')).toBe(true);
      // Equal up to the 9-decimal rounding of the venue formula (1e-9 BTC ≈ 6e-5 USD).
      expect(Math.abs(s.objective - exactImUsd(p))).toBeLessThan(1e-3);
    }
  });

  it('a short future hedged by a long future: the optimum is exactly the offsetting size', async () => {
    const p = portfolio(
      [{ instrument: parseSymbol('BTC-25SEP26', 'deribit'), size: -1, entryPrice: 63000 }],
      [{ currency: 'BTC', amount: 1 }],
      'short Sep future',
    );
    // The held future itself is always a candidate; leave it out so the hedge must use the other one.
    const r = await optimizeHedge({
      portfolio: p,
      snapshot,
      model: pm,
      universe: { source: 'test', candidates: [free('BTC-25DEC26')] },
      lambda: 0,
      constraints: { exclude: ['BTC-25SEP26'] },
    });
    expect(r.status).toBe('improved');
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.lpSize).toBeCloseTo(1, 9);
    // Rounded to whole 10 USD contracts at the Dec forward.
    const F = r.trades[0]!.mark;
    expect(Math.abs(r.trades[0]!.size - 1)).toBeLessThanOrEqual(10 / F / 2 + 1e-12);
    // What is left is the two roll shocks: the worst case of the calendar is ~0.
    const after = deribitPmModel.evaluate(
      r.portfolioAfter,
      snapshot,
      deribitPmModel.defaultParams,
    )[0]!;
    const roll = after.addOns.find((a) => a.name === 'roll_shock')!.amount;
    expect(after.initialMargin - roll).toBeLessThan(1e-4);
    expect(r.after.initialMarginUsd).toBeCloseTo(exactImUsd(r.portfolioAfter), 9);
  });

  it('the hedge LP exported as CPLEX LP text re-solves independently (HiGHS parser) to the same objective', async () => {
    const r = await optimizeHedge({
      portfolio: book('examples/short-strangle.json'),
      snapshot,
      model: pm,
      universe: listed,
      constraints: { keepExposures: 0.1 },
      exportLp: true,
    });
    const again = (await loadSolver()).solveText(r.lp.lpText!, 'lp');
    expect(Math.abs(again.objective - r.lp.objective)).toBeLessThan(
      1e-6 * Math.abs(r.lp.objective),
    );
  });
});

describe('hedges of the bundled Deribit BTC books under deribit-pm', () => {
  for (const file of ['examples/hedged-book.json', 'examples/short-strangle.json']) {
    it(`${file}: lower exact IM, exposures inside their bands`, async () => {
      const p = book(file);
      const r = await optimizeHedge({
        portfolio: p,
        snapshot,
        model: pm,
        universe: listed,
        constraints: { keepExposures: 0.1, bands: { delta: { min: -3, max: 3 } } },
      });
      expect(r.status).toBe('improved');
      const before = exactImUsd(p);
      const after = exactImUsd(r.portfolioAfter);
      expect(r.before.initialMarginUsd).toBeCloseTo(before, 9);
      expect(r.after.initialMarginUsd).toBeCloseTo(after, 9);
      expect(after).toBeLessThan(before);
      expect(r.savingUsd).toBeCloseTo(before - after, 6);
      expect(r.savingUsd).toBeGreaterThan(r.lambda * r.costUsd);
      // Exposures recomputed independently from the book after the trades.
      const exp = bookExposures(r.portfolioAfter.positions, snapshot);
      expect(r.bands.length).toBeGreaterThanOrEqual(4);
      for (const b of r.bands) {
        const v = exp[b.underlying]![b.greek];
        const tol = 1e-9 * Math.max(1, Math.abs(v));
        expect(v).toBeGreaterThanOrEqual(b.min - tol);
        expect(v).toBeLessThanOrEqual(b.max + tol);
        expect(r.exposuresAfter[b.underlying]![b.greek]).toBeCloseTo(v, 6);
      }
      for (const t of r.trades) {
        if (t.instrument.kind === 'option')
          expect(Math.abs(Math.round(t.size * 10) - t.size * 10)).toBeLessThan(1e-9);
        expect(t.costUsd).toBeGreaterThanOrEqual(0);
      }
      console.info(
        `${file}: deribit-pm IM ${before.toFixed(0)} → ${after.toFixed(0)} USD (saving ${(100 * r.savingFraction).toFixed(1)} %, cost ${r.costUsd.toFixed(0)} USD, ${r.trades.length} trades)`,
      );
    });
  }

  it('reduce-only trades only held instruments, against the position, never past flat', async () => {
    const p = book('examples/hedged-book.json');
    const r = await optimizeHedge({
      portfolio: p,
      snapshot,
      model: pm,
      universe: listed,
      constraints: { reduceOnly: true },
    });
    const held = new Map(p.positions.map((x) => [x.instrument.symbol, x.size]));
    for (const t of r.trades) {
      const q = held.get(t.symbol);
      expect(q).toBeDefined();
      expect(Math.sign(t.size)).toBe(-Math.sign(q!));
      expect(Math.abs(t.size)).toBeLessThanOrEqual(Math.abs(q!) + 1e-12);
    }
    expect(r.after.initialMarginUsd).toBeLessThanOrEqual(r.before.initialMarginUsd);
  });

  it('a premium budget and size limits bind and are reported', async () => {
    const r = await optimizeHedge({
      portfolio: book('examples/short-strangle.json'),
      snapshot,
      model: pm,
      universe: listed,
      constraints: { budgetUsd: 2000, maxSize: 2 },
    });
    expect(r.status).toBe('improved');
    expect(r.cashUsd).toBeLessThanOrEqual(2000 + 1e-6);
    for (const t of r.trades) expect(Math.abs(t.size)).toBeLessThanOrEqual(2);
    expect(r.binding.map((b) => b.name)).toContain('budget');
    expect(r.binding.find((b) => b.name === 'budget')!.description).toMatch(
      /premium and fees paid ≤ 2000 USD/,
    );
  });

  it('other models go through the scenario surrogate and are checked exactly (never worse)', async () => {
    const p = book('examples/hedged-book.json');
    for (const id of ['okx-pm', 'deribit-standard']) {
      const model = marginModel(id);
      const r = await optimizeHedge({
        portfolio: p,
        snapshot,
        model,
        universe: listed,
        constraints: { keepExposures: 0.1 },
      });
      expect(r.lp.representation).toBe('surrogate');
      expect(r.after.initialMarginUsd).toBeLessThanOrEqual(r.before.initialMarginUsd);
      const exact = totalsUsd(
        model.evaluate(r.portfolioAfter, snapshot, model.defaultParams),
        snapshot,
      ).initialMargin;
      expect(r.after.initialMarginUsd).toBeCloseTo(exact, 6);
    }
  });
});

describe('fail closed', () => {
  const instruments = realInstruments();
  const small: Universe = {
    source: 'small',
    candidates: instruments.filter((_, i) => i % 5 === 0).map((i) => listedCandidate(i, snapshot)),
  };

  it('property: the optimizer never returns a book with a higher exact margin than its input', async () => {
    const position = fc.record({
      k: fc.nat({ max: instruments.length - 1 }),
      size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) >= 0.1),
    });
    const constraints = fc.record(
      {
        keepExposures: fc.constantFrom(0, 0.05, 0.2, 1),
        delta: fc.tuple(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0, max: 10, noNaN: true }),
        ),
        reduceOnly: fc.boolean(),
        maxSize: fc.constantFrom(0.5, 5, 50),
        lambda: fc.constantFrom(0, 1, 20),
      },
      { requiredKeys: ['lambda'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(position, { minLength: 1, maxLength: 5 }),
        constraints,
        async (ps, c) => {
          const p = portfolio(
            ps.map((x) => ({ instrument: instruments[x.k]!, size: Math.round(x.size * 10) / 10 })),
            [{ currency: 'BTC', amount: 10 }],
          );
          if (p.positions.every((x) => x.size === 0)) return;
          let r;
          try {
            r = await optimizeHedge({
              portfolio: p,
              snapshot,
              model: pm,
              universe: small,
              lambda: c.lambda,
              constraints: {
                ...(c.keepExposures !== undefined ? { keepExposures: c.keepExposures } : {}),
                ...(c.delta
                  ? { bands: { delta: { min: c.delta[0], max: c.delta[0] + c.delta[1] } } }
                  : {}),
                ...(c.reduceOnly !== undefined ? { reduceOnly: c.reduceOnly } : {}),
                ...(c.maxSize !== undefined ? { maxSize: c.maxSize } : {}),
              },
            });
          } catch (e) {
            if (isBallastError(e, 'INFEASIBLE')) return; // the constraints exclude every trade: a typed answer, not a book
            throw e;
          }
          const before = exactImUsd(p);
          const after = r.portfolioAfter.positions.length > 0 ? exactImUsd(r.portfolioAfter) : 0;
          expect(after).toBeLessThanOrEqual(before);
          if (r.status === 'no-improvement') {
            expect(r.trades).toHaveLength(0);
            expect(r.reason).toBeTruthy();
            expect(r.portfolioAfter).toBe(p);
          } else expect(after).toBeLessThan(before);
        },
      ),
      { numRuns: 15, seed: 20240601 },
    );
  });

  it('a delta band no universe can reach is INFEASIBLE, naming the band and what is reachable', async () => {
    const e = await infeasible(() =>
      optimizeHedge({
        portfolio: book('examples/short-strangle.json'),
        snapshot,
        model: pm,
        universe: listed,
        constraints: { maxSize: 0.2, bands: { delta: { min: 50, max: 60 } } },
      }),
    );
    expect(e.code).toBe('INFEASIBLE');
    expect(e.message).toMatch(/delta\[BTC\]/);
    expect(e.message).toMatch(/band \[50, 60\] is out of reach/);
    expect(e.message).toMatch(/move it only within \[/);
    expect((e.details as { constraints: string[] }).constraints).toContain('delta[BTC]');
  });

  it('an empty band (explicit band and keep-exposures do not overlap) is INFEASIBLE before solving', async () => {
    const e = await infeasible(() =>
      optimizeHedge({
        portfolio: book('examples/short-strangle.json'),
        snapshot,
        model: pm,
        universe: listed,
        constraints: { keepExposures: 0, bands: { vega: { min: 1e6 } } },
      }),
    );
    expect(e.code).toBe('INFEASIBLE');
    expect(e.message).toMatch(/vega band of BTC is empty/);
  });

  it('bad constraint values are INVALID_INPUT naming the field', async () => {
    const e = await infeasible(() =>
      optimizeHedge({
        portfolio: book('examples/short-strangle.json'),
        snapshot,
        model: pm,
        universe: listed,
        constraints: { bands: { delta: { min: 2, max: 1 } } },
      }),
    );
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/constraints\.bands\.delta/);
    const l = await infeasible(() =>
      optimizeHedge({
        portfolio: book('examples/short-strangle.json'),
        snapshot,
        model: pm,
        universe: listed,
        lambda: -1,
      }),
    );
    expect(l.message).toMatch(/lambda/);
  });

  it('greeks exist for every band row', () => {
    expect(GREEKS).toEqual(['delta', 'gamma', 'vega', 'theta']);
  });
});
