/**
 * The OKX portfolio-margin scenarios of one risk unit (methodology docs/methodology/okx-pm.md §2, §2.1, §5).
 *
 * - **MR1** ("stress testing value of spot and volatility"): 7 spot shocks (0 and ± each
 *   magnitude of the underlying's group: BTC/ETH 4/8/12 %, the tier-2 list 6/12/18 %, others
 *   8/16/25 % since 6 Jan 2025 [V]) × 3 vol states (`volShockDown`, `volSame`, `volShockUp`)
 *   = 21 cells, ordered vol-state-major (down, same, up) and by ascending shock inside a state.
 *   Cells are keyed by the shock as a string (`"-0.12"`, `"0"`, `"0.04"`), as in the
 *   position-builder's `mr1Scenarios`.
 * - **MR6** ("extremely volatile markets"): the extreme move ±`extremeMove` (BTC/ETH 24 %,
 *   tier-2 36 %, others 50 % [V]) under the vol states the caller asks for. Which vol state OKX
 *   uses is [G]; the margin model decides (its default takes the worst of all three).
 *
 * The IV change of the down/up vol states is OKX's unpublished table [G]: it is the
 * `volShocks` parameter (a `VolShock` per state, default relative ∓30 % of IV).
 *
 * Scenarios move only the unit's own underlying; weights are 1 (the MR6 50 % charge is the
 * margin model's parameter); no time shift (time decay is OKX's separate MR2).
 */
import { BallastError, requireFinite } from '../core/errors.ts';
import type { Scenario, VolShock } from './scenario.ts';
import okxGridJson from './okx-grid.json' with { type: 'json' };

/** An MR1 vol state. */
export type OkxVolState = 'down' | 'same' | 'up';

/** The vol states in OKX's `mr1Scenarios` order. */
export const OKX_VOL_STATES: readonly OkxVolState[] = Object.freeze([
  'down',
  'same',
  'up',
] as const);

/** Key of each vol state in the position-builder's `mr1Scenarios` object. */
export const OKX_VOL_STATE_KEY: Readonly<
  Record<OkxVolState, 'volShockDown' | 'volSame' | 'volShockUp'>
> = Object.freeze({
  down: 'volShockDown',
  same: 'volSame',
  up: 'volShockUp',
});

/** Value of `mr1FinalResult.volShock` for each vol state (OKX spells "same" as `unchange`). */
export const OKX_VOL_SHOCK_NAME: Readonly<Record<OkxVolState, 'down' | 'unchange' | 'up'>> =
  Object.freeze({
    down: 'down',
    same: 'unchange',
    up: 'up',
  });

/**
 * Grid parameters (okx-grid.json). Shock sizes are fractions of the price (0.12 = 12 %).
 */
export interface OkxGridParams {
  /** Underlying groups by name, e.g. `btc-eth: [BTC, ETH]`. An underlying may be in one group only. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Group of underlyings listed in no group (OKX's "others"). */
  readonly defaultGroup: string;
  /** MR1 spot-shock magnitudes per group, each in (0, 1), applied with both signs plus 0. */
  readonly spotShocks: Readonly<Record<string, readonly number[]>>;
  /** MR6 extreme move per group, in (0, 1), applied with both signs. */
  readonly extremeMoves: Readonly<Record<string, number>>;
  /** IV change of each vol state (`same` is normally `{kind: 'none'}`) [G]. */
  readonly volShocks: Readonly<Record<OkxVolState, VolShock>>;
}

/** Grid parameters in force since 6 Jan 2025 (okx-grid.json `current`). */
export const OKX_GRID_DEFAULTS: OkxGridParams = okxGridJson.current as OkxGridParams;

/** The earlier parameter set (before 6 Jan 2025; okx-grid.json `pre-2025-01-06`). */
export const OKX_GRID_PRE_2025: OkxGridParams = okxGridJson['pre-2025-01-06'] as OkxGridParams;

/** What an OKX scenario is: its set (MR1 grid or MR6 extreme move), spot shock and vol state. */
export interface OkxScenarioInfo {
  readonly set: 'mr1' | 'mr6';
  /** Spot shock, fraction (−0.12 = −12 %). */
  readonly spotShock: number;
  readonly volState: OkxVolState;
}

/** A scenario of the OKX grid, with what it is. */
export interface OkxScenario extends Scenario {
  readonly okx: OkxScenarioInfo;
}

/** The group an underlying belongs to (`defaultGroup` if it is listed in none). */
export function okxGroupOf(underlying: string, p: OkxGridParams): string {
  for (const [name, members] of Object.entries(p.groups))
    if (members.includes(underlying)) return name;
  return p.defaultGroup;
}

