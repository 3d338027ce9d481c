/**
 * Forwards per expiry: from futures mids, from put-call parity where no future lists, and
 * interpolation between listed expiries.
 */
import { BallastError } from '../core/errors.ts';
import { median } from '../core/stats.ts';
import { yearFraction } from '../core/time.ts';
import type { ForwardPoint, UnderlyingMarket } from './snapshot.ts';

/** A two-sided quote. `bid ≤ ask` is required (else CROSSED_MARKET). */
export interface Quote {
  readonly bid: number;
  readonly ask: number;
}

/**
 * Mid of a two-sided quote. Throws CROSSED_MARKET (bid > ask) or INVALID_INPUT
 * (non-positive or non-finite side), naming `field`.
 */
export function quoteMid(q: Quote, field: string): number {
  if (!Number.isFinite(q.bid) || !Number.isFinite(q.ask) || q.bid <= 0 || q.ask <= 0) {
    throw new BallastError(
      'INVALID_INPUT',
      `bid and ask must be positive numbers, got ${q.bid} / ${q.ask}`,
      field,
    );
  }
  if (q.bid > q.ask) {
    throw new BallastError('CROSSED_MARKET', `crossed market: bid ${q.bid} > ask ${q.ask}`, field);
  }
  return 0.5 * (q.bid + q.ask);
}

/** A call/put pair of mids at one strike and expiry, in the premium currency given by `inverse`. */
export interface ParityPair {
  readonly strike: number;
  readonly callMid: number;
  readonly putMid: number;
}

/**
 * Forward implied by put-call parity at one expiry: the median over strikes of the
 * per-strike forward. Linear premia (USD): `F = K + (C − P)/df`. Inverse premia (coin,
 * Deribit): `C − P = df·(F − K)/F`, so `F = K / (1 − (C − P)/df)`. Pairs whose implied
 * forward is not finite and positive are skipped. Only the `maxPairs` strikes closest to
 * the money (smallest |C − P| relative to premium) are used, since deep wings are noisy.
 * Throws MISSING_FORWARD if no pair is usable.
 */
export function forwardFromParity(
  pairs: readonly ParityPair[],
  inverse: boolean,
  df: number,
  field: string,
  maxPairs = 5,
): number {
  const ranked = [...pairs]
    .map((p) => ({ p, gap: Math.abs(p.callMid - p.putMid) }))
    .sort((a, b) => a.gap - b.gap)
    .slice(0, maxPairs);
  const estimates: number[] = [];
  for (const { p } of ranked) {
    const diff = (p.callMid - p.putMid) / df;
    const f = inverse ? p.strike / (1 - diff) : p.strike + diff;
    if (Number.isFinite(f) && f > 0) estimates.push(f);
  }
  if (estimates.length === 0) {
    throw new BallastError(
      'MISSING_FORWARD',
      'no future and no call/put pair to imply a forward',
      field,
    );
  }
  return median(estimates);
}

/**
 * The forward for `expiryMs` as of `asOfMs`. An exact listed expiry returns its forward;
 * between listed expiries (and between the index at T = 0 and the first expiry) the
 * log-forward is interpolated linearly in time, i.e. a piecewise-constant implied carry.
 * Beyond the last listed expiry there is no market to read it from: MISSING_FORWARD
 * (fail closed; list the expiry as a future or supply a forward).
 */
export function forwardAt(
  u: UnderlyingMarket,
  expiryMs: number,
  asOfMs: number,
  field = 'expiry',
): number {
  const fwd = u.forwards;
  const T = yearFraction(asOfMs, expiryMs);
  if (!(T > 0)) throw new BallastError('EXPIRED', `expiry is not after the snapshot time`, field);
  let prev: { T: number; f: number } = { T: 0, f: u.index };
  for (const p of fwd) {
    if (p.expiryMs === expiryMs) return p.forward;
    const Tp = yearFraction(asOfMs, p.expiryMs);
    if (Tp > T) {
      const w = (T - prev.T) / (Tp - prev.T);
      return Math.exp((1 - w) * Math.log(prev.f) + w * Math.log(p.forward));
    }
    prev = { T: Tp, f: p.forward };
  }
  throw new BallastError(
    'MISSING_FORWARD',
    `no forward for ${u.underlying} at this expiry: it lies beyond the last listed forward`,
    field,
  );
}

/** Sorts and de-duplicates forward points by expiry (later points win). */
export function sortForwards(points: readonly ForwardPoint[]): ForwardPoint[] {
  const byExpiry = new Map<number, ForwardPoint>();
  for (const p of points) byExpiry.set(p.expiryMs, p);
  return [...byExpiry.values()].sort((a, b) => a.expiryMs - b.expiryMs);
}
