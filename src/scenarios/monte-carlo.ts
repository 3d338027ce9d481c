/**
 * Monte Carlo scenarios: correlated joint moves of several underlyings over a horizon, with
 * optional implied-vol moves, from a seeded pseudo-random stream or a Sobol sequence.
 * Bit-identical for the same options (the same seed): no unseeded randomness anywhere.
 *
 * Per path, with dt = horizonDays/365 (ACT/365, as `yearFraction`), annual vols σ_i, the
 * Cholesky factor L of the correlation matrix (`cholesky`) and independent N(0, 1) draws ε:
 *
 * - `gbm`: x = Lε; log return r_i = −½σ_i² dt + σ_i √dt x_i  (price martingale, E[m] = 1).
 * - `student-t`: multivariate t with ν = `degreesOfFreedom` (integer ≥ 3, default 4) shared by
 *   all underlyings (joint crashes: tail dependence): W = Σ_{m<ν} g_m² ~ χ²_ν from ν more
 *   normals, x = Lε·√((ν−2)/W) (unit variance), r_i = −½σ_i² dt + σ_i √dt x_i. (E[e^r] does
 *   not exist for a t, so no martingale correction; the drift is GBM's.)
 * - `merton`: jump diffusion (Merton 1976), jumps = {intensity λ per year, mean μ_J, sd s_J} of
 *   the log jump size: N_i ~ Poisson(λ dt) by inversion of a uniform (one N per underlying,
 *   or one shared by all with `jumps.common`), r_i = (−½σ_i² − λκ) dt + σ_i √dt x_i + N_i μ_J
 *   + s_J √N_i g_i, κ = e^{μ_J + s_J²/2} − 1 (compensator: E[m] = 1).
 *
 * Implied vol (only with `volOfVol` ν_v, annual, of log implied vol): with s_i the spot log
 * return standardised to mean 0 and variance 1 (s_i = x_i for gbm and t; for merton
 * (r_i − E r_i)/SD r_i, so jumps move vol too) and ρ = `spotVolCorrelation` (default 0;
 * negative = vol up when spot falls, the usual crypto skew):
 *
 *   w_i = ρ s_i + √(1 − ρ²) η_i,   ln(σ'/σ) = ν_v √dt w_i − ½ν_v² dt,
 *
 * applied to every option of the underlying as `VolShock {kind: 'relative', size: σ'/σ − 1}`
 * (a parallel, lognormal move of the whole surface). Without `volOfVol`, vol is unchanged.
 *
 * Samplers: `pseudo` (default) takes each path's uniforms in order from `seededRng(seed)`
 * (u ∈ (0, 1), normals by `normInv`); `sobol` uses the Sobol sequence from point 0 with a
 * digital shift seeded by `seed` (`sobolPoints`, `digitalShiftSeed`), one dimension per
 * random number of a path, in this order: n diffusion normals, ν chi-square normals (t),
 * Poisson uniforms and jump normals (merton), n vol normals. At most 2^32 Sobol paths and
 * `SOBOL_MAX_DIMENSIONS` (1111) numbers per path (e.g. 277 underlyings with jumps and vol moves).
 */
import { BallastError } from '../core/errors.ts';
import { normInv } from '../core/normal.ts';
import { seededRng } from '../core/rng.ts';
import { SOBOL_MAX_DIMENSIONS, SOBOL_MAX_POINTS, sobolPoints } from '../core/sobol.ts';
import { MS_PER_DAY, MS_PER_YEAR } from '../core/time.ts';
import { cholesky } from '../market/covariance.ts';
import { movesLabel } from './move-label.ts';
import type { Scenario, UnderlyingMove } from './scenario.ts';

/** Return model of `monteCarloScenarios`. */
export type MonteCarloModel = 'gbm' | 'student-t' | 'merton';

/** Jumps of the Merton model (log jump size ~ N(mean, sd²)). */
export interface JumpParams {
  /** Expected jumps per year λ (≥ 0). */
  readonly intensity: number;
  /** Mean μ_J of the log jump size (e.g. −0.1). */
  readonly mean: number;
  /** Standard deviation s_J of the log jump size (≥ 0). */
  readonly sd: number;
  /** One jump count shared by all underlyings (market-wide jumps). Default false: independent counts. */
  readonly common?: boolean;
}

