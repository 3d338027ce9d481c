/**
 * Expiry conventions shared by the venue symbol grammars.
 *
 * Every listed venue we support (Deribit, OKX, Derive) expires dated futures and options at
 * 08:00 UTC on the date written in the symbol, so a symbol date maps to one instant:
 * `Date.UTC(year, month - 1, day, 8, 0, 0)` epoch milliseconds. Months in this module are
 * calendar months 1..12 (not JavaScript's 0-based months).
 */
import { BallastError } from '../core/errors.ts';
import { toIso } from '../core/time.ts';
import { isDated, type Instrument } from './instrument.ts';

/** Hour of day (UTC) at which Deribit, OKX and Derive dated products expire. */
export const EXPIRY_HOUR_UTC = 8;

/** A calendar date: `month` is 1..12, `day` is 1..31, `year` is the full year (2024). */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Number of days in `month` (1..12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this month.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * True if (`year`, `month` 1..12, `day`) is a real calendar date with a year in 1..9999,
 * e.g. false for 31 Feb or 29 Feb 2025.
 */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/**
 * Venue expiry instant for a calendar date: 08:00 UTC on (`y`, `m` 1..12, `d`), in epoch ms.
 * Equal to `Date.UTC(y, m - 1, d, 8, 0, 0)`. Throws INVALID_INPUT (field `date`) for a date
 * that does not exist (e.g. 2025-02-31) instead of letting `Date.UTC` roll it over.
 */
export function expiryFromDate(y: number, m: number, d: number): number {
  if (!isCalendarDate(y, m, d)) {
    throw new BallastError(
      'INVALID_INPUT',
      `${y}-${m}-${d} is not a calendar date (month 1..12)`,
      'date',
    );
  }
  const ms = Date.UTC(y, m - 1, d, EXPIRY_HOUR_UTC, 0, 0);
  // Date.UTC maps years 0..99 to 1900..1999; set the full year explicitly.
  return y < 100 ? new Date(ms).setUTCFullYear(y, m - 1, d) : ms;
}

/**
 * The UTC calendar date of an expiry instant, if it falls exactly on 08:00:00.000 UTC;
 * otherwise `undefined` (the instant cannot be written as a venue symbol date).
 */
export function expiryDate(expiryMs: number): CalendarDate | undefined {
  if (!Number.isFinite(expiryMs)) return undefined;
  const t = new Date(expiryMs);
  if (Number.isNaN(t.getTime())) return undefined;
  if (
    t.getUTCHours() !== EXPIRY_HOUR_UTC ||
    t.getUTCMinutes() !== 0 ||
    t.getUTCSeconds() !== 0 ||
    t.getUTCMilliseconds() !== 0
  ) {
    return undefined;
  }
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/**
 * Throws EXPIRED (naming `field`, default `symbol`) if `i` has an expiry at or before
 * `asOfMs` (epoch ms UTC). Instruments without an expiry (spot, perpetuals) always pass.
 * Returns `i` so it can be used inline. Throws NOT_FINITE if `asOfMs` is not finite.
 */
export function assertNotExpired<T extends Instrument>(i: T, asOfMs: number, field = 'symbol'): T {
  if (typeof asOfMs !== 'number' || !Number.isFinite(asOfMs)) {
    throw new BallastError(
      'NOT_FINITE',
      `as-of time must be finite epoch ms, got ${String(asOfMs)}`,
      'asOf',
    );
  }
  if (isDated(i) && i.expiryMs <= asOfMs) {
    throw new BallastError(
      'EXPIRED',
      `${i.symbol} expired at ${toIso(i.expiryMs)}, at or before the as-of time ${toIso(asOfMs)}`,
      field,
      { symbol: i.symbol, expiryMs: i.expiryMs, asOfMs },
    );
  }
  return i;
}
