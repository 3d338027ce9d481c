/**
 * Venue-independent symbol entry points: parse a symbol of any supported venue (detecting
 * the venue), format an instrument as its venue symbol, and convert venue sizes to the
 * engine's base units (coins) at the boundary.
 *
 * Venue grammars are disjoint, so detection is unambiguous for valid symbols:
 * - Deribit: `BTC-PERPETUAL`, `BTC-27DEC24`, `BTC-27DEC24-50000-C`, `BTC_USDC-...`, `BTC_USDC`
 *   (letter month in the date, `_` pairs, `PERPETUAL`);
 * - OKX: `BTC-USD-SWAP`, `BTC-USDT-250328`, `BTC-USD-250328-100000-C`, `BTC-USDT`
 *   (quote currency as the second part, `SWAP`, `YYMMDD`);
 * - Derive: `ETH-PERP`, `ETH-20250228-4000-C` (`PERP`, `YYYYMMDD`).
 *
 * Venue sizes (what `toBaseUnits` takes), per venue:
 * - Deribit: the API `amount`/`size` field as Deribit defines it: USD for inverse futures and
 *   perpetuals (`BTC-PERPETUAL`, `BTC-27DEC24`: `size` = 10000 means 10000 USD of face value,
 *   i.e. 1000 contracts of 10 USD); base coins for options (inverse and USDC), USDC linear
 *   perpetuals/futures and spot (`BTC_USDC-PERPETUAL` `size` = 0.5 means 0.5 BTC). Not contracts.
 * - OKX: `pos`/`sz` in contracts (`BTC-USD-SWAP` 3 = 3 × 100 USD; `BTC-USDT-SWAP` 3 = 3 × 0.01
 *   BTC; BTC option 3 = 3 × 0.01 BTC); spot sizes are base coins.
 * - Derive: `amount` in base coins (1 coin per contract, so contracts = coins).
 * - generic: contracts of `i.contract` (spot: base coins).
 * Sizes are signed (negative = short). No lot rounding is applied in either direction.
 */
import { BallastError, requireFinite, requirePositive } from '../core/errors.ts';
import { formatDeribitSymbol, parseDeribitSymbol } from './deribit-symbol.ts';
import { formatDeriveSymbol, parseDeriveSymbol } from './derive-symbol.ts';
import type { Instrument, Venue } from './instrument.ts';
import { formatOkxSymbol, parseOkxSymbol } from './okx-symbol.ts';
import { VENUE_LABEL } from './symbol-parts.ts';

export { expiryFromDate } from './expiry.ts';

/** Venues with a symbol grammar, in detection order. */
export const SYMBOL_VENUES = ['deribit', 'okx', 'derive'] as const;

/** A venue with a symbol grammar (`generic` has none). */
export type SymbolVenue = (typeof SYMBOL_VENUES)[number];

const PARSERS: Readonly<Record<SymbolVenue, (text: string, field?: string) => Instrument>> = {
  deribit: parseDeribitSymbol,
  okx: parseOkxSymbol,
  derive: parseDeriveSymbol,
};

const FORMATTERS: Readonly<Record<SymbolVenue, (i: Instrument) => string>> = {
  deribit: formatDeribitSymbol,
  okx: formatOkxSymbol,
  derive: formatDeriveSymbol,
};

const ALL_FORMS =
  'Deribit BTC-27DEC24-50000-C / BTC-PERPETUAL / BTC_USDC-PERPETUAL, ' +
  'OKX BTC-USD-250328-100000-C / BTC-USD-SWAP / BTC-USDT-SWAP, or Derive ETH-20250228-4000-C / ETH-PERP';

/**
 * The venue whose grammar `text` most resembles, for choosing which parse error to report;
 * `undefined` if it resembles none. Not a validation: the venue's parser decides.
 */
export function guessVenue(text: string): SymbolVenue | undefined {
  const segs = text.trim().toUpperCase().split('-');
  const second = segs[1] ?? '';
  const third = segs[2] ?? '';
  if (text.includes('_') || second === 'PERPETUAL' || /^[0-9]+[A-Z]+[0-9]+$/.test(second))
    return 'deribit';
  if (third === 'SWAP' || /^USD[A-Z]?$/.test(second)) return 'okx';
  if (second === 'PERP' || /^[0-9]{8}$/.test(second)) return 'derive';
  if (/^[0-9]{6}$/.test(third)) return 'okx';
  return undefined;
}

function tryParse(venue: SymbolVenue, text: string, field: string): Instrument | BallastError {
  try {
    return PARSERS[venue](text, field);
  } catch (e) {
    if (e instanceof BallastError) return e;
    throw e;
  }
}

/**
 * Parses a venue symbol into an `Instrument`.
 *
 * With `venue` (`deribit`, `okx`, `derive`), only that venue's grammar is used (so a given
 * venue always wins); if the text fails there but is another venue's symbol, the error says
 * so. Without `venue`, every grammar is tried: exactly one match is returned, several matches
 * throw INVALID_SYMBOL asking for the venue (cannot happen with the current, disjoint
 * grammars), and no match throws the error of the venue the text most resembles (or a
 * message listing every accepted form). `venue = 'generic'` throws: generic instruments are
 * built from fields, not parsed. Errors name `field` (default `symbol`).
 */
