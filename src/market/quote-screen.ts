/**
 * Plausibility rules the snapshot builder applies to raw quotes before using them; each
 * dropped quote is counted and reported (never silently ignored):
 *
 * - a future or option whose expiry is not after the snapshot's as-of time is dropped;
 * - an option with a non-positive or non-finite strike is dropped;
 * - a future whose mid is not within a factor `FORWARD_BAND` of the index (e.g. quoted at 50×
 *   spot) is dropped: it is not taken as the forward.
 *
 * Option premia outside the no-arbitrage bounds are screened where the forward is known
 * (`outsideNoArbitrage`, used by `buildUnderlyingMarket`).
 */
import type { Currency } from '../core/currency.ts';
import { toIso } from '../core/time.ts';
import type { Quote } from './forwards.ts';
import type { RawFutureQuote, RawOptionQuote } from './raw-market.ts';
import { FORWARD_BAND, plausibleForward } from './snapshot-bounds.ts';

/** Quotes kept by `screenQuotes` and the notes about the dropped ones. */
export interface ScreenedQuotes {
  readonly futures: readonly RawFutureQuote[];
  readonly options: readonly RawOptionQuote[];
  readonly warnings: readonly string[];
}

const mid = (q: Quote): number => (q.bid + q.ask) / 2;

/** Applies the module's rules to the futures and options of one underlying. */
export function screenQuotes(
  underlying: Currency,
  asOfMs: number,
  index: number,
  futures: readonly RawFutureQuote[],
  options: readonly RawOptionQuote[],
): ScreenedQuotes {
  const warnings: string[] = [];
  const live = <T extends { expiryMs: number }>(list: readonly T[], what: string): T[] => {
    const kept = list.filter((q) => q.expiryMs > asOfMs);
    if (kept.length < list.length)
      warnings.push(
        `${underlying}: ${list.length - kept.length} ${what} expired at or before ${toIso(asOfMs)} were dropped`,
      );
    return kept;
  };
  const keptFutures = live(futures, 'futures').filter((f) => {
    const ok = plausibleForward(mid(f), index);
    if (!ok)
      warnings.push(
        `${underlying}: future ${f.symbol} quoted at ${mid(f)} is not within a factor ${FORWARD_BAND} of the index ${index}; dropped (not used as a forward)`,
      );
    return ok;
  });
  const keptOptions = live(options, 'options').filter((o) => {
    const ok = Number.isFinite(o.strike) && o.strike > 0;
    if (!ok) warnings.push(`${underlying}: option ${o.symbol} has strike ${o.strike}; dropped`);
    return ok;
  });
  return { futures: keptFutures, options: keptOptions, warnings };
}

/**
 * True if a USD premium breaks the no-arbitrage bounds of a European option on forward F
 * with discount factor df: call in [df·(F − K)⁺, df·F], put in [df·(K − F)⁺, df·K].
 */
export function outsideNoArbitrage(
  right: 'call' | 'put',
  premiumUsd: number,
  F: number,
  K: number,
  df: number,
): boolean {
  const lower = df * Math.max(right === 'call' ? F - K : K - F, 0);
  const upper = df * (right === 'call' ? F : K);
  return !(premiumUsd >= lower && premiumUsd <= upper);
}
