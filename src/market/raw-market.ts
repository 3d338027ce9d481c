/**
 * Raw market quotes for one underlying, venue-neutral: what importers (src/io) produce
 * and `buildSnapshot` turns into a `MarketSnapshot`. Prices are as quoted: futures in
 * USD per coin, option premia in coin (inverse, Deribit) or USD (linear).
 */
import type { Currency } from '../core/currency.ts';
import type { OptionRight } from '../instruments/instrument.ts';
import type { Quote } from './forwards.ts';

/** A dated future's top of book, USD per coin. */
export interface RawFutureQuote extends Quote {
  readonly symbol: string;
  readonly expiryMs: number;
}

/** An option's top of book. A missing side is `undefined` (no quote), never 0. */
export interface RawOptionQuote {
  readonly symbol: string;
  readonly expiryMs: number;
  readonly strike: number;
  readonly right: OptionRight;
  readonly bid: number | undefined;
  readonly ask: number | undefined;
  /** `coin`: premium in the base coin (inverse); `usd`: premium in USD (linear). */
  readonly premium: 'coin' | 'usd';
}

/** All raw quotes of one underlying at one instant. */
export interface RawMarket {
  readonly source: string;
  readonly asOfMs: number;
  readonly underlying: Currency;
  /** Index / spot quote; if absent the perpetual's mid is used as a proxy (with a warning). */
  readonly index?: Quote;
  readonly perpetual?: Quote & { readonly symbol: string };
  readonly futures: readonly RawFutureQuote[];
  readonly options: readonly RawOptionQuote[];
  /** Discount rate for premia, continuously compounded (default 0, as Deribit marks). */
  readonly rate?: number;
}
