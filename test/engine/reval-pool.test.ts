import { afterAll, describe, expect, it } from 'vitest';
import { BallastError } from '../../src/core/errors.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { atmImpliedVol } from '../../src/market/market-vols.ts';
import { buildPnlMatrix } from '../../src/risk/pnl-matrix.ts';
import { monteCarloScenarios } from '../../src/scenarios/monte-carlo.ts';
import { uniformScenario, type Scenario } from '../../src/scenarios/scenario.ts';
import { revaluationPool, rowRanges, sharedMatrixBuffer } from '../../src/workers/reval-pool.ts';
import { bundledBtc } from '../../bench/harness.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The matrix built on worker threads (rows split over the pool, one shared buffer) against
// the one-thread buildPnlMatrix: equal bit for bit (Object.is per cell, so −0 and NaN count).
const pool = revaluationPool(2);
afterAll(() => pool.close());

/** Index of the first cell whose bits differ (−1 if none). */
function firstDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const mc = (snapshotVol: number, paths: number, seed: number): Scenario[] =>
  monteCarloScenarios({
    underlyings: ['BTC'],
    vols: [snapshotVol],
    correlation: [[1]],
    horizonDays: 1,
    paths,
    seed,
    model: 'student-t',
    degreesOfFreedom: 4,
    volOfVol: 1,
    spotVolCorrelation: -0.5,
  });

describe('revaluation pool (worker threads, shared matrix)', () => {
  it('bundled chain × Monte Carlo paths: 2 workers = one thread, bit for bit, into a reused buffer', async () => {
    const { snapshot, chain } = bundledBtc();
    const vol = atmImpliedVol(snapshot, 'BTC');
    const out = sharedMatrixBuffer(chain.length * 3000);
    for (const seed of [1, 2]) {
      // A second scenario list of the same size on the same pool and buffer: the workers must
      // not reuse the first list, and every cell must be rewritten (NaN-filled beforehand).
      const scenarios = mc(vol, 3000, seed);
      const one = buildPnlMatrix(chain, snapshot, scenarios, { cache: false });
      out.fill(NaN);
      const par = await pool.build(chain, snapshot, scenarios, { out });
      expect(par.pnl).toBe(out);
      expect(firstDiff(par.pnl, one.pnl)).toBe(-1);
      expect(par.rowOf).toEqual(one.rowOf);
      expect(par.currencies).toEqual(one.currencies);
    }
    expect(chain.length).toBeGreaterThan(800);
  }, 120_000);

  it('small grid case (Deribit PM cells, both inverse-option modes; 3 and 5 workers)', async () => {
    const snapshot = realSnapshot();
    const instruments = realInstruments().slice(0, 13);
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC').scenarios;
    for (const workers of [3, 5]) {
      const p = revaluationPool(workers);
      try {
        for (const mode of ['coin-value', 'usd-at-shocked'] as const) {
          const one = buildPnlMatrix(instruments, snapshot, grid, {
            cache: false,
            inverseOptionPnl: mode,
          });
          const par = await p.build(instruments, snapshot, grid, { inverseOptionPnl: mode });
          expect(firstDiff(par.pnl, one.pnl)).toBe(-1);
          expect(par.pnl.buffer).toBeInstanceOf(SharedArrayBuffer);
        }
      } finally {
        await p.close();
      }
    }
  }, 60_000);

  it('a typed error in a worker comes back as the same BallastError as the one-thread build', async () => {
    const snapshot = realSnapshot();
    const all = realInstruments();
    // Spot to zero: the inverse delta-one rows (first half: the perpetual and futures) give
    // 1 − 1/0 = −∞ (NOT_FINITE naming the row); the options (second half) fail otherwise, so
    // the error thrown must be the lowest row range's, as in the one-thread build.
    const instruments = [...all.slice(0, 6), ...all.slice(20, 26)];
    const scenarios = [
      uniformScenario('up', 'up', { spotMultiplier: 1.1, vol: { kind: 'none' } }),
      uniformScenario('zero', 'spot to zero', { spotMultiplier: 0, vol: { kind: 'none' } }),
    ];
    const oneThread = (list: typeof all): BallastError => {
      try {
        buildPnlMatrix(list, snapshot, scenarios, { cache: false });
      } catch (e) {
        if (e instanceof BallastError) return e;
        throw e;
      }
      throw new Error('expected a typed error');
    };
    const want = oneThread(instruments);
    expect([want.code, want.field]).toEqual(['NOT_FINITE', 'BTC-PERPETUAL']);
    expect(oneThread(instruments.slice(6)).code).not.toBe(want.code);
    const got = await pool.build(instruments, snapshot, scenarios).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(got).toBeInstanceOf(BallastError);
    const b = got as BallastError;
    expect([b.code, b.field, b.message]).toEqual([want.code, want.field, want.message]);
  });

  it('a buffer not in shared memory, or of the wrong size, is refused naming out', async () => {
    const snapshot = realSnapshot();
    const instruments = realInstruments().slice(0, 3);
    const grid = [uniformScenario('u', 'u', { spotMultiplier: 1.05, vol: { kind: 'none' } })];
    for (const out of [new Float64Array(3), sharedMatrixBuffer(4)])
      await expect(pool.build(instruments, snapshot, grid, { out })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'out',
      });
  });

  it('a pool of no workers (or a fractional count) is refused naming workers', () => {
    for (const w of [0, 1.5, -1])
      expect(() => revaluationPool(w)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', field: 'workers' }),
      );
  });

  it('rowRanges covers every row once, contiguous, sizes within one', () => {
    for (const [n, parts] of [
      [881, 2],
      [13, 5],
      [3, 5],
      [0, 2],
      [10, 1],
    ] as const) {
      const r = rowRanges(n, parts);
      const rows = r.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k));
      expect(rows).toEqual(Array.from({ length: n }, (_, k) => k));
      const sizes = r.map(([a, b]) => b - a);
      if (n > 0) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(r.length).toBe(Math.min(n, parts));
    }
  });
});
