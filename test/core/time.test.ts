import { describe, expect, it } from 'vitest';
import { parseIsoDate } from '../../src/core/time.ts';

describe('parseIsoDate', () => {
  it('calendar dates at 00:00 UTC; impossible or malformed dates are NaN', () => {
    expect(parseIsoDate('2020-03-12')).toBe(Date.UTC(2020, 2, 12));
    expect(parseIsoDate(' 2020-03-12 ')).toBe(Date.UTC(2020, 2, 12));
    expect(parseIsoDate('2025-02-30')).toBeNaN();
    expect(parseIsoDate('2025-2-3')).toBeNaN();
    expect(parseIsoDate('12/03/2020')).toBeNaN();
  });
});
