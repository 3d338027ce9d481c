import { describe, expect, it } from 'vitest';
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import type { MarginResult } from '../../src/margin/margin-result.ts';
import fc from 'fast-check';
import {
  deribitPmModel,
  evaluatePoolKeys,
  evaluatePrepared,
  NOT_HASHED,
} from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { unitCellValue } from '../../src/margin/deribit-pm/vectors.ts';
import { instrumentState } from '../../src/risk/pnl-matrix.ts';
import { portfolio, type Position } from '../../src/risk/portfolio.ts';
import { canonicalPositions, settlementPools } from '../../src/margin/book.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The prepared market (rows priced once per instrument) against repricing every cell of
// every position inline, as the model did before the context existed: to the bit.
const snapshot = realSnapshot();
// Every hypothesis rule pinned: evaluate is then one reading, which a prepared market computes
// (the default, the highest over the readings, is test/margin/hypotheses-property.test.ts).
const params = pinnedDeribitParams(deribitPmModel.defaultParams);
/** The model's result without the notes its hypotheses layer adds for pinned readings. */
const withoutPinNotes = (rs: readonly MarginResult[]) =>
  rs.map((r) => ({
    ...r,
    unverified: r.unverified.filter((u) => !u.startsWith('hypothesis pinned:')),
  }));
const instruments = [
  ...realInstruments(),
  parseSymbol('BTC_USDC-PERPETUAL', 'deribit'),
  parseSymbol('BTC_USDC', 'deribit'),
];

/** Reference per-unit row: `unitCellValue` per cell on a freshly computed state. */
function repricedUnit(p: Position): Float64Array {
  const grid = prepareDeribitPm(snapshot, params).grid(p.instrument.underlying);
  const st = instrumentState(p.instrument, snapshot);
  return Float64Array.from(grid.cells, (c, i) =>
    unitCellValue(p.instrument, st, c, grid.scenarios[i]!, grid, params.rules),
  );
}

const pos = fc.record({
  i: fc.integer({ min: 0, max: instruments.length - 1 }),
  size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
});

describe('deribit-pm prepared market', () => {
  it('rows equal repricing each cell, and evaluate equals a fresh context to the bit', () => {
    const shared = prepareDeribitPm(snapshot, params);
    let checked = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(pos, { minLength: 1, maxLength: 12, selector: (p) => p.i }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (xs, cash) => {
          const positions = xs.map((x) => ({ instrument: instruments[x.i]!, size: x.size }));
          const book = portfolio(positions, [
            { currency: 'BTC', amount: cash },
            { currency: 'USDC', amount: cash * 60000 },
          ]);
          for (const p of positions)
            expect(Array.from(shared.row(p.instrument).unit)).toEqual(Array.from(repricedUnit(p)));
          const viaModel = withoutPinNotes(deribitPmModel.evaluate(book, snapshot, params));
          const viaShared = evaluatePrepared(shared, book);
          const fresh = evaluatePrepared(prepareDeribitPm(snapshot, params), book);
          // Listing order changes nothing (equity is summed in canonical order too).
          const reversed = evaluatePrepared(
            shared,
            portfolio([...positions].reverse(), book.balances),
          );
          expect(viaShared).toEqual(viaModel);
          expect(fresh).toEqual(viaModel);
          expect(reversed.map((r) => [r.equity, r.initialMargin, r.maintenanceMargin])).toEqual(
            viaModel.map((r) => [r.equity, r.initialMargin, r.maintenanceMargin]),
          );
          checked += viaModel.length;
        },
      ),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(60);
  });

  it('details and the input hash only when asked; the numbers unchanged', () => {
    const book = portfolio(
      canonicalPositions(
        instruments.slice(0, 6).map((instrument, i) => ({ instrument, size: i - 2.5 })),
      ),
      [{ currency: 'BTC', amount: 5 }],
    );
    const full = withoutPinNotes(deribitPmModel.evaluate(book, snapshot, params));
    const lean = evaluatePrepared(prepareDeribitPm(snapshot, params), book, {
      details: false,
      hash: false,
    });
    expect(settlementPools(book).length).toBe(full.length);
    lean.forEach((r, i) => {
      expect(r.details).toBeUndefined();
      expect(r.inputsHash).toBe(NOT_HASHED);
      expect({ ...r, details: undefined, inputsHash: '' }).toEqual({
        ...full[i]!,
        details: undefined,
        inputsHash: '',
      });
    });
    expect(full[0]!.details).toBeDefined();
    expect(typeof evaluatePoolKeys).toBe('function');
  });

  it('a bad row is a typed error naming the symbol, and is not cached as good', () => {
    const m = prepareDeribitPm(snapshot, params);
    const expired = parseSymbol('BTC-29MAR24', 'deribit');
    expect(() => m.row(expired)).toThrow(/expired/);
    expect(m.size).toBe(0);
  });
});
