/**
 * The staleness rule applied to a loaded market at a clock reading the adapter passes in
 * (docs/architecture.md, `app/`: "no clock but the one passed in"). Fresh: no warning. Stale
 * or in the future: STALE_MARKET naming `field`, unless `allowStale`, which turns it into a
 * warning carried by every result margined on it.
 */
import { assertFresh, stalenessProblem } from '../market/staleness.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';

/** How a request wants its market checked. */
export interface MarketCheck {
  /** The adapter's clock, ms since the epoch (UTC). */
  readonly nowMs: number;
  /** Largest accepted age of the snapshot, ms. */
  readonly maxAgeMs: number;
  /** Margin on a stale snapshot as of its own time (flagged in `warnings`). */
  readonly allowStale: boolean;
  /** Field named in the error (CLI: `--market`; HTTP: `/market`). */
  readonly field: string;
}

/** A snapshot that passed the staleness rule, with the warnings to carry. */
export interface CheckedMarket {
  readonly snapshot: MarketSnapshot;
  readonly warnings: string[];
}

/** Applies the staleness rule (see module doc). */
export function checkMarket(snapshot: MarketSnapshot, c: MarketCheck): CheckedMarket {
  if (!c.allowStale) {
    assertFresh(snapshot, c.nowMs, c.maxAgeMs, c.field);
    return { snapshot, warnings: [] };
  }
  const problem = stalenessProblem(snapshot, c.nowMs, c.maxAgeMs);
  const warnings =
    problem === undefined ? [] : [`${problem}; margined as of the snapshot time (--allow-stale)`];
  return { snapshot, warnings };
}
