import { describe, expect, it } from 'vitest';
import {
  buildPnlMatrix,
  instrumentState,
  instrumentStates,
  revalueRow,
  scenarioPnl,
} from '../../src/risk/pnl-matrix.ts';
import { scenarioColumns } from '../../src/risk/scenario-columns.ts';
import { classScratch } from '../../src/risk/vanilla-row.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { monteCarloScenarios } from '../../src/scenarios/monte-carlo.ts';
import { atmImpliedVol } from '../../src/market/market-vols.ts';
import { moveFor, uniformScenario, type Scenario } from '../../src/scenarios/scenario.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';

// The matrix build's hoisted option loop (revalueRow) against the per-cell definition
// (scenarioPnl): the same bits for every listed instrument, on the Deribit grid (vol shocks
// with term structure, extended cells) and on Monte Carlo scenarios with time shifts.
const snapshot = realSnapshot();
const instruments = realInstruments();

function sameBits(scenarios: readonly Scenario[], mode: 'coin-value' | 'usd-at-shocked') {
  const m = buildPnlMatrix(instruments, snapshot, scenarios, {
    cache: false,
    inverseOptionPnl: mode,
  });
  let compared = 0;
  instruments.forEach((inst, i) => {
    const st = instrumentState(inst, snapshot);
    scenarios.forEach((sc, s) => {
      const want = scenarioPnl(inst, st, sc, mode);
      const got = m.pnl[i * scenarios.length + s]!;
      if (!Object.is(got, want)) expect({ symbol: inst.symbol, s, got }).toEqual({ want });
      compared++;
    });
  });
  return compared;
}

describe('buildPnlMatrix rows equal scenarioPnl bit for bit', () => {
  it('Deribit PM grid, both inverse-option modes', () => {
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
    expect(sameBits(grid.scenarios, 'coin-value')).toBe(instruments.length * grid.scenarios.length);
    expect(sameBits(grid.scenarios, 'usd-at-shocked')).toBeGreaterThan(0);
  });
  it('Deribit PM grid cells under two time shifts (term factors per shift)', () => {
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
    const shifted = grid.scenarios.flatMap((sc) => [
      sc,
      { ...sc, id: `${sc.id}+3d`, timeShiftDays: 3 },
    ]);
    expect(sameBits(shifted, 'coin-value')).toBe(instruments.length * shifted.length);
  });
  it('one row scratch over two scenario lists (term factors follow the columns)', () => {
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC').scenarios;
    // The same grid with the vol shocks' term pivot moved from 30 to 90 days.
    const other = grid.map((sc): Scenario => {
      const move = moveFor(sc, 'BTC');
      const vol =
        move.vol.kind !== 'none' && move.vol.term
          ? { ...move.vol, term: { ...move.vol.term, pivotDays: 90 } }
          : move.vol;
      return { ...sc, moves: { BTC: { ...move, vol } } };
    });
    const scratch = classScratch(8);
    const row = new Float64Array(grid.length);
    for (const scenarios of [grid, other, grid]) {
      const cols = scenarioColumns(scenarios, 'BTC');
      instruments.forEach((inst) => {
        const st = instrumentState(inst, snapshot);
        revalueRow(inst, st, cols, 'coin-value', row, 0, scratch);
        scenarios.forEach((sc, s) => {
          const want = scenarioPnl(inst, st, sc);
          if (!Object.is(row[s], want))
            expect({ symbol: inst.symbol, s, got: row[s] }).toEqual({ want });
        });
      });
    }
  });
  it('Monte Carlo scenarios with implied-vol moves (a vol shock per path)', () => {
    const scenarios = monteCarloScenarios({
      underlyings: ['BTC'],
      vols: [atmImpliedVol(snapshot, 'BTC')],
      correlation: [[1]],
      horizonDays: 1,
      paths: 300,
      seed: 11,
      model: 'gbm',
      volOfVol: 2,
    });
    expect(sameBits(scenarios, 'coin-value')).toBe(instruments.length * 300);
  });
  it('Monte Carlo scenarios with a 2-day horizon (time shift)', () => {
    const scenarios = monteCarloScenarios({
      underlyings: ['BTC'],
      vols: [atmImpliedVol(snapshot, 'BTC')],
      correlation: [[1]],
      horizonDays: 2,
      timeShiftDays: 2,
      paths: 200,
      seed: 7,
      model: 'student-t',
      degreesOfFreedom: 4,
    });
    expect(sameBits(scenarios, 'coin-value')).toBe(instruments.length * 200);
  });
  it('a time shift past the nearest expiries (their cells are the payoff at F·m)', () => {
    const dte = instruments.flatMap((i) =>
      i.kind === 'option' ? [instrumentState(i, snapshot).dteDays] : [],
    );
    const shift = Math.ceil(Math.min(...dte)) + 1;
    const expired = dte.filter((d) => d - shift <= 0).length;
    expect(expired).toBeGreaterThan(0);
    expect(expired).toBeLessThan(dte.length);
    const scenarios = monteCarloScenarios({
      underlyings: ['BTC'],
      vols: [atmImpliedVol(snapshot, 'BTC')],
      correlation: [[1]],
      horizonDays: shift,
      timeShiftDays: shift,
      paths: 100,
      seed: 5,
      model: 'gbm',
      volOfVol: 1,
    });
    expect(sameBits(scenarios, 'coin-value')).toBe(instruments.length * 100);
  });
});

