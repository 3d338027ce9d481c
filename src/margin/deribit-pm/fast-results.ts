/**
 * The results of an incremental what-if at the default (prepared-book.ts): per pool, the
 * charged numbers at once (`IM = max_k IM_k`, `MM = max_k MM_k` over the readings' runs, the
 * first reading or a strictly higher one setting each, as `chargeOverReadings`; the equity;
 * `utilization`), and the hypothesis table and charging readings from the same runs when
 * read. The report fields (worst scenario, contributions, add-ons, notes, warnings, input
 * hash, details) are built on first read, once, by `slow`: the per-reading path charged with
 * the same runs, so its report is that of the reading these numbers say set IM. Fields keep
 * the order `chargeOverReadings` gives them (enumerable getters: JSON output and comparisons
 * see the full result). With `early` (prepared-book.ts), `inputsHash` and `unverified` are
 * read without the report: a summary answer never builds it.
 *
 * A what-if of one trade (`fastWhatIf`) builds even these results on first read: its USD
 * totals come from the same numbers (an object literal's getter costs V8 ~0.2–0.3 µs to
 * create, a result has nine).
 */
import type { Position } from '../../risk/portfolio.ts';
import type { Readings } from '../hypotheses.ts';
import type { WhatIfResult } from '../margin-model.ts';
import { utilization, type MarginResult } from '../margin-result.ts';
import type { PoolsInUsd } from '../usd-totals.ts';
import type { ReadingRuns } from './book-readings.ts';

/** Index of the reading that sets pool `i`'s amount in `xs[k·nP + i]` (first of the highest). */
function setting(xs: readonly number[], nP: number, i: number): number {
  let best = 0;
  for (let k = 1; k * nP < xs.length; k++) if (xs[k * nP + i]! > xs[best * nP + i]!) best = k;
  return best;
}

type Head = Pick<
  MarginResult,
  'model' | 'modelVersion' | 'currency' | 'equity' | 'initialMargin' | 'maintenanceMargin'
>;

/**
 * What a result reads without the report (a summary answer reads these two): the after-trade
 * book's `inputsHash`, and pool `i`'s `unverified` notes given the readings `kIm`, `kMm` that
 * set its IM and MM (undefined: read them from the report).
 */
export interface EarlyFields {
  inputsHash(): string;
  unverified(i: number, kIm: number, kMm: number): readonly string[] | undefined;
}

/** The report fields of every pool, built once, on first read, by `slow`. */
interface LateReport {
  readonly slow: () => readonly MarginResult[];
  run?: readonly MarginResult[];
  readonly early?: EarlyFields;
  /** Pool notes read through `early`, per pool. */
  readonly notes: (readonly string[] | undefined)[];
}

/** Pool `c.i`'s notes: `early`'s (once per pool), else the report's. */
function notesOf(r: LateReport, c: Pick<PoolReadings, 'i' | 'kIm' | 'kMm'>): readonly string[] {
  const i = c.i;
  if (r.early) r.notes[i] ??= r.early.unverified(i, c.kIm, c.kMm);
  return r.notes[i] ?? reportOf(r, i).unverified;
}

/** The after-trade `inputsHash`: `early`'s, else the report's. */
function hashOf(r: LateReport, i: number): string {
  return r.early ? r.early.inputsHash() : reportOf(r, i).inputsHash;
}

/** Pool `i`'s result of the late report (built on first call). */
function reportOf(r: LateReport, i: number): MarginResult {
  return (r.run ??= r.slow())[i]!;
}

/** What pool `i`'s hypothesis table is read from: the runs and the readings setting IM, MM. */
interface PoolReadings {
  readonly readings: readonly Readings[];
  readonly runs: ReadingRuns;
  readonly nP: number;
  readonly i: number;
  readonly kIm: number;
  readonly kMm: number;
}

/** Pool `c.i`'s hypothesis table (each reading's IM and MM) and the readings charged. */
function chargeOf(c: PoolReadings): Pick<MarginResult, 'hypotheses' | 'hypothesisCharge'> {
  const { readings, runs, nP, i } = c;
  return {
    hypotheses: readings.map((r, k) => ({
      readings: r,
      initialMargin: runs.im[k * nP + i]!,
      maintenanceMargin: runs.mm[k * nP + i]!,
    })),
    hypothesisCharge: { initialMargin: readings[c.kIm]!, maintenanceMargin: readings[c.kMm]! },
  };
}

/**
 * One pool's result over several readings: the numbers, the hypothesis table and charging
 * readings from `chargeOf(c)`, the report fields from `reportOf(report, i)`, each when read.
 * An object literal with getters (V8 builds it on a fixed shape; `Object.defineProperty` per
 * field costs several µs). No function is made per result but the getters (a named closure
 * costs tsx's `keepNames` a `defineProperty` of its name).
 */
