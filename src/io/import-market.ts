/**
 * Market importers: turn a venue or library file into venue-neutral `RawMarket`s.
 *
 * Supported inputs (detected from their shape):
 * - **Deribit book summary, recorded** (`{as_of, futures[], options[], instruments[]}`, as in
 *   quantflow's `deribit_btc.json.gz` fixture): futures bid/ask in USD, option bid/ask in coin.
 * - **Deribit API** `public/get_book_summary_by_currency` response (`{result: [...]}`), with
 *   `estimated_delivery_price` as the index.
 * - **quantflow vol-surface inputs** (`{asset, asset_curve.ref_date, inputs[]}` with
 *   `security_type` spot / forward / option, string prices, inverse option premia in coin).
 *
 * Premia and prices are kept as quoted; conversions happen in `buildSnapshot`.
 */
import { BallastError } from '../core/errors.ts';
import { parseIsoUtc } from '../core/time.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { parseSymbol } from '../instruments/symbol.ts';
import type { RawFutureQuote, RawMarket, RawOptionQuote } from '../market/raw-market.ts';
import { isJsonObject } from './read-json.ts';

/** Result of an import: raw markets per underlying plus notes about skipped rows. */
export interface ImportResult {
  readonly format: 'deribit-recorded' | 'deribit-api' | 'quantflow';
  readonly markets: RawMarket[];
  readonly warnings: string[];
}

type Json = Record<string, unknown>;

/** Detects the format of a parsed raw market file and imports it. */
export function importRawMarket(value: unknown, source: string): ImportResult {
  if (isJsonObject(value) && Array.isArray(value.inputs) && typeof value.asset === 'string')
    return importQuantflow(value, source);
  if (isJsonObject(value) && Array.isArray(value.futures) && Array.isArray(value.options))
    return importDeribitRecorded(value, source);
  if (isJsonObject(value) && Array.isArray(value.result)) return importDeribitApi(value, source);
  throw new BallastError(
    'UNSUPPORTED',
    'unrecognised market file: expected a Deribit book summary ({as_of, futures, options} or an API {result: [...]}) or quantflow vol-surface inputs ({asset, inputs})',
    source,
  );
}

function num(v: unknown, field: string, optional = false): number | undefined {
  if (v === null || v === undefined || v === '') {
    if (optional) return undefined;
    throw new BallastError('INVALID_INPUT', 'expected a number, got nothing', field);
  }
  const x = typeof v === 'string' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new BallastError('INVALID_INPUT', `expected a number, got ${JSON.stringify(v)}`, field);
  return x;
}

function time(v: unknown, field: string): number {
  const ms = typeof v === 'string' ? parseIsoUtc(v) : NaN;
  if (!Number.isFinite(ms))
    throw new BallastError(
      'INVALID_INPUT',
      `expected an ISO-8601 time with a zone (e.g. 2026-08-01T08:00:00Z), got ${JSON.stringify(v)}`,
      field,
    );
  return ms;
}

/** Accumulates quotes per underlying. */
class Books {
  readonly byUnderlying = new Map<
    string,
    {
      futures: RawFutureQuote[];
      options: RawOptionQuote[];
      perpetual?: RawMarket['perpetual'];
      index?: RawMarket['index'];
    }
  >();
  book(u: string) {
    let b = this.byUnderlying.get(u);
    if (!b) {
      b = { futures: [], options: [] };
      this.byUnderlying.set(u, b);
    }
    return b;
  }
  /** Adds a quote of `inst`; false when it is not used (not an option, inverse future or inverse perpetual, or one-sided). */
  add(inst: Instrument, bid: number | undefined, ask: number | undefined): boolean {
    const b = this.book(inst.underlying);
    if (inst.kind === 'option') {
      b.options.push({
        symbol: inst.symbol,
        expiryMs: inst.expiryMs,
        strike: inst.strike,
        right: inst.right,
        bid: bid && bid > 0 ? bid : undefined,
        ask: ask && ask > 0 ? ask : undefined,
        premium: inst.settlement === 'inverse' ? 'coin' : 'usd',
      });
      return true;
    }
    if (bid === undefined || ask === undefined) return false;
    if (inst.kind === 'future' && inst.settlement === 'inverse') {
      b.futures.push({ symbol: inst.symbol, expiryMs: inst.expiryMs, bid, ask });
      return true;
    }
    if (inst.kind === 'perpetual' && inst.settlement === 'inverse') {
      b.perpetual = { symbol: inst.symbol, bid, ask };
      return true;
    }
    return false;
  }
  markets(source: string, asOfMs: number): RawMarket[] {
    return [...this.byUnderlying.entries()]
      .filter(([, b]) => b.options.length > 0 || b.futures.length > 0 || b.perpetual)
      .map(([underlying, b]) => ({
        source,
        asOfMs,
        underlying,
        futures: b.futures,
        options: b.options,
        ...(b.perpetual ? { perpetual: b.perpetual } : {}),
        ...(b.index ? { index: b.index } : {}),
      }));
  }
}

/** The warning listing rows `Books.add` did not use (the first five by name). */
function skippedWarning(skipped: readonly string[]): string[] {
  if (skipped.length === 0) return [];
  const names = `${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`;
  return [`skipped ${skipped.length} rows (unparsed, linear or one-sided non-option): ${names}`];
}