export function parseSymbol(text: string, venue?: Venue, field = 'symbol'): Instrument {
  if (venue === 'generic') {
    throw new BallastError(
      'INVALID_SYMBOL',
      `generic instruments have no symbol grammar; expected venue deribit, okx or derive (or none to detect it)`,
      field,
      { symbol: text, venue },
    );
  }
  if (venue !== undefined) {
    const r = tryParse(venue, text, field);
    if (!(r instanceof BallastError)) return r;
    const other = SYMBOL_VENUES.find(
      (v) => v !== venue && !(tryParse(v, text, field) instanceof BallastError),
    );
    if (other === undefined) throw r;
    throw new BallastError(
      'INVALID_SYMBOL',
      `${r.reason} (it is a valid ${VENUE_LABEL[other]} symbol: pass venue ${other} or none)`,
      field,
      { ...r.details, detectedVenue: other },
    );
  }
  if (typeof text !== 'string' || text === '') {
    throw new BallastError('INVALID_SYMBOL', `empty symbol; expected ${ALL_FORMS}`, field, {
      symbol: text,
    });
  }
  const results = SYMBOL_VENUES.map((v) => [v, tryParse(v, text, field)] as const);
  const ok = results.filter(
    (r): r is readonly [SymbolVenue, Instrument] => !(r[1] instanceof BallastError),
  );
  const [first] = ok;
  if (ok.length === 1 && first !== undefined) return first[1];
  if (ok.length > 1) {
    throw new BallastError(
      'INVALID_SYMBOL',
      `ambiguous symbol "${text}": valid for ${ok.map(([v]) => VENUE_LABEL[v]).join(' and ')}; pass the venue`,
      field,
      { symbol: text, venues: ok.map(([v]) => v) },
    );
  }
  const guess = guessVenue(text);
  const guessed = results.find(([v]) => v === guess)?.[1];
  if (guessed instanceof BallastError) throw guessed;
  throw new BallastError(
    'INVALID_SYMBOL',
    `unrecognised symbol ${JSON.stringify(text)}; expected ${ALL_FORMS}`,
    field,
    { symbol: text },
  );
}

/**
 * The venue symbol of `i`, built from its fields with the grammar of `i.venue`
 * (`generic` instruments return `i.symbol` unchanged). Throws INVALID_SYMBOL if the
 * instrument has no symbol on its venue.
 */
export function formatSymbol(i: Instrument): string {
  if (i.venue === 'generic') return i.symbol;
  return FORMATTERS[i.venue](i);
}

/** What a venue size is measured in: USD face value, base coins, or venue contracts. */
export type VenueSizeUnit = 'usd' | 'base' | 'contracts';

/**
 * The unit of venue sizes for `i` (see the module doc): Deribit inverse futures/perpetuals
 * `usd`; other Deribit products, Derive and all spot `base`; OKX and generic derivatives
 * `contracts`.
 */
export function venueSizeUnit(i: Instrument): VenueSizeUnit {
  if (i.kind === 'spot') return 'base';
  switch (i.venue) {
    case 'deribit':
      return i.settlement === 'inverse' && (i.kind === 'future' || i.kind === 'perpetual')
        ? 'usd'
        : 'base';
    case 'derive':
      return 'base';
    case 'okx':
    case 'generic':
      return 'contracts';
  }
}

/** `i.contract`, checked to have a finite positive size. */
function checkedSpec(i: Instrument): Instrument['contract'] {
  const spec = i.contract;
  if (typeof spec?.size !== 'number' || !Number.isFinite(spec.size) || !(spec.size > 0)) {
    throw new BallastError(
      'INVALID_INPUT',
      `contract size must be finite and > 0, got ${spec?.size}`,
      'contract.size',
    );
  }
  return spec;
}

/**
 * Converts a signed venue size (see the module doc: Deribit USD amount or coins, OKX
 * contracts, Derive coins) into signed base units (coins of `i.underlying`).
 * `price` is the underlying's price in USD per coin (mark or trade price); it is used, and
 * must be finite and > 0, only for USD-sized products (Deribit inverse futures/perpetuals,
 * OKX coin-margined swaps/futures), where coins = USD face value / price.
 * Example: Deribit BTC-PERPETUAL size 10000 at 50000 → 0.2 BTC; OKX BTC-USD-SWAP 3 at
 * 60000 → 3 × 100 / 60000 = 0.005 BTC; OKX BTC-USDT-SWAP 3 → 0.03 BTC.
 */
export function toBaseUnits(i: Instrument, venueSize: number, price: number): number {
  requireFinite(venueSize, 'size');
  if (venueSize === 0) return 0;
  const unit = venueSizeUnit(i);
  if (unit === 'usd') return venueSize / requirePositive(price, 'price');
  if (unit === 'base') return venueSize;
  const spec = checkedSpec(i);
  if (spec.unit === 'base') return venueSize * spec.size;
  return (venueSize * spec.size) / requirePositive(price, 'price');
}

/**
 * The inverse of `toBaseUnits`: converts signed base units (coins) into the venue size for
 * `i` at `price` (USD per coin, needed only for USD-sized products). Not rounded to the
 * venue's lot size.
 */
export function fromBaseUnits(i: Instrument, baseSize: number, price: number): number {
  requireFinite(baseSize, 'size');
  if (baseSize === 0) return 0;
  const unit = venueSizeUnit(i);
  if (unit === 'usd') return baseSize * requirePositive(price, 'price');
  if (unit === 'base') return baseSize;
  const spec = checkedSpec(i);
  if (spec.unit === 'base') return baseSize / spec.size;
  return (baseSize * requirePositive(price, 'price')) / spec.size;
}
