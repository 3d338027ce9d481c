/**
 * The bundled daily BTC/ETH closes (data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv), the price
 * history of `ballast var`/`stress` without `--history` and of the API without an uploaded
 * series: its path, the label the reports show, and its text (read once).
 */
import { fileURLToPath } from 'node:url';
import { readTextFile } from './read-json.ts';

/** Absolute path of the bundled history CSV. */
export const BUNDLED_HISTORY_FILE = fileURLToPath(
  new URL('../../data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv', import.meta.url),
);

/** How reports name it. */
export const BUNDLED_HISTORY_LABEL = 'data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv (bundled)';

let text: string | undefined;

/** The bundled CSV's text (read on first use, then kept). */
export function bundledHistoryText(): string {
  return (text ??= readTextFile(BUNDLED_HISTORY_FILE));
}