describe('buildPnlMatrix fails closed on a cell it cannot value', () => {
  const huge = [
    uniformScenario('huge', 'spot × 1e306', { spotMultiplier: 1e306, vol: { kind: 'none' } }),
  ];
  it('an inverse future at a zero spot (1 − 1/0): NOT_FINITE naming the future', () => {
    const fut = instruments.find((i) => i.kind === 'future' && i.settlement === 'inverse')!;
    const zero = [
      uniformScenario('zero', 'spot × 0', { spotMultiplier: 0, vol: { kind: 'none' } }),
    ];
    expect(() => buildPnlMatrix([fut], snapshot, zero, { cache: false })).toThrow(
      expect.objectContaining({ code: 'NOT_FINITE', field: fut.symbol }),
    );
  });
  it('an option at an overflowing forward: the typed error of Black-76 naming F', () => {
    const opt = instruments.find((i) => i.kind === 'option')!;
    expect(() => buildPnlMatrix([opt], snapshot, huge, { cache: false })).toThrow(
      expect.objectContaining({ code: 'NOT_FINITE', field: 'F' }),
    );
  });
});

describe('instrument states are shared per snapshot', () => {
  it('the same state objects on a second build, equal to a fresh computation', () => {
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
    const a = buildPnlMatrix(instruments, snapshot, grid.scenarios, { cache: false });
    const b = buildPnlMatrix(instruments, snapshot, grid.scenarios, { cache: false });
    instruments.forEach((inst, i) => {
      expect(b.states[i]).toBe(a.states[i]);
      expect(a.states[i]).toEqual(instrumentState(inst, snapshot));
    });
  });
  it('a symbol redefined with other terms gets its own state', () => {
    const opt = instruments.find((i) => i.kind === 'option' && i.right === 'call')!;
    const first = instrumentStates([opt], snapshot)[0]!;
    const other = { ...opt, right: 'put' as const };
    const second = instrumentStates([other], snapshot)[0]!;
    expect(second.value).toBe(instrumentState(other, snapshot).value);
    expect(second.value).not.toBe(first.value);
  });
});

describe('buildPnlMatrix into a caller buffer', () => {
  const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
  it('overwrites every cell of a reused buffer with the fresh matrix', () => {
    const fresh = buildPnlMatrix(instruments, snapshot, grid.scenarios, { cache: false }).pnl;
    const out = new Float64Array(fresh.length).fill(Number.NaN);
    const m = buildPnlMatrix(instruments, snapshot, grid.scenarios, { cache: false, out });
    expect(m.pnl).toBe(out);
    let differing = 0;
    for (let i = 0; i < out.length; i++) if (!Object.is(out[i], fresh[i])) differing++;
    expect(differing).toBe(0);
  });
  it('a buffer of the wrong size: INVALID_INPUT naming out', () => {
    const out = new Float64Array(instruments.length * grid.scenarios.length - 1);
    expect(() => buildPnlMatrix(instruments, snapshot, grid.scenarios, { out })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', field: 'out' }),
    );
  });
});
