/**
 * Sobol low-discrepancy points (quasi Monte Carlo) from the `sobol` package (Joe & Kuo
 * direction numbers, "Constructing Sobol sequences with better two-dimensional projections",
 * SIAM J. Sci. Comput. 2008; Gray-code order, Antonov & Saleev 1979).
 *
 * Properties of that package this module guards against, checked in test/core/sobol.test.ts:
 * - it works in 32-bit integer arithmetic, so coordinates have **20 bits** of resolution
 *   (multiples of 2^-20) and the sequence is valid for the first 2^20 points only (point
 *   2^20 comes out negative); `sobolPoints` refuses `skip + count > 2^20`.
 * - point 0 is the origin, which `normInv` maps to −∞; it is skipped by default.
 * - the generator reads its bundled direction-number file when constructed (its own data,
 *   read once per call; the result depends on nothing else).
 *
 * Unscrambled by default. An optional seeded digital shift (XOR of each coordinate's 20 bits
 * with a random mask per dimension, then centred in its cell) randomises the point set while
 * keeping its net structure (Dick & Pillichshammer, "Digital Nets and Sequences", 2010, §4.4).
 */
import { SobolSequenceGenerator } from 'sobol';
import { BallastError } from './errors.ts';
import { normInv } from './normal.ts';
import { seededRng } from './rng.ts';

/** Bits of resolution of the `sobol` package's coordinates. */
export const SOBOL_BITS = 20;
/** Largest number of points (including skipped ones) the package generates correctly: 2^20. */
export const SOBOL_MAX_POINTS = 2 ** SOBOL_BITS;
/** Largest dimension the package supports. */
export const SOBOL_MAX_DIMENSIONS = 21201;

/** Options for `sobolPoints`. */
export interface SobolOptions {
  /** Points dropped from the start of the sequence (default 1: the origin). */
  readonly skip?: number;
  /**
   * Seed of a random digital shift: coordinate j of every point becomes
   * `((⌊u·2^20⌋ XOR s_j) + ½) / 2^20` with s_j uniform 20-bit masks drawn from `seededRng(seed)`.
   * Absent: the plain (unscrambled) sequence.
   */
  readonly digitalShiftSeed?: number;
}

function requireCount(x: number, field: string, min: number): void {
  if (!Number.isInteger(x) || x < min) {
    throw new BallastError('INVALID_INPUT', `must be an integer >= ${min}, got ${x}`, field);
  }
}

/**
 * The first `count` points of the `dimensions`-dimensional Sobol sequence after `skip`
 * points, each a Float64Array of coordinates in [0, 1) (in (0, 1) once the origin is skipped
 * or a shift applied). Throws INVALID_INPUT for bad sizes or `skip + count > 2^20`.
 */
export function sobolPoints(
  dimensions: number,
  count: number,
  options: SobolOptions = {},
): Float64Array[] {
  requireCount(dimensions, 'dimensions', 1);
  if (dimensions > SOBOL_MAX_DIMENSIONS) {
    throw new BallastError(
      'INVALID_INPUT',
      `at most ${SOBOL_MAX_DIMENSIONS} dimensions, got ${dimensions}`,
      'dimensions',
    );
  }
  requireCount(count, 'count', 0);
  const skip = options.skip ?? 1;
  requireCount(skip, 'skip', 0);
  if (skip + count > SOBOL_MAX_POINTS) {
    throw new BallastError(
      'INVALID_INPUT',
      `skip + count must be at most 2^20 = ${SOBOL_MAX_POINTS} (the sobol package's 20-bit limit), got ${skip + count}`,
      'count',
    );
  }
  let masks: Uint32Array | undefined;
  if (options.digitalShiftSeed !== undefined) {
    const rng = seededRng(options.digitalShiftSeed);
    masks = new Uint32Array(dimensions);
    for (let j = 0; j < dimensions; j++) masks[j] = Math.floor(rng.next() * SOBOL_MAX_POINTS);
  }
  const gen = new SobolSequenceGenerator(dimensions);
  for (let i = 0; i < skip; i++) gen.nextVector();
  const out: Float64Array[] = new Array<Float64Array>(count);
  for (let i = 0; i < count; i++) {
    const v = gen.nextVector();
    const p = new Float64Array(dimensions);
    if (masks) {
      for (let j = 0; j < dimensions; j++) {
        const bits = Math.round(v[j]! * SOBOL_MAX_POINTS);
        p[j] = ((bits ^ masks[j]!) + 0.5) / SOBOL_MAX_POINTS;
      }
    } else {
      for (let j = 0; j < dimensions; j++) p[j] = v[j]!;
    }
    out[i] = p;
  }
  return out;
}

/**
 * Sobol points mapped to standard normals coordinate by coordinate, z = Φ⁻¹(u) (`normInv`).
 * Skips the origin (which would map to −∞); with 20-bit coordinates |z| ≤ Φ⁻¹(1 − 2^-20) ≈ 4.76.
 */
export function sobolNormals(
  dimensions: number,
  count: number,
  options: SobolOptions = {},
): Float64Array[] {
  if (options.skip === 0 && options.digitalShiftSeed === undefined) {
    throw new BallastError(
      'INVALID_INPUT',
      'the origin (point 0) maps to −∞ under inversion: skip at least one point',
      'skip',
    );
  }
  const points = sobolPoints(dimensions, count, options);
  for (const p of points) {
    for (let j = 0; j < p.length; j++) p[j] = normInv(p[j]!);
  }
  return points;
}
