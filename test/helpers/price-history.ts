/**
 * Loads the bundled price history of data/crypto-ohlc (see its README) for tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePriceCsv, type HistoryReport, type PriceSeries } from '../../src/market/history.ts';

/** Absolute path of a file in data/crypto-ohlc. */
export function ohlcPath(file: string): string {
  return fileURLToPath(new URL(`../../data/crypto-ohlc/${file}`, import.meta.url));
}

/** Text of a file in data/crypto-ohlc. */
export function ohlcText(file: string): string {
  return readFileSync(ohlcPath(file), 'utf8');
}

const cache = new Map<string, { series: PriceSeries; report: HistoryReport }>();

/** Parsed series (cached) of `file`, symbol `symbol`. */
export function loadSeries(
  file: string,
  symbol?: string,
): { series: PriceSeries; report: HistoryReport } {
  const key = `${file}|${symbol ?? ''}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = parsePriceCsv(ohlcText(file), file, symbol === undefined ? {} : { symbol });
    cache.set(key, hit);
  }
  return hit;
}

/** Bitfinex daily BTC and ETH (2014-12 .. 2020-01; ETH from 2016-05-27). */
export function bitfinexBtcEth(): { btc: PriceSeries; eth: PriceSeries } {
  return {
    btc: loadSeries('bitfinex_BTC_ETH_USD_d.csv', 'BTC').series,
    eth: loadSeries('bitfinex_BTC_ETH_USD_d.csv', 'ETH').series,
  };
}
