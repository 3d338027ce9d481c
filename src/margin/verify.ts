/**
 * Ballast checked against a venue's own margin answer (`ballast verify`): the domain half.
 * The venue's figures (fields) are compared with Ballast's under every combination of the
 * readings of the model's hypothesis rules that can move the book (the same table as the
 * default's "highest over the readings", src/margin/hypotheses.ts, here with every pinnable
 * reading, dominated ones included), each reading evaluated alone (pinned). The readings that
 * reproduce every field, within `VERIFY_TOLERANCE`, can be saved as a params file that pins
 * them as verified (`verifiedParams`).
 *
 * Method: `reading k reproduces` ⇔ `∀ field: |ballast_k − venue| ≤ 1e-8 + 1e-8·|venue|`.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { combinations, pinReadings, type Readings } from './hypotheses.ts';
import type { MarginModel } from './margin-model.ts';
import type { MarginResult } from './margin-result.ts';

/** One compared field: the venue's value and Ballast's under each reading (same order as `readings`). */
export interface VerifyField {
  readonly field: string;
  readonly venue: number;
  readonly ballast: readonly number[];
}

/** A verify report. */
export interface VerifyReport {
  readonly venue: 'deribit' | 'okx';
  readonly model: string;
  /** Each reading: the rules it sets (rule → reading); index 0 is the models' default readings. */
  readonly readings: readonly Readings[];
  readonly fields: readonly VerifyField[];
  /** Indexes of the readings that reproduce every field (within the tolerance). */
  readonly reproducing: readonly number[];
  readonly tolerance: string;
}

/** |ours − venue| ≤ 1e-8 + 1e-8·|venue|: the venues print 9 to 16 significant digits. */
export function verifyMatches(ours: number, venue: number): boolean {
  return Math.abs(ours - venue) <= 1e-8 + 1e-8 * Math.abs(venue);
}

/** The tolerance, as printed. */
export const VERIFY_TOLERANCE = '|Ballast − venue| ≤ 1e-8 + 1e-8·|venue|';

/**
 * The readings verify evaluates for a book: every combination of all the readings of the rules
 * that can move it (the first is the default reading of each).
 */
export function verifyReadings<P>(
  model: MarginModel<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
): Readings[] {
  const table = model.hypotheses;
  if (!table) return [{}];
  const movable = table.movable(portfolio, snapshot, params);
  const rules: Record<string, readonly string[]> = {};
  for (const r of table.rules)
    if (movable.has(r.name) && r.enumerated.length > 1) rules[r.name] = r.readings;
  return combinations(rules);
}

/** The model's results under one reading alone (its rules pinned, nothing else enumerated). */
export function evaluateReading<P>(
  model: MarginModel<P>,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: P,
  reading: Readings,
): MarginResult[] {
  const table = model.hypotheses;
  if (!table) return model.evaluate(portfolio, snapshot, params);
  const all: Record<string, string> = {};
  for (const r of table.rules) all[r.name] = reading[r.name] ?? r.enumerated[0] ?? r.readings[0]!;
  return model.evaluate(portfolio, snapshot, pinReadings(table, params, all, 'verify'));
}

/** Assembles the report: which readings reproduce every field. */
export function verifyReport(
  venue: 'deribit' | 'okx',
  model: string,
  readings: readonly Readings[],
  fields: readonly VerifyField[],
): VerifyReport {
  const reproducing = readings
    .map((_, k) => k)
    .filter((k) => fields.every((f) => verifyMatches(f.ballast[k]!, f.venue)));
  return { venue, model, readings, fields, reproducing, tolerance: VERIFY_TOLERANCE };
}

/**
 * The params file of the first reproducing reading: the readings set where the model reads
 * them (deribit-pm `rules`, okx-pm top level), pinned, and recorded as verified against
 * `source` on `date` (so `ballast margin --params` reports them as verified, not unverified).
 * Undefined when no reading reproduces the venue.
 */
export function verifiedParams<P>(
  model: MarginModel<P>,
  rep: VerifyReport,
  source: string,
  date: string,
): Record<string, unknown> | undefined {
  const k = rep.reproducing[0];
  if (k === undefined) return undefined;
  const reading = rep.readings[k]!;
  const table = model.hypotheses;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(reading)) {
    const path = table?.rules.find((r) => r.name === name)?.path ?? [name];
    let o = out;
    for (const key of path.slice(0, -1)) o = (o[key] ??= {}) as Record<string, unknown>;
    o[path[path.length - 1]!] = value;
  }
  const names = Object.keys(reading);
  out.hypotheses = {
    pinned: names,
    verified: names.map((rule) => ({ rule, reading: reading[rule]!, source, date })),
  };
  return out;
}
