/**
 * Time conventions. Instants are epoch milliseconds (UTC). Year fractions are
 * ACT/365 in calendar time, as Deribit and the QuantLib vectors use
 * (`T = (expiry - now) / (365 days)`).
 */

/** Milliseconds in one day. */
export const MS_PER_DAY = 86_400_000;
/** Milliseconds in one ACT/365 year. */
export const MS_PER_YEAR = 365 * MS_PER_DAY;

/** ACT/365 year fraction between two epoch-ms instants (may be negative). */
export function yearFraction(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/** Calendar days (fractional) between two epoch-ms instants. */
export function daysBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_DAY;
}

/** ISO-8601 UTC string of an epoch-ms instant (e.g. `2024-12-27T08:00:00.000Z`). */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** UTC calendar date of an epoch-ms instant, `YYYY-MM-DD` (e.g. `2024-12-27`). */
export function toIsoDate(ms: number): string {
  return toIso(ms).slice(0, 10);
}

/**
 * Parses an ISO-8601 timestamp with an explicit zone (`Z` or `+hh:mm`) into epoch ms.
 * Returns NaN for anything else (callers turn that into a typed error naming the field).
 */
export function parseIsoUtc(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return NaN;
  // Date.parse keeps millisecond precision only; truncate longer fractions explicitly.
  return Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
}

/**
 * Parses a calendar date `YYYY-MM-DD` to epoch ms at 00:00 UTC; NaN for anything else,
 * including dates that do not exist (2025-02-30). Callers turn NaN into a typed error.
 */
export function parseIsoDate(text: string): number {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const ms = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) : NaN;
  return Number.isFinite(ms) && toIsoDate(ms) === t ? ms : NaN;
}
