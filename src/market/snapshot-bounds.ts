/**
 * Plausibility bounds of a market snapshot, checked wherever a snapshot enters (the JSON
 * loader, the builder's output, library callers via `validateSnapshot`): every number finite;
 * index in (0, `MAX_INDEX_USD`]; each forward (and each slice's forward) within a factor
 * `FORWARD_BAND` of the index; the perpetual basis within `MAX_BASIS_FRACTION` of the index;
 * the rate within ±`MAX_RATE`; every SVI slice with b ≥ 0, |ρ| < 1, σ > 0, T > 0 and a
 * non-negative minimum total variance `a + b·σ·√(1 − ρ²)` (raw SVI's minimum over k), so a
 * slice with negative variance fails at load, not when a position first uses it.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot, UnderlyingMarket } from './snapshot.ts';
import type { SviParams } from './svi.ts';

/** A forward must lie in [index / k, index · k]. */
export const FORWARD_BAND = 2;
/** |perpBasis| ≤ this × index. */
export const MAX_BASIS_FRACTION = 0.5;
/** |rate| ≤ this (continuously compounded, per year). */
export const MAX_RATE = 1;
/** Largest index accepted, USD per coin. */
export const MAX_INDEX_USD = 1e9;

/** Minimum over k of raw-SVI total variance: a + b·σ·√(1 − ρ²). */
export function sviMinTotalVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
}

function fail(message: string, field: string): never {
  throw new BallastError('INVALID_INPUT', message, field);
}

function finite(x: number, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new BallastError('NOT_FINITE', `must be a finite number, got ${String(x)}`, field);
  return x;
}

/** True if `forward` is within `FORWARD_BAND` of `index`. */
export function plausibleForward(forward: number, index: number): boolean {
  return forward >= index / FORWARD_BAND && forward <= index * FORWARD_BAND;
}

function checkForward(forward: number, index: number, field: string): void {
  if (!(finite(forward, field) > 0)) fail(`must be > 0, got ${forward}`, field);
  if (!plausibleForward(forward, index))
    fail(
      `forward ${forward} is implausible against the index ${index} (allowed: within a factor ${FORWARD_BAND})`,
      field,
    );
}

/** Checks an SVI slice's parameters (see module doc). */
export function validateSviParams(p: SviParams, field: string): void {
  for (const k of ['a', 'b', 'rho', 'm', 'sigma'] as const) finite(p[k], `${field}.${k}`);
  if (!(p.b >= 0)) fail(`must be ≥ 0, got ${p.b}`, `${field}.b`);
  if (!(Math.abs(p.rho) < 1)) fail(`must be in (−1, 1), got ${p.rho}`, `${field}.rho`);
  if (!(p.sigma > 0)) fail(`must be > 0, got ${p.sigma}`, `${field}.sigma`);
  const w = sviMinTotalVariance(p);
  if (w < 0)
    fail(
      `negative total variance: min over k of a + b(ρ(k − m) + √((k − m)² + σ²)) is ${w.toPrecision(4)}`,
      field,
    );
}

/** Checks one underlying's market (see module doc); `field` prefixes error paths. */
export function validateUnderlyingMarket(u: UnderlyingMarket, field: string): void {
  const index = finite(u.index, `${field}.index`);
  if (!(index > 0 && index <= MAX_INDEX_USD))
    fail(`must be in (0, ${MAX_INDEX_USD}], got ${index}`, `${field}.index`);
  if (Math.abs(finite(u.rate, `${field}.rate`)) > MAX_RATE)
    fail(`must be within ±${MAX_RATE}, got ${u.rate}`, `${field}.rate`);
  if (Math.abs(finite(u.perpBasis, `${field}.perpBasis`)) > MAX_BASIS_FRACTION * index)
    fail(
      `basis ${u.perpBasis} is implausible against the index ${index} (allowed: ±${MAX_BASIS_FRACTION * 100} % of it)`,
      `${field}.perpBasis`,
    );
  u.forwards.forEach((f, i) => {
    finite(f.expiryMs, `${field}.forwards[${i}].expiry`);
    checkForward(f.forward, index, `${field}.forwards[${i}].forward`);
  });
  u.surface.forEach((s, i) => {
    const g = `${field}.surface[${i}]`;
    finite(s.expiryMs, `${g}.expiry`);
    if (!(finite(s.T, `${g}.T`) > 0)) fail(`must be > 0, got ${s.T}`, `${g}.T`);
    checkForward(s.forward, index, `${g}.forward`);
    validateSviParams(s.params, `${g}.params`);
    if (s.rmseVolPoints !== undefined) finite(s.rmseVolPoints, `${g}.rmseVolPoints`);
  });
  if (u.confidence)
    for (const [k, v] of Object.entries(u.confidence))
      if (v !== undefined && !(finite(v, `${field}.confidence.${k}`) >= 0 && v <= 1))
        fail(`must be in [0, 1], got ${v}`, `${field}.confidence.${k}`);
}

/** Checks every underlying of a snapshot and its as-of time (typed errors naming the field). */
export function validateSnapshot(s: MarketSnapshot, field = 'snapshot'): void {
  finite(s.asOfMs, `${field}.asOf`);
  for (const [name, u] of Object.entries(s.underlyings))
    validateUnderlyingMarket(u, `${field}.underlyings.${name}`);
}
