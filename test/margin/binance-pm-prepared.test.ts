import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  binancePmModel,
  evaluatePreparedBinancePm,
} from '../../src/margin/binance-pm/binance-pm.ts';
import { prepareBinancePm } from '../../src/margin/binance-pm/prepared.ts';
import { BINANCE_PM_DEFAULTS, type BinancePmParams } from '../../src/margin/binance-pm/params.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { isBallastError } from '../../src/core/errors.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// Binance PM on a prepared market (instrument states and bracket tables found once per
// market): one context shared by many random books of real listed futures and perps gives
// exactly the results of a fresh context per book and of `binancePmModel.evaluate`, typed
// errors included (a failed lookup is not cached).
const snapshot = realSnapshot();
const overrides = JSON.parse(
  readFileSync(new URL('../../examples/binance-pm-brackets.json', import.meta.url), 'utf8'),
) as Partial<BinancePmParams>;
const params: BinancePmParams = { ...BINANCE_PM_DEFAULTS, ...overrides };
const instruments = [
  ...realInstruments().filter((i) => i.kind !== 'option'),
  parseSymbol('BTC_USDC-PERPETUAL', 'deribit'),
];

const book = fc.record({
  positions: fc.uniqueArray(
    fc.record({
      i: fc.integer({ min: 0, max: instruments.length - 1 }),
      size: fc.double({ min: -20, max: 20, noNaN: true }).filter((x) => Math.abs(x) > 1e-3),
    }),
    { maxLength: 6, selector: (p) => p.i },
  ),
  btc: fc.double({ min: -3, max: 30, noNaN: true }),
  usdc: fc.double({ min: -1e5, max: 1e6, noNaN: true }),
});

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (isBallastError(e)) return { error: e.code, field: e.field, message: e.message };
    throw e;
  }
}

describe('binance-pm prepared market', () => {
  it('a shared context equals a fresh one per book and evaluate (random real books)', () => {
    const shared = prepareBinancePm(snapshot, params);
    let compared = 0;
    fc.assert(
      fc.property(fc.array(book, { minLength: 1, maxLength: 5 }), (books) => {
        for (const b of books) {
          const p = portfolio(
            b.positions.map((x) => ({ instrument: instruments[x.i]!, size: x.size })),
            [
              { currency: 'BTC', amount: b.btc },
              { currency: 'USDC', amount: b.usdc },
            ],
          );
          const viaShared = outcome(() => evaluatePreparedBinancePm(shared, p));
          const fresh = outcome(() =>
            evaluatePreparedBinancePm(prepareBinancePm(snapshot, params), p),
          );
          expect(viaShared).toEqual(fresh);
          expect(viaShared).toEqual(outcome(() => binancePmModel.evaluate(p, snapshot, params)));
          compared++;
        }
      }),
      { numRuns: 80 },
    );
    expect(compared).toBeGreaterThan(80);
  });

  it('a missing bracket table is each account its own typed error (not cached)', () => {
    // Only the future has a table; the perp has none. Positions are in symbol order, so the
    // future (BTC-<date>) comes before the perp (BTC-PERPETUAL) in the second book.
    const perp = instruments.find((i) => i.kind === 'perpetual')!;
    const future = instruments.find((i) => i.kind === 'future')!;
    const bare: BinancePmParams = {
      ...BINANCE_PM_DEFAULTS,
      brackets: { [future.symbol]: overrides.defaultBrackets!.cm! },
      defaultBrackets: { um: null, cm: null },
    };
    const shared = prepareBinancePm(snapshot, bare);
    const books = [
      [{ instrument: perp, size: 1 }],
      [
        { instrument: future, size: 1 },
        { instrument: perp, size: 1 },
      ],
    ];
    const fields = books.map((positions) => {
      const r = outcome(() =>
        evaluatePreparedBinancePm(shared, portfolio(positions, [{ currency: 'BTC', amount: 1 }])),
      ) as { error?: string; field?: string };
      expect(r.error).toBe('INVALID_INPUT');
      return r.field;
    });
    expect(fields).toEqual(['positions[0].instrument', 'positions[1].instrument']);
  });
});
