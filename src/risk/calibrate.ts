/**
 * Calibration of a margin parameter that sets the size of the shocks (Deribit PM
 * `price_range`, a vol shock, a SPAN scan range …) to a coverage target on history: for each
 * candidate value (ascending: larger values, larger margins), the day-by-day backtest of every
 * book (src/risk/backtest.ts), and the smallest value that meets the target on every book:
 * breaches ≤ the expected count n·(1 − target) and Kupiec's test not rejected at the
 * significance (5 %). The coverage curve (value → breaches, average margin, cost of margin)
 * is the report. Parameters are addressed by a dot path into the model's parameter JSON.
 */
import { BallastError } from '../core/errors.ts';
import type { BacktestReport } from './backtest.ts';

/** One book at one value: totals over its pools. */
export interface CalibrationBook {
  readonly breaches: number;
  readonly observations: number;
  readonly expectedBreaches: number;
  /** Kupiec p-value of the pool with the most breaches relative to expectation (the binding one). */
  readonly kupiecP: number;
  readonly kupiecRejected: boolean;
  readonly averageMargin: number;
  readonly costOfMargin: number;
  readonly meetsTarget: boolean;
}

/** One value of the curve. */
export interface CalibrationPoint {
  readonly value: number;
  readonly books: readonly CalibrationBook[];
  /** Every book meets the target. */
  readonly meetsTarget: boolean;
}

/** The calibration report. */
export interface Calibration {
  readonly parameter: string;
  readonly target: number;
  readonly significance: number;
  readonly points: readonly CalibrationPoint[];
  /** The smallest value meeting the target on every book, if any. */
  readonly chosen?: number;
}

/**
 * A deep copy of `params` with the number at dot path `path` set to `value`. The path must
 * name an existing number (INVALID_INPUT naming `--param` otherwise): a typo must not
 * silently calibrate nothing.
 */
export function withParameter<P>(params: P, path: string, value: number): P {
  const copy = structuredClone(params) as unknown;
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  keys.forEach((k, i) => {
    if (typeof node !== 'object' || node === null || !(k in node))
      throw new BallastError(
        'INVALID_INPUT',
        `the model's parameters have no "${keys.slice(0, i + 1).join('.')}"`,
        '--param',
      );
    if (i === keys.length - 1) {
      if (typeof node[k] !== 'number')
        throw new BallastError(
          'INVALID_INPUT',
          `"${path}" is not a number (${JSON.stringify(node[k])})`,
          '--param',
        );
      node[k] = value;
    } else node = node[k] as Record<string, unknown>;
  });
  return copy as P;
}

/** The number at dot path `path` of `params` (undefined if absent or not a number). */
export function parameterValue(params: unknown, path: string): number | undefined {
  let node: unknown = params;
  for (const k of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return typeof node === 'number' ? node : undefined;
}

/** A params override file setting only `path` to `value` (for `margin --params`). */
export function parameterOverride(path: string, value: number): Record<string, unknown> {
  return path.split('.').reduceRight<unknown>((inner, k) => ({ [k]: inner }), value) as Record<
    string,
    unknown
  >;
}

/** Totals of one backtest report against `target` (see module doc). */
export function bookAtValue(r: BacktestReport, target: number): CalibrationBook {
  let breaches = 0;
  let observations = 0;
  let margin = 0;
  let exposure = 0;
  let binding = r.pools[0]!;
  for (const p of r.pools) {
    breaches += p.breaches;
    observations += p.observations;
    margin += p.averageMargin * p.observations;
    exposure += p.averageExposure * p.observations;
    if (p.kupiec.pValue < binding.kupiec.pValue) binding = p;
  }
  const expectedBreaches = observations * (1 - target);
  const rejected = r.pools.some((p) => p.kupiec.rejected);
  return {
    breaches,
    observations,
    expectedBreaches,
    kupiecP: binding.kupiec.pValue,
    kupiecRejected: rejected,
    averageMargin: observations > 0 ? margin / observations : 0,
    costOfMargin: exposure > 0 ? margin / exposure : 0,
    meetsTarget: breaches <= expectedBreaches && !rejected,
  };
}

/**
 * Runs `backtestAt(value, book)` for every value (ascending) and book and picks the smallest
 * value meeting the target on every book. Throws INVALID_INPUT for no values, values not
 * strictly ascending, or a target outside (0, 1).
 */
export function calibrateParameter(
  parameter: string,
  values: readonly number[],
  books: number,
  backtestAt: (value: number, book: number) => BacktestReport,
  options: { target: number; significance?: number },
): Calibration {
  const { target } = options;
  if (!(target > 0 && target < 1))
    throw new BallastError('INVALID_INPUT', `must be in (0, 1), got ${target}`, '--target');
  if (values.length === 0)
    throw new BallastError('INVALID_INPUT', 'give at least one value', '--values');
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || (i > 0 && !(v > values[i - 1]!)))
      throw new BallastError(
        'INVALID_INPUT',
        `values must be finite and strictly ascending, got ${values.join(', ')}`,
        '--values',
      );
  });
  const points = values.map((value) => {
    const list: CalibrationBook[] = [];
    for (let b = 0; b < books; b++) list.push(bookAtValue(backtestAt(value, b), target));
    return { value, books: list, meetsTarget: list.every((x) => x.meetsTarget) };
  });
  const chosen = points.find((p) => p.meetsTarget)?.value;
  return {
    parameter,
    target,
    significance: options.significance ?? 0.05,
    points,
    ...(chosen !== undefined ? { chosen } : {}),
  };
}
