/**
 * The price history of a /v1/var, /v1/stress or /v1/margin request: the uploaded series
 * (`history`: `[{symbol, csv}]`, each the prices of its symbol, like `--history SYM=FILE`) or
 * else the bundled BTC/ETH daily closes (the CLI's default, same source label), matched to the
 * book's underlyings and screened for bad prints by app/price-history.ts. The use cases attach
 * it to the market as its price history (`market.history`, app/risk-params.ts).
 */
import type { LoadedHistory } from '../app/risk-params.ts';
import { historyFromTexts, type HistoryText } from '../app/price-history.ts';
import {
  BUNDLED_HISTORY_FILE,
  BUNDLED_HISTORY_LABEL,
  bundledHistoryText,
} from '../io/bundled-history.ts';

/** The history fields of a request. */
export interface HistoryRequest {
  readonly history?: readonly { symbol: string; csv: string }[];
  readonly keepOutliers?: boolean;
}

/** The request's history for `underlyings` (see module doc). */
export function requestHistory(b: HistoryRequest, underlyings: readonly string[]): LoadedHistory {
  const texts: HistoryText[] = b.history
    ? b.history.map((h, i) => ({
        text: h.csv,
        source: `history[${i}].csv`,
        label: `history[${i}] (uploaded)`,
        name: '',
        symbol: h.symbol,
      }))
    : [
        {
          text: bundledHistoryText(),
          source: BUNDLED_HISTORY_FILE,
          label: BUNDLED_HISTORY_LABEL,
          name: 'bitfinex_BTC_ETH_USD_d.csv',
        },
      ];
  return historyFromTexts(texts, underlyings, b.keepOutliers === true, 'history');
}
