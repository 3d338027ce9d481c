import { expect, it } from 'vitest';
import { median } from '../../src/core/stats.ts';

it('median: middle value, mean of the two middle ones, NaN for none; input untouched', () => {
  const xs = [3, 1, 2];
  expect(median(xs)).toBe(2);
  expect(xs).toEqual([3, 1, 2]);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([])).toBeNaN();
});
