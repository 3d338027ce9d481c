/**
 * Runs the fuzz classes and counts, per class: inputs, typed rejections, acceptances, and the
 * three failures: crashes (anything thrown that is not a `BallastError`), hangs (a case that
 * took longer than `hangMs`; cases run in-process, so a true infinite loop would stall the run
 * rather than be counted) and silent acceptances (a `reject` class accepted, or an accepted
 * result breaking the boundary's invariants). Inputs come from `fc.sample` with a fixed seed:
 * the same seed and case count give the same inputs.
 */
import fc from 'fast-check';
import { isBallastError } from '../../src/core/errors.ts';
import { FUZZ_CLASSES, InvariantBroken, type FuzzClass } from './classes.ts';

/** Counts of one class. */
export interface FuzzRow {
  readonly area: FuzzClass['area'];
  readonly name: string;
  readonly expect: FuzzClass['expect'];
  inputs: number;
  rejected: number;
  accepted: number;
  crashes: number;
  hangs: number;
  silentAcceptances: number;
  slowestMs: number;
  /** The first failing inputs and what happened (at most 3). */
  readonly failures: { input: string; outcome: string }[];
}

/** Options of `runFuzz`. */
export interface FuzzOptions {
  /** Total cases, spread evenly over the classes (at least 1 each). */
  readonly cases: number;
  readonly seed: number;
  /** A case slower than this counts as a hang (default 5000 ms). */
  readonly hangMs?: number;
  /** Only classes whose name contains this. */
  readonly filter?: string;
  /** Called after each class. */
  readonly onClass?: (row: FuzzRow, done: number, of: number) => void;
}

function show(v: unknown): string {
  try {
    const s =
      typeof v === 'string'
        ? v
        : JSON.stringify(v, (_k, x: unknown) =>
            typeof x === 'number' && !Number.isFinite(x) ? String(x) : x,
          );
    return (s ?? String(v)).slice(0, 300);
  } catch {
    return String(v).slice(0, 300);
  }
}

function runClass(cls: FuzzClass, n: number, seed: number, hangMs: number): FuzzRow {
  const row: FuzzRow = {
    area: cls.area,
    name: cls.name,
    expect: cls.expect,
    inputs: 0,
    rejected: 0,
    accepted: 0,
    crashes: 0,
    hangs: 0,
    silentAcceptances: 0,
    slowestMs: 0,
    failures: [],
  };
  const fail = (input: unknown, outcome: string) => {
    if (row.failures.length < 3) row.failures.push({ input: show(input), outcome });
  };
  for (const input of fc.sample(cls.arb, { seed, numRuns: n })) {
    row.inputs++;
    const t0 = performance.now();
    let outcome: 'accepted' | 'rejected' | 'crash' | 'invariant' = 'accepted';
    let message = '';
    try {
      cls.run(input);
    } catch (e) {
      message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      outcome = isBallastError(e)
        ? 'rejected'
        : e instanceof InvariantBroken
          ? 'invariant'
          : 'crash';
    }
    const ms = performance.now() - t0;
    row.slowestMs = Math.max(row.slowestMs, ms);
    if (ms > hangMs) {
      row.hangs++;
      fail(input, `took ${ms.toFixed(0)} ms`);
    }
    if (outcome === 'crash') {
      row.crashes++;
      fail(input, message);
    } else if (outcome === 'rejected') row.rejected++;
    else {
      row.accepted++;
      if (outcome === 'invariant' || cls.expect === 'reject') {
        row.silentAcceptances++;
        fail(input, outcome === 'invariant' ? message : 'accepted');
      }
    }
  }
  return row;
}

/** Runs every class (see module doc) and returns one row per class. */
export function runFuzz(o: FuzzOptions): FuzzRow[] {
  const classes = FUZZ_CLASSES.filter((c) => o.filter === undefined || c.name.includes(o.filter));
  const per = Math.max(1, Math.round(o.cases / Math.max(classes.length, 1)));
  return classes.map((cls, i) => {
    const row = runClass(cls, per, o.seed + i, o.hangMs ?? 5000);
    o.onClass?.(row, i + 1, classes.length);
    return row;
  });
}

/** Totals of rows by area (the table of issue 9). */
export function totalsByArea(rows: readonly FuzzRow[]) {
  const areas = [...new Set(rows.map((r) => r.area))];
  return areas.map((area) => {
    const rs = rows.filter((r) => r.area === area);
    const sum = (
      k: 'inputs' | 'crashes' | 'hangs' | 'silentAcceptances' | 'rejected' | 'accepted',
    ) => rs.reduce((s, r) => s + r[k], 0);
    return {
      area,
      classes: rs.length,
      inputs: sum('inputs'),
      rejected: sum('rejected'),
      accepted: sum('accepted'),
      crashes: sum('crashes'),
      hangs: sum('hangs'),
      silentAcceptances: sum('silentAcceptances'),
      slowestMs: Math.max(...rs.map((r) => r.slowestMs)),
    };
  });
}
