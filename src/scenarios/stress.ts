/**
 * The stress library: named historical crashes **measured from price history** (not
 * hard-coded moves), and user-defined shocks parsed from JSON.
 *
 * Measured events (`stress-events.json` lists ids, names and dates): for each underlying,
 * the worst close-to-close log return over `days` days whose end lies within ±`searchDays`
 * days of the event date (windows spanning a data gap are skipped), applied as that
 * underlying's spot multiplier; vol is not in the history and is left unchanged.
 */
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY, parseIsoDate } from '../core/time.ts';
import { INTERVAL_MS, type PriceSeries } from '../market/history.ts';
import { dateLabel, movesLabel, percentLabel } from './move-label.ts';
import type { Scenario, UnderlyingMove, VolShock } from './scenario.ts';
import library from './stress-events.json' with { type: 'json' };

/** A named event of the library. */
export interface StressEvent {
  readonly id: string;
  readonly name: string;
  /** Event date, `YYYY-MM-DD` (UTC). */
  readonly date: string;
}

/** The events of `stress-events.json`. */
export const STRESS_EVENTS: readonly StressEvent[] = library.events;
/** Default search half-width in days around an event date. */
export const STRESS_SEARCH_DAYS: number = library.searchDays;
/** Default horizons in days measured per event (1 and 3). */
export const STRESS_DAYS: readonly number[] = library.days;

