import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import {
  DERIBIT_GRID_DEFAULTS,
  deribitGrid,
  deribitStandardMoves,
  deribitTermStructure,
  extendedCoinConversion,
  extendedWeight,
  formatMove,
  type DeribitGridParams,
} from '../../src/scenarios/deribit-grid.ts';
import { moveFor, shockVol, termFactor } from '../../src/scenarios/scenario.ts';

const btc: DeribitGridParams = {
  priceRange: 0.16,
  bucketsCount: 4,
  volatilityRangeUp: 0.5,
  volatilityRangeDown: 0.25,
  minVolatilityForShockUp: 0.5,
  shortTermVegaPower: 0.3,
  longTermVegaPower: 0.13,
  extendedTableFactor: 1,
  ...DERIBIT_GRID_DEFAULTS,
};
const eth: DeribitGridParams = { ...btc, priceRange: 0.18, volatilityRangeUp: 0.4 };

describe('Deribit PM grid', () => {
  it('27 standard cells bucket-major from the most negative move, then 8 extended under vol up', () => {
    const g = deribitGrid('BTC', btc);
    expect(g.nStandard).toBe(27);
    expect(g.nExtended).toBe(8);
    expect(g.scenarios.map((s) => s.id)).toEqual([
      ...Array.from({ length: 27 }, (_, i) => `std-${i}`),
      ...Array.from({ length: 8 }, (_, i) => `ext-${i}`),
    ]);
    expect(g.scenarios[0]!.label).toBe('BTC −16%, vol up');
    expect(g.scenarios[1]!.label).toBe('BTC −16%, vol same');
    expect(g.scenarios[14]!.label).toBe('BTC 0%, vol down');
    expect(g.scenarios[25]!.label).toBe('BTC +16%, vol same');
    expect(g.scenarios[27]!.label).toBe('BTC −66%, vol up');
    expect(g.scenarios[34]!.label).toBe('BTC +500%, vol up');
    expect(g.cells.slice(0, 27).map((c) => c.bucket)).toEqual(
      Array.from({ length: 27 }, (_, i) => Math.floor(i / 3) + 1),
    );
    expect(g.cells[1]!.side).toBe('left');
    expect(g.cells[13]!.side).toBe('center');
    expect(g.cells[25]!.side).toBe('right');
    expect(g.cells.slice(27).every((c) => c.vol === 'up' && c.source === 'extended')).toBe(true);
    expect(g.scenarios.slice(27).every((s) => s.group === 'extended')).toBe(true);
    // Only the grid's own underlying moves.
    expect(moveFor(g.scenarios[0]!, 'ETH').spotMultiplier).toBe(1);
    expect(moveFor(g.scenarios[0]!, 'BTC').spotMultiplier).toBe(1 - 0.16);
  });

  it('moves: BTC ±16 % in 4 % steps, ETH ±18 % in 4.5 % steps', () => {
    expect(deribitStandardMoves(0.16, 4).map((m) => Number((m * 100).toFixed(10)))).toEqual([
      -16, -12, -8, -4, 0, 4, 8, 12, 16,
    ]);
    expect(deribitStandardMoves(0.18, 4).map((m) => Number((m * 100).toFixed(10)))).toEqual([
      -18, -13.5, -9, -4.5, 0, 4.5, 9, 13.5, 18,
    ]);
    expect(deribitGrid('ETH', eth).scenarios[3]!.label).toBe('ETH −13.5%, vol up');
    expect(formatMove(0)).toBe('0%');
  });

  it('extended weights r/|m| and weight × conversion reproduce the notes table (§7.1, 6 decimals)', () => {
    const moves = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5];
    const btcW = [0.242424, 0.484848, 0.32, 0.16, 0.08, 0.053333, 0.04, 0.032];
    const btcWC = [0.098124, 0.386724, 0.413793, 0.275862, 0.206897, 0.183908, 0.172414, 0.165517];
    const ethW = [0.272727, 0.545455, 0.36, 0.18, 0.09, 0.06, 0.045, 0.036];
    const ethWC = [0.113082, 0.445676, 0.457627, 0.305085, 0.228814, 0.20339, 0.190678, 0.183051];
    moves.forEach((m, i) => {
      expect(extendedWeight(m, 0.16, 1)).toBeCloseTo(btcW[i]!, 6);
      expect(extendedWeight(m, 0.16, 1) * extendedCoinConversion(m, 0.16)).toBeCloseTo(
        btcWC[i]!,
        6,
      );
      expect(extendedWeight(m, 0.18, 1)).toBeCloseTo(ethW[i]!, 6);
      expect(extendedWeight(m, 0.18, 1) * extendedCoinConversion(m, 0.18)).toBeCloseTo(
        ethWC[i]!,
        6,
      );
    });
    const g = deribitGrid('BTC', { ...btc, extendedTableFactor: 2 });
    expect(g.scenarios[27]!.weight).toBeCloseTo(2 * btcW[0]!, 6);
  });

  it('vol cells: up/down multipliers of the notes table (§6), floor on the shocked-up IV', () => {
    // (DTE, k, BTC up, ETH up, down), 4 decimals.
    const table: [number, number, number, number, number][] = [
      [1, 2.7742, 2.3871, 2.1097, 0.3065],
      [3, 1.9953, 1.9976, 1.7981, 0.5012],
      [7, 1.5474, 1.7737, 1.619, 0.6131],
      [14, 1.2569, 1.6284, 1.5028, 0.6858],
      [30, 1, 1.5, 1.4, 0.75],
      [60, 0.9138, 1.4569, 1.3655, 0.7715],
      [90, 0.8669, 1.4335, 1.3468, 0.7833],
      [180, 0.7922, 1.3961, 1.3169, 0.8019],
      [365, 0.7226, 1.3613, 1.2891, 0.8193],
    ];
    const gb = deribitGrid('BTC', btc);
    const ge = deribitGrid('ETH', eth);
    const up = (g: typeof gb) => moveFor(g.scenarios[0]!, g.underlying).vol;
    const same = moveFor(gb.scenarios[1]!, 'BTC').vol;
    const down = moveFor(gb.scenarios[2]!, 'BTC').vol;
    expect(same.kind).toBe('none');
    const sigma = 1; // above the 0.5 floor, so the multipliers show
    for (const [dte, k, bu, eu, d] of table) {
      expect(termFactor(deribitTermStructure(btc), dte)).toBeCloseTo(k, 4);
      expect(shockVol(up(gb), sigma, dte, 0)).toBeCloseTo(bu, 4);
      expect(shockVol(up(ge), sigma, dte, 0)).toBeCloseTo(eu, 4);
      expect(shockVol(down, sigma, dte, 0)).toBeCloseTo(d, 4);
    }
    // The floor: a 20 % IV shocked up at 30 DTE is 30 %, floored to 50 %.
    expect(shockVol(up(gb), 0.2, 30, 0)).toBe(0.5);
    // DTE below the floor day uses the floor (k(0.25) = k(1)).
    expect(shockVol(up(gb), 1, 0.25, 0)).toBe(shockVol(up(gb), 1, 1, 0));
  });

  it('custom vol-cell order and typed errors for bad parameters', () => {
    const g = deribitGrid('BTC', { ...btc, volCellOrder: ['down', 'same', 'up'] });
    expect(g.scenarios[0]!.label).toBe('BTC −16%, vol down');
    for (const bad of [
      { priceRange: 0 },
      { bucketsCount: 0 },
      { volCellOrder: ['up', 'up', 'down'] },
      { extendedMoves: [0] },
    ] as Partial<DeribitGridParams>[]) {
      let err: unknown;
      try {
        deribitGrid('BTC', { ...btc, ...bad });
      } catch (e) {
        err = e;
      }
      expect(isBallastError(err, 'INVALID_INPUT')).toBe(true);
    }
  });
});
