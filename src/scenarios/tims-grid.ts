/**
 * The TIMS valuation grid (OCC Theoretical Intermarket Margining System as used by US
 * customer portfolio margin, FINRA 4210(g); methodology notes docs/methodology/span-tims.md §5.1–5.2): each
 * class group is valued at 10 equidistant price points, 5 down and 5 up, spanning the range
 * of its product group. The k-th point down is `k/5 × down`, the k-th up `k/5 × up`
 * (−8 %/+6 %: −8, −6.4, −4.8, −3.2, −1.6, +1.2, +2.4, +3.6, +4.8, +6 %). No vol shock unless
 * `volShocks` is given (the notes give none: house/OCC theoretical vols are [G]; brokers may
 * add IV shifts as house stresses, [T]).
 *
 * Points are aligned across underlyings: scenario j moves every listed underlying to its own
 * j-th point (how product-group offsets compare class groups, see src/margin/tims).
 */
import { BallastError } from '../core/errors.ts';
import type { Scenario, UnderlyingMove, VolShock } from './scenario.ts';

/** A valuation range: `down` < 0 and `up` > 0 as fractions (−0.08 / +0.06 = −8 %/+6 %). */
export interface TimsRange {
  readonly down: number;
  readonly up: number;
}

/**
 * The product-group ranges of the notes §5.2 ([T] margin-investor, consistent with FINRA
 * 4210(g)): high-capitalisation broad-based index −8 %/+6 %, other broad-based index ±10 %,
 * narrow indexes, equities and ETFs ±15 %. Crypto ranges are not published: see the TIMS
 * model's parameter file for ours.
 */
export const TIMS_PRODUCT_RANGES: Readonly<
  Record<'highCapIndex' | 'broadIndex' | 'equity', TimsRange>
> = {
  highCapIndex: { down: -0.08, up: 0.06 },
  broadIndex: { down: -0.1, up: 0.1 },
  equity: { down: -0.15, up: 0.15 },
};

/**
 * Our default range for a major crypto class group (BTC): ±20 %. Not published anywhere (the
 * notes give equity/index ranges only); chosen wider than the ±15 % equity range because a
 * major coin's daily moves are 2–3 × an equity index's. The TIMS model's parameter file
 * (src/margin/tims/crypto.json) sets BTC to this, ETH to ±25 % and unlisted coins to ±30 %.
 */
export const TIMS_CRYPTO_DEFAULT_RANGE: TimsRange = { down: -0.2, up: 0.2 };

/** Options of `timsScenarios`. */
export interface TimsGridOptions {
  /** Points on each side (TIMS: 5, so 10 in all). */
  readonly pointsPerSide?: number;
  /**
   * Vol shocks (house stresses); the price grid is repeated once per shock. Default: one
   * copy without vol shock.
   */
  readonly volShocks?: readonly VolShock[];
  /** Time shift of every scenario, calendar days (default 0: TIMS values at today's date). */
  readonly timeShiftDays?: number;
}

/** Moves of point `k` (−n…−1, 1…n) as a fraction: `k/n × down` or `k/n × up`. */
export function timsPointMove(range: TimsRange, k: number, pointsPerSide = 5): number {
  return k < 0 ? (-k / pointsPerSide) * range.down : (k / pointsPerSide) * range.up;
}

function pct(x: number): string {
  const v = +(x * 100).toFixed(6);
  return `${v >= 0 ? '+' : '−'}${Math.abs(v)} %`;
}

/** Validates a range (typed error naming `field`). */
export function validateTimsRange(r: TimsRange, field: string): void {
  if (!(Number.isFinite(r.down) && r.down < 0 && r.down > -1))
    throw new BallastError(
      'INVALID_INPUT',
      `down must be in (−1, 0), got ${r.down}`,
      `${field}.down`,
    );
  if (!(Number.isFinite(r.up) && r.up > 0))
    throw new BallastError(
      'INVALID_INPUT',
      `up must be finite and > 0, got ${r.up}`,
      `${field}.up`,
    );
}

/**
 * The TIMS scenarios for underlyings with their ranges: for each vol shock (default: none),
 * the points from the largest fall to the largest rise (ids `tims-d5` … `tims-d1`, `tims-u1`
 * … `tims-u5`, suffixed `/v<i>` per vol shock when there are several), weight 1. Unlisted
 * underlyings do not move (callers must list every underlying they revalue).
 */
export function timsScenarios(
  ranges: Readonly<Record<string, TimsRange>>,
  options: TimsGridOptions = {},
): Scenario[] {
  const n = options.pointsPerSide ?? 5;
  if (!(Number.isInteger(n) && n >= 1))
    throw new BallastError('INVALID_INPUT', `must be an integer >= 1, got ${n}`, 'pointsPerSide');
  const shift = options.timeShiftDays ?? 0;
  if (!(Number.isFinite(shift) && shift >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${shift}`,
      'timeShiftDays',
    );
  for (const [u, r] of Object.entries(ranges)) validateTimsRange(r, u);
  const shocks: readonly VolShock[] =
    options.volShocks && options.volShocks.length > 0 ? options.volShocks : [{ kind: 'none' }];
  const ks: number[] = [];
  for (let k = -n; k <= n; k++) if (k !== 0) ks.push(k);
  const out: Scenario[] = [];
  shocks.forEach((vol, v) => {
    for (const k of ks) {
      const moves: Record<string, UnderlyingMove> = {};
      for (const [u, r] of Object.entries(ranges))
        moves[u] = { spotMultiplier: 1 + timsPointMove(r, k, n), vol };
      const suffix = shocks.length > 1 ? `/v${v + 1}` : '';
      const volLabel = vol.kind === 'none' ? '' : `, vol shock ${v + 1}`;
      const only = Object.values(ranges);
      const moveLabel =
        only.length === 1
          ? pct(timsPointMove(only[0]!, k, n))
          : `${k < 0 ? 'down' : 'up'} ${Math.abs(k)}/${n} of range`;
      out.push({
        id: `tims-${k < 0 ? 'd' : 'u'}${Math.abs(k)}${suffix}`,
        label: `${moveLabel}${volLabel}`,
        moves,
        weight: 1,
        timeShiftDays: shift,
        group: 'tims',
      });
    }
  });
  return out;
}
