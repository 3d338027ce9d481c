/**
 * Stale market data fails closed: margining on an old snapshot can understate margin, so a
 * snapshot older than the allowed age is an error unless the caller accepts it explicitly.
 */
import { BallastError } from '../core/errors.ts';
import { toIso } from '../core/time.ts';
import type { MarketSnapshot } from './snapshot.ts';

/** How far in the future (ms) a snapshot may be stamped before it is a clock or data error. */
const MAX_FUTURE_MS = 60_000;

/** Human form of a duration in ms (e.g. `3.2 h`, `112 d`). */
function formatAge(ms: number): string {
  const a = Math.abs(ms);
  if (a < 120_000) return `${Math.round(a / 1000)} s`;
  if (a < 7_200_000) return `${(a / 60_000).toFixed(0)} min`;
  if (a < 172_800_000) return `${(a / 3_600_000).toFixed(1)} h`;
  return `${(a / 86_400_000).toFixed(0)} d`;
}

/**
 * What makes snapshot `s` unusable at `nowMs`, in words: older than `maxAgeMs`, or more than a
 * minute in the future (a clock or data error). `undefined` when it is fresh.
 */
export function stalenessProblem(
  s: MarketSnapshot,
  nowMs: number,
  maxAgeMs: number,
): string | undefined {
  const age = nowMs - s.asOfMs;
  if (age < -MAX_FUTURE_MS) {
    return `the snapshot (as of ${toIso(s.asOfMs)}) is ${formatAge(age)} in the future: check the clock or the data`;
  }
  if (age > maxAgeMs) {
    return `the snapshot is ${formatAge(age)} old (as of ${toIso(s.asOfMs)}; the limit is ${formatAge(maxAgeMs)})`;
  }
  return undefined;
}

/**
 * Throws STALE_MARKET naming `field` if the snapshot is older than `maxAgeMs` at `nowMs`, or
 * more than a minute in the future (see `stalenessProblem`). Returns the age in ms.
 */
export function assertFresh(
  s: MarketSnapshot,
  nowMs: number,
  maxAgeMs: number,
  field = 'market',
): number {
  const age = nowMs - s.asOfMs;
  const problem = stalenessProblem(s, nowMs, maxAgeMs);
  if (problem !== undefined) {
    const advice =
      age < -MAX_FUTURE_MS
        ? ''
        : ': refresh it, or pass --allow-stale to margin on it as of its own time';
    throw new BallastError('STALE_MARKET', problem + advice, field);
  }
  return age;
}
