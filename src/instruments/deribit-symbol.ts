/**
 * Deribit instrument names.
 *
 * Grammar (upper-case; `DATE` = day without leading zero, 3-letter month, 2-digit year,
 * e.g. `27DEC24`, `3AUG26`; expiry 08:00 UTC on that date; strikes in USD, decimals
 * written with `d`, e.g. `0d5` = 0.5):
 *
 * | symbol                          | instrument                                            |
 * |---------------------------------|-------------------------------------------------------|
 * | `BTC-PERPETUAL`                 | inverse perpetual, quote USD, settles in BTC          |
 * | `BTC-27DEC24`                   | inverse future, quote USD, settles in BTC             |
 * | `BTC-27DEC24-50000-C`           | inverse option (premium in BTC), settles in BTC       |
 * | `BTC_USDC-PERPETUAL`            | linear perpetual, quote and settlement USDC           |
 * | `BTC_USDC-27DEC24`              | linear future, USDC                                   |
 * | `SOL_USDC-27DEC24-150-P`        | linear option, USDC (`XRP_USDC-27DEC24-0d5-C`)        |
 * | `BTC_USDC`, `ETH_BTC`           | spot pair BASE_QUOTE                                  |
 *
 * Combos and strategies (`BTC-FS-...`, `BTC-CS-...`, ...) are not single instruments and are
 * rejected. Only the canonical spelling is accepted, so `formatDeribitSymbol(parseDeribitSymbol(s)) === s`.
 */
import type { Currency } from '../core/currency.ts';
import { contractSpecFor } from './contract-specs.ts';
import { expiryFromDate, type CalendarDate } from './expiry.ts';
import type { Future, Instrument, Perpetual, Spot, VanillaOption } from './instrument.ts';
import {
  checkDate,
  checkSymbolText,
  currencyProblem,
  expiryText,
  formatError,
  isCurrencyCode,
  optionRightAt,
  parseStrike,
  rightLetter,
  strikeText,
  symbolError,
  type DerivativeCommon,
  type SymbolFail,
  verifiedSymbol,
} from './symbol-parts.ts';

const VENUE = 'Deribit';
const FORM_ANY =
  'BTC-27DEC24-50000-C (or BTC-PERPETUAL, BTC-27DEC24, BTC_USDC-PERPETUAL, SOL_USDC-27DEC24-150-P, BTC_USDC)';
const FORM_OPTION = 'BTC-27DEC24-50000-C (or SOL_USDC-27DEC24-150-P)';

/** Deribit month abbreviations, index 0 = January. */
export const DERIBIT_MONTHS = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
] as const;

/** Quote currency of Deribit linear (USDC-margined) derivatives. */
export const DERIBIT_LINEAR_QUOTE: Currency = 'USDC';

/**
 * Parses a Deribit date such as `27DEC24` or `3AUG26` (years 2000..2099). Returns the
 * calendar date, or a problem description (leading zero, unknown month, day out of range).
 */
export function parseDeribitDate(text: string): CalendarDate | string {
  const m = /^([0-9]{1,2})([A-Z]{3})([0-9]{2})$/.exec(text);
  if (m === null) {
    return `expected a date like 27DEC24 or 3AUG26 (day, upper-case month, 2-digit year) or PERPETUAL, got "${text}"`;
  }
  const [, dayText = '', monText = '', yearText = ''] = m;
  if (dayText.startsWith('0'))
    return `day "${dayText}" must not have a leading zero (write 3AUG26)`;
  const month = DERIBIT_MONTHS.indexOf(monText as (typeof DERIBIT_MONTHS)[number]) + 1;
  if (month === 0) return `month "${monText}" is not one of ${DERIBIT_MONTHS.join(' ')}`;
  return checkDate(2000 + Number(yearText), month, Number(dayText), monText);
}

/** Formats a calendar date as Deribit writes it (`3AUG26`); undefined outside 2000..2099. */
export function formatDeribitDate(d: CalendarDate): string | undefined {
  if (d.year < 2000 || d.year > 2099) return undefined;
  const mon = DERIBIT_MONTHS[d.month - 1];
  if (mon === undefined) return undefined;
  return `${d.day}${mon}${String(d.year - 2000).padStart(2, '0')}`;
}

/**
 * Parses a Deribit instrument name (see the module doc for the grammar) into an
 * `Instrument` with venue `deribit`, its contract spec and (for dated products) an expiry at
 * 08:00 UTC. Throws INVALID_SYMBOL naming `field` (default `symbol`) and the bad part.
 */
