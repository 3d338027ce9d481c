/**
 * The compare use case: every registered model with its defaults on one book, side by side,
 * with the saving against isolated margin. The result is `ballast compare --json`'s object.
 */
import { compareModels, savingVsBaseline } from '../margin/compare.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';

/** One model's row (USD; `null` where the model does not apply, with `error` saying why). */
export interface CompareRow {
  readonly model: string;
  readonly initialMarginUsd: number | null;
  readonly maintenanceMarginUsd: number | null;
  /** 1 − IM / isolated IM (fraction), null without a baseline. */
  readonly savingVsIsolated: number | null;
  readonly error: string | null;
  readonly pools: readonly MarginResult[];
}

/** The comparison: the isolated baseline (USD), the market's warnings and one row per model. */
export interface CompareResult {
  readonly baselineUsd: number | undefined;
  readonly warnings: readonly string[];
  readonly models: readonly CompareRow[];
}

/** Compares every model on `portfolio` (see module doc). */
export function compareUseCase(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  warnings: readonly string[] = [],
): CompareResult {
  const { rows, baselineUsd } = compareModels(portfolio, snapshot);
  const models = rows.map((r) => ({
    model: r.model,
    initialMarginUsd: r.error ? null : r.initialMarginUsd,
    maintenanceMarginUsd: r.error ? null : r.maintenanceMarginUsd,
    savingVsIsolated: savingVsBaseline(r, baselineUsd) ?? null,
    error: r.error ?? null,
    pools: r.results,
  }));
  return { baselineUsd, warnings, models };
}
