/**
 * The results of an incremental what-if at the default (prepared-book.ts): per pool, the
 * charged numbers at once (`IM = max_k IM_k`, `MM = max_k MM_k` over the readings' runs, the
 * first reading or a strictly higher one setting each, as `chargeOverReadings`; the equity;
 * `utilization`), and the hypothesis table and charging readings from the same runs when
 * read. The report fields (worst scenario, contributions, add-ons, notes, warnings, input
 * hash, details) are built on first read, once, by `slow`: the per-reading path charged with
 * the same runs, so its report is that of the reading these numbers say set IM. Fields keep
 * the order `chargeOverReadings` gives them (enumerable getters: JSON output and comparisons
 * see the full result).
 */
import { utilization, type MarginResult } from '../margin-result.ts';
import type { PoolCharge, Readings } from '../hypotheses.ts';

/** The report fields built on first read, in result order. */
const LATE = [
  'worstScenario',
  'contributions',
  'addOns',
  'unverified',
  'warnings',
  'inputsHash',
  'details',
] as const;

/** Index of the reading that sets pool `i`'s `field` (first of the highest). */
function setting(
  runs: readonly (readonly PoolCharge[])[],
  i: number,
  field: 'initialMargin' | 'maintenanceMargin',
): number {
  let best = 0;
  for (let k = 1; k < runs.length; k++) if (runs[k]![i]![field] > runs[best]![i]![field]) best = k;
  return best;
}

/**
 * Results per pool from `runs[k][pool]` (the readings' IM and MM, pools in `before`'s order)
 * and `equity[pool]`; `before` (the book's own results, same params) gives the model fields
 * and whether the pinned readings' `verified` notes are present.
 */
export function fastResults(
  before: readonly MarginResult[],
  readings: readonly Readings[],
  runs: readonly (readonly PoolCharge[])[],
  equity: readonly number[],
  slow: () => readonly MarginResult[],
): MarginResult[] {
  let full: readonly MarginResult[] | undefined;
  const fullOf = (): readonly MarginResult[] => (full ??= slow());
  const b0 = before[0]!;
  const verified = before.some((r) => 'verified' in r);
  return runs[0]!.map((base, i) => {
    const kIm = setting(runs, i, 'initialMargin');
    const kMm = setting(runs, i, 'maintenanceMargin');
    const im = runs[kIm]![i]!.initialMargin;
    const out: Record<string, unknown> = {
      model: b0.model,
      modelVersion: b0.modelVersion,
      currency: base.currency,
      equity: equity[i]!,
      initialMargin: im,
      maintenanceMargin: runs[kMm]![i]!.maintenanceMargin,
      utilization: utilization(im, equity[i]!),
    };
    const late = (k: string, get: () => unknown) =>
      Object.defineProperty(out, k, { enumerable: true, configurable: true, get });
    for (const k of LATE) late(k, () => fullOf()[i]![k]);
    if (verified) late('verified', () => fullOf()[i]!.verified);
    if (readings.length > 1) {
      late('hypotheses', () =>
        runs.map((rs, k) => ({
          readings: readings[k]!,
          initialMargin: rs[i]!.initialMargin,
          maintenanceMargin: rs[i]!.maintenanceMargin,
        })),
      );
      late('hypothesisCharge', () => ({
        initialMargin: readings[kIm]!,
        maintenanceMargin: readings[kMm]!,
      }));
    }
    return out as unknown as MarginResult;
  });
}
