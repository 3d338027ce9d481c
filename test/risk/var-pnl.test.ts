/**
 * The generated scenarios through the P&L matrix (src/risk/pnl-matrix.ts) on the real Deribit
 * BTC snapshot, reduced by VaR/ES: the path the var/es margin models take.
 */
import { describe, expect, it } from 'vitest';
import { buildPnlMatrix, matrixRow } from '../../src/risk/pnl-matrix.ts';
import { expectedShortfall, tailCount, tailScenarios, valueAtRisk } from '../../src/risk/var.ts';
import { historicalScenarios } from '../../src/scenarios/historical.ts';
import { monteCarloScenarios } from '../../src/scenarios/monte-carlo.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realInstruments, realSnapshot } from '../helpers/real-market.ts';
import { bitfinexBtcEth } from '../helpers/price-history.ts';

describe('VaR of real instruments under generated scenarios', () => {
  const { btc } = bitfinexBtcEth();
  const hs = historicalScenarios([btc], { horizonSteps: 1, overlapping: true, window: 1000 });

  it('long 1 BTC-PERPETUAL (inverse, coin P&L 1 − 1/m): 99 % HS VaR = 1/m₍ₖ₎ − 1 with m₍ₖ₎ the k-th smallest multiplier', () => {
    const m = buildPnlMatrix([parseSymbol('BTC-PERPETUAL', 'deribit')], realSnapshot(), hs);
    const pnl = matrixRow(m, 0);
    const k = tailCount(hs.length, 0.99);
    expect(k).toBe(10);
    const sorted = hs.map((s) => s.moves.BTC!.spotMultiplier).sort((a, b) => a - b);
    expect(valueAtRisk(pnl, 0.99)).toBeCloseTo(1 / sorted[k - 1]! - 1, 12);
    const tail = tailScenarios(pnl, 0.99);
    expect(tail.map((s) => hs[s]!.moves.BTC!.spotMultiplier)).toEqual(sorted.slice(0, k));
    expect(expectedShortfall(pnl, 0.99)).toBeGreaterThan(valueAtRisk(pnl, 0.99));
  });

  it('the option chain under Monte Carlo spot and implied-vol moves: finite P&L, ES ≥ VaR for each instrument', () => {
    const instruments = realInstruments();
    const mc = monteCarloScenarios({
      underlyings: ['BTC'],
      vols: [0.5],
      correlation: [[1]],
      horizonDays: 1,
      paths: 400,
      seed: 7,
      model: 'student-t',
      volOfVol: 2,
      spotVolCorrelation: -0.5,
      sampler: 'sobol',
    });
    const m = buildPnlMatrix(instruments, realSnapshot(), mc);
    for (let i = 0; i < m.nInstruments; i++) {
      const row = matrixRow(m, i);
      expect(row.every(Number.isFinite)).toBe(true);
      expect(expectedShortfall(row, 0.975)).toBeGreaterThanOrEqual(valueAtRisk(row, 0.975) - 1e-15);
    }
  });
});
