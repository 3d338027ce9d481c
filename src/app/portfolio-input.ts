/**
 * A portfolio given as a value: a string is the CSV form (`instrument,size[,entryPrice]`,
 * sizes in coins); an object or array is any JSON format Ballast reads (Ballast JSON, a Deribit
 * `get_positions` response, a ccxt `fetchPositions` array), detected by shape as for files.
 */
import { portfolioFromCsv, importPortfolio } from '../io/portfolio-input.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/**
 * The portfolio a value stands for (see module doc); errors name fields under `source`. The
 * snapshot converts USD or contract sizes to coins and checks plausibility (optional).
 */
export function portfolioFromValue(
  value: unknown,
  source: string,
  snapshot: MarketSnapshot | undefined,
): Portfolio {
  if (typeof value === 'string') return portfolioFromCsv(value, source, snapshot);
  return importPortfolio('', source, snapshot, () => value).portfolio;
}
