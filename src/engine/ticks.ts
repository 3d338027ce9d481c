/**
 * Market ticks for the batch engine. A tick moves one underlying: its index, the forwards of
 * some expiries, and/or the ATM vol of some expiries (a parallel shift of the expiry's SVI
 * slice: `a += ((σ_atm + Δ)² − σ_atm²)·T`, the smile shape kept). Applying a tick gives a new
 * snapshot (time not advanced: a tick is a price update); only the rows it affects are
 * re-priced (every row of the underlying for an index move, else the rows of the moved
 * expiries), and only the accounts holding those rows are re-margined.
 *
 * A tick that is malformed, names an underlying the market does not have, or is older than
 * the market's latest time is ignored and counted by reason; it never changes a result.
 */
import { BallastError } from '../core/errors.ts';
import { parseIsoDate } from '../core/time.ts';
import { prepareDeribitPm, type DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../market/snapshot.ts';
import { sviTotalVariance } from '../market/svi.ts';
import type { AccountBook } from './account-book.ts';
import { refreshKeys, writeRow, type InstrumentTable } from './instrument-table.ts';

/** A parsed tick. */
export interface Tick {
  readonly timeMs: number;
  readonly underlying: string;
  readonly index?: number;
  /** New forward per expiry (key: epoch ms of the expiry's UTC date at 00:00). */
  readonly forwards: ReadonlyMap<number, number>;
  /** ATM vol change per expiry, decimal (0.02 = +2 vol points). */
  readonly atmVolShift: ReadonlyMap<number, number>;
}

/** Why a tick was ignored. */
export type TickRejection = 'malformed' | 'unknown-underlying' | 'stale' | 'unknown-expiry';

const DAY_MS = 86_400_000;
/** The UTC calendar day (epoch ms at 00:00) of an expiry. */
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

function positive(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0)
    throw new BallastError('INVALID_INPUT', `must be a positive number, got ${String(x)}`, field);
  return x;
}

function expiryMap(
  v: unknown,
  field: string,
  check: (x: unknown, f: string) => number,
): Map<number, number> {
  const m = new Map<number, number>();
  if (v === undefined) return m;
  if (typeof v !== 'object' || v === null)
    throw new BallastError('INVALID_INPUT', 'must be an object {"YYYY-MM-DD": number}', field);
  for (const [date, x] of Object.entries(v)) {
    const ms = parseIsoDate(date);
    if (Number.isNaN(ms))
      throw new BallastError(
        'INVALID_INPUT',
        'expiry keys are dates YYYY-MM-DD',
        `${field}.${date}`,
      );
    m.set(ms, check(x, `${field}.${date}`));
  }
  return m;
}

/** Parses one tick object (typed error naming the field). */
export function parseTick(v: unknown): Tick {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BallastError('MALFORMED_JSON', 'a tick is a JSON object', 'tick');
  const o = v as Record<string, unknown>;
  const timeMs =
    typeof o.time === 'number' ? o.time : typeof o.time === 'string' ? Date.parse(o.time) : NaN;
  if (!Number.isFinite(timeMs))
    throw new BallastError('INVALID_INPUT', 'needs a "time" (ISO or epoch ms)', 'tick.time');
  if (typeof o.underlying !== 'string' || o.underlying === '')
    throw new BallastError('INVALID_INPUT', 'needs an "underlying"', 'tick.underlying');
  const shift = (x: unknown, f: string) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > 5)
      throw new BallastError(
        'INVALID_INPUT',
        `must be a vol change in decimals, got ${String(x)}`,
        f,
      );
    return x;
  };
  return {
    timeMs,
    underlying: o.underlying,
    ...(o.index === undefined ? {} : { index: positive(o.index, 'tick.index') }),
    forwards: expiryMap(o.forwards, 'tick.forwards', positive),
    atmVolShift: expiryMap(o.atmVolShift, 'tick.atmVolShift', shift),
  };
}

