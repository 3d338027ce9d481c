/**
 * Every model on one book, side by side, with the saving against isolated margin. A model
 * that cannot margin the book (not covered, or venue tables missing) is listed with its
 * reason instead of hiding the others.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import type { MarginResult } from './margin-result.ts';
import { MARGIN_MODELS } from './registry.ts';
import { totalsUsd } from './usd-totals.ts';

/** One model's line: results per pool and USD totals, or why it does not apply. */
export interface ComparisonRow {
  readonly model: string;
  readonly title: string;
  readonly results: readonly MarginResult[];
  readonly initialMarginUsd: number;
  readonly maintenanceMarginUsd: number;
  /** `n/a: ...` or `<CODE>: ...` when the model could not margin the book. */
  readonly error?: string;
}

/** The comparison and its baseline (isolated IM in USD, if isolated applies). */
export interface Comparison {
  readonly rows: readonly ComparisonRow[];
  readonly baselineUsd: number | undefined;
}

/** Runs every registered model with its default parameters on `portfolio`. */
export function compareModels(portfolio: Portfolio, snapshot: MarketSnapshot): Comparison {
  const rows = MARGIN_MODELS.map((model): ComparisonRow => {
    try {
      const results = model.evaluate(portfolio, snapshot, model.defaultParams);
      const t = totalsUsd(results, snapshot);
      return {
        model: model.id,
        title: model.title,
        results,
        initialMarginUsd: t.initialMargin,
        maintenanceMarginUsd: t.maintenanceMargin,
      };
    } catch (e) {
      if (!(e instanceof BallastError)) throw e;
      return {
        model: model.id,
        title: model.title,
        results: [],
        initialMarginUsd: NaN,
        maintenanceMarginUsd: NaN,
        error: `${e.code === 'UNSUPPORTED' ? 'n/a' : e.code}: ${e.message}`,
      };
    }
  });
  return {
    rows,
    baselineUsd: rows.find((r) => r.model === 'isolated' && !r.error)?.initialMarginUsd,
  };
}

/** Saving of `row` against the baseline, as a fraction (undefined without a baseline). */
export function savingVsBaseline(
  row: ComparisonRow,
  baselineUsd: number | undefined,
): number | undefined {
  if (row.error || !baselineUsd || baselineUsd <= 0) return undefined;
  return 1 - row.initialMarginUsd / baselineUsd;
}
