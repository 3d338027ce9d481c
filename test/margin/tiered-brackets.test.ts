// Tiered maintenance brackets (Binance `cum` / Bybit incremental / OKX MR7 multipliers).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bracketIndex,
  bracketsFromTiers,
  incrementalMaintenance,
  tieredMaintenance,
  validateBrackets,
  withComputedCum,
  type MaintenanceBracket,
} from '../../src/margin/tiered-brackets.ts';

/** Random tier tables: 1–7 tiers, increasing edges, rates ≥ 0 (the last tier open or capped). */
const tables = fc
  .record({
    widths: fc.array(fc.double({ min: 1, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 7 }),
    rates: fc.array(fc.double({ min: 0, max: 0.5, noNaN: true }), { minLength: 7, maxLength: 7 }),
    open: fc.boolean(),
    increasing: fc.boolean(),
  })
  .map(({ widths, rates, open, increasing }) => {
    let edge = 0;
    const rs = increasing ? [...rates].sort((a, b) => a - b) : rates;
    return bracketsFromTiers(
      widths.map((w, k) => {
        edge += w;
        return { upTo: open && k === widths.length - 1 ? null : edge, rate: rs[k]! };
      }),
    );
  });

const top = (t: readonly MaintenanceBracket[]): number =>
  t[t.length - 1]!.notionalCap ?? t[t.length - 1]!.notionalFloor * 2 + 1e6;

describe('tiered maintenance brackets', () => {
  it("the notes' illustration: cum 0 / 35 / 535; MM(30,000) = 265, MM(100,000) = 1,465", () => {
    // binance-bybit.md §A.3: 0–10k @ 0.65 %, 10k–50k @ 1 %, 50k–250k @ 2 %
    const t = bracketsFromTiers([
      { upTo: 10_000, rate: 0.0065 },
      { upTo: 50_000, rate: 0.01 },
      { upTo: 250_000, rate: 0.02 },
    ]);
    expect(t.map((b) => b.cum).map((c) => Math.round(c * 1e9) / 1e9)).toEqual([0, 35, 535]);
    expect(tieredMaintenance(30_000, t)).toBeCloseTo(265, 9);
    expect(tieredMaintenance(-100_000, t)).toBeCloseTo(1_465, 9);
  });

  it('MM is continuous at every bracket edge (cum arithmetic)', () => {
    fc.assert(
      fc.property(tables, (t) => {
        for (let k = 0; k + 1 < t.length; k++) {
          const e = t[k]!.notionalCap!;
          const below = e * t[k]!.maintMarginRatio - t[k]!.cum;
          const above = e * t[k + 1]!.maintMarginRatio - t[k + 1]!.cum;
          // cum is a running sum of e_k·Δratio terms: its rounding scales with the edge, not the MM
          expect(Math.abs(below - above)).toBeLessThanOrEqual(1e-11 * Math.max(1, e));
          // approaching the edge from below gives the value at the edge
          const justBelow = tieredMaintenance(e * (1 - 1e-12), t);
          expect(Math.abs(justBelow - tieredMaintenance(e, t))).toBeLessThanOrEqual(
            1e-9 * Math.max(1, e),
          );
        }
      }),
    );
  });

  it('the cum form equals the incremental (slice) form and is non-decreasing in |notional|', () => {
    fc.assert(
      fc.property(
        tables,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (t, u, v) => {
          const hi = top(t);
          const [a, b] = [u * hi, v * hi].sort((x, y) => x - y) as [number, number];
          const ma = tieredMaintenance(a, t);
          expect(Math.abs(ma - incrementalMaintenance(a, t))).toBeLessThanOrEqual(
            1e-9 * Math.max(1, ma),
          );
          expect(tieredMaintenance(b, t)).toBeGreaterThanOrEqual(ma - 1e-9 * Math.max(1, ma));
          expect(tieredMaintenance(-a, t)).toBe(ma);
        },
      ),
    );
  });

  it('picks the bracket by floor ≤ n < cap, includes the top edge of a capped table, rejects beyond it', () => {
    const t = bracketsFromTiers([
      { upTo: 100, rate: 0.01 },
      { upTo: 200, rate: 0.02 },
    ]);
    expect(bracketIndex(0, t)).toBe(0);
    expect(bracketIndex(99.9, t)).toBe(0);
    expect(bracketIndex(100, t)).toBe(1);
    expect(bracketIndex(200, t)).toBe(1);
    expect(() => tieredMaintenance(200.01, t)).toThrow(/above the largest bracket cap/);
  });

  it('validates tables and recomputes cum', () => {
    expect(() => validateBrackets([])).toThrow(/at least one/);
    expect(() =>
      validateBrackets([{ notionalFloor: 5, notionalCap: null, maintMarginRatio: 0.1, cum: 0 }]),
    ).toThrow(/start at 0/);
    expect(() =>
      validateBrackets([
        { notionalFloor: 0, notionalCap: 10, maintMarginRatio: 0.1, cum: 0 },
        { notionalFloor: 20, notionalCap: null, maintMarginRatio: 0.2, cum: 1 },
      ]),
    ).toThrow(/contiguous/);
    expect(() =>
      validateBrackets([
        { notionalFloor: 0, notionalCap: null, maintMarginRatio: 0.1, cum: 0 },
        { notionalFloor: 10, notionalCap: 20, maintMarginRatio: 0.2, cum: 1 },
      ]),
    ).toThrow(/only the last/);
    const c = withComputedCum([
      { notionalFloor: 0, notionalCap: 10, maintMarginRatio: 0.1, cum: 99 },
      { notionalFloor: 10, notionalCap: null, maintMarginRatio: 0.3, cum: 99 },
    ]);
    expect(c[0]!.cum).toBe(0);
    expect(c[1]!.cum).toBeCloseTo(10 * (0.3 - 0.1), 15);
  });
});