/** Options for `monteCarloScenarios` (see the module doc for the model). */
export interface MonteCarloOptions {
  readonly underlyings: readonly string[];
  /** Annual vols σ_i, one per underlying (fractions: 0.6 = 60 %). */
  readonly vols: readonly number[];
  /** Correlation matrix of the diffusion shocks, `number[][]`, symmetric positive definite, unit diagonal. */
  readonly correlation: readonly (readonly number[])[];
  /** Horizon in calendar days (> 0). */
  readonly horizonDays: number;
  /** Number of scenarios (integer ≥ 1). */
  readonly paths: number;
  /** Seed of the pseudo-random stream / of the Sobol digital shift (safe integer). */
  readonly seed: number;
  readonly model: MonteCarloModel;
  /** ν of `student-t` (integer in [3, 200], default 4). */
  readonly degreesOfFreedom?: number;
  /** Jumps of `merton` (required for it). */
  readonly jumps?: JumpParams;
  /** Annual vol ν_v of log implied vol; absent = vol unchanged. */
  readonly volOfVol?: number;
  /** Correlation ρ between the standardised spot return and the log implied-vol move, in [−1, 1] (default 0). */
  readonly spotVolCorrelation?: number;
  readonly sampler?: 'pseudo' | 'sobol';
  /** `timeShiftDays` of every scenario (default 0: an instantaneous shock). */
  readonly timeShiftDays?: number;
}

/** Simulated moves: `logReturns[i][p]` and, with `volOfVol`, `volRelative[i][p]` = σ'/σ − 1. */
export interface MonteCarloPaths {
  readonly underlyings: readonly string[];
  readonly logReturns: Float64Array[];
  readonly volRelative: Float64Array[] | undefined;
}

const HALF_ULP53 = 2 ** -54;

function fail(message: string, field: string): never {
  throw new BallastError('INVALID_INPUT', message, field);
}

/** Smallest k with P(N ≤ k) ≥ u for N ~ Poisson(m) (sequential search; capped at 10 000). */
export function poissonInverse(u: number, m: number): number {
  if (m <= 0) return 0;
  let k = 0;
  let p = Math.exp(-m);
  let cdf = p;
  while (u > cdf && k < 10_000) {
    k++;
    p *= m / k;
    cdf += p;
    if (p === 0 && k > m) break;
  }
  return k;
}

/**
 * Simulates the per-path log returns (and relative implied-vol moves) of the module doc.
 * Throws INVALID_INPUT naming the bad field (e.g. `vols[1]`, `correlation`, `jumps.intensity`).
 */
export function simulateMonteCarlo(options: MonteCarloOptions): MonteCarloPaths {
  const { underlyings, vols, correlation, horizonDays, paths, seed, model } = options;
  const n = underlyings.length;
  const { nu, rho, sampler } = checkedOptions(options);
  const jumps = options.jumps;
  const volOfVol = options.volOfVol;
  const L = cholesky(correlation, { field: 'correlation' });
  const dt = (horizonDays * MS_PER_DAY) / MS_PER_YEAR;
  const sqdt = Math.sqrt(dt);
  const { dDiff, dChi, dPoisson, dJump, dVol, D } = pathLayout(options, nu, sampler);
  const { lamDt, drift, meanR, sdR } = returnMoments(options, dt);

  const logReturns = underlyings.map(() => new Float64Array(paths));
  const volRelative =
    volOfVol !== undefined ? underlyings.map(() => new Float64Array(paths)) : undefined;

  const rng = sampler === 'pseudo' ? seededRng(seed) : undefined;
  const points =
    sampler === 'sobol' ? sobolPoints(D, paths, { skip: 0, digitalShiftSeed: seed }) : undefined;
  const u = new Float64Array(D);
  const x = new Float64Array(n);
  const eps = new Float64Array(n);
  for (let p = 0; p < paths; p++) {
    if (rng) for (let d = 0; d < D; d++) u[d] = rng.next() + HALF_ULP53;
    else u.set(points![p]!);
    let scale = 1;
    if (nu > 0) {
      let W = 0;
      for (let m = 0; m < nu; m++) {
        const g = normInv(u[dChi + m]!);
        W += g * g;
      }
      scale = Math.sqrt((nu - 2) / W);
    }
    for (let k = 0; k < n; k++) eps[k] = normInv(u[dDiff + k]!);
    for (let i = 0; i < n; i++) {
      let z = 0;
      const row = L[i]!;
      for (let k = 0; k <= i; k++) z += row[k]! * eps[k]!;
      x[i] = z * scale;
    }
    let commonN = 0;
    if (model === 'merton' && jumps!.common) commonN = poissonInverse(u[dPoisson]!, lamDt);
    for (let i = 0; i < n; i++) {
      let r = drift[i]! + vols[i]! * sqdt * x[i]!;
      if (model === 'merton') {
        const N = jumps!.common ? commonN : poissonInverse(u[dPoisson + i]!, lamDt);
        if (N > 0) r += N * jumps!.mean + jumps!.sd * Math.sqrt(N) * normInv(u[dJump + i]!);
      }
      logReturns[i]![p] = r;
      if (volRelative) {
        const s = model === 'merton' ? (sdR[i]! > 0 ? (r - meanR[i]!) / sdR[i]! : 0) : x[i]!;
        const w = rho * s + Math.sqrt(1 - rho * rho) * normInv(u[dVol + i]!);
        volRelative[i]![p] = Math.expm1(volOfVol! * sqdt * w - 0.5 * volOfVol! * volOfVol! * dt);
      }
    }
  }
  return { underlyings: [...underlyings], logReturns, volRelative };
}

