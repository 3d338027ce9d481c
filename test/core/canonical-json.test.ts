import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { canonicalJson, CanonicalJsonError } from '../../src/core/canonical-json.ts';
import { canonicalHash } from '../../src/core/hash.ts';
import { BallastError } from '../../src/core/errors.ts';

// The input hash's serializer against the `canonicalize` package (the RFC 8785 implementation
// the hash used before): the same text on random JSON values, so every input hash is unchanged.
const reference = canonicalize as unknown as (v: unknown) => string | undefined;

describe('canonicalJson equals the canonicalize package (RFC 8785)', () => {
  it('random JSON values: nested objects, unicode keys and strings, doubles', () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    const obj = fc.dictionary(fc.string({ unit: 'binary-ascii' }), fc.oneof(number, value));
    fc.assert(
      fc.property(fc.oneof(value, obj, fc.array(fc.oneof(number, obj))), (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      { numRuns: 2000 },
    );
  });
  it('undefined members, toJSON, typed arrays, -0 and key order by UTF-16 code units (U+1F600 before U+FFFF)', () => {
    const v = {
      b: [undefined, 1, -0, 1e21, 5e-7],
      a: undefined,
      é: new Date(0),
      '\u{1F600}': 1,
      '\uFFFF': 2,
      t: new Float64Array([0.1, 2]),
      z: { y: null, x: true },
    };
    expect(canonicalJson(v)).toBe(reference(v));
    expect(canonicalJson(v)).toBe(
      '{"b":[null,1,0,1e+21,5e-7],"t":{"0":0.1,"1":2},"z":{"x":true,"y":null},"é":"1970-01-01T00:00:00.000Z","\u{1F600}":1,"\uFFFF":2}',
    );
  });
  it('refuses non-finite numbers, lone surrogates and cycles', () => {
    expect(() => canonicalJson({ a: [1, NaN] })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson('\uD800x')).toThrow(/lone-surrogate/);
    const c: Record<string, unknown> = {};
    c.self = c;
    expect(() => canonicalJson(c)).toThrow(/cycle/);
  });
  it('canonicalHash names the path of a non-finite number', () => {
    try {
      canonicalHash({ p: { q: [0, Infinity] } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BallastError);
      expect((e as BallastError).code).toBe('NOT_FINITE');
      expect((e as BallastError).field).toBe('$.p.q[1]');
    }
  });
});
