/**
 * Price history as market data: the close series a market snapshot may carry
 * (`MarketSnapshot.history`), read by the scenario source of the risk-based models
 * (historical and filtered historical scenarios, EWMA vols of Monte Carlo, span2's measured
 * crashes). The adapters load it (CLI `--history`, the server's uploaded or bundled closes)
 * and attach it with `withHistory`; the model parameters keep only the settings (window,
 * overlap, λ, horizon).
 *
 * Validation (`validatedHistory`) is fail-closed and names the field
 * (`market.history.series[0].symbol`, …): a non-empty list of series, each an upper-case
 * underlying, a known interval, equal-length time and close arrays of at most
 * `MARKET_HISTORY_CAPS.points` points (≥ 2), finite strictly increasing times (epoch ms UTC)
 * and closes in [1e-12, 1e15]. A history object is checked once (memoised per object: market
 * data is immutable).
 */
import { BallastError } from '../core/errors.ts';
import type { PriceSeries } from './history.ts';

/** Close series of the market's underlyings and where they came from. */
export interface MarketHistory {
  /** One series per underlying (`symbol` = underlying, e.g. `BTC`). */
  readonly series: readonly PriceSeries[];
  /** Where the data came from (file names, bad prints excluded), for reports; null: unknown. */
  readonly source: string | null;
}

/** Most points per series (times ±8.64e15 ms are the ECMAScript date range). */
export const MARKET_HISTORY_CAPS = { points: 1_000_000 };

/** The field errors name: the history of the market. */
export const MARKET_HISTORY_FIELD = 'market.history';

function fail(message: string, field: string): never {
  throw new BallastError('INVALID_INPUT', message, field);
}

/** One series: symbol, interval, array lengths and cap, increasing finite times, closes in range. */
function validateSeries(s: unknown, f: string): void {
  if (typeof s !== 'object' || s === null) fail('must be {symbol, interval, timesMs, closes}', f);
  const x = s as Record<string, unknown>;
  if (typeof x.symbol !== 'string' || !/^[A-Z0-9]+$/.test(x.symbol))
    fail(
      `must be an upper-case underlying such as BTC, got ${JSON.stringify(x.symbol)}`,
      `${f}.symbol`,
    );
  if (x.interval !== 'daily' && x.interval !== 'hourly')
    fail(`must be daily or hourly, got ${JSON.stringify(x.interval)}`, `${f}.interval`);
  const t = x.timesMs;
  const c = x.closes;
  if (
    !(t instanceof Float64Array) ||
    !(c instanceof Float64Array) ||
    t.length !== c.length ||
    t.length < 2
  )
    fail('timesMs and closes must be Float64Arrays of the same length ≥ 2', f);
  if (t.length > MARKET_HISTORY_CAPS.points)
    fail(`at most ${MARKET_HISTORY_CAPS.points} points, got ${t.length}`, `${f}.closes`);
  for (let k = 0; k < t.length; k++) {
    const tk = t[k]!;
    if (!(Number.isFinite(tk) && Math.abs(tk) <= 8.64e15))
      fail(`must be a time in epoch ms, got ${String(tk)}`, `${f}.timesMs[${k}]`);
    if (k > 0 && !(tk > t[k - 1]!)) fail('times must increase', `${f}.timesMs[${k}]`);
    const ck = c[k]!;
    if (!(ck >= 1e-12 && ck <= 1e15))
      fail(`must be a price in [1e-12, 1e15], got ${String(ck)}`, `${f}.closes[${k}]`);
  }
}

const checked = new WeakSet<object>();

/**
 * The history, checked (module doc); throws INVALID_INPUT naming `field` or the series field
 * below it. Returns the same object.
 */
export function validatedHistory(h: unknown, field = MARKET_HISTORY_FIELD): MarketHistory {
  if (typeof h === 'object' && h !== null && checked.has(h)) return h as MarketHistory;
  if (typeof h !== 'object' || h === null || Array.isArray(h))
    fail('must be {series, source}', field);
  const x = h as Record<string, unknown>;
  if (!Array.isArray(x.series) || x.series.length === 0)
    fail('must hold at least one price series', `${field}.series`);
  x.series.forEach((s: unknown, j) => validateSeries(s, `${field}.series[${j}]`));
  if (x.source !== null && x.source !== undefined && typeof x.source !== 'string')
    fail('must be a string or null', `${field}.source`);
  checked.add(h);
  return h as MarketHistory;
}

/**
 * The market snapshot with `history` attached as its market data (validated; replaces any
 * history it had). A new object: caches keyed on the snapshot object see a new market.
 */
export function withHistory<S extends { readonly history?: MarketHistory }>(
  snapshot: S,
  history: MarketHistory,
): S {
  return { ...snapshot, history: validatedHistory(history) };
}

/**
 * The series of `underlyings` in a market's history (`MarketSnapshot.history`), in that order,
 * each named by its underlying; INVALID_INPUT at `market.history` when the market has no
 * history (`need` says who needs it) or lacks a series for one of them.
 */
export function historySeriesFor(
  history: MarketHistory | undefined,
  underlyings: readonly string[],
  need: string,
): PriceSeries[] {
  if (history === undefined)
    fail(
      `${need} needs a price history (--history, or the request's history)`,
      MARKET_HISTORY_FIELD,
    );
  const all = validatedHistory(history).series;
  return underlyings.map((u) => {
    const s = all.find((x) => x.symbol.toUpperCase() === u.toUpperCase());
    if (!s)
      fail(
        `no price history for ${u} (have ${all.map((x) => x.symbol).join(', ')}): give one series per underlying`,
        MARKET_HISTORY_FIELD,
      );
    return { ...s, symbol: u };
  });
}