function tryParse(name: unknown): Instrument | undefined {
  if (typeof name !== 'string') return undefined;
  try {
    return parseSymbol(name, 'deribit');
  } catch {
    return undefined;
  }
}

function importDeribitRecorded(v: Json, source: string): ImportResult {
  const asOfMs = time(v.as_of, `${source}.as_of`);
  const books = new Books();
  const skipped: string[] = [];
  const rows = [...(v.futures as unknown[]), ...(v.options as unknown[])];
  rows.forEach((row, i) => {
    if (!isJsonObject(row))
      throw new BallastError('INVALID_INPUT', 'expected an object', `${source}[${i}]`);
    const field = `${source}.${String(row.instrument_name)}`;
    const inst = tryParse(row.instrument_name);
    const used =
      inst &&
      books.add(
        inst,
        num(row.bid_price, `${field}.bid_price`, true),
        num(row.ask_price, `${field}.ask_price`, true),
      );
    if (!used) skipped.push(String(row.instrument_name));
  });
  return {
    format: 'deribit-recorded',
    markets: books.markets(source, asOfMs),
    warnings: skippedWarning(skipped),
  };
}

function importDeribitApi(v: Json, source: string): ImportResult {
  const rows = v.result as unknown[];
  const books = new Books();
  const skipped: string[] = [];
  let asOfMs = NaN;
  rows.forEach((row, i) => {
    if (!isJsonObject(row))
      throw new BallastError('INVALID_INPUT', 'expected an object', `${source}.result[${i}]`);
    const field = `${source}.result[${i}]`;
    const ts = num(row.creation_timestamp, `${field}.creation_timestamp`, true);
    if (ts !== undefined) asOfMs = Number.isNaN(asOfMs) ? ts : Math.max(asOfMs, ts);
    const inst = tryParse(row.instrument_name);
    const used =
      inst &&
      books.add(
        inst,
        num(row.bid_price, `${field}.bid_price`, true),
        num(row.ask_price, `${field}.ask_price`, true),
      );
    if (!used) skipped.push(String(row.instrument_name));
    const idx = num(row.estimated_delivery_price, `${field}.estimated_delivery_price`, true);
    if (inst && idx !== undefined && idx > 0)
      books.book(inst.underlying).index = { bid: idx, ask: idx };
  });
  if (Number.isNaN(asOfMs))
    throw new BallastError(
      'INVALID_INPUT',
      'no creation_timestamp in any row: the as-of time is unknown',
      `${source}.result`,
    );
  return {
    format: 'deribit-api',
    markets: books.markets(source, asOfMs),
    warnings: skippedWarning(skipped),
  };
}

function importQuantflow(v: Json, source: string): ImportResult {
  const curve = v.asset_curve;
  if (!isJsonObject(curve))
    throw new BallastError(
      'INVALID_INPUT',
      'missing asset_curve.ref_date',
      `${source}.asset_curve`,
    );
  const asOfMs = time(curve.ref_date, `${source}.asset_curve.ref_date`);
  const underlying = (v.asset as string).toUpperCase();
  const futures: RawFutureQuote[] = [];
  const options: RawOptionQuote[] = [];
  let index: RawMarket['index'];
  (v.inputs as unknown[]).forEach((row, i) => {
    const field = `${source}.inputs[${i}]`;
    if (!isJsonObject(row)) throw new BallastError('INVALID_INPUT', 'expected an object', field);
    const bid = num(row.bid, `${field}.bid`, true);
    const ask = num(row.ask, `${field}.ask`, true);
    switch (row.security_type) {
      case 'spot':
        index = { bid: bid ?? NaN, ask: ask ?? NaN };
        break;
      case 'forward': {
        const expiryMs = time(row.maturity, `${field}.maturity`);
        futures.push({
          symbol: `${underlying} forward ${String(row.maturity).slice(0, 10)}`,
          expiryMs,
          bid: bid ?? NaN,
          ask: ask ?? NaN,
        });
        break;
      }
      case 'option': {
        const expiryMs = time(row.maturity, `${field}.maturity`);
        const right = row.option_type;
        if (right !== 'call' && right !== 'put')
          throw new BallastError(
            'INVALID_INPUT',
            `option_type must be call or put, got ${JSON.stringify(right)}`,
            `${field}.option_type`,
          );
        const strike = num(row.strike, `${field}.strike`)!;
        options.push({
          symbol: `${underlying} ${String(row.maturity).slice(0, 10)} ${strike} ${right}`,
          expiryMs,
          strike,
          right,
          bid: bid && bid > 0 ? bid : undefined,
          ask: ask && ask > 0 ? ask : undefined,
          premium: row.inverse === true ? 'coin' : 'usd',
        });
        break;
      }
      default:
        throw new BallastError(
          'INVALID_INPUT',
          `unknown security_type ${JSON.stringify(row.security_type)}`,
          `${field}.security_type`,
        );
    }
  });
  return {
    format: 'quantflow',
    markets: [{ source, asOfMs, underlying, futures, options, ...(index ? { index } : {}) }],
    warnings: [],
  };
}
