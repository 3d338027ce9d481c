/**
 * Shared loading for the margin commands: the market (snapshot or raw file, with the
 * staleness check), the portfolio (any supported format, sizes converted to coins) and
 * model parameters (defaults merged with a `--params` file).
 */
import { readJsonFile, parseJson, readTextFile } from '../io/read-json.ts';
import { loadMarket } from '../io/load-market.ts';
import { importPortfolio } from '../io/portfolio-input.ts';
import { mergeParams } from '../io/params-file.ts';
import { assertFresh, stalenessProblem } from '../market/staleness.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { BallastError } from '../core/errors.ts';

/** Options every margin command shares. */
export interface MarketOptions {
  market?: string;
  allowStale: boolean;
  maxAge: string;
}

/** Parses `30s`, `15m`, `2h`, `3d` into ms. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new BallastError('INVALID_INPUT', `expected a duration such as 30s, 15m, 2h or 3d, got "${text}"`, field);
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Loads the market and applies the staleness rule (`--allow-stale` turns the error into a warning). */
export function loadMarketChecked(o: MarketOptions): { snapshot: MarketSnapshot; warnings: string[] } {
  if (o.market === undefined) throw new BallastError('INVALID_INPUT', 'required: a market snapshot or raw market file', '--market');
  const snapshot = loadMarket(o.market);
  const maxAgeMs = parseDuration(o.maxAge, '--max-age');
  const now = Date.now();
  if (!o.allowStale) {
    assertFresh(snapshot, now, maxAgeMs, '--market');
    return { snapshot, warnings: [] };
  }
  const problem = stalenessProblem(snapshot, now, maxAgeMs);
  const warnings = problem === undefined ? [] : [`${problem}; margined as of the snapshot time (--allow-stale)`];
  return { snapshot, warnings };
}

/** Loads a portfolio file in any supported format. */
export function loadPortfolio(path: string, snapshot: MarketSnapshot): Portfolio {
  return importPortfolio(readTextFile(path), path, snapshot, parseJson).portfolio;
}

/** The model's default parameters, merged with a `--params` file if given. */
export function modelParams<P>(model: MarginModel<P>, paramsFile: string | undefined): P {
  if (paramsFile === undefined) return model.defaultParams;
  return mergeParams(model.defaultParams, readJsonFile(paramsFile), paramsFile);
}
