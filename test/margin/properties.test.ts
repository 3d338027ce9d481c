import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BallastError } from '../../src/core/errors.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';
import type { MarginModel } from '../../src/margin/margin-model.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import { buildBook } from '../../src/margin/book.ts';
import { DERIBIT_GRID_DEFAULTS, deribitGrid } from '../../src/scenarios/deribit-grid.ts';
import { worstLoss } from '../../src/risk/measures.ts';
import { portfolio, type Portfolio, type Position } from '../../src/risk/portfolio.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// Properties of every margin model on random books of real Deribit BTC instruments, margined
// on the bundled snapshot. Sizes stay moderate (|size| ≤ 20 BTC) so venue tiers and
// dampeners that are not homogeneous by design do not bind.
const snapshot = realSnapshot();
const instruments = realInstruments();

const positionArb = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
});
const bookArb = fc.uniqueArray(positionArb, { minLength: 1, maxLength: 6, selector: (p) => p.i });
const toBook = (ps: { i: number; size: number }[], k = 1): Portfolio =>
  portfolio(
    ps.map((p): Position => ({ instrument: instruments[p.i]!, size: k * p.size })),
    [{ currency: 'BTC', amount: 25 }],
  );

/**
 * Parameters under which a model's scenario part is positively homogeneous. Deribit's
 * extended-table dampener forgives a fixed USD allowance per cell (deribit-pm.md §7.2), so a
 * book k times larger can cross into the extended table: by design, not homogeneous. The
 * scaling property is checked with the allowance at 0; every other model with its defaults.
 */
function homogeneousParams(model: MarginModel<unknown>): unknown {
  if (model.id !== 'deribit-pm') return model.defaultParams;
  const p = structuredClone(model.defaultParams) as {
    model_params: { currency: Record<string, { extended_dampener: number }> };
  };
  for (const c of Object.values(p.model_params.currency)) c.extended_dampener = 0;
  return p;
}

/** Evaluates or returns undefined when the model does not cover the book. */
function evaluate(
  model: MarginModel<unknown>,
  p: Portfolio,
  params: unknown = model.defaultParams,
): MarginResult[] | undefined {
  try {
    return model.evaluate(p, snapshot, params);
  } catch (e) {
    if (e instanceof BallastError && (e.code === 'UNSUPPORTED' || /bracket table/.test(e.message)))
      return undefined;
    throw e;
  }
}

const runs = { numRuns: 25, seed: 20261121 };

describe.each(MARGIN_MODELS.map((m) => [m.id, m] as const))('%s', (_id, model) => {
  it('margins are finite and ≥ 0', () => {
    fc.assert(
      fc.property(bookArb, (ps) => {
        for (const r of evaluate(model, toBook(ps)) ?? []) {
          expect(Number.isFinite(r.initialMargin) && r.initialMargin >= 0).toBe(true);
          expect(Number.isFinite(r.maintenanceMargin) && r.maintenanceMargin >= 0).toBe(true);
          expect(Number.isFinite(r.equity)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('the order of positions changes nothing (to the bit)', () => {
    fc.assert(
      fc.property(bookArb, (ps) => {
        const a = evaluate(model, toBook(ps));
        const b = evaluate(model, toBook([...ps].reverse()));
        expect(b?.map((r) => [r.initialMargin, r.maintenanceMargin, r.inputsHash])).toEqual(
          a?.map((r) => [r.initialMargin, r.maintenanceMargin, r.inputsHash]),
        );
      }),
      runs,
    );
  });

  it('a book long and short the same instrument has zero scenario risk', () => {
    fc.assert(
      fc.property(positionArb, (p) => {
        const book = portfolio(
          [
            { instrument: instruments[p.i]!, size: p.size },
            { instrument: instruments[p.i]!, size: -p.size },
          ],
          [{ currency: 'BTC', amount: 1 }],
        );
        for (const r of evaluate(model, book) ?? []) {
          expect(r.worstScenario?.loss ?? 0).toBe(0);
          for (const c of r.contributions) expect(Math.abs(c.pnl)).toBe(0);
        }
      }),
      runs,
    );
  });

  if (model.scenarioBased) {
    it('scaling every size by k scales the scenario part by k', () => {
      fc.assert(
        fc.property(bookArb, fc.double({ min: 0.1, max: 5, noNaN: true }), (ps, k) => {
          const params = homogeneousParams(model);
          const a = evaluate(model, toBook(ps), params);
          const b = evaluate(model, toBook(ps, k), params);
          if (!a || !b) return;
          a.forEach((r, j) => {
            const la = r.worstScenario?.loss ?? 0;
            const lb = b[j]!.worstScenario?.loss ?? 0;
            // Deribit works in 9-decimal sizes and rounds the worst case to 9 decimals
            // (deribit-pm.md §12): a relative 1e-8 allows for that rounding and nothing more.
            expect(Math.abs(lb - k * la), `${r.currency}: ${lb} vs ${k}·${la}`).toBeLessThanOrEqual(
              1e-8 * (1 + k * la),
            );
          });
        }),
        runs,
      );
    });
  }
});

describe('pure worst-loss margin is sub-additive: margin(A + B) ≤ margin(A) + margin(B)', () => {
  const grid = deribitGrid('BTC', {
    ...DERIBIT_GRID_DEFAULTS,
    priceRange: 0.16,
    bucketsCount: 4,
    volatilityRangeUp: 0.5,
    volatilityRangeDown: 0.25,
    minVolatilityForShockUp: 0.5,
    shortTermVegaPower: 0.3,
    longTermVegaPower: 0.13,
    extendedTableFactor: 1,
    extendedMoves: [],
  });
  it('on the Deribit 27-cell grid with real instruments', () => {
    fc.assert(
      fc.property(bookArb, bookArb, (a, b) => {
        const pa = toBook(a).positions;
        const pb = toBook(b).positions;
        const margin = (ps: readonly Position[]) =>
          worstLoss(buildBook(ps, snapshot, grid.scenarios).pnl);
        const both = portfolio([...pa, ...pb]).positions;
        expect(margin(both)).toBeLessThanOrEqual(
          margin(pa) + margin(pb) + 1e-12 * (1 + margin(pa) + margin(pb)),
        );
      }),
      runs,
    );
  });
});
