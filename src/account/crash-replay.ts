/**
 * Replays a crash that happened (src/scenarios/crash-events.ts) on a book: each event day at
 * its low and at its close, the market is moved by the cumulative published move of every
 * underlying of the book (`scaleSnapshot`: index, forwards and perp basis × m, the smile
 * moving with the forward) and, where a jump is published, every implied vol × to/from; the
 * book is re-margined there by the full model. The account is liquidated at the first point
 * where a pool's equity ≤ its maintenance margin. Time does not pass (no decay, no funding);
 * positions and collateral are unchanged along the path (no trading, no margin call met).
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot, UnderlyingMarket } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { crashPath, crashVolFactor, type CrashEvent } from '../scenarios/crash-events.ts';
import { underlyingsOf, type Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';

/** One pool re-margined at one point of the path (amounts in the pool's currency). */
export interface CrashPoolState {
  readonly currency: string;
  readonly equity: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** equity ≤ maintenance margin. */
  readonly liquidated: boolean;
}

/** One point of the path: a day's low or close. */
export interface CrashPoint {
  readonly date: string;
  readonly point: 'low' | 'close';
  /** Cumulative spot multiplier per underlying from the pre-event close. */
  readonly multipliers: Readonly<Record<string, number>>;
  readonly pools: readonly CrashPoolState[];
}

/** Result of `replayCrash`. */
export interface CrashReplay {
  readonly eventId: string;
  readonly model: string;
  /** Before the event (the snapshot as given), then each day's low and close. */
  readonly start: readonly CrashPoolState[];
  readonly points: readonly CrashPoint[];
  /** The first point where the account is liquidated, if any. */
  readonly firstLiquidation?: { readonly date: string; readonly point: 'low' | 'close' };
  /** Implied-vol factor applied per underlying (1 = no published jump, vol unchanged). */
  readonly volFactors: Readonly<Record<string, number>>;
}

/** Every implied vol of `u` × f: raw-SVI total variance w = a + b(…) scales by f² with a and b. */
function scaleVol(u: UnderlyingMarket, f: number): UnderlyingMarket {
  if (f === 1) return u;
  const f2 = f * f;
  return {
    ...u,
    surface: u.surface.map((s) => ({
      ...s,
      params: { ...s.params, a: s.params.a * f2, b: s.params.b * f2 },
    })),
  };
}

function poolStates<P>(
  model: MarginModel<P>,
  params: P,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
): CrashPoolState[] {
  return model.evaluate(portfolio, snapshot, params).map((r) => ({
    currency: r.currency,
    equity: r.equity,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    liquidated: r.equity <= r.maintenanceMargin,
  }));
}

/**
 * Replays `event` on `portfolio` (see module doc). Throws UNSUPPORTED when the event has no
 * published prices for an underlying of the book, INVALID_INPUT when the snapshot lacks one.
 */
export function replayCrash<P>(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  model: MarginModel<P>,
  params: P,
  event: CrashEvent,
): CrashReplay {
  const unds = underlyingsOf(portfolio.positions);
  if (unds.length === 0)
    throw new BallastError('INVALID_INPUT', 'the book has no positions to stress', 'positions');
  const paths = Object.fromEntries(unds.map((u) => [u, crashPath(event, u)]));
  const volFactors = Object.fromEntries(unds.map((u) => [u, crashVolFactor(event, u)]));
  const volMoved: Record<string, UnderlyingMarket> = { ...snapshot.underlyings };
  for (const u of unds) {
    const m = snapshot.underlyings[u];
    if (!m) throw new BallastError('INVALID_INPUT', `the market snapshot has no data for ${u}`, u);
    volMoved[u] = scaleVol(m, volFactors[u]!);
  }
  const base: MarketSnapshot = { ...snapshot, underlyings: volMoved };
  const points: CrashPoint[] = [];
  let firstLiquidation: CrashReplay['firstLiquidation'];
  event.days.forEach((day, k) => {
    for (const point of ['low', 'close'] as const) {
      const multipliers = Object.fromEntries(
        unds.map((u) => [
          u,
          point === 'low' ? paths[u]![k]!.lowMultiplier : paths[u]![k]!.closeMultiplier,
        ]),
      );
      const pools = poolStates(model, params, portfolio, scaleSnapshot(base, multipliers));
      points.push({ date: day.date, point, multipliers, pools });
      if (!firstLiquidation && pools.some((p) => p.liquidated))
        firstLiquidation = { date: day.date, point };
    }
  });
  return {
    eventId: event.id,
    model: model.id,
    start: poolStates(model, params, portfolio, snapshot),
    points,
    ...(firstLiquidation ? { firstLiquidation } : {}),
    volFactors,
  };
}
