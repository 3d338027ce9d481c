/**
 * Derive (formerly Lyra) instrument names.
 *
 * Grammar (upper-case; `YYYYMMDD` dates, expiry 08:00 UTC on that date; strikes in USD as
 * plain decimals with `.`):
 *
 * | symbol                | instrument                                               |
 * |-----------------------|----------------------------------------------------------|
 * | `ETH-20250228-4000-C` | linear option, quote and settlement USDC, 1 ETH/contract |
 * | `ETH-PERP`            | linear perpetual, quote and settlement USDC, 1 ETH       |
 *
 * Derive lists no dated futures. Only the canonical spelling is accepted, so
 * `formatDeriveSymbol(parseDeriveSymbol(s)) === s`.
 */
import type { Currency } from '../core/currency.ts';
import { BallastError } from '../core/errors.ts';
import { contractSpecFor } from './contract-specs.ts';
import { expiryFromDate } from './expiry.ts';
import type { Instrument, Perpetual, VanillaOption } from './instrument.ts';
import {
  checkSymbolText,
  currencyProblem,
  expiryText,
  formatError,
  formatNumericDate,
  isCurrencyCode,
  optionRightAt,
  parseNumericDate,
  parseStrike,
  rightLetter,
  strikeText,
  symbolError,
  verifiedSymbol,
} from './symbol-parts.ts';

const VENUE = 'Derive';
const FORM_ANY = 'ETH-20250228-4000-C (or ETH-PERP)';

/** Quote and settlement currency of every Derive product. */
export const DERIVE_QUOTE: Currency = 'USDC';

/**
 * Parses a Derive instrument name (see the module doc for the grammar) into an `Instrument`
 * with venue `derive`, linear USDC settlement and 1 coin per contract. Throws INVALID_SYMBOL
 * naming `field` (default `symbol`) and the bad part.
 */
export function parseDeriveSymbol(text: string, field = 'symbol'): Instrument {
  checkSymbolText(text, VENUE, FORM_ANY, field);
  const fail = (part: string, problem: string): BallastError =>
    symbolError(VENUE, text, part, problem, FORM_ANY, field);

  const segs = text.split('-');
  const underlying = segs[0] ?? '';
  if (!isCurrencyCode(underlying)) throw fail('underlying', currencyProblem(underlying, 'ETH'));
  if (segs.length < 2) throw fail('expiry', 'missing -PERP or -YYYYMMDD after the coin');
  const common = {
    symbol: text,
    venue: 'derive' as const,
    underlying,
    quote: DERIVE_QUOTE,
    settlementCurrency: DERIVE_QUOTE,
    settlement: 'linear' as const,
  };

  const second = segs[1] ?? '';
  if (second === 'PERP') {
    if (segs.length !== 2) throw fail('symbol', 'nothing may follow PERP');
    const perp: Perpetual = {
      ...common,
      kind: 'perpetual',
      contract: contractSpecFor('derive', 'perpetual', 'linear', underlying),
    };
    return perp;
  }

  if (!/^[0-9]+$/.test(second))
    throw fail('expiry', `expected PERP or a date YYYYMMDD, got "${second}"`);
  const date = parseNumericDate(second, 8);
  if (typeof date === 'string') throw fail('expiry', date);
  const expiryMs = expiryFromDate(date.year, date.month, date.day);

  const right = optionRightAt(
    segs,
    4,
    fail,
    'expected -STRIKE-C or -STRIKE-P after the expiry (Derive lists no dated futures)',
  );
  const strike = parseStrike(segs.slice(2, -1).join('-'), '.');
  if (typeof strike === 'string') throw fail('strike', strike);
  const opt: VanillaOption = {
    ...common,
    kind: 'option',
    contract: contractSpecFor('derive', 'option', 'linear', underlying),
    expiryMs,
    strike,
    right,
  };
  return opt;
}

/**
 * The Derive name of `i` (the inverse of `parseDeriveSymbol`). Built from the instrument's
 * fields; `i.venue` is not checked. Throws INVALID_SYMBOL if the contract has no Derive
 * name (not a USDC-settled option or perpetual, expiry not at 08:00 UTC, ...).
 */
export function formatDeriveSymbol(i: Instrument): string {
  let text: string;
  if (i.kind === 'perpetual') {
    text = `${i.underlying}-PERP`;
  } else if (i.kind === 'option') {
    const date = expiryText(VENUE, i, (d) => formatNumericDate(d, 8), '1970..9999');
    text = `${i.underlying}-${date}-${strikeText(VENUE, i, '.')}-${rightLetter(i.right)}`;
  } else {
    throw formatError(VENUE, i, `Derive lists only options and perpetuals, not ${i.kind}`);
  }
  return verifiedSymbol(VENUE, i, text, parseDeriveSymbol);
}