/** The underlying's market after the tick (throws `unknown-expiry` as a typed error). */
function movedUnderlying(u: UnderlyingMarket, t: Tick): UnderlyingMarket {
  for (const ms of [...t.forwards.keys(), ...t.atmVolShift.keys()])
    if (
      !u.forwards.some((f) => dayOf(f.expiryMs) === ms) &&
      !u.surface.some((s) => dayOf(s.expiryMs) === ms)
    )
      throw new BallastError(
        'INVALID_INPUT',
        `the market has no ${t.underlying} expiry on ${new Date(ms).toISOString().slice(0, 10)}`,
        'tick',
      );
  // An index move carries every forward with it (basis kept) unless the tick sets it.
  const ratio = t.index === undefined ? 1 : t.index / u.index;
  const forwards = u.forwards.map((f) => {
    const F = t.forwards.get(dayOf(f.expiryMs));
    return F === undefined
      ? ratio === 1
        ? f
        : { ...f, forward: f.forward * ratio }
      : { ...f, forward: F };
  });
  const surface = u.surface.map((s) => {
    const F = t.forwards.get(dayOf(s.expiryMs)) ?? (ratio === 1 ? undefined : s.forward * ratio);
    const dv = t.atmVolShift.get(dayOf(s.expiryMs));
    if (F === undefined && dv === undefined) return s;
    let params = s.params;
    if (dv !== undefined) {
      const atm = Math.sqrt(sviTotalVariance(s.params, 0) / s.T);
      params = { ...params, a: params.a + ((atm + dv) ** 2 - atm ** 2) * s.T };
    }
    return { ...s, forward: F ?? s.forward, params };
  });
  return { ...u, index: t.index ?? u.index, forwards, surface };
}

/** The snapshot after a tick. */
export function applyTick(snapshot: MarketSnapshot, t: Tick): MarketSnapshot {
  const u = snapshot.underlyings[t.underlying]!;
  return {
    ...snapshot,
    underlyings: { ...snapshot.underlyings, [t.underlying]: movedUnderlying(u, t) },
  };
}

/** Rows a tick affects: all of the underlying's on an index move, else the moved expiries'. */
export function affectedRows(table: InstrumentTable, t: Tick): number[] {
  const instruments = table.instruments;
  const expiries = new Set([...t.forwards.keys(), ...t.atmVolShift.keys()]);
  const out: number[] = [];
  instruments.forEach((inst, r) => {
    if (inst.underlying !== t.underlying || table.rows.key[r]! < 0) return;
    if (t.index !== undefined || ('expiryMs' in inst && expiries.has(dayOf(inst.expiryMs))))
      out.push(r);
  });
  return out;
}

/** Accounts holding each row (CSC of the book), built once. */
export interface Holders {
  readonly ptr: Int32Array;
  readonly account: Int32Array;
}

/** Inverts the book: which accounts hold each row. */
export function holdersOf(book: AccountBook, nRows: number): Holders {
  const count = new Int32Array(nRows + 1);
  for (let j = 0; j < book.row.length; j++) count[book.row[j]! + 1]!++;
  for (let r = 0; r < nRows; r++) count[r + 1] = count[r + 1]! + count[r]!;
  const fill = count.slice(0, nRows);
  const account = new Int32Array(book.row.length);
  for (let a = 0; a < book.nAccounts; a++)
    for (let j = book.ptr[a]!; j < book.ptr[a + 1]!; j++) account[fill[book.row[j]!]!++] = a;
  return { ptr: count, account };
}

/** Distinct accounts holding any of `rows`, ascending. */
export function accountsHolding(
  h: Holders,
  rows: readonly number[],
  nAccounts: number,
): Int32Array {
  const mark = new Uint8Array(nAccounts);
  let n = 0;
  for (const r of rows)
    for (let j = h.ptr[r]!; j < h.ptr[r + 1]!; j++) {
      const a = h.account[j]!;
      if (mark[a] === 0) {
        mark[a] = 1;
        n++;
      }
    }
  const out = new Int32Array(n);
  let i = 0;
  for (let a = 0; a < nAccounts; a++) if (mark[a] === 1) out[i++] = a;
  return out;
}

/**
 * Applies a tick to the table: a new prepared market for the moved snapshot, the affected
 * rows re-priced in place (shared arrays, so workers see them), key and pool data refreshed.
 * Returns the new market and the re-priced rows. Throws typed errors (then nothing changed).
 */
export function applyTickToTable(
  market: DeribitPmMarket,
  table: InstrumentTable,
  t: Tick,
): { market: DeribitPmMarket; rows: number[] } {
  const instruments = table.instruments;
  if (!market.snapshot.underlyings[t.underlying])
    throw new BallastError(
      'INVALID_INPUT',
      `unknown underlying ${t.underlying}`,
      'tick.underlying',
    );
  const next = prepareDeribitPm(applyTick(market.snapshot, t), market.params);
  const rows = affectedRows(table, t);
  const priced = rows.map((r) => next.row(instruments[r]!));
  rows.forEach((r, i) =>
    writeRow(table.rows, r, instruments[r]!, priced[i]!, table.rows.key[r]!, table.groupOf, next),
  );
  refreshKeys(table, next);
  return { market: next, rows };
}
