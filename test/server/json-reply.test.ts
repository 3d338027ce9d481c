// toJsonCompact (server/json-reply.ts): plain `JSON.stringify` when the value holds nothing
// the replacer changes, the replacer otherwise. The text must be that of the CLI's
// `toJsonText` (io/json-output.ts: undefined as null, non-finite numbers as
// {"nonFinite": …}) without indentation: checked against `toJsonText` parsed and written
// again compactly, on random values with and without undefined, NaN, ±Infinity, −0, holes,
// dates (toJSON) and functions, nested in objects and arrays.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toJsonText } from '../../src/io/json-output.ts';
import { toJsonCompact, toJsonCompactShared } from '../../src/server/json-reply.ts';

const leaf = fc.oneof(
  { arbitrary: fc.double(), weight: 4 }, // includes NaN, ±Infinity, −0
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.string(), weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.date({ noInvalidDate: true }), weight: 1 },
);
const finiteLeaf = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string());
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 5 }),
  ),
}));
const { plain } = fc.letrec((tie) => ({
  plain: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    finiteLeaf,
    fc.array(tie('plain'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('plain'), { maxKeys: 5 }),
  ),
}));

/** The CLI's text of `v`, written compactly (key order and numbers kept by JSON.parse). */
const oracle = (v: unknown): string => JSON.stringify(JSON.parse(toJsonText(v)));

describe('toJsonCompact', () => {
  it('writes the CLI text compactly, with or without values the replacer changes', () => {
    let changed = 0;
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(v !== undefined);
        const text = toJsonCompact(v);
        expect(text).toBe(oracle(v));
        if (text !== JSON.stringify(v)) changed++;
      }),
      { numRuns: 2000, seed: 11 },
    );
    // the generator reaches values where plain JSON.stringify would be wrong
    expect(changed).toBeGreaterThan(100);
  });

  it('values with only finite numbers and strings: the same text as JSON.stringify', () => {
    fc.assert(
      fc.property(plain, (v) => {
        expect(toJsonCompact(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('a non-finite number or undefined deep in a value, a function, a hole, a toJSON', () => {
    const cases: unknown[] = [
      { a: [{ b: { c: NaN } }] },
      { a: [1, 2, { b: -Infinity }], d: 'x' },
      { a: { b: undefined }, c: 1 },
      [1, undefined, 3],
      [1, , 3],
      { f: () => 1, g: [() => 2], n: -0 },
      { when: new Date(0), inner: { toJSON: () => ({ x: Infinity }) } },
      Object.create({ inherited: NaN }, { own: { value: 1, enumerable: true } }),
    ];
    for (const v of cases) expect(toJsonCompact(v)).toBe(oracle(v));
    expect(toJsonCompact({ a: { b: undefined } })).toBe('{"a":{"b":null}}');
    expect(toJsonCompact([NaN])).toBe('[{"nonFinite":"NaN"}]');
  });

  it('toJsonCompactShared writes the same text', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 5 }), (v) => {
        const keys = Object.keys(v);
        expect(toJsonCompactShared(v, keys.slice(0, 2))).toBe(oracle(v));
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
