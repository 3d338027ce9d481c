import { describe, expect, it } from 'vitest';
import { buildPnlMatrix, instrumentState, scenarioPnl } from '../../src/risk/pnl-matrix.ts';
import { deribitPmModel } from '../../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../../src/margin/deribit-pm/prepared.ts';
import { monteCarloScenarios } from '../../src/scenarios/monte-carlo.ts';
import { atmImpliedVol } from '../../src/market/market-vols.ts';
import type { Scenario } from '../../src/scenarios/scenario.ts';
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
});
