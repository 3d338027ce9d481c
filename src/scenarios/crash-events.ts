/**
 * Crashes that happened, with their published daily moves (`stress-events.json`, `crashes`):
 * per day and underlying the previous UTC close, the day's low and its close (USD), and a
 * published implied-vol level change where one was found. Facts, each event naming its
 * source; no price history is needed.
 *
 * A crash is a **path**: day k's market is the pre-event close moved by the cumulative
 * close-to-close move through day k (`close`), or through day k − 1 and then to day k's low
 * (`low`, the worst point of the day). The implied-vol jump, where published, applies from
 * the first day to every implied vol of its underlying (σ' = σ·to/from); where none is
 * published the vol is left unchanged and the event says so.
 */
import { BallastError } from '../core/errors.ts';
import library from './stress-events.json' with { type: 'json' };

/** One underlying's published prices on one day, USD. */
export interface CrashDayPrices {
  readonly prevClose: number;
  readonly low: number;
  readonly close: number;
}

/** A published source. */
export interface CrashSource {
  readonly name: string;
  readonly url: string;
  readonly note?: string;
}

/** A published implied-vol change of one underlying (decimals: 0.7 = 70 vols). */
export interface CrashImpliedVol {
  readonly from?: number;
  readonly to?: number;
  readonly peak?: number;
  readonly note: string;
  readonly source: CrashSource;
}

/** One crash of the library. */
export interface CrashEvent {
  readonly id: string;
  readonly name: string;
  /** Event days in order; each maps underlying → prices (plus `date`, YYYY-MM-DD). */
  readonly days: readonly ({ readonly date: string } & Readonly<
    Record<string, CrashDayPrices | string>
  >)[];
  readonly source: CrashSource;
  readonly impliedVol?: Readonly<Record<string, CrashImpliedVol>>;
  /** Underlyings not trading at the time, with the reason. */
  readonly notListed?: Readonly<Record<string, string>>;
}

/** The crashes of `stress-events.json`. */
export const CRASH_EVENTS: readonly CrashEvent[] = library.crashes as unknown as CrashEvent[];

/** One day of a crash path for one underlying. */
export interface CrashPathDay {
  readonly date: string;
  /** Day's close over the pre-event close (cumulative). */
  readonly closeMultiplier: number;
  /** Day's low over the pre-event close (cumulative through the previous close). */
  readonly lowMultiplier: number;
  /** close/prevClose − 1 and low/prevClose − 1 of the day itself. */
  readonly closeMove: number;
  readonly lowMove: number;
}

/** The crash of that id; INVALID_INPUT listing the ids otherwise. */
export function crashEvent(id: string, field = 'event'): CrashEvent {
  const e = CRASH_EVENTS.find((x) => x.id === id);
  if (!e)
    throw new BallastError(
      'INVALID_INPUT',
      `unknown crash "${id}"; the library has ${CRASH_EVENTS.map((x) => x.id).join(', ')}`,
      field,
    );
  return e;
}

/**
 * The path of `underlying` through `event` (see module doc). Throws UNSUPPORTED, naming the
 * underlying, when the event has no published prices for it (fail closed: no proxy move).
 */
export function crashPath(event: CrashEvent, underlying: string): CrashPathDay[] {
  let cum = 1;
  return event.days.map((day, k) => {
    const px = day[underlying];
    if (typeof px !== 'object')
      throw new BallastError(
        'UNSUPPORTED',
        `${event.name}: no published prices for ${underlying}${event.notListed?.[underlying] ? ` (${event.notListed[underlying]})` : ''}; the library covers ${Object.keys(
          day,
        )
          .filter((k2) => k2 !== 'date')
          .join(', ')}`,
        `event.${event.id}.days[${k}].${underlying}`,
      );
    const closeMove = px.close / px.prevClose - 1;
    const lowMove = px.low / px.prevClose - 1;
    const lowMultiplier = cum * (px.low / px.prevClose);
    cum *= px.close / px.prevClose;
    return { date: day.date, closeMultiplier: cum, lowMultiplier, closeMove, lowMove };
  });
}

/**
 * The relative implied-vol factor `to/from` of `underlying` in `event` (σ' = σ × factor), or 1
 * when no before/after pair is published (a peak alone gives no jump).
 */
export function crashVolFactor(event: CrashEvent, underlying: string): number {
  const iv = event.impliedVol?.[underlying];
  if (!iv || iv.from === undefined || iv.to === undefined) return 1;
  return iv.to / iv.from;
}
