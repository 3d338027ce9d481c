/**
 * Building blocks shared by the venue symbol grammars (deribit-symbol.ts, okx-symbol.ts,
 * derive-symbol.ts): currency codes, strikes, option rights and the INVALID_SYMBOL error.
 * Internal to src/instruments; not re-exported from the index.
 */
import { BallastError } from '../core/errors.ts';
import type { Currency } from '../core/currency.ts';
import type { Future } from './instrument.ts';
import {
  isDated,
  type DatedInstrument,
  type Instrument,
  type OptionRight,
  type VanillaOption,
  type Venue,
} from './instrument.ts';
import { daysInMonth, expiryDate, isCalendarDate, type CalendarDate } from './expiry.ts';

/** Human names of the venues, for messages. */
export const VENUE_LABEL: Readonly<Record<Venue, string>> = {
  deribit: 'Deribit',
  okx: 'OKX',
  derive: 'Derive',
  generic: 'generic',
};

/** Builds the INVALID_SYMBOL error of one part of a symbol being parsed (`form`: expected shape). */
export type SymbolFail = (part: string, problem: string, form?: string) => BallastError;

/** The fields every dated or perpetual derivative of one currency pair shares. */
export type DerivativeCommon = Pick<
  Future,
  'symbol' | 'venue' | 'underlying' | 'quote' | 'settlementCurrency' | 'settlement'
>;

/**
 * The INVALID_SYMBOL error: says which part of which symbol is wrong, why, and what form was
 * expected. `part` is the symbol component (`expiry`, `strike`, `option right`, ...).
 */
export function symbolError(
  venue: string,
  text: string,
  part: string,
  problem: string,
  expected: string,
  field: string,
): BallastError {
  return new BallastError(
    'INVALID_SYMBOL',
    `invalid ${part} in ${JSON.stringify(text)}: ${problem}; expected ${venue} form ${expected}`,
    field,
    { symbol: text, part, venue },
  );
}

/**
 * Checks the raw input is a non-empty string of symbol characters (letters, digits, `-`,
 * `_`, `.`). Case and structure are checked by each grammar. Throws INVALID_SYMBOL otherwise.
 */
export function checkSymbolText(
  text: unknown,
  venue: string,
  expected: string,
  field: string,
): string {
  if (typeof text !== 'string' || text.length === 0) {
    throw symbolError(venue, String(text ?? ''), 'symbol', 'empty symbol', expected, field);
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(text)) {
    const problem =
      text.trim() !== text ? 'leading or trailing whitespace' : 'unexpected character';
    throw symbolError(venue, text, 'symbol', problem, expected, field);
  }
  return text;
}

/** Why `s` is not a currency code (for messages about the `what` part, e.g. `underlying`). */
export function currencyProblem(s: string, example: string): string {
  return /[a-z]/.test(s)
    ? `"${s}" must be upper-case (like ${example})`
    : `"${s}" is not a currency code like ${example}`;
}

/** True for an upper-case currency code of 1..20 letters/digits containing a letter (`BTC`, `1INCH`). */
export function isCurrencyCode(s: string): s is Currency {
  return /^[A-Z0-9]{1,20}$/.test(s) && /[A-Z]/.test(s);
}

/**
 * Shortest plain decimal text of a positive finite number, without exponent
 * (`0.5`, `150`, `0.0000001`), or `undefined` if `x` is not positive and finite.
 */
export function plainDecimal(x: number): string | undefined {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0)) return undefined;
  const s = String(x);
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  const exp = Number(m[3]);
  const point = 1 + exp; // position of the decimal point within `digits`
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Strike text for a venue: plain decimal with `sep` as the decimal mark (`d` on Deribit). */
function formatStrike(strike: number, sep: 'd' | '.'): string | undefined {
  const s = plainDecimal(strike);
  return s === undefined ? undefined : s.replace('.', sep);
}

