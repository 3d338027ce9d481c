/**
 * What the commands share: the market options and loading (snapshot or raw file, with the
 * staleness check), the portfolio (any supported format, sizes converted to coins), model
 * choice and parameters (defaults merged with a `--params` file).
 */
import type { Command } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { readJsonFile, readTextFile } from '../io/read-json.ts';
import { loadMarket } from '../io/load-market.ts';
import { importPortfolio } from '../io/portfolio-input.ts';
import { mergeParams } from '../io/params-file.ts';
import { parsePins, pinReadings, readingsInOverride } from '../margin/hypotheses.ts';
import { checkMarket } from '../app/market-check.ts';
import { parseDuration } from '../app/duration.ts';

export { parseDuration };
import { applyMarketOverrides, parseOverride } from '../market/market-overrides.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { MARGIN_MODELS } from '../margin/registry.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** Options every command that reads a market shares (see `marketOptions`). */
export interface MarketOptions {
  market?: string;
  allowStale: boolean;
  maxAge: string;
  /** `--mark`, `--vol`, `--index` (absent on commands without them, e.g. `price`). */
  mark?: string[];
  vol?: string[];
  index?: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `--market`, `--allow-stale` and `--max-age` (the `MarketOptions`) to a command. */
export const marketOptions = <A extends unknown[], O extends Record<string, unknown>>(
  c: Command<A, O>,
) =>
  c
    .option('--market <file>', 'market snapshot (ballast market build) or raw market file')
    .option(
      '--allow-stale',
      'use a snapshot older than --max-age, as of its own time (flagged in the output)',
      false,
    )
    .option('--max-age <duration>', 'maximum snapshot age (e.g. 30s, 15m, 2h, 3d)', '1h')
    .option(
      '--mark <SYMBOL=PRICE>',
      'override a mark for this run (repeatable): perp/future USD; option in its quote (coin if inverse), made its vol',
      collect,
      [] as string[],
    )
    .option(
      '--vol <SYMBOL=VOL>',
      "override an option's vol for this run (decimal, repeatable): its expiry's smile shifted",
      collect,
      [] as string[],
    )
    .option(
      '--index <UNDERLYING=PRICE>',
      'override an index for this run (USD, repeatable): perp basis kept, forwards scaled',
      collect,
      [] as string[],
    );

/** Ids of every registered margin model, for `--model` choices. */
export const modelIds = (): string[] => MARGIN_MODELS.map((m) => m.id);

/**
 * Loads the market and applies the staleness rule (`--allow-stale` turns the error into a
 * warning), then the `--index`, `--mark` and `--vol` overrides (src/market/market-overrides.ts;
 * each one is a note in the warnings). `listedSymbols`: the options and futures of a raw market file (undefined for a
 * snapshot file), so the file is not read again for a listed universe.
 */
export function loadMarketChecked(o: MarketOptions): {
  snapshot: MarketSnapshot;
  warnings: string[];
  listedSymbols: readonly string[] | undefined;
} {
  if (o.market === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      'required: a market snapshot or raw market file',
      '--market',
    );
  const loaded = loadMarket(o.market);
  const warnings = freshnessWarnings(loaded.snapshot, o);
  const overrides = [
    ...(o.index ?? []).map((t) => parseOverride('--index', t)),
    ...(o.mark ?? []).map((t) => parseOverride('--mark', t)),
    ...(o.vol ?? []).map((t) => parseOverride('--vol', t)),
  ];
  const { snapshot, notes } = applyMarketOverrides(loaded.snapshot, overrides);
  return { snapshot, warnings: [...warnings, ...notes], listedSymbols: loaded.listedSymbols };
}

/**
 * The staleness rule of `--max-age` / `--allow-stale`: STALE_MARKET naming `--market` for a
 * snapshot older than the limit, or, with `--allow-stale`, the warning that says so.
 */
export function freshnessWarnings(snapshot: MarketSnapshot, o: MarketOptions): string[] {
  const maxAgeMs = parseDuration(o.maxAge, '--max-age');
  return checkMarket(snapshot, {
    nowMs: Date.now(),
    maxAgeMs,
    allowStale: o.allowStale,
    field: '--market',
  }).warnings;
}

/** Loads a portfolio file in any supported format. */
export function loadPortfolio(path: string, snapshot: MarketSnapshot): Portfolio {
  return importPortfolio(readTextFile(path), path, snapshot).portfolio;
}

/**
 * The model's default parameters, merged with a `--params` file if given. A hypothesis rule
 * the file sets (deribit-pm `rules.inverseOptionPnl`, okx-pm `inverseUsdConversion`, …) and
 * each `--hypothesis name=reading` is pinned (src/margin/hypotheses.ts): charged at that
 * reading instead of the highest over the readings.
 */
export function modelParams<P>(
  model: MarginModel<P>,
  paramsFile: string | undefined,
  hypotheses: readonly string[] = [],
): P {
  const raw = paramsFile === undefined ? undefined : readJsonFile(paramsFile);
  let params =
    paramsFile === undefined
      ? model.defaultParams
      : mergeParams(model.defaultParams, raw, paramsFile);
  const table = model.hypotheses;
  if (!table) {
    if (hypotheses.length > 0)
      throw new BallastError(
        'INVALID_INPUT',
        `${model.id} has no hypothesis rules to pin`,
        '--hypothesis',
      );
    return params;
  }
  if (raw !== undefined)
    params = pinReadings(table, params, readingsInOverride(table, raw), paramsFile!);
  return pinReadings(table, params, parsePins(hypotheses, '--hypothesis'), '--hypothesis');
}

/** `--hypothesis name=reading` (repeatable) for the margin commands. */
export const HYPOTHESIS_OPTION_HELP =
  'pin a hypothesis rule to one reading (repeatable; e.g. inverseOptionPnl=usd-at-shocked); by default the highest over the readings is charged';
