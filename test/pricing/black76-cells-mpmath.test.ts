import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { vanillaCellValue } from '../../src/risk/vanilla-row.ts';

// Scenario cells (`vanillaCellValue`: the option at F1 = F0·m with x = ln(K/F0) − ln m, as the
// matrix row and scenarioPnl form it) against mpmath at 120 digits
// (test/fixtures/black76-mpmath-cells, written by its generate.py, exact price at F0·m):
//
//   |P − P_ref| ≤ 8·ε·κ·P_ref,  ε = 2⁻⁵²,  κ = 1 + h² + (1 + h)·(2 + |ln(K/F0)| + |ln m|)/s,
//
// h = |ln(F1/K)|/s, s = σ√T: the condition number of the price under the roundings of its
// inputs as the cell forms them (σ·√T: h²; F0·m and K/F0: an absolute ε each in x; the two
// logs and their difference: ε·(|ln(K/F0)| + |ln m|) absolute in x, which the price feels
// as (1 + h)/s relative). With x formed as ln(F1/K) (black76Price) the last factor is 1.
interface Case {
  readonly tag: string;
  readonly right: 'call' | 'put';
  readonly inverse: boolean;
  readonly F0: number;
  readonly m: number;
  readonly K: number;
  readonly T: number;
  readonly sigma: number;
  readonly df: number;
  readonly h: number;
  readonly s: number;
  readonly price: number;
}
const doc = JSON.parse(
  readFileSync(new URL('../fixtures/black76-mpmath-cells/cells.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const EPS = 2 ** -52;
const BOUND = 8;

function cell(c: Case): number {
  const F1 = c.F0 * c.m;
  const sd = c.sigma * Math.sqrt(c.T);
  const lnKF = Math.log(c.K / c.F0);
  const lnM = Math.log(c.m);
  return vanillaCellValue(
    c.right === 'call',
    c.inverse,
    F1,
    c.K,
    Math.sqrt(c.K),
    sd,
    c.df,
    lnKF,
    lnM,
  );
}

function kappa(c: Case): number {
  const logs = 2 + Math.abs(Math.log(c.K / c.F0)) + Math.abs(Math.log(c.m));
  return 1 + c.h * c.h + ((1 + c.h) * logs) / c.s;
}

describe('scenario cells against mpmath (120 digits)', () => {
  it('covers near-the-money cancellation and Monte Carlo-like cells, both settlements', () => {
    expect(doc.cases.length).toBeGreaterThan(2000);
    const tags = new Set(doc.cases.map((c) => `${c.tag}/${c.inverse}`));
    for (const t of ['near-money/true', 'random/true', 'random/false'])
      expect(tags.has(t), t).toBe(true);
  });
  it(`|P − P_ref| ≤ ${BOUND}·ε·κ·P_ref on every case`, () => {
    let worst = 0;
    for (const c of doc.cases) {
      const e = Math.abs(cell(c) - c.price) / (EPS * kappa(c) * c.price);
      if (!(e <= BOUND)) expect({ ...c, errorInKappa: e }).toEqual({ within: BOUND });
      worst = Math.max(worst, e);
    }
    expect(worst).toBeLessThanOrEqual(BOUND);
  });
});