export function parseDeribitSymbol(text: string, field = 'symbol'): Instrument {
  checkSymbolText(text, VENUE, FORM_ANY, field);
  const fail: SymbolFail = (part, problem, form = FORM_ANY) =>
    symbolError(VENUE, text, part, problem, form, field);

  const segs = text.split('-');
  const { underlying, quotePart } = parsePair(segs[0] ?? '', fail);
  if (segs.length === 1) return spotOf(text, underlying, quotePart, fail);

  const linear = quotePart !== undefined;
  if (linear && quotePart !== DERIBIT_LINEAR_QUOTE) {
    throw fail(
      'quote currency',
      `Deribit linear derivatives are USDC-margined, got "${quotePart}"`,
    );
  }
  const settlement = linear ? 'linear' : 'inverse';
  const common: DerivativeCommon = {
    symbol: text,
    venue: 'deribit',
    underlying,
    quote: linear ? DERIBIT_LINEAR_QUOTE : 'USD',
    settlementCurrency: linear ? DERIBIT_LINEAR_QUOTE : underlying,
    settlement,
  };
  const second = segs[1] ?? '';
  if (second === 'PERPETUAL') {
    if (segs.length !== 2)
      throw fail('symbol', 'nothing may follow PERPETUAL', 'BTC-PERPETUAL or BTC_USDC-PERPETUAL');
    const perp: Perpetual = {
      ...common,
      kind: 'perpetual',
      contract: contractSpecFor('deribit', 'perpetual', settlement, underlying),
    };
    return perp;
  }
  return datedOf(segs, common, fail);
}

/** The `BTC` or `BTC_USDC` head of a symbol: the underlying and the quote, if written. */
function parsePair(
  head: string,
  fail: SymbolFail,
): { underlying: Currency; quotePart: Currency | undefined } {
  const pair = head.split('_');
  if (pair.length > 2) throw fail('currency pair', `"${head}" has more than one "_"`);
  const underlying = pair[0] ?? '';
  const quotePart = pair[1];
  if (!isCurrencyCode(underlying)) {
    throw fail('underlying', currencyProblem(underlying, 'BTC'));
  }
  if (quotePart !== undefined && !isCurrencyCode(quotePart)) {
    throw fail('quote currency', currencyProblem(quotePart, 'USDC'));
  }
  return { underlying, quotePart };
}

/** A spot pair such as `BTC_USDC` (a bare coin is refused: it needs an expiry or PERPETUAL). */
function spotOf(
  text: string,
  underlying: Currency,
  quotePart: Currency | undefined,
  fail: SymbolFail,
): Spot {
  if (quotePart === undefined)
    throw fail('symbol', 'missing expiry date or PERPETUAL after the coin');
  return {
    symbol: text,
    venue: 'deribit',
    kind: 'spot',
    underlying,
    quote: quotePart,
    settlementCurrency: quotePart,
    settlement: 'linear',
    contract: contractSpecFor('deribit', 'spot', 'linear', underlying),
  };
}

/** A future (`BTC-27DEC24`) or an option (`BTC-27DEC24-100000-C`) from its dash segments. */
function datedOf(segs: readonly string[], common: DerivativeCommon, fail: SymbolFail): Instrument {
  const second = segs[1] ?? '';
  const date = parseDeribitDate(second);
  if (typeof date === 'string') {
    const combo = /^[A-Z]+[0-9]*$/.test(second) ? ' (combos and strategies are not supported)' : '';
    throw fail('expiry', date + combo);
  }
  const expiryMs = expiryFromDate(date.year, date.month, date.day);
  const { settlement, underlying } = common;
  if (segs.length === 2) {
    const fut: Future = {
      ...common,
      kind: 'future',
      contract: contractSpecFor('deribit', 'future', settlement, underlying),
      expiryMs,
    };
    return fut;
  }
  const right = optionRightAt(segs, 4, (part, problem) => fail(part, problem, FORM_OPTION));
  const strike = parseStrike(segs.slice(2, -1).join('-'), 'd');
  if (typeof strike === 'string') throw fail('strike', strike, FORM_OPTION);
  const opt: VanillaOption = {
    ...common,
    kind: 'option',
    contract: contractSpecFor('deribit', 'option', settlement, underlying),
    expiryMs,
    strike,
    right,
  };
  return opt;
}

/**
 * The Deribit name of `i` (the inverse of `parseDeribitSymbol`). Built from the instrument's
 * fields, not its `symbol`; `i.venue` is not checked, so an OKX or Derive instrument yields
 * its Deribit twin when one exists. Throws INVALID_SYMBOL if the contract has no Deribit
 * name (digital/barrier, expiry not at 08:00 UTC, USDT-margined, ...).
 */
export function formatDeribitSymbol(i: Instrument): string {
  if (i.kind === 'digital' || i.kind === 'barrier') {
    throw formatError(VENUE, i, `Deribit lists no ${i.kind} options`);
  }
  let text: string;
  if (i.kind === 'spot') {
    text = `${i.underlying}_${i.quote}`;
  } else {
    const head = i.settlement === 'inverse' ? i.underlying : `${i.underlying}_${i.quote}`;
    if (i.kind === 'perpetual') {
      text = `${head}-PERPETUAL`;
    } else {
      const date = expiryText(VENUE, i, formatDeribitDate, '2000..2099');
      text =
        i.kind === 'future'
          ? `${head}-${date}`
          : `${head}-${date}-${strikeText(VENUE, i, 'd')}-${rightLetter(i.right)}`;
    }
  }
  return verifiedSymbol(VENUE, i, text, parseDeribitSymbol);
}
