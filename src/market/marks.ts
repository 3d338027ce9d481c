/**
 * Fair-price marks: what each instrument is worth in a snapshot.
 *
 * - spot: the index; perpetual: index + the perpetual basis; dated future: the expiry's forward;
 * - options, digitals, barriers: `optionValue` (src/pricing/option-value.ts) with the
 *   expiry's forward and the surface's implied vol at the strike; inverse ones in coin.
 *
 * A mark never falls back silently: a missing underlying, forward or vol is a typed error.
 */
import { BallastError } from '../core/errors.ts';
import { yearFraction } from '../core/time.ts';
import type { Currency } from '../core/currency.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { optionValue } from '../pricing/option-value.ts';
import { forwardAt } from './forwards.ts';
import type { MarketSnapshot, UnderlyingMarket } from './snapshot.ts';
import { impliedVolAt } from './vol-surface.ts';

/** A mark: price per one base unit (coin) of the instrument, and the inputs used. */
export interface Mark {
  /** Price per coin of size: USD for futures/perps/spot/linear options; coin for inverse options. */
  readonly price: number;
  readonly currency: Currency;
  readonly forward: number;
  readonly vol?: number;
  readonly T?: number;
}

/** The market of an instrument's underlying, or INVALID_INPUT naming the field. */
export function underlyingMarket(
  s: MarketSnapshot,
  underlying: string,
  field = 'underlying',
): UnderlyingMarket {
  const u = s.underlyings[underlying];
  if (!u)
    throw new BallastError(
      'INVALID_INPUT',
      `the market snapshot has no data for ${underlying}`,
      field,
    );
  return u;
}

/** Perpetual mark, USD: index + `perpBasis`. */
export function perpMark(u: UnderlyingMarket): number {
  return u.index + u.perpBasis;
}

/** Implied vol from the snapshot's surface at a strike and expiry. Throws MISSING_VOL. */
export function surfaceVol(
  u: UnderlyingMarket,
  strike: number,
  expiryMs: number,
  asOfMs: number,
  field = 'vol',
): number {
  if (u.surface.length === 0) {
    throw new BallastError(
      'MISSING_VOL',
      `no volatility surface for ${u.underlying}: options cannot be marked`,
      field,
    );
  }
  const F = forwardAt(u, expiryMs, asOfMs, field);
  return impliedVolAt(u.surface, strike, F, yearFraction(asOfMs, expiryMs));
}

/** Marks one instrument in a snapshot (see module doc). */
export function markInstrument(inst: Instrument, s: MarketSnapshot): Mark {
  const field = inst.symbol;
  const u = underlyingMarket(s, inst.underlying, `${field}.underlying`);
  const usd = inst.quote;
  switch (inst.kind) {
    case 'spot':
      return { price: u.index, currency: usd, forward: u.index };
    case 'perpetual': {
      const p = perpMark(u);
      return { price: p, currency: usd, forward: p };
    }
    case 'future': {
      const F = forwardAt(u, inst.expiryMs, s.asOfMs, field);
      return { price: F, currency: usd, forward: F };
    }
    case 'option':
    case 'digital':
    case 'barrier': {
      const F = forwardAt(u, inst.expiryMs, s.asOfMs, field);
      const T = yearFraction(s.asOfMs, inst.expiryMs);
      const vol = surfaceVol(u, inst.strike, inst.expiryMs, s.asOfMs, field);
      const price = optionValue(inst, { spot: u.index, forward: F, T, vol, rate: u.rate });
      return { price, currency: inst.settlementCurrency, forward: F, vol, T };
    }
  }
}
