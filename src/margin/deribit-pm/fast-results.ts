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
 * totals come from the same numbers. The getters are shared by all results (lazy-fields.ts):
 * none is made per result, so results share their hidden classes and nothing of a what-if is
 * kept past the request by V8's maps.
 */
import type { Position } from '../../risk/portfolio.ts';
import type { Readings } from '../hypotheses.ts';
import type { WhatIfResult } from '../margin-model.ts';
import { utilization, type MarginResult } from '../margin-result.ts';
import type { PoolsInUsd } from '../usd-totals.ts';
import type { ReadingRuns } from './book-readings.ts';
import { LAZY, lazyFields, withLazy, type Lazy } from './lazy-fields.ts';

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

/** A charged result's state: the late report and the pool's readings. */
interface ChargedState {
  readonly report: LateReport;
  readonly c: PoolReadings;
}

/** The charged result's late fields, in `chargeOverReadings`' order. */
const CHARGED = lazyFields<ChargedState>({
  worstScenario() {
    return reportOf(this[LAZY].report, this[LAZY].c.i).worstScenario;
  },
  contributions() {
    return reportOf(this[LAZY].report, this[LAZY].c.i).contributions;
  },
  addOns() {
    return reportOf(this[LAZY].report, this[LAZY].c.i).addOns;
  },
  unverified() {
    return notesOf(this[LAZY].report, this[LAZY].c);
  },
  warnings() {
    return reportOf(this[LAZY].report, this[LAZY].c.i).warnings;
  },
  inputsHash() {
    return hashOf(this[LAZY].report, this[LAZY].c.i);
  },
  details() {
    return reportOf(this[LAZY].report, this[LAZY].c.i).details;
  },
  hypotheses() {
    return chargeOf(this[LAZY].c).hypotheses;
  },
  hypothesisCharge() {
    return chargeOf(this[LAZY].c).hypothesisCharge;
  },
});

/** The numbers of a result (its first seven fields). */
function headFields(head: Head): Record<string, unknown> {
  return {
    model: head.model,
    modelVersion: head.modelVersion,
    currency: head.currency,
    equity: head.equity,
    initialMargin: head.initialMargin,
    maintenanceMargin: head.maintenanceMargin,
    utilization: utilization(head.initialMargin, head.equity),
  };
}

/**
 * One pool's result over several readings: the numbers, the hypothesis table and charging
 * readings from `chargeOf(c)`, the report fields from `reportOf(report, i)`, each when read
 * (shared getters, `lazyFields`).
 */
function chargedResult(head: Head, report: LateReport, c: PoolReadings): MarginResult {
  const s: ChargedState = { report, c };
  return withLazy(headFields(head), CHARGED, s) as unknown as MarginResult;
}

/** Another result's state: the late report, the pool and its readings (when several). */
interface OtherState {
  readonly report: LateReport;
  readonly p: Pick<PoolReadings, 'i' | 'kIm' | 'kMm'>;
  readonly c: PoolReadings | undefined;
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

/** Getters of the report fields of an `OtherState` result. */
const OTHER_LATE: Record<string, (this: Lazy<OtherState>) => unknown> = {
  unverified() {
    return notesOf(this[LAZY].report, this[LAZY].p);
  },
  inputsHash() {
    return hashOf(this[LAZY].report, this[LAZY].p.i);
  },
};
for (const k of LATE)
  OTHER_LATE[k] ??= function (this: Lazy<OtherState>) {
    return reportOf(this[LAZY].report, this[LAZY].p.i)[k];
  };

/** `OTHER_LATE` in order, then `verified` and the hypothesis fields where present. */
function otherFields(verified: boolean, charged: boolean): PropertyDescriptorMap {
  const g: Record<string, (this: Lazy<OtherState>) => unknown> = {};
  for (const k of LATE) g[k] = OTHER_LATE[k]!;
  if (verified)
    g.verified = function (this: Lazy<OtherState>) {
      return reportOf(this[LAZY].report, this[LAZY].p.i).verified;
    };
  if (charged) {
    g.hypotheses = function (this: Lazy<OtherState>) {
      return chargeOf(this[LAZY].c!).hypotheses;
    };
    g.hypothesisCharge = function (this: Lazy<OtherState>) {
      return chargeOf(this[LAZY].c!).hypothesisCharge;
    };
  }
  return lazyFields(g);
}

/** The four field sets of `otherResult`, by [verified][charged]. */
const OTHER = [false, true].map((v) => [false, true].map((c) => otherFields(v, c)));

/** The same with other fields (one reading, `verified` notes). */
function otherResult(head: Head, verified: boolean, s: OtherState): MarginResult {
  const fields = OTHER[verified ? 1 : 0]![s.c ? 1 : 0]!;
  return withLazy(headFields(head), fields, s) as unknown as MarginResult;
}

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
    return otherResult(head, verified, { report, p: { i, kIm, kMm }, c });
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
  const st: WhatIfState = { results, trade, im, mm, usd, after: undefined, impacts: undefined };
  const out = withLazy({ before }, WHAT_IF, st) as Record<string, unknown>;
  out.beforeUsd = usd.totals;
  out.afterUsd = afterUsd;
  return out as unknown as WhatIfResult;
}

/** A one-trade what-if's state: what `after` and `trades` are built from, and them once built. */
interface WhatIfState {
  readonly results: () => MarginResult[];
  readonly trade: Position;
  readonly im: number;
  readonly mm: number;
  readonly usd: PoolsInUsd;
  after: MarginResult[] | undefined;
  impacts: WhatIfResult['trades'] | undefined;
}

/** `fastWhatIf`'s late fields (`after`, `trades`), built on first read, once. */
const WHAT_IF = lazyFields<WhatIfState>({
  after() {
    const s = this[LAZY];
    return (s.after ??= s.results());
  },
  trades() {
    const s = this[LAZY];
    return (s.impacts ??= [
      {
        trade: s.trade,
        incrementalInitialMarginUsd: s.im - s.usd.totals.initialMargin,
        incrementalMaintenanceMarginUsd: s.mm - s.usd.totals.maintenanceMargin,
        after: (s.after ??= s.results()),
      },
    ]);
  },
});