/**
 * Parses a canonical strike (`50000`, `0d5` with `sep = 'd'`, `2500.5` with `sep = '.'`):
 * no sign, no leading zeros, no trailing fractional zeros, > 0, finite, and written exactly
 * as the shortest decimal of the number (so it formats back to the same text). Returns the
 * strike or a problem description.
 */
export function parseStrike(text: string, sep: 'd' | '.'): number | string {
  if (text === '') return 'strike is empty';
  if (text.startsWith('-')) return `strike must be > 0, got ${text}`;
  const esc = sep === '.' ? '\\.' : sep;
  const re = new RegExp(`^(0|[1-9][0-9]*)(${esc}[0-9]*[1-9])?$`);
  if (!re.test(text)) {
    return `strike must be a plain positive number (digits, decimal mark '${sep}' as in ${sep === 'd' ? '0d5' : '0.5'}, no leading or trailing zeros), got "${text}"`;
  }
  const x = Number(text.replace(sep, '.'));
  if (!Number.isFinite(x) || !(x > 0)) return `strike must be a finite number > 0, got ${text}`;
  if (formatStrike(x, sep) !== text) return `strike ${text} is not exactly representable`;
  return x;
}

/** `C`/`P` → call/put; anything else → undefined. */
function parseRight(letter: string): OptionRight | undefined {
  return letter === 'C' ? 'call' : letter === 'P' ? 'put' : undefined;
}

/**
 * The option right in the last of `segs` (a symbol split on `-`), which must have at least
 * `minSegments` parts (`...-EXPIRY-STRIKE-C`). Throws `fail('option right', …)` otherwise;
 * `missing` says what should follow the expiry.
 */
export function optionRightAt(
  segs: readonly string[],
  minSegments: number,
  fail: (part: string, problem: string) => BallastError,
  missing = 'expected -STRIKE-C or -STRIKE-P after the expiry',
): OptionRight {
  const last = segs[segs.length - 1] ?? '';
  const right = parseRight(last);
  if (segs.length < minSegments) throw fail('option right', missing);
  if (right === undefined) throw fail('option right', `expected C or P, got "${last}"`);
  return right;
}

/** call/put → `C`/`P`. */
export function rightLetter(right: OptionRight): 'C' | 'P' {
  return right === 'call' ? 'C' : 'P';
}

/** The INVALID_SYMBOL error a formatter throws when `i` has no symbol in a venue's grammar. */
export function formatError(venue: string, i: Instrument, problem: string): BallastError {
  return new BallastError(
    'INVALID_SYMBOL',
    `cannot write ${i.kind} ${JSON.stringify(i.symbol)} as a ${venue} symbol: ${problem}`,
    'symbol',
    { symbol: i.symbol, venue },
  );
}

/** The strike part of `i`'s symbol (`sep` as decimal mark), or INVALID_SYMBOL via `formatError`. */
export function strikeText(venue: string, i: VanillaOption, sep: 'd' | '.'): string {
  const text = formatStrike(i.strike, sep);
  if (text === undefined)
    throw formatError(venue, i, `strike must be finite and > 0, got ${i.strike}`);
  return text;
}

/**
 * The date part of `i`'s symbol as `format` writes it, or INVALID_SYMBOL via `formatError` when
 * the expiry is not 08:00 UTC on a date `format` can write (`years`, e.g. `2000..2099`).
 */
export function expiryText(
  venue: string,
  i: DatedInstrument,
  format: (d: CalendarDate) => string | undefined,
  years: string,
): string {
  const d = expiryDate(i.expiryMs);
  const text = d === undefined ? undefined : format(d);
  if (text === undefined)
    throw formatError(venue, i, `expiry must be 08:00 UTC on a date in ${years}`);
  return text;
}

/**
 * Finishes a formatter: parses `text` back with the venue's `parse` and checks that it names
 * the same contract as `i` (`checkSameContract`), so a formatter never returns a symbol that
 * means something else. Returns `text`; a parse failure becomes INVALID_SYMBOL via `formatError`.
 */
