/**
 * Shared test market for the SPAN and TIMS model tests: BTC and ETH with forwards for Deribit
 * expiries and flat vol surfaces, plus generic (non-crypto) instruments for the worked
 * examples.
 */
import { MS_PER_YEAR } from '../../src/core/time.ts';
import type { Instrument, OptionRight } from '../../src/instruments/instrument.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { MarketSnapshot, SurfaceSlice, UnderlyingMarket } from '../../src/market/snapshot.ts';
import {
  portfolio,
  type Balance,
  type Portfolio,
  type Position,
} from '../../src/risk/portfolio.ts';

export const AS_OF = Date.UTC(2024, 10, 1, 8);

/** A flat-vol SVI slice (b = 0: w = a = σ²T). */
export function flatSlice(
  asOfMs: number,
  expiryMs: number,
  forward: number,
  vol: number,
): SurfaceSlice {
  const T = (expiryMs - asOfMs) / MS_PER_YEAR;
  return { expiryMs, T, forward, params: { a: vol * vol * T, b: 0, rho: 0, m: 0, sigma: 0.1 } };
}

/** A market for one underlying with forwards at the given expiries (flat vol on each). */
export function underlying(
  name: string,
  index: number,
  expiries: readonly { expiryMs: number; forward: number }[],
  vol: number,
  asOfMs = AS_OF,
  rate = 0,
): UnderlyingMarket {
  return {
    underlying: name,
    index,
    rate,
    perpBasis: 0,
    forwards: expiries.map((e) => ({
      expiryMs: e.expiryMs,
      forward: e.forward,
      source: 'future' as const,
    })),
    surface: expiries.map((e) => flatSlice(asOfMs, e.expiryMs, e.forward, vol)),
  };
}

const DEC = Date.UTC(2024, 11, 27, 8);
const MAR = Date.UTC(2025, 2, 28, 8);
const NOV2 = Date.UTC(2024, 10, 2, 8);

/** BTC 70,000 and ETH 2,500 with Dec/Mar forwards in contango and 55 % / 65 % flat vols. */
export const SNAPSHOT: MarketSnapshot = {
  asOfMs: AS_OF,
  underlyings: {
    BTC: underlying(
      'BTC',
      70_000,
      [
        { expiryMs: NOV2, forward: 70_010 },
        { expiryMs: DEC, forward: 71_000 },
        { expiryMs: MAR, forward: 73_000 },
      ],
      0.55,
    ),
    ETH: underlying(
      'ETH',
      2_500,
      [
        { expiryMs: DEC, forward: 2_530 },
        { expiryMs: MAR, forward: 2_600 },
      ],
      0.65,
    ),
  },
};

/** A position from a venue symbol and a size in coins. */
export function pos(symbol: string, size: number, entryPrice?: number): Position {
  return {
    instrument: parseSymbol(symbol),
    size,
    ...(entryPrice === undefined ? {} : { entryPrice }),
  };
}

/** A portfolio of symbol/size pairs with optional balances. */
export function book(
  items: readonly [string, number][],
  balances: readonly Balance[] = [],
): Portfolio {
  return portfolio(
    items.map(([s, q]) => pos(s, q)),
    balances,
  );
}

/** A generic USD-settled future (non-crypto worked examples). */
export function genericFuture(
  underlyingName: string,
  expiryMs: number,
  multiplier: number,
): Instrument {
  return {
    symbol: `${underlyingName}-FUT-${expiryMs}`,
    venue: 'generic',
    kind: 'future',
    underlying: underlyingName,
    quote: 'USD',
    settlementCurrency: 'USD',
    settlement: 'linear',
    contract: { size: multiplier, unit: 'base' },
    expiryMs,
  };
}

/** A generic USD-settled European option (non-crypto worked examples). */
export function genericOption(
  underlyingName: string,
  expiryMs: number,
  strike: number,
  right: OptionRight,
  multiplier: number,
): Instrument {
  return {
    symbol: `${underlyingName}-${expiryMs}-${strike}-${right === 'call' ? 'C' : 'P'}`,
    venue: 'generic',
    kind: 'option',
    underlying: underlyingName,
    quote: 'USD',
    settlementCurrency: 'USD',
    settlement: 'linear',
    contract: { size: multiplier, unit: 'base' },
    expiryMs,
    strike,
    right,
  };
}

/** A generic USD spot holding (stock, ETF) sized in units. */
export function genericSpot(underlyingName: string): Instrument {
  return {
    symbol: `${underlyingName}-SPOT`,
    venue: 'generic',
    kind: 'spot',
    underlying: underlyingName,
    quote: 'USD',
    settlementCurrency: 'USD',
    settlement: 'linear',
    contract: { size: 1, unit: 'base' },
  };
}
