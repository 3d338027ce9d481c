/**
 * A small synthetic market for option tests: one coin, forward = index (rate 0) at every
 * listed expiry, a flat SVI surface (a = σ²T, b = 0, ρ = 0, m = 0, σ_svi = 0.1), expiries at
 * 08:00 UTC so Deribit symbols parse to them.
 */
import { MS_PER_DAY, yearFraction } from '../../src/core/time.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { Instrument } from '../../src/instruments/instrument.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../../src/market/snapshot.ts';

/** 2025-01-01T08:00Z. */
export const AS_OF = Date.UTC(2025, 0, 1, 8);

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Deribit date code of an epoch-ms day, e.g. `31JAN25`. */
export function deribitDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear()).slice(2)}`;
}

/** Expiry `days` after AS_OF (08:00 UTC). */
export function expiryIn(days: number): number {
  return AS_OF + days * MS_PER_DAY;
}

/** Deribit option, e.g. `option('BTC', 30, 70000, 'C')` → BTC-31JAN25-70000-C; `linear` → BTC_USDC-…. */
export function option(
  coin: string,
  days: number,
  strike: number,
  right: 'C' | 'P',
  linear = false,
): Instrument {
  return parseSymbol(
    `${coin}${linear ? '_USDC' : ''}-${deribitDate(expiryIn(days))}-${strike}-${right}`,
    'deribit',
  );
}

/** Deribit future expiring `days` after AS_OF. */
export function future(coin: string, days: number, linear = false): Instrument {
  return parseSymbol(`${coin}${linear ? '_USDC' : ''}-${deribitDate(expiryIn(days))}`, 'deribit');
}

/** One coin's market with a flat vol `vol` at each expiry of `days`, forward = index. */
export function syntheticUnderlying(
  coin: string,
  index: number,
  vol: number,
  days: readonly number[],
): UnderlyingMarket {
  const forwards = days.map((d) => ({
    expiryMs: expiryIn(d),
    forward: index,
    source: 'input' as const,
  }));
  const surface = days.map((d) => {
    const T = yearFraction(AS_OF, expiryIn(d));
    return {
      expiryMs: expiryIn(d),
      T,
      forward: index,
      params: { a: vol * vol * T, b: 0, rho: 0, m: 0, sigma: 0.1 },
    };
  });
  return { underlying: coin, index, rate: 0, forwards, surface, perpBasis: 0 };
}

/** A snapshot of several synthetic underlyings. */
export function syntheticSnapshot(...us: UnderlyingMarket[]): MarketSnapshot {
  return { asOfMs: AS_OF, underlyings: Object.fromEntries(us.map((u) => [u.underlying, u])) };
}