/** The measured move of one underlying. */
export interface MeasuredMove {
  /** ln(P_to / P_from), the worst in the search window. */
  readonly logReturn: number;
  /** P_to / P_from. */
  readonly spotMultiplier: number;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Result of `measureStress`. */
export interface StressMeasurement {
  readonly date: string;
  readonly days: number;
  readonly searchDays: number;
  /** Per symbol of the series given. */
  readonly moves: Readonly<Record<string, MeasuredMove>>;
}

function parseDate(dateIso: string): number {
  const ms = parseIsoDate(dateIso);
  if (Number.isNaN(ms))
    throw new BallastError('INVALID_INPUT', `must be a date YYYY-MM-DD, got '${dateIso}'`, 'date');
  return ms;
}

/**
 * Measures an event from history: for each series, the worst (most negative) `days`-day
 * close-to-close log return `ln(P[e]/P[e−s])` (s = days in steps of the series) whose end
 * time lies in [date − searchDays, date + searchDays] (whole days, UTC) and which spans
 * exactly `days` days (no data gap inside). Throws INVALID_INPUT (field `history.<symbol>`)
 * when a series has no such window, e.g. the date is outside its coverage (the message gives
 * the coverage), or for a bad `dateIso` / `days`.
 */
export function measureStress(
  series: readonly PriceSeries[],
  dateIso: string,
  days: number,
  options: { searchDays?: number } = {},
): StressMeasurement {
  const t0 = parseDate(dateIso);
  if (!Number.isInteger(days) || days < 1)
    throw new BallastError('INVALID_INPUT', `must be an integer >= 1, got ${days}`, 'days');
  const search = options.searchDays ?? STRESS_SEARCH_DAYS;
  if (!Number.isInteger(search) || search < 0)
    throw new BallastError('INVALID_INPUT', `must be an integer >= 0, got ${search}`, 'searchDays');
  if (series.length === 0)
    throw new BallastError('INVALID_INPUT', 'no price series given', 'history');
  const lo = t0 - search * MS_PER_DAY;
  const hi = t0 + (search + 1) * MS_PER_DAY; // end of the last day searched (exclusive)
  const moves: Record<string, MeasuredMove> = {};
  for (const s of series) {
    const span = days * MS_PER_DAY;
    const steps = span / INTERVAL_MS[s.interval];
    let best: MeasuredMove | undefined;
    for (let e = steps; e < s.timesMs.length; e++) {
      const te = s.timesMs[e]!;
      if (te < lo || te >= hi) continue;
      if (s.timesMs[e - steps]! !== te - span) continue;
      const r = Math.log(s.closes[e]! / s.closes[e - steps]!);
      if (!best || r < best.logReturn)
        best = {
          logReturn: r,
          spotMultiplier: s.closes[e]! / s.closes[e - steps]!,
          fromMs: s.timesMs[e - steps]!,
          toMs: te,
        };
    }
    if (!best) {
      const n = s.timesMs.length;
      const cover =
        n > 0
          ? `${dateLabel(s.timesMs[0]!, s.interval)} .. ${dateLabel(s.timesMs[n - 1]!, s.interval)}`
          : 'nothing';
      throw new BallastError(
        'INVALID_INPUT',
        `no ${days}-day return ending within ±${search} days of ${dateIso} (the data covers ${cover})`,
        `history.${s.symbol}`,
        { date: dateIso, days },
      );
    }
    moves[s.symbol] = best;
  }
  return { date: dateIso, days, searchDays: search, moves };
}

/** Result of `historicalStressScenarios`. */
export interface StressLibrary {
  readonly scenarios: Scenario[];
  readonly measurements: readonly (StressMeasurement & { readonly event: StressEvent })[];
  /** Events (and horizons) the history does not cover, with the reason; empty unless `skipUncovered`. */
  readonly uncovered: readonly {
    readonly id: string;
    readonly days: number;
    readonly reason: string;
  }[];
}

/**
 * Scenarios of the measured stress library: for each event and each horizon in `days`
 * (default [1, 3]), `measureStress` on `series`. Ids `stress-<event id>-<days>d`, labels
 * `<name>, <days>d: BTC −15.69% (2017-09-13 → 2017-09-14), …`, group `stress`, weight 1.
 * An event outside the data is an error unless `skipUncovered`, which lists it in `uncovered`.
 */
export function historicalStressScenarios(
  series: readonly PriceSeries[],
  options: {
    events?: readonly StressEvent[];
    days?: readonly number[];
    searchDays?: number;
    skipUncovered?: boolean;
    timeShiftDays?: number;
  } = {},
): StressLibrary {
  const scenarios: Scenario[] = [];
  const measurements: (StressMeasurement & { event: StressEvent })[] = [];
  const uncovered: { id: string; days: number; reason: string }[] = [];
  for (const event of options.events ?? STRESS_EVENTS) {
    for (const days of options.days ?? STRESS_DAYS) {
      let m: StressMeasurement;
      try {
        m = measureStress(
          series,
          event.date,
          days,
          options.searchDays === undefined ? {} : { searchDays: options.searchDays },
        );
      } catch (e) {
        if (options.skipUncovered && e instanceof BallastError && e.field?.startsWith('history.')) {
          uncovered.push({ id: event.id, days, reason: e.message });
          continue;
        }
        throw e;
      }
      measurements.push({ ...m, event });
      const moves: Record<string, UnderlyingMove> = {};
      const parts: string[] = [];
      for (const [sym, mv] of Object.entries(m.moves)) {
        moves[sym] = { spotMultiplier: mv.spotMultiplier, vol: { kind: 'none' } };
        const interval = series.find((s) => s.symbol === sym)!.interval;
        parts.push(
          `${sym} ${percentLabel(mv.spotMultiplier - 1)} (${dateLabel(mv.fromMs, interval)} → ${dateLabel(mv.toMs, interval)})`,
        );
      }
      scenarios.push({
        id: `stress-${event.id}-${days}d`,
        label: `${event.name}, ${days}d: ${parts.join(', ')}`,
        moves,
        weight: 1,
        timeShiftDays: options.timeShiftDays ?? 0,
        group: 'stress',
      });
    }
  }
  return { scenarios, measurements, uncovered };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k))
      throw new BallastError(
        'SCHEMA',
        `unknown key '${k}' (allowed: ${allowed.join(', ')})`,
        `${field}.${k}`,
      );
  }
}

function parseMove(v: unknown, field: string): UnderlyingMove {
  if (!isRecord(v)) throw new BallastError('SCHEMA', 'must be an object {spot, vol?}', field);
  onlyKeys(v, ['spot', 'vol'], field);
  const spot = v.spot;
  if (typeof spot !== 'number' || !Number.isFinite(spot))
    throw new BallastError(
      'SCHEMA',
      `must be a number (relative move, −0.3 = −30%), got ${JSON.stringify(spot)}`,
      `${field}.spot`,
    );
  if (!(spot > -1))
    throw new BallastError(
      'INVALID_INPUT',
      `must be > −1 (a price cannot fall 100% or more), got ${spot}`,
      `${field}.spot`,
    );
  let vol: VolShock = { kind: 'none' };
  if (v.vol !== undefined) {
    if (typeof v.vol !== 'number' || !Number.isFinite(v.vol))
      throw new BallastError(
        'SCHEMA',
        `must be a number (relative vol move, 0.5 = vol ×1.5), got ${JSON.stringify(v.vol)}`,
        `${field}.vol`,
      );
    if (!(v.vol >= -1))
      throw new BallastError(
        'INVALID_INPUT',
        `must be >= −1 (vol cannot go below 0), got ${v.vol}`,
        `${field}.vol`,
      );
    vol = { kind: 'relative', size: v.vol };
  }
  return { spotMultiplier: 1 + spot, vol };
}

