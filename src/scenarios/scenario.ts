/**
 * Scenario definitions. A scenario moves each underlying by a spot multiplier and a
 * vol-shock rule, may shift time forward, and carries a weight the margin model applies
 * when reducing the P&L vector (SPAN's 35% extreme cover, Deribit's extended weights,
 * Derive's dampening). The revaluation (src/risk/pnl-matrix.ts) stores *unweighted* P&L;
 * weights are the model's business.
 */
import { BallastError } from '../core/errors.ts';

/**
 * Term-structure scaling of a vol shock by days to expiry (Deribit/Paradex/Derive form):
 * `k(DTE) = (pivotDays / max(DTE, dteFloorDays))^p`, with `p = shortPower` below the pivot
 * and `longPower` at or above it. k(pivot) = 1 under either power, so k is continuous.
 */
export interface TermStructure {
  readonly pivotDays: number;
  readonly shortPower: number;
  readonly longPower: number;
  readonly dteFloorDays: number;
}

/** How implied vol moves in a scenario. Floors and caps apply to the shocked vol. */
export type VolShock =
  | { readonly kind: 'none' }
  /** σ' = σ · (1 + size · k(DTE)); `size` < 0 shocks down. */
  | {
      readonly kind: 'relative';
      readonly size: number;
      readonly term?: TermStructure;
      readonly floor?: number;
      readonly cap?: number;
    }
  /** σ' = σ + size · k(DTE) (vol points as decimals: 0.05 = 5 points). */
  | {
      readonly kind: 'absolute';
      readonly size: number;
      readonly term?: TermStructure;
      readonly floor?: number;
      readonly cap?: number;
    }
  /** σ' = σ + slope · ln(K/F) · k(DTE): steepens (slope < 0) or flattens the skew. */
  | {
      readonly kind: 'skew';
      readonly slope: number;
      readonly term?: TermStructure;
      readonly floor?: number;
      readonly cap?: number;
    };

/** One underlying's move in a scenario. */
export interface UnderlyingMove {
  /** New spot and forwards = old × spotMultiplier (1.1 = +10%). */
  readonly spotMultiplier: number;
  readonly vol: VolShock;
}

/** A scenario: per-underlying moves (with a default for unlisted ones), weight, time shift. */
export interface Scenario {
  /** Stable id within its grid (e.g. `std-0`, `ext-3`). */
  readonly id: string;
  /** Human label (e.g. `−16%, vol up`). */
  readonly label: string;
  /** Moves per underlying; `defaultMove` applies to underlyings not listed. */
  readonly moves: Readonly<Record<string, UnderlyingMove>>;
  readonly defaultMove?: UnderlyingMove;
  /** Weight applied by the model to this scenario's P&L (1 = full). */
  readonly weight: number;
  /** Calendar days the valuation date moves forward (options decay; 0 = none). */
  readonly timeShiftDays: number;
  /** Grid section, e.g. `standard` or `extended`. */
  readonly group?: string;
}

/** No move at all. */
export const NO_MOVE: UnderlyingMove = { spotMultiplier: 1, vol: { kind: 'none' } };

/** The move a scenario applies to `underlying`. */
export function moveFor(s: Scenario, underlying: string): UnderlyingMove {
  return s.moves[underlying] ?? s.defaultMove ?? NO_MOVE;
}

/** k(DTE) of a term structure (see `TermStructure`); 1 without one. */
export function termFactor(term: TermStructure | undefined, dteDays: number): number {
  if (!term) return 1;
  const dte = Math.max(dteDays, term.dteFloorDays);
  const p = dte < term.pivotDays ? term.shortPower : term.longPower;
  return Math.pow(term.pivotDays / dte, p);
}

/**
 * Applies a vol shock to implied vol `sigma` of an option `dteDays` from expiry at
 * log-moneyness `logMoneyness` = ln(K/F). The result is floored at 0 and at `floor`, and
 * capped at `cap`, in that order (a cap below the floor is an error).
 */
export function shockVol(
  shock: VolShock,
  sigma: number,
  dteDays: number,
  logMoneyness: number,
): number {
  if (shock.kind === 'none') return sigma;
  return shockVolAt(shock, sigma, termFactor(shock.term, dteDays), logMoneyness);
}

/**
 * `shockVol` with the term factor k = `termFactor(shock.term, dteDays)` given by the caller
 * (a revaluation row computes it once per option expiry, not once per row): the same
 * operations, so the same bits. `sigma`, the result: decimal vols; `logMoneyness` = ln(K/F).
 */
export function shockVolAt(
  shock: VolShock,
  sigma: number,
  k: number,
  logMoneyness: number,
): number {
  if (shock.kind === 'none') return sigma;
  let v: number;
  switch (shock.kind) {
    case 'relative':
      v = sigma * (1 + shock.size * k);
      break;
    case 'absolute':
      v = sigma + shock.size * k;
      break;
    case 'skew':
      v = sigma + shock.slope * logMoneyness * k;
      break;
  }
  v = Math.max(v, 0);
  if (shock.floor !== undefined) v = Math.max(v, shock.floor);
  if (shock.cap !== undefined) {
    if (shock.floor !== undefined && shock.cap < shock.floor)
      throw new BallastError(
        'INVALID_INPUT',
        `vol cap ${shock.cap} is below the floor ${shock.floor}`,
        'vol.cap',
      );
    v = Math.min(v, shock.cap);
  }
  return v;
}

/**
 * The factor f = 1 + size of a plain relative vol shock (kind `relative` without term
 * structure, floor or cap), for which `shockVol(shock, σ, dte, k)` is `Math.max(σ·f, 0)` bit
 * for bit (its term factor is 1 and size·1 = size); NaN for every other shock. Lets a
 * revaluation row apply per-path Monte Carlo vol moves without the general rule's dispatch.
 */
export function plainRelativeFactor(shock: VolShock): number {
  if (shock.kind !== 'relative' || shock.term || shock.floor !== undefined) return NaN;
  return shock.cap === undefined ? 1 + shock.size : NaN;
}

/** A uniform scenario list builder: every underlying gets the same move. */
export function uniformScenario(
  id: string,
  label: string,
  move: UnderlyingMove,
  weight = 1,
  group?: string,
  timeShiftDays = 0,
): Scenario {
  return {
    id,
    label,
    moves: {},
    defaultMove: move,
    weight,
    timeShiftDays,
    ...(group ? { group } : {}),
  };
}
