/**
 * Deribit PM's linear face (`deribitPmModel.linearTerms`, margin/deribit-pm/linear-terms.ts)
 * evaluated at trade sizes x, by the formula of margin/linear-terms.ts, against the exact
 * model on the book with those trades added. With the delta shock off (the one part the face
 * leaves out besides the 9-decimal rounding) they agree to the rounding for sum-of-worst
 * aggregation; joint aggregation drops extended gains beyond the allowance, so its face is
 * ≥ the exact worst case (conservative).
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { loadSnapshotFile } from '../../src/io/load-market.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { parseJson, readTextFile } from '../../src/io/read-json.ts';
import { deribitPmModel, type DeribitPmParams } from '../../src/margin/deribit-pm/index.ts';
import type { LinearMarginPool } from '../../src/margin/linear-terms.ts';
import { instrumentState } from '../../src/risk/pnl-matrix.ts';
import { pinnedDeribitParams } from '../helpers/pinned.ts';
import { portfolio, type Portfolio } from '../../src/risk/portfolio.ts';

const path = (f: string) => fileURLToPath(new URL(`../../${f}`, import.meta.url));
const snapshot = loadSnapshotFile(path('examples/btc-eth-snapshot.json'));
const book = (f: string): Portfolio =>
  importPortfolio(readTextFile(path(f)), f, snapshot, parseJson).portfolio;

/** The face's margin of one pool at sizes x (margin/linear-terms.ts, module doc). */
function faceMargin(pool: LinearMarginPool, x: readonly number[]): number {
  let abs = 0;
  const perBlock = pool.blocks.map((b) => {
    for (const a of b.absTerms)
      abs += a.weight * Math.abs(a.coefs.reduce((s, [j, k]) => s + k * x[j]!, a.base));
    return Array.from(b.base, (base, c) =>
      b.columns.reduce((s, col) => s + col.values[c]! * x[col.trade]!, base),
    );
  });
  let worst = 0;
  if (pool.aggregation === 'sum') {
    pool.blocks.forEach((b, i) => {
      let w = 0;
      perBlock[i]!.forEach((p, c) => (w = Math.max(w, -(p + b.allowance[c]!))));
      worst += w;
    });
  } else {
    const n = pool.blocks[0]!.base.length;
    for (let c = 0; c < n; c++) {
      let credited = 0;
      pool.blocks.forEach((b, i) => {
        const p = perBlock[i]![c]!;
        const { offset, cap } = b.credit;
        credited += b.noCredit[c]
          ? Math.min(p + b.allowance[c]!, 0)
          : Math.min(p + b.allowance[c]!, offset < 1 ? offset * p : Infinity, cap);
      });
      worst = Math.max(worst, -credited);
    }
  }
  return pool.constant + worst + abs;
}

const SYMBOLS = [
  'BTC-PERPETUAL',
  'BTC-25SEP26',
  'BTC-26JUN26-70000-P',
  'BTC-26JUN26-85000-C',
  'BTC_USDC-26JUN26-75000-P',
  'BTC_USDC-PERPETUAL',
  'ETH-PERPETUAL',
  'ETH_USDC-PERPETUAL',
];
const instruments = SYMBOLS.map((s) => parseSymbol(s, 'deribit')).filter((i) =>
  Boolean(snapshot.underlyings[i.underlying]),
);
const trades = instruments.map((i) => ({ instrument: i, state: instrumentState(i, snapshot) }));

function compare(p: Portfolio, params: DeribitPmParams, x: readonly number[]) {
  const face = deribitPmModel.linearTerms!(p, snapshot, params, trades);
  const after = portfolio(
    [
      ...p.positions,
      ...instruments.flatMap((i, j) => (x[j] ? [{ instrument: i, size: x[j] }] : [])),
    ],
    p.balances,
  );
  const exact = deribitPmModel.evaluate(after, snapshot, params);
  return face.map((pool) => ({
    currency: pool.currency,
    aggregation: pool.aggregation,
    face: faceMargin(pool, x),
    exact: exact.find((r) => r.currency === pool.currency)?.initialMargin ?? 0,
  }));
}

const sizes = fc.array(fc.oneof(fc.constant(0), fc.double({ min: -3, max: 3, noNaN: true })), {
  minLength: SYMBOLS.length,
  maxLength: SYMBOLS.length,
});
const rules = deribitPmModel.defaultParams.rules;
// Every hypothesis rule pinned: the face is one reading, so the exact model is evaluated at
// that reading (its default charges the highest over the readings; optimize/margin-lp.ts
// writes one face per reading for that).
const noDeltaShock: DeribitPmParams = pinnedDeribitParams({
  ...deribitPmModel.defaultParams,
  rules: { ...rules, deltaShock: 'off' },
});

describe('Deribit PM linear face', () => {
  it('has a column per trade and one pool per settlement currency', () => {
    expect(instruments.length).toBe(SYMBOLS.length);
    const face = deribitPmModel.linearTerms!(
      book('examples/mixed-book.json'),
      snapshot,
      noDeltaShock,
      trades,
    );
    expect(face.map((p) => p.currency)).toEqual(['BTC', 'ETH', 'USDC']);
    const cols = face.flatMap((p) => p.blocks.flatMap((b) => b.columns.map((c) => c.trade)));
    expect([...cols].sort((a, b) => a - b)).toEqual(trades.map((_, j) => j));
  });
  it('equals the exact model (delta shock off) at random trade sizes, sum of per-key worst cases', () => {
    const p = book('examples/mixed-book.json');
    fc.assert(
      fc.property(sizes, (x) => {
        for (const r of compare(p, noDeltaShock, x)) {
          expect(r.aggregation).toBe('sum');
          // 9-decimal rounding of the venue formula, twice.
          expect(Math.abs(r.face - r.exact)).toBeLessThan(3e-9 * Math.max(1, r.exact));
        }
      }),
      { numRuns: 25, seed: 10 },
    );
  });
  it('is conservative with joint aggregation (USDC pool with BTC and ETH keys)', () => {
    const p = book('examples/mixed-book.json');
    const joint: DeribitPmParams = pinnedDeribitParams({
      ...noDeltaShock,
      rules: { ...noDeltaShock.rules, multiPairAggregation: 'joint' },
    });
    let jointPools = 0;
    fc.assert(
      fc.property(sizes, (x) => {
        for (const r of compare(p, joint, x)) {
          if (r.aggregation === 'joint') jointPools++;
          expect(r.face).toBeGreaterThanOrEqual(r.exact - 3e-9 * Math.max(1, r.exact));
        }
      }),
      { numRuns: 25, seed: 11 },
    );
    expect(jointPools).toBe(25);
  });
});