/**
 * User-defined stress scenarios from parsed JSON:
 *
 *   [{ "name": "BTC −30%, vol +50%", "id"?: "...", "moves": { "BTC": { "spot": -0.3, "vol": 0.5 } },
 *      "default"?: { "spot": -0.2 }, "timeShiftDays"?: 0 }, …]
 *
 * `spot` is a relative price move (> −1; multiplier 1 + spot), `vol` a relative implied-vol
 * move (≥ −1; `VolShock {kind: 'relative'}`, σ' = σ(1 + vol)); `default` applies to
 * underlyings not listed. Ids default to `user-<index>` and must be unique. Weight 1, group
 * `stress`. Errors are BallastError SCHEMA (wrong shape or type, unknown key) or INVALID_INPUT
 * (value out of range), the field named from `source`, e.g. `stress.json[0].moves.BTC.spot`.
 */
export function parseStressScenarios(value: unknown, source: string): Scenario[] {
  if (!Array.isArray(value))
    throw new BallastError('SCHEMA', 'must be an array of {name, moves}', source);
  const ids = new Set<string>();
  return value.map((item: unknown, i) => {
    const field = `${source}[${i}]`;
    if (!isRecord(item)) throw new BallastError('SCHEMA', 'must be an object {name, moves}', field);
    onlyKeys(item, ['name', 'id', 'moves', 'default', 'timeShiftDays'], field);
    if (typeof item.name !== 'string' || item.name.trim() === '')
      throw new BallastError('SCHEMA', 'must be a non-empty string', `${field}.name`);
    if (item.id !== undefined && (typeof item.id !== 'string' || item.id === ''))
      throw new BallastError('SCHEMA', 'must be a non-empty string', `${field}.id`);
    const id = (item.id as string | undefined) ?? `user-${i}`;
    if (ids.has(id))
      throw new BallastError('INVALID_INPUT', `duplicate scenario id '${id}'`, `${field}.id`);
    ids.add(id);
    if (!isRecord(item.moves))
      throw new BallastError(
        'SCHEMA',
        'must be an object {UNDERLYING: {spot, vol?}}',
        `${field}.moves`,
      );
    const moves: Record<string, UnderlyingMove> = {};
    for (const [sym, mv] of Object.entries(item.moves)) {
      if (!/^[A-Z0-9]+$/.test(sym))
        throw new BallastError(
          'SCHEMA',
          `an underlying is an upper-case coin such as BTC${sym.toUpperCase() !== sym && /^[A-Z0-9]+$/.test(sym.toUpperCase()) ? ` (did you mean "${sym.toUpperCase()}"?)` : ''}, got "${sym}"`,
          `${field}.moves.${sym}`,
        );
      moves[sym] = parseMove(mv, `${field}.moves.${sym}`);
    }
    const defaultMove =
      item.default === undefined ? undefined : parseMove(item.default, `${field}.default`);
    if (Object.keys(moves).length === 0 && !defaultMove)
      throw new BallastError(
        'INVALID_INPUT',
        'moves nothing: give at least one underlying or a default',
        `${field}.moves`,
      );
    const ts = item.timeShiftDays ?? 0;
    if (typeof ts !== 'number' || !(ts >= 0) || !Number.isFinite(ts))
      throw new BallastError(
        'INVALID_INPUT',
        `must be a number of days >= 0, got ${JSON.stringify(ts)}`,
        `${field}.timeShiftDays`,
      );
    const label = `${item.name}: ${movesLabel(moves)}${defaultMove ? `${Object.keys(moves).length ? ', ' : ''}others ${percentLabel(defaultMove.spotMultiplier - 1)}` : ''}`;
    return {
      id,
      label,
      moves,
      ...(defaultMove ? { defaultMove } : {}),
      weight: 1,
      timeShiftDays: ts,
      group: 'stress',
    };
  });
}
