/**
 * The SVI fits' defaults and grid sizes, in one place (methodology in svi-fit.ts for the
 * robust fit and svi-butterfly-fit.ts for the butterfly-constrained fit).
 */

/** Defaults of `SviFitOptions` (see its doc for each). */
export const SVI_FIT_DEFAULTS = {
  weighting: 'vega',
  loss: 'huber',
  robustIterations: 12,
  outlierMads: 5,
  minScaleVolPoints: 0.25,
  maxDropRounds: 3,
  sigmaMin: 1e-3,
  rhoMax: 0.999,
  leeBound: 2,
  mMargin: 0.5,
  enforceButterfly: false,
} as const;

/** A slice needs at least this many usable quotes, at this many distinct k. */
export const MIN_QUOTES = 5;
export const MIN_DISTINCT_K = 3;

/** Robust statistics: MAD → σ factor, Huber tuning, Tukey bisquare tuning of the screen. */
export const MAD_TO_SIGMA = 1.4826;
export const HUBER_TUNING = 1.345;
export const TUKEY_TUNING = 4.685;
/** Neighbours on each side used by the starting screen's local line. */
export const SCREEN_NEIGHBOURS = 2;

/** Chords of √(1 − ρ²) in the inner QP's minimum-variance constraint. */
export const MIN_VARIANCE_CHORDS = 32;

/** Outer (m, ln σ) search: a GRID × GRID start grid, the best STARTS of it, Nelder–Mead. */
export const OUTER_GRID = 7;
export const OUTER_STARTS = 3;
/** σ range of the start grid: [max(σ_min, 0.02·span), 2·span]. */
export const OUTER_SIGMA_LO_SPAN = 0.02;
export const OUTER_SIGMA_HI_SPAN = 2;
/** Initial Nelder–Mead steps: 0.1·span in m, 0.5 in ln σ; evaluation budget and stops. */
export const OUTER_STEP_M_SPAN = 0.1;
export const OUTER_STEP_LN_SIGMA = 0.5;
export const OUTER_NELDER_MEAD = {
  maxEval: 400,
  xTol: 1e-9,
  fRelTol: 1e-15,
  fAbsTol: 1e-300,
} as const;

/** Butterfly-constrained fit: margin ε of g ≥ ε, and its raised values on a failed check. */
export const BUTTERFLY_MARGIN = 1e-5;
export const BUTTERFLY_MARGIN_RAISES = [10, 100] as const;
/** Fixed k-grid: GRID_INTERVALS + 1 uniform points over ±R and WING_POINTS per wing to 50R. */
export const CONSTRAINT_GRID_INTERVALS = 160;
export const CONSTRAINT_WING_POINTS = 40;
export const WING_REACH = 50;
/** Moving points m + σ·sinh(u): SINH_POINTS offsets u on [−SINH_REACH, SINH_REACH]. */
export const SINH_POINTS = 81;
export const SINH_REACH = 8;
/** Augmented Lagrangian: rounds, starting and largest penalty μ, LM iterations per round. */
export const AL_ROUNDS = 20;
export const AL_MU_START = 100;
export const AL_MU_MAX = 1e9;
export const AL_LM_ITERATIONS = 100;
/** Dip scan of g (gDips): uniform points, sinh points, wing points, golden steps. */
export const DIP_SCAN_UNIFORM = 1000;
export const DIP_SCAN_SINH = 400;
export const DIP_SCAN_WING = 200;
export const DIP_GOLDEN_STEPS = 40;
/** Bisection steps toward the best feasible candidate (last resort). */
export const FEASIBLE_BISECTION_STEPS = 30;