function chargedResult(head: Head, report: LateReport, c: PoolReadings): MarginResult {
  const i = c.i;
  return {
    model: head.model,
    modelVersion: head.modelVersion,
    currency: head.currency,
    equity: head.equity,
    initialMargin: head.initialMargin,
    maintenanceMargin: head.maintenanceMargin,
    utilization: utilization(head.initialMargin, head.equity),
    get worstScenario() {
      return reportOf(report, i).worstScenario;
    },
    get contributions() {
      return reportOf(report, i).contributions;
    },
    get addOns() {
      return reportOf(report, i).addOns;
    },
    get unverified() {
      return notesOf(report, c);
    },
    get warnings() {
      return reportOf(report, i).warnings;
    },
    get inputsHash() {
      return hashOf(report, i);
    },
    get details() {
      return reportOf(report, i).details;
    },
    get hypotheses() {
      return chargeOf(c).hypotheses;
    },
    get hypothesisCharge() {
      return chargeOf(c).hypothesisCharge;
    },
  };
}

/** The same with other fields (one reading, `verified` notes): defined one by one. */
function otherResult(
  head: Head,
  full: () => MarginResult,
  charge: (() => Pick<MarginResult, 'hypotheses' | 'hypothesisCharge'>) | undefined,
  verified: boolean,
  early: { readonly unverified: () => unknown; readonly inputsHash: () => unknown },
): MarginResult {
  const out: Record<string, unknown> = {
    ...head,
    utilization: utilization(head.initialMargin, head.equity),
  };
  const late = (k: string, get: () => unknown) =>
    Object.defineProperty(out, k, { enumerable: true, configurable: true, get });
  for (const k of LATE)
    late(k, k === 'unverified' || k === 'inputsHash' ? early[k] : () => full()[k]);
  if (verified) late('verified', () => full().verified);
  if (charge) {
    late('hypotheses', () => charge().hypotheses);
    late('hypothesisCharge', () => charge().hypothesisCharge);
  }
  return out as unknown as MarginResult;
}

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

/**
 * Results per pool from the readings' runs (pools in `before`'s order) and `equity[pool]`;
 * `before` (the book's own results, same params) gives the model fields and whether the
 * pinned readings' `verified` notes are present.
 */
export function fastResults(
  before: readonly MarginResult[],
  readings: readonly Readings[],
  runs: ReadingRuns,
  equity: readonly number[],
  slow: () => readonly MarginResult[],
  early?: EarlyFields,
): MarginResult[] {
  const report: LateReport = { slow, early, notes: [] };
  const b0 = before[0]!;
  const verified = before.some((r) => 'verified' in r);
  const nP = before.length;
  return before.map((b, i) => {
    const kIm = setting(runs.im, nP, i);
    const kMm = setting(runs.mm, nP, i);
    const head = {
      model: b0.model,
      modelVersion: b0.modelVersion,
      currency: b.currency,
      equity: equity[i]!,
      initialMargin: runs.im[kIm * nP + i]!,
      maintenanceMargin: runs.mm[kMm * nP + i]!,
    };
    const c = readings.length > 1 ? { readings, runs, nP, i, kIm, kMm } : undefined;
    if (c && !verified) return chargedResult(head, report, c);
    const read = {
      unverified: () => notesOf(report, { i, kIm, kMm }),
      inputsHash: () => hashOf(report, i),
    };
    return otherResult(head, () => reportOf(report, i), c && (() => chargeOf(c)), verified, read);
  });
}

/**
 * The `WhatIfResult` of one trade on the incremental path (`whatIfResult`'s fields in its
 * order, the same bits): `before` and its USD totals and prices `usd` (`poolsInUsd`, kept by
 * the prepared book), `afterUsd` summed from the charged numbers as `poolsInUsd` sums the
 * results (`X_usd = Σ_pool X_pool · usdPrice`, pools in `before`'s order), the trade's
 * increments `afterUsd − beforeUsd` (the trade alone is all the trades). `after` (the
 * `fastResults` of `results()`) and `trades` are built on first read, once.
 */
export function fastWhatIf(
  before: readonly MarginResult[],
  usd: PoolsInUsd,
  trade: Position,
  runs: ReadingRuns,
  equity: readonly number[],
  results: () => MarginResult[],
): WhatIfResult {
  const nP = before.length;
  let im = 0;
  let mm = 0;
  let eq = 0;
  for (let i = 0; i < nP; i++) {
    const px = usd.usdPrices[i]!;
    im += runs.im[setting(runs.im, nP, i) * nP + i]! * px;
    mm += runs.mm[setting(runs.mm, nP, i) * nP + i]! * px;
    eq += equity[i]! * px;
  }
  const afterUsd = { initialMargin: im, maintenanceMargin: mm, equity: eq };
  let after: MarginResult[] | undefined;
  let impacts: WhatIfResult['trades'] | undefined;
  return {
    before,
    get after() {
      return (after ??= results());
    },
    get trades() {
      return (impacts ??= [
        {
          trade,
          incrementalInitialMarginUsd: im - usd.totals.initialMargin,
          incrementalMaintenanceMarginUsd: mm - usd.totals.maintenanceMargin,
          after: (after ??= results()),
        },
      ]);
    },
    beforeUsd: usd.totals,
    afterUsd,
  };
}
