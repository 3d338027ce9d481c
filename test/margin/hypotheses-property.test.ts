// Fail closed on hypotheses (src/margin/hypotheses.ts): on random option books of real listed
// instruments (the bundled Deribit BTC snapshot), the default IM and MM of deribit-pm and okx-pm
// are ≥ those of every single reading of the rules that can move the book, each evaluated
// alone with its rules pinned; and the rules charged without enumeration are shown to be
// dominant (rollShockTime) or unable to move the number (volCellOrder).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOptionLike } from '../../src/instruments/instrument.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import type { DeribitPmParams } from '../../src/margin/deribit-pm/params.ts';
import { combinations, pinReadings } from '../../src/margin/hypotheses.ts';
import type { MarginModel } from '../../src/margin/margin-model.ts';
import { okxPmModel } from '../../src/margin/okx-pm/okx-pm.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const instruments = realInstruments();
const options = instruments.filter(isOptionLike);
const deltaOne = instruments.filter((i) => !isOptionLike(i));

/** 1–4 options, 0–2 futures/perps, sizes in coins. */
const optionBookArb = fc
  .tuple(
    fc.uniqueArray(
      fc.record({
        i: fc.integer({ min: 0, max: options.length - 1 }),
        size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-2),
      }),
      { minLength: 1, maxLength: 4, selector: (p) => p.i },
    ),
    fc.uniqueArray(
      fc.record({
        i: fc.integer({ min: 0, max: deltaOne.length - 1 }),
        size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-2),
      }),
      { minLength: 0, maxLength: 2, selector: (p) => p.i },
    ),
  )
  .map(([o, d]) =>
    portfolio(
      [
        ...o.map((p) => ({ instrument: options[p.i]!, size: p.size })),
        ...d.map((p) => ({ instrument: deltaOne[p.i]!, size: p.size })),
      ],
      [{ currency: 'BTC', amount: 50 }],
    ),
  );

/** Every combination of every reading of the model's rules (all pinned), evaluated alone. */
function singleReadings<P>(model: MarginModel<P>, book: Portfolio, params: P) {
  const table = model.hypotheses!;
  const rules: Record<string, readonly string[]> = {};
  for (const r of table.rules) if (r.enumerated.length > 1) rules[r.name] = r.enumerated;
  return combinations(rules).map((reading) => {
    const all = { ...reading };
    for (const r of table.rules) if (!(r.name in all)) all[r.name] = r.enumerated[0]!;
    const [res] = model.evaluate(book, snapshot, pinReadings(table, params, all, 'test'));
    return { reading, im: res!.initialMargin, mm: res!.maintenanceMargin };
  });
}

function defaultDominates<P>(model: MarginModel<P>, runs: number) {
  let evaluated = 0;
  let strictly = 0;
  fc.assert(
    fc.property(optionBookArb, (book) => {
      const [def] = model.evaluate(book, snapshot, model.defaultParams);
      const singles = singleReadings(model, book, model.defaultParams);
      for (const s of singles) {
        expect(def!.initialMargin).toBeGreaterThanOrEqual(s.im);
        expect(def!.maintenanceMargin).toBeGreaterThanOrEqual(s.mm);
      }
      // The default is one of the readings' numbers (the highest), not above all of them.
      expect(Math.max(...singles.map((s) => s.im))).toBe(def!.initialMargin);
      if (def!.initialMargin > Math.min(...singles.map((s) => s.im))) strictly++;
      evaluated++;
    }),
    { numRuns: runs, seed: 12 },
  );
  return { evaluated, strictly };
}

describe('default = highest over the hypothesis readings', () => {
  it('deribit-pm: default IM and MM ≥ every single reading on random option books', () => {
    const { evaluated, strictly } = defaultDominates(deribitPmModel, 20);
    expect(evaluated).toBe(20);
    // The rules do move these books: on some, the default is above the lowest reading.
    expect(strictly).toBeGreaterThan(0);
  }, 300_000);

  it('okx-pm: default IMR and MMR ≥ every single reading on random option books', () => {
    const { evaluated, strictly } = defaultDominates(okxPmModel, 20);
    expect(evaluated).toBe(20);
    expect(strictly).toBeGreaterThan(0);
  }, 300_000);

  it('a futures-only book is one evaluation (no option rule can move it): no hypotheses list', () => {
    const book = portfolio([{ instrument: deltaOne[0]!, size: 3 }]);
    const [r] = deribitPmModel.evaluate(book, snapshot, deribitPmModel.defaultParams);
    expect(r!.hypotheses).toBeUndefined();
    const [o] = deribitPmModel.evaluate(
      portfolio([{ instrument: options[0]!, size: -3 }]),
      snapshot,
      deribitPmModel.defaultParams,
    );
    expect(o!.hypotheses).toHaveLength(16);
  });
});

describe('rules charged without enumeration (deribit-pm)', () => {
  const base = deribitPmModel.defaultParams as DeribitPmParams;
  const pinAll = (extra: Record<string, string>) =>
    pinReadings(
      DERIBIT_PM_HYPOTHESES,
      base,
      {
        inverseOptionPnl: 'coin-value',
        extendedCoinConversion: 'range-edge',
        rollShockOptions: 'per-expiry',
        minVolForShockUp: 'floor-shocked',
        ...extra,
      },
      'test',
    );
  it('rollShockTime: exp ≥ linear on random books (exp(rT) − 1 ≥ rT), strictly on some', () => {
    let strictly = 0;
    let evaluated = 0;
    fc.assert(
      fc.property(optionBookArb, (book) => {
        const [e] = deribitPmModel.evaluate(book, snapshot, pinAll({ rollShockTime: 'exp' }));
        const [l] = deribitPmModel.evaluate(book, snapshot, pinAll({ rollShockTime: 'linear' }));
        expect(e!.initialMargin).toBeGreaterThanOrEqual(l!.initialMargin);
        expect(e!.maintenanceMargin).toBeGreaterThanOrEqual(l!.maintenanceMargin);
        if (e!.initialMargin > l!.initialMargin) strictly++;
        evaluated++;
      }),
      { numRuns: 40, seed: 7 },
    );
    expect(evaluated).toBe(40);
    expect(strictly).toBeGreaterThan(0);
  }, 300_000);

  it('volCellOrder: the order of the vol cells does not move IM or MM', () => {
    fc.assert(
      fc.property(optionBookArb, (book) => {
        const a = pinAll({});
        const b: DeribitPmParams = {
          ...a,
          rules: { ...a.rules, volCellOrder: ['down', 'up', 'same'] },
        };
        const [x] = deribitPmModel.evaluate(book, snapshot, a);
        const [y] = deribitPmModel.evaluate(book, snapshot, b);
        expect(y!.initialMargin).toBe(x!.initialMargin);
        expect(y!.maintenanceMargin).toBe(x!.maintenanceMargin);
      }),
      { numRuns: 20, seed: 3 },
    );
  }, 300_000);
});