/** Validates underlyings, vols and the correlation matrix (square, |ρ| ≤ 1, unit diagonal). */
function checkMarketInputs(options: MonteCarloOptions): void {
  const { underlyings, vols, correlation } = options;
  const n = underlyings.length;
  if (n === 0) fail('needs at least one underlying', 'underlyings');
  if (new Set(underlyings).size !== n) fail('underlyings must be distinct', 'underlyings');
  if (vols.length !== n) fail(`${vols.length} vols for ${n} underlyings`, 'vols');
  vols.forEach((v, i) => {
    if (!(v >= 0) || !Number.isFinite(v))
      fail(`must be a finite annual vol >= 0, got ${v}`, `vols[${i}]`);
  });
  if (correlation.length !== n || correlation.some((r) => r.length !== n))
    fail(`must be ${n}×${n}`, 'correlation');
  correlation.forEach((row, i) =>
    row.forEach((c, j) => {
      if (!(Math.abs(c) <= 1)) fail(`must be in [−1, 1], got ${c}`, `correlation[${i}][${j}]`);
      if (i === j && c !== 1) fail(`diagonal must be 1, got ${c}`, `correlation[${i}][${i}]`);
    }),
  );
}

/** Validates the jump parameters of the Merton model. */
function checkJumps(jumps: MonteCarloOptions['jumps']): void {
  if (!jumps) fail('the merton model needs jumps {intensity, mean, sd}', 'jumps');
  if (!(jumps.intensity >= 0) || !Number.isFinite(jumps.intensity))
    fail(`must be finite and >= 0 per year, got ${jumps.intensity}`, 'jumps.intensity');
  if (!Number.isFinite(jumps.mean)) fail(`must be finite, got ${jumps.mean}`, 'jumps.mean');
  if (!(jumps.sd >= 0) || !Number.isFinite(jumps.sd))
    fail(`must be finite and >= 0, got ${jumps.sd}`, 'jumps.sd');
}

/**
 * Validates every option (INVALID_INPUT naming the field) and returns the resolved degrees
 * of freedom ν (0 unless student-t), spot–vol correlation and sampler.
 */
function checkedOptions(options: MonteCarloOptions): {
  nu: number;
  rho: number;
  sampler: 'pseudo' | 'sobol';
} {
  const { horizonDays, paths, seed, model } = options;
  checkMarketInputs(options);
  if (!(horizonDays > 0) || !Number.isFinite(horizonDays))
    fail(`must be > 0 days, got ${horizonDays}`, 'horizonDays');
  if (!Number.isInteger(paths) || paths < 1) fail(`must be an integer >= 1, got ${paths}`, 'paths');
  if (!Number.isSafeInteger(seed)) fail(`must be a safe integer, got ${seed}`, 'seed');
  if (model !== 'gbm' && model !== 'student-t' && model !== 'merton')
    fail(`must be gbm, student-t or merton, got ${String(model)}`, 'model');
  const nu = model === 'student-t' ? (options.degreesOfFreedom ?? 4) : 0;
  if (model === 'student-t' && (!Number.isInteger(nu) || nu < 3 || nu > 200))
    fail(`must be an integer in [3, 200], got ${nu}`, 'degreesOfFreedom');
  if (model === 'merton') checkJumps(options.jumps);
  const volOfVol = options.volOfVol;
  if (volOfVol !== undefined && (!(volOfVol >= 0) || !Number.isFinite(volOfVol)))
    fail(`must be finite and >= 0, got ${volOfVol}`, 'volOfVol');
  const rho = options.spotVolCorrelation ?? 0;
  if (!(Math.abs(rho) <= 1)) fail(`must be in [−1, 1], got ${rho}`, 'spotVolCorrelation');
  const sampler = options.sampler ?? 'pseudo';
  if (sampler !== 'pseudo' && sampler !== 'sobol')
    fail(`must be pseudo or sobol, got ${String(sampler)}`, 'sampler');
  if (sampler === 'sobol' && paths > SOBOL_MAX_POINTS) {
    fail(`at most 2^32 = ${SOBOL_MAX_POINTS} paths with the sobol sampler, got ${paths}`, 'paths');
  }
  return { nu, rho, sampler };
}

