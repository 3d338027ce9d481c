/**
 * SPAN composite delta (docs/methodology/span-tims.md §1.4): each contract's delta is a
 * weighted average of its deltas at several price points of the scan ("delta points" of the
 * Risk Scenarios report, each with a weight) [V concept; the points and weights are I and
 * configurable]. Net composite deltas drive the intra- and inter-commodity spreads.
 *
 * Delta at a point x (a multiple of the PSR) is a central difference of the USD P&L at the
 * look-ahead date, vol unchanged:
 *
 *     δ(x) = (P(x + h) − P(x − h)) / (2 · h · PSR · F0)       coins of underlying per unit
 *
 * with h = `bump` (a fraction of the PSR) and F0 the instrument's own price (forward, perp
 * mark or index), so a future (linear or inverse) has δ = 1.
 */
import { BallastError } from '../../core/errors.ts';
import type { Scenario, UnderlyingMove } from '../../scenarios/scenario.ts';
import type { UsdBook } from '../clearing/usd-book.ts';

/** One delta point: a price move (× PSR) and its weight (weights are normalised to sum 1). */
export interface CompositeDeltaPoint {
  readonly priceMove: number;
  readonly weight: number;
}

/** How composite deltas are computed. */
export interface CompositeDeltaParams {
  readonly points: readonly CompositeDeltaPoint[];
  /** Half-width of the central difference, as a fraction of the PSR (> 0). */
  readonly bump: number;
}

/** Validates composite-delta parameters (typed errors naming `field`). */
export function validateCompositeDelta(p: CompositeDeltaParams, field: string): void {
  if (!Array.isArray(p.points) || p.points.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      'at least one delta point is needed',
      `${field}.points`,
    );
  let total = 0;
  p.points.forEach((pt, i) => {
    if (!Number.isFinite(pt.priceMove))
      throw new BallastError(
        'NOT_FINITE',
        `must be finite, got ${pt.priceMove}`,
        `${field}.points[${i}].priceMove`,
      );
    if (!(Number.isFinite(pt.weight) && pt.weight >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${pt.weight}`,
        `${field}.points[${i}].weight`,
      );
    total += pt.weight;
  });
  if (!(total > 0))
    throw new BallastError(
      'INVALID_INPUT',
      'delta-point weights must not all be 0',
      `${field}.points`,
    );
  if (!(Number.isFinite(p.bump) && p.bump > 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and > 0, got ${p.bump}`,
      `${field}.bump`,
    );
}

/**
 * The revaluation scenarios for composite deltas: for each point, `x − h` then `x + h`
 * (ids `delta-<k>-dn`, `delta-<k>-up`), every listed underlying moved by its own PSR, vol
 * unchanged, time advanced by the look-ahead, weight 1.
 */
export function compositeDeltaScenarios(
  priceScanRanges: Readonly<Record<string, number>>,
  p: CompositeDeltaParams,
  lookAheadDays: number,
): Scenario[] {
  const out: Scenario[] = [];
  p.points.forEach((pt, k) => {
    for (const [side, sign] of [
      ['dn', -1],
      ['up', 1],
    ] as const) {
      const moves: Record<string, UnderlyingMove> = {};
      for (const [u, psr] of Object.entries(priceScanRanges)) {
        const spotMultiplier = 1 + (pt.priceMove + sign * p.bump) * psr;
        if (!(spotMultiplier > 0))
          throw new BallastError(
            'INVALID_INPUT',
            `delta point ${pt.priceMove} × PSR ${psr} takes the price to or below zero`,
            `compositeDelta.points[${k}]`,
          );
        moves[u] = { spotMultiplier, vol: { kind: 'none' } };
      }
      out.push({
        id: `delta-${k}-${side}`,
        label: `delta point ${pt.priceMove} PSR ${side}`,
        moves,
        weight: 1,
        timeShiftDays: lookAheadDays,
        group: 'delta',
      });
    }
  });
  return out;
}

/**
 * Composite delta per unit of each row of `book` (built on `compositeDeltaScenarios` with the
 * same points): the weight-normalised average of the central differences (module doc).
 * `priceScanRange(underlying)` gives each row's PSR. A zero PSR gives delta 0.
 */
export function compositeDeltas(
  book: UsdBook,
  p: CompositeDeltaParams,
  priceScanRange: (underlying: string) => number,
): Float64Array {
  const nS = book.nScenarios;
  const out = new Float64Array(book.positions.length);
  let wSum = 0;
  for (const pt of p.points) wSum += pt.weight;
  book.positions.forEach((pos, i) => {
    const psr = priceScanRange(pos.instrument.underlying);
    const F0 = book.matrix.states[i]!.price;
    if (psr === 0) return;
    let d = 0;
    p.points.forEach((pt, k) => {
      const dn = book.usdPnl[i * nS + 2 * k]!;
      const up = book.usdPnl[i * nS + 2 * k + 1]!;
      d += (pt.weight / wSum) * ((up - dn) / (2 * p.bump * psr * F0));
    });
    out[i] = d;
  });
  return out;
}
