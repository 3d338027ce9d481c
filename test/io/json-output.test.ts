import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { jsonNumber, toJsonText } from '../../src/io/json-output.ts';

describe('toJsonText', () => {
  it('writes non-finite numbers in the one documented form and absent fields as null', () => {
    const text = toJsonText({ u: Infinity, v: [-Infinity, NaN, 2], w: undefined, x: 1.5 });
    expect(JSON.parse(text)).toEqual({
      u: { nonFinite: 'Infinity' },
      v: [{ nonFinite: '-Infinity' }, { nonFinite: 'NaN' }, 2],
      w: null,
      x: 1.5,
    });
  });
  it('the schema doc lists exactly the forms jsonNumber writes', () => {
    const schema = JSON.parse(
      readFileSync(
        new URL('../../docs/schema/non-finite-number.schema.json', import.meta.url),
        'utf8',
      ),
    ) as { oneOf: { properties?: { nonFinite: { enum: string[] } } }[] };
    const written = [Infinity, -Infinity, NaN].map(
      (x) => (jsonNumber(x) as { nonFinite: string }).nonFinite,
    );
    expect(schema.oneOf[1]!.properties!.nonFinite.enum.sort()).toEqual(written.sort());
    expect(jsonNumber(0.25)).toBe(0.25);
  });
});