/**
 * Dimension layout of one path's uniforms: n diffusion normals, ν chi-square normals, the
 * Poisson draws (1 common or n), n jump sizes, n vol shocks; D in all (≤ the Sobol limit).
 */
function pathLayout(options: MonteCarloOptions, nu: number, sampler: 'pseudo' | 'sobol') {
  const n = options.underlyings.length;
  const merton = options.model === 'merton';
  const dDiff = 0;
  const dChi = n;
  const nPoisson = merton ? (options.jumps!.common ? 1 : n) : 0;
  const dPoisson = dChi + nu;
  const dJump = dPoisson + nPoisson;
  const dVol = dJump + (merton ? n : 0);
  const D = dVol + (options.volOfVol !== undefined ? n : 0);
  if (sampler === 'sobol' && D > SOBOL_MAX_DIMENSIONS)
    fail(
      `the sobol sampler has ${SOBOL_MAX_DIMENSIONS} dimensions, this model needs ${D} per path`,
      'underlyings',
    );
  return { dDiff, dChi, dPoisson, dJump, dVol, D };
}

/**
 * Per-underlying log-return drift (martingale correction −σ²/2 and, for Merton, −λκ), and
 * the return's mean and standard deviation over dt (for the vol shock's spot correlation).
 */
function returnMoments(options: MonteCarloOptions, dt: number) {
  const { vols, model, jumps } = options;
  const lamDt = jumps ? jumps.intensity * dt : 0;
  const kappa = jumps ? Math.exp(jumps.mean + 0.5 * jumps.sd * jumps.sd) - 1 : 0;
  const drift = vols.map(
    (s) => (-0.5 * s * s - (model === 'merton' ? jumps!.intensity * kappa : 0)) * dt,
  );
  const meanR = vols.map((_, i) => drift[i]! + (model === 'merton' ? lamDt * jumps!.mean : 0));
  const sdR = vols.map((s) =>
    Math.sqrt(s * s * dt + (model === 'merton' ? lamDt * (jumps!.mean ** 2 + jumps!.sd ** 2) : 0)),
  );
  return { lamDt, drift, meanR, sdR };
}

/**
 * Monte Carlo scenarios (module doc): one per path, spot multiplier e^{r_i}, implied vol as a
 * relative `VolShock` when `volOfVol` is set, weight 1. Ids `mc-<path>`, labels
 * `path <p>: BTC −3.10% (vol +5.2%), …`, group `monte-carlo`. Same options ⇒ bit-identical output.
 */
export function monteCarloScenarios(options: MonteCarloOptions): Scenario[] {
  const sim = simulateMonteCarlo(options);
  const timeShiftDays = options.timeShiftDays ?? 0;
  const out: Scenario[] = new Array<Scenario>(options.paths);
  for (let p = 0; p < options.paths; p++) {
    const moves: Record<string, UnderlyingMove> = {};
    sim.underlyings.forEach((sym, i) => {
      moves[sym] = {
        spotMultiplier: Math.exp(sim.logReturns[i]![p]!),
        vol: sim.volRelative
          ? { kind: 'relative', size: sim.volRelative[i]![p]! }
          : { kind: 'none' },
      };
    });
    out[p] = {
      id: `mc-${p}`,
      label: `path ${p}: ${movesLabel(moves)}`,
      moves,
      weight: 1,
      timeShiftDays,
      group: 'monte-carlo',
    };
  }
  return out;
}