/** A per-group parameter, or INVALID_INPUT naming `field.group` if the table lacks the group. */
export function okxGroupValue<T>(
  table: Readonly<Record<string, T>>,
  group: string,
  field: string,
): T {
  const v = table[group];
  if (v === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `no value for underlying group "${group}"`,
      `${field}.${group}`,
    );
  return v;
}

function checkShock(x: number, field: string): number {
  requireFinite(x, field);
  if (!(x > 0 && x < 1))
    throw new BallastError(
      'INVALID_INPUT',
      `a spot shock must be a fraction in (0, 1), got ${x}`,
      field,
    );
  return x;
}

/** The key OKX uses for a shock in `mr1Scenarios` (`String(shock)`, with −0 written as `"0"`). */
export function okxShockKey(shock: number): string {
  return String(shock === 0 ? 0 : shock);
}

/**
 * The 7 MR1 spot shocks of an underlying, ascending: `[−s3, −s2, −s1, 0, s1, s2, s3]`
 * (fractions). Throws INVALID_INPUT for a missing group or a shock outside (0, 1).
 */
export function okxSpotShocks(underlying: string, p: OkxGridParams): number[] {
  const group = okxGroupOf(underlying, p);
  const mags = okxGroupValue(p.spotShocks, group, 'grid.spotShocks').map((x, i) =>
    checkShock(x, `grid.spotShocks.${group}[${i}]`),
  );
  const sorted = [...new Set(mags)].sort((a, b) => a - b);
  return [...sorted.map((x) => -x).reverse(), 0, ...sorted];
}

/** The MR6 extreme move of an underlying (fraction, applied with both signs). */
export function okxExtremeMove(underlying: string, p: OkxGridParams): number {
  const group = okxGroupOf(underlying, p);
  return checkShock(
    okxGroupValue(p.extremeMoves, group, 'grid.extremeMoves'),
    `grid.extremeMoves.${group}`,
  );
}

function pct(x: number): string {
  const v = Math.round(x * 1e6) / 1e4;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v)}%`;
}

function okxScenario(underlying: string, info: OkxScenarioInfo, p: OkxGridParams): OkxScenario {
  const vol = p.volShocks[info.volState];
  if (!vol)
    throw new BallastError(
      'INVALID_INPUT',
      `no vol shock for state "${info.volState}"`,
      `grid.volShocks.${info.volState}`,
    );
  const shockText = okxShockKey(info.spotShock);
  return {
    id: `${info.set}/spot${info.spotShock > 0 ? '+' : ''}${shockText}/vol-${info.volState}`,
    label: `${underlying} ${pct(info.spotShock)}, vol ${info.volState}${info.set === 'mr6' ? ' (extreme move)' : ''}`,
    moves: { [underlying]: { spotMultiplier: 1 + info.spotShock, vol } },
    weight: 1,
    timeShiftDays: 0,
    group: info.set,
    okx: info,
  };
}

/**
 * The 21 MR1 scenarios of `underlying`'s risk unit: vol states down, same, up (outer), spot
 * shocks ascending (inner). docs/methodology/okx-pm.md §2.1.
 */
export function okxMr1Scenarios(
  underlying: string,
  p: OkxGridParams = OKX_GRID_DEFAULTS,
): OkxScenario[] {
  const shocks = okxSpotShocks(underlying, p);
  const out: OkxScenario[] = [];
  for (const volState of OKX_VOL_STATES)
    for (const spotShock of shocks)
      out.push(okxScenario(underlying, { set: 'mr1', spotShock, volState }, p));
  return out;
}

/**
 * The MR6 extreme-move scenarios of `underlying`: −move and +move under each of `volStates`
 * (vol-state-major). docs/methodology/okx-pm.md §2 (MR6); the vol state OKX uses is [G].
 */
export function okxMr6Scenarios(
  underlying: string,
  p: OkxGridParams = OKX_GRID_DEFAULTS,
  volStates: readonly OkxVolState[] = OKX_VOL_STATES,
): OkxScenario[] {
  if (volStates.length === 0)
    throw new BallastError('INVALID_INPUT', 'MR6 needs at least one vol state', 'mr6VolStates');
  const move = okxExtremeMove(underlying, p);
  const out: OkxScenario[] = [];
  for (const volState of volStates)
    for (const spotShock of [-move, move])
      out.push(okxScenario(underlying, { set: 'mr6', spotShock, volState }, p));
  return out;
}
