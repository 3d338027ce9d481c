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
import { expiryDate, expiryFromDate } from './expiry.ts';
import type { Instrument, Perpetual, VanillaOption } from './instrument.ts';
import {
  checkSameContract,
  checkSymbolText,
  formatError,
  formatNumericDate,
  formatStrike,
  currencyProblem,
  isCurrencyCode,
  parseNumericDate,
  parseRight,
  parseStrike,
  rightLetter,
  symbolError,
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

  const last = segs[segs.length - 1] ?? '';
  const right = parseRight(last);
  if (segs.length < 4 || right === undefined) {
    throw fail(
      'option right',
      segs.length < 4
        ? 'expected -STRIKE-C or -STRIKE-P after the expiry (Derive lists no dated futures)'
        : `expected C or P, got "${last}"`,
    );
  }
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
    const d = expiryDate(i.expiryMs);
    const date = d === undefined ? undefined : formatNumericDate(d, 8);
    if (date === undefined)
      throw formatError(VENUE, i, 'expiry must be 08:00 UTC on a date in 1970..9999');
    const strike = formatStrike(i.strike, '.');
    if (strike === undefined)
      throw formatError(VENUE, i, `strike must be finite and > 0, got ${i.strike}`);
    text = `${i.underlying}-${date}-${strike}-${rightLetter(i.right)}`;
  } else {
    throw formatError(VENUE, i, `Derive lists only options and perpetuals, not ${i.kind}`);
  }
  let parsed: Instrument;
  try {
    parsed = parseDeriveSymbol(text);
  } catch (e) {
    throw formatError(VENUE, i, e instanceof Error ? e.message : String(e));
  }
  checkSameContract(VENUE, i, parsed);
  return text;
}