export function verifiedSymbol(
  venue: string,
  i: Instrument,
  text: string,
  parse: (text: string) => Instrument,
): string {
  let parsed: Instrument;
  try {
    parsed = parse(text);
  } catch (e) {
    throw formatError(venue, i, e instanceof Error ? e.message : String(e));
  }
  checkSameContract(venue, i, parsed);
  return text;
}

/**
 * Checks that `parsed` (the parse of a formatted symbol) describes the same contract as `i`:
 * same kind, currencies, settlement, expiry, strike and right. The contract spec and venue
 * may differ (formatting an OKX instrument as its Deribit twin is allowed). Throws
 * INVALID_SYMBOL via `formatError` on the first difference.
 */
function checkSameContract(venue: string, i: Instrument, parsed: Instrument): void {
  const keys = ['kind', 'underlying', 'quote', 'settlementCurrency', 'settlement'] as const;
  for (const k of keys) {
    if (i[k] !== parsed[k]) {
      throw formatError(
        venue,
        i,
        `${k} ${String(i[k])} is not expressible (the symbol would mean ${String(parsed[k])})`,
      );
    }
  }
  if (isDated(i) && isDated(parsed) && i.expiryMs !== parsed.expiryMs) {
    throw formatError(venue, i, `expiry ${i.expiryMs} is not 08:00 UTC on a date`);
  }
  if (i.kind === 'option' && parsed.kind === 'option') {
    if (i.strike !== parsed.strike)
      throw formatError(venue, i, `strike ${i.strike} is not expressible`);
    if (i.right !== parsed.right)
      throw formatError(venue, i, `right ${String(i.right)} is not call or put`);
  }
}

/** Pads a non-negative integer with leading zeros to `width` digits. */
export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Validates (`year`, `month` 1..12, `day`) and returns the date, or a problem description
 * naming the bad component (`monthText` is how the symbol wrote the month, for messages).
 * Day 0 is reported as not existing.
 */
export function checkDate(
  year: number,
  month: number,
  day: number,
  monthText: string,
): CalendarDate | string {
  if (!(month >= 1 && month <= 12)) return `month ${monthText} does not exist`;
  if (!isCalendarDate(year, month, day)) {
    const n = daysInMonth(year, month);
    return `day ${day} does not exist (${year}-${pad(month, 2)} has days 1..${n})`;
  }
  return { year, month, day };
}

/**
 * Parses an all-digit date: `YYMMDD` (OKX, `digits = 6`, years 2000..2099) or `YYYYMMDD`
 * (Derive, `digits = 8`). Returns the date or a problem description.
 */
export function parseNumericDate(text: string, digits: 6 | 8): CalendarDate | string {
  const form = digits === 6 ? 'YYMMDD' : 'YYYYMMDD';
  if (!new RegExp(`^[0-9]{${digits}}$`).test(text)) return `expected a date ${form}, got "${text}"`;
  const yLen = digits - 4;
  const year = Number(text.slice(0, yLen)) + (digits === 6 ? 2000 : 0);
  const month = Number(text.slice(yLen, yLen + 2));
  const day = Number(text.slice(yLen + 2));
  if (year < 1970) return `year ${year} is before 1970`;
  return checkDate(year, month, day, text.slice(yLen, yLen + 2));
}

/** Formats a date as `YYMMDD` (`digits = 6`, years 2000..2099 only) or `YYYYMMDD`; undefined if impossible. */
export function formatNumericDate(d: CalendarDate, digits: 6 | 8): string | undefined {
  if (digits === 6) {
    if (d.year < 2000 || d.year > 2099) return undefined;
    return pad(d.year - 2000, 2) + pad(d.month, 2) + pad(d.day, 2);
  }
  if (d.year < 1970 || d.year > 9999) return undefined;
  return pad(d.year, 4) + pad(d.month, 2) + pad(d.day, 2);
}
