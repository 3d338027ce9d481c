/**
 * Stale market data fails closed: margining on an old snapshot can understate margin, so a
 * snapshot older than the allowed age is an error unless the caller accepts it explicitly.
 */
import { BallastError } from '../core/errors.ts';
import { toIso } from '../core/time.ts';
import type { MarketSnapshot } from './snapshot.ts';

/** Age of a snapshot at `nowMs`, in ms (negative if from the future). */
export function snapshotAgeMs(s: MarketSnapshot, nowMs: number): number {
  return nowMs - s.asOfMs;
}

/** Human form of a duration in ms (e.g. `3.2 h`, `112 d`). */
export function formatAge(ms: number): string {
  const a = Math.abs(ms);
  if (a < 120_000) return `${Math.round(a / 1000)} s`;
  if (a < 7_200_000) return `${(a / 60_000).toFixed(0)} min`;
  if (a < 172_800_000) return `${(a / 3_600_000).toFixed(1)} h`;
  return `${(a / 86_400_000).toFixed(0)} d`;
}

/**
 * Throws STALE_MARKET if the snapshot is older than `maxAgeMs` at `nowMs`, or more than a
 * minute in the future (a clock or data error). Returns the age.
 */
export function assertFresh(s: MarketSnapshot, nowMs: number, maxAgeMs: number, field = 'market'): number {
  const age = snapshotAgeMs(s, nowMs);
  if (age < -60_000) throw new BallastError('STALE_MARKET', `the snapshot (as of ${toIso(s.asOfMs)}) is ${formatAge(age)} in the future: check the clock or the data`, field);
  if (age > maxAgeMs) {
    throw new BallastError(
      'STALE_MARKET',
      `the snapshot is ${formatAge(age)} old (as of ${toIso(s.asOfMs)}; the limit is ${formatAge(maxAgeMs)}): refresh it, or pass --allow-stale to margin on it as of its own time`,
      field,
    );
  }
  return age;
}
