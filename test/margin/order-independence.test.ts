/**
 * Order independence to the bit (docs/architecture.md, "Errors" and README): the same book
 * given with its positions and balances in any order, imported through the boundary
 * (`importPortfolio`, which puts positions in canonical order and merges repeated legs in a
 * canonical order), gives every model the same results, bit for bit, and the same input hash.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import type { MarginModel } from '../../src/margin/margin-model.ts';
import { readJsonFile } from '../../src/io/read-json.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const BINANCE_BRACKETS = readJsonFile(
  fileURLToPath(new URL('../../examples/binance-pm-brackets.json', import.meta.url)),
);

/** Books of real symbols; each model is checked on the first one it accepts. */
const BOOKS: readonly (readonly string[])[] = [
  [
    'BTC-25SEP26-60000-P',
    'BTC-25SEP26-70000-C',
    'BTC-25DEC26-65000-C',
    'BTC-PERPETUAL',
    'BTC-25DEC26',
    'BTC_USDC-25SEP26-65000-C',
    'BTC_USDC-PERPETUAL',
  ],
  ['BTC_USDC-25SEP26-65000-C', 'BTC_USDC-25SEP26-60000-P', 'BTC_USDC-PERPETUAL'],
  ['BTC-PERPETUAL', 'BTC-25DEC26', 'BTC-25SEP26'],
];

/** Light parameters for the Monte Carlo models so the property runs in seconds. */
function fastParams(model: MarginModel<unknown>): unknown {
  const p = model.defaultParams as Record<string, unknown>;
  if (model.id === 'binance-pm') return mergeParams(p, BINANCE_BRACKETS, 'brackets');
  if ('mc' in p) return { ...p, mc: { ...(p.mc as object), paths: 500 } };
  if ('var' in p) {
    const v = p.var as Record<string, unknown>;
    return { ...p, var: { ...v, mc: { ...(v.mc as object), paths: 500 } } };
  }
  return p;
}

interface Leg {
  readonly instrument: string;
  readonly size: number;
  readonly entryPrice?: number;
}

/** Legs of a book, with a repeated leg on the first symbol (merged at the boundary). */
const legsArb = (symbols: readonly string[]) =>
  fc
    .tuple(
      fc.array(fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), {
        minLength: symbols.length + 2,
        maxLength: symbols.length + 2,
      }),
      fc.array(fc.nat(), { minLength: symbols.length + 2, maxLength: symbols.length + 2 }),
    )
    .map(([sizes, keys]) => {
      const syms = [...symbols, symbols[0]!, symbols[0]!];
      const legs: Leg[] = syms.map((s, i) => ({
        instrument: s,
        size: Math.abs(sizes[i]!) < 0.01 ? 0.5 : sizes[i]!,
        ...(s.includes('PERPETUAL') ? { entryPrice: 60000 + 10 * i } : {}),
      }));
      const order = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return { legs, permuted: order.map(([, i]) => legs[i]!) };
    });

const balances = [
  { currency: 'BTC', amount: 10 },
  { currency: 'USDC', amount: 300000 },
];

function evaluate(model: MarginModel<unknown>, legs: readonly Leg[], reversedBalances: boolean) {
  const json = {
    positions: legs,
    balances: reversedBalances ? [...balances].reverse() : balances,
  };
  const book = importPortfolio(JSON.stringify(json), 'book.json', snapshot).portfolio;
  return model.evaluate(book, snapshot, fastParams(model));
}

/** The first book `model` accepts (others are typed n/a errors), or undefined. */
function bookFor(model: MarginModel<unknown>): readonly string[] | undefined {
  for (const symbols of BOOKS) {
    try {
      evaluate(
        model,
        symbols.map((s) => ({ instrument: s, size: 1 })),
        false,
      );
      return symbols;
    } catch (e) {
      if (!isBallastError(e)) throw e;
    }
  }
  return undefined;
}

describe('every model: results and input hash identical to the bit under permutation', () => {
  for (const model of MARGIN_MODELS) {
    it(`${model.id}`, () => {
      const symbols = bookFor(model);
      expect(symbols, `${model.id} accepts none of the test books`).toBeDefined();
      let checked = 0;
      fc.assert(
        fc.property(legsArb(symbols!), ({ legs, permuted }) => {
          const a = evaluate(model, legs, false);
          const b = evaluate(model, permuted, true);
          expect(b.map((r) => r.inputsHash)).toEqual(a.map((r) => r.inputsHash));
          // JSON numbers are the shortest round-trip form: equal text means equal bits.
          expect(JSON.stringify(b)).toBe(JSON.stringify(a));
          checked++;
        }),
        { numRuns: 5 },
      );
      expect(checked).toBe(5);
    }, 120_000);
  }
});
