/**
 * A request's market moves (the API's `overrides` field, the dashboard's sliders): the CLI's
 * `--index` / `--mark` / `--vol` overrides (market/market-overrides.ts) and two whole-market
 * moves (market/market-scenario.ts), applied in this order:
 *
 * 1. `index` (UNDERLYING → USD), `mark` (SYMBOL → price), `vol` (SYMBOL → decimal vol);
 * 2. `volScale`: every implied vol × volScale;
 * 3. `days`: the snapshot rolled forward by `days` calendar days (ACT/365, vols per
 *    log-moneyness kept).
 *
 * The result carries one note per move for the response's warnings, so a number computed on a
 * moved market always says so.
 */
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY } from '../core/time.ts';
import {
  applyMarketOverrides,
  parseOverride,
  type MarketOverride,
  type OverrideFlag,
} from '../market/market-overrides.ts';
import { rollSnapshot, scaleVols } from '../market/market-scenario.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';

/** The market moves of one request (see module doc). */
export interface MarketMoves {
  readonly index?: Readonly<Record<string, number>>;
  readonly mark?: Readonly<Record<string, number>>;
  readonly vol?: Readonly<Record<string, number>>;
  readonly volScale?: number;
  readonly days?: number;
}

function overridesOf(m: MarketMoves, field: string): MarketOverride[] {
  const out: MarketOverride[] = [];
  const add = (flag: OverrideFlag, rec: Readonly<Record<string, number>> | undefined) => {
    for (const [k, v] of Object.entries(rec ?? {})) {
      try {
        out.push(parseOverride(flag, `${k}=${v}`));
      } catch (e) {
        if (!(e instanceof BallastError)) throw e;
        throw new BallastError(e.code, e.reason, `${field}.${flag.slice(2)}.${k}`);
      }
    }
  };
  add('--index', m.index);
  add('--mark', m.mark);
  add('--vol', m.vol);
  return out;
}

/** `snapshot` with the moves applied, and one note per move (see module doc). */
export function applyMarketMoves(
  snapshot: MarketSnapshot,
  moves: MarketMoves | undefined,
  field = 'overrides',
): { snapshot: MarketSnapshot; notes: string[] } {
  if (moves === undefined) return { snapshot, notes: [] };
  let applied: { snapshot: MarketSnapshot; notes: string[] };
  try {
    applied = applyMarketOverrides(snapshot, overridesOf(moves, field));
  } catch (e) {
    if (!(e instanceof BallastError) || !e.field?.startsWith('--')) throw e;
    throw new BallastError(e.code, e.reason, `${field}.${e.field.slice(2)}`);
  }
  const { snapshot: s1, notes } = applied;
  let s = s1;
  if (moves.volScale !== undefined && moves.volScale !== 1) {
    s = scaleVols(s, moves.volScale, `${field}.volScale`);
    notes.push(`every implied vol × ${moves.volScale} (market overridden for this run)`);
  }
  if (moves.days !== undefined && moves.days !== 0) {
    if (!(Number.isFinite(moves.days) && moves.days > 0))
      throw new BallastError(
        'INVALID_INPUT',
        `days must be finite and ≥ 0, got ${moves.days}`,
        `${field}.days`,
      );
    s = rollSnapshot(s, s.asOfMs + moves.days * MS_PER_DAY, `${field}.days`);
    notes.push(
      `market rolled forward ${moves.days} days to ${new Date(s.asOfMs).toISOString()} (vols per moneyness kept; market overridden for this run)`,
    );
  }
  return { snapshot: s, notes };
}
