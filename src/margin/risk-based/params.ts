/**
 * Parameters of the risk-based margin models (`var`, `es`, `span2`, `stans`), as plain data.
 *
 * Every optional block is present in the defaults as `null` so a `--params` file can set it
 * (the CLI's strict merge refuses keys the defaults lack). Price history is market data, not a
 * parameter: it travels with the market snapshot (`market.history`, market/market-history.ts)
 * and the parameters keep only its settings (`window`, `overlapping`, `lambda`, `horizonDays`).
 * A `history` key in the parameters is refused with `HISTORY_MOVED` (it moved). Scenarios may
 * also be given precomputed (`scenarios`).
 */
import { BallastError } from '../../core/errors.ts';
import type { InverseOptionPnl } from '../../risk/pnl-matrix.ts';
import type { JumpParams, MonteCarloModel } from '../../scenarios/monte-carlo.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

/** How scenarios are generated: historical, filtered historical or Monte Carlo simulation. */
export type RiskMethod = 'hs' | 'fhs' | 'mc';

/** The methods, for validation and help. */
export const RISK_METHODS: readonly RiskMethod[] = ['hs', 'fhs', 'mc'];

/** Monte Carlo settings (src/scenarios/monte-carlo.ts). */
export interface McParams {
  readonly paths: number;
  readonly model: MonteCarloModel;
  /** ν of `student-t` (null: 4). */
  readonly degreesOfFreedom: number | null;
  readonly jumps: JumpParams | null;
  /** Annual vol of log implied vol (null: implied vol unchanged). */
  readonly volOfVol: number | null;
  readonly spotVolCorrelation: number | null;
  readonly sampler: 'pseudo' | 'sobol';
  /** Annualised vol per underlying overriding the default source (null: none). */
  readonly vols: Readonly<Record<string, number>> | null;
  /** Correlation: a constant ρ for every pair, or a matrix over named underlyings (null: default). */
  readonly correlation:
    | number
    | { readonly underlyings: readonly string[]; readonly matrix: readonly (readonly number[])[] }
    | null;
  /** Tenor of the ATM implied vol, days (null: 30). */
  readonly volTenorDays: number | null;
  /** `auto` (history if given, else ATM implied), `atm-implied` or `history`. */
  readonly volSource: 'auto' | 'atm-implied' | 'history';
}

/** Precomputed scenarios (e.g. built by the CLI from a history file) with a description. */
export interface ProvidedScenarios {
  readonly description: string;
  readonly list: readonly Scenario[];
}

/** The scenario part every risk-based model shares. */
export interface ScenarioParams {
  readonly method: RiskMethod;
  readonly confidence: number;
  /** Risk horizon in days (hs/fhs: a whole number of steps of the history). */
  readonly horizonDays: number;
  readonly seed: number;
  /** hs/fhs: keep only the newest `window` scenarios of the history (null: all). */
  readonly window: number | null;
  /** hs/fhs: overlapping horizon windows of the history (default true). */
  readonly overlapping: boolean;
  /** EWMA decay of fhs and of history-based Monte Carlo vols (null: 0.94, RiskMetrics). */
  readonly lambda: number | null;
  readonly mc: McParams;
  /** Used as given when set (the method then only names them). */
  readonly scenarios: ProvidedScenarios | null;
  /** Options decay over the horizon in every scenario (default false: an instantaneous shock). */
  readonly timeDecay: boolean;
  readonly inverseOptionPnl: InverseOptionPnl;
}

/** Parameters of `var` and `es`. */
export interface RiskBasedParams extends ScenarioParams {
  /** MM = maintenanceFraction × IM. */
  readonly maintenanceFraction: number;
  /** Most tail scenarios listed in `details.tail`. */
  readonly maxTailListed: number;
}

/** Default Monte Carlo settings of `var` and `es`: 10,000 Student-t paths (ν = 4), vol unchanged. */
export const DEFAULT_MC: McParams = {
  paths: 10000,
  model: 'student-t',
  degreesOfFreedom: 4,
  jumps: null,
  volOfVol: null,
  spotVolCorrelation: null,
  sampler: 'pseudo',
  vols: null,
  correlation: null,
  volTenorDays: null,
  volSource: 'auto',
};

/** Defaults shared by `var` and `es`: 99 %, 1 day, Monte Carlo, MM = 80 % of IM. */
export const RISK_BASED_DEFAULTS: RiskBasedParams = {
  method: 'mc',
  confidence: 0.99,
  horizonDays: 1,
  seed: 1,
  window: null,
  overlapping: true,
  lambda: null,
  mc: DEFAULT_MC,
  scenarios: null,
  timeDecay: false,
  inverseOptionPnl: 'coin-value',
  maintenanceFraction: 0.8,
  maxTailListed: 100,
};

function fail(message: string, field: string): never {
  throw new BallastError('INVALID_INPUT', message, field);
}

/** Most Monte Carlo paths and scenarios given as data (history points: market/market-history.ts). */
export const RISK_BASED_CAPS = { paths: 1_000_000, scenarios: 100_000 };

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number in [lo, hi] (or null when `nullable`), else INVALID_INPUT at `field`. */
function inRange(v: unknown, lo: number, hi: number, field: string, nullable = false): void {
  if (nullable && v === null) return;
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi))
    fail(
      `must be a number in [${lo}, ${hi}]${nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`,
      field,
    );
}

function oneOf(v: unknown, allowed: readonly string[], field: string): void {
  if (typeof v !== 'string' || !allowed.includes(v))
    fail(`must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`, field);
}

/** A move of a scenario given as data: spot multiplier > 0, a known vol-shock kind with finite sizes. */
function validateMove(m: unknown, field: string): void {
  if (!isObj(m)) fail('must be an object {spotMultiplier, vol}', field);
  inRange(m.spotMultiplier, 1e-6, 1e6, `${field}.spotMultiplier`);
  const v = m.vol;
  if (!isObj(v)) fail('must be an object {kind, ...}', `${field}.vol`);
  oneOf(v.kind, ['none', 'relative', 'absolute', 'skew'], `${field}.vol.kind`);
  if (v.kind === 'relative' || v.kind === 'absolute')
    inRange(v.size, -100, 100, `${field}.vol.size`);
  if (v.kind === 'skew') inRange(v.slope, -100, 100, `${field}.vol.slope`);
  if (v.floor !== undefined) inRange(v.floor, 0, 100, `${field}.vol.floor`);
  if (v.cap !== undefined) inRange(v.cap, 0, 100, `${field}.vol.cap`);
  if (v.term !== undefined) {
    const t = v.term;
    if (!isObj(t)) fail('must be an object', `${field}.vol.term`);
    inRange(t.pivotDays, 1e-6, 36500, `${field}.vol.term.pivotDays`);
    inRange(t.shortPower, -10, 10, `${field}.vol.term.shortPower`);
    inRange(t.longPower, -10, 10, `${field}.vol.term.longPower`);
    inRange(t.dteFloorDays, 1e-6, 36500, `${field}.vol.term.dteFloorDays`);
  }
}

/** Scenarios given as data (`{description, list}`): shape, finite numbers, at most `RISK_BASED_CAPS.scenarios`. */
export function validateProvidedScenarios(p: unknown, field: string): void {
  if (p === null) return;
  if (!isObj(p)) fail('must be null or {description, list}', field);
  if (typeof p.description !== 'string') fail('must be a string', `${field}.description`);
  const list = p.list;
  if (!Array.isArray(list) || list.length === 0) fail('must hold a non-empty scenario list', field);
  if (list.length > RISK_BASED_CAPS.scenarios)
    fail(`at most ${RISK_BASED_CAPS.scenarios} scenarios, got ${list.length}`, `${field}.list`);
  list.forEach((sc: unknown, i) => {
    const f = `${field}.list[${i}]`;
    if (!isObj(sc)) fail('must be a scenario object', f);
    if (typeof sc.id !== 'string' || typeof sc.label !== 'string')
      fail('must have string id and label', f);
    if (!isObj(sc.moves)) fail('must be an object {UNDERLYING: move}', `${f}.moves`);
    for (const [u, m] of Object.entries(sc.moves)) validateMove(m, `${f}.moves.${u}`);
    if (sc.defaultMove !== undefined) validateMove(sc.defaultMove, `${f}.defaultMove`);
    inRange(sc.weight, 0, 1e6, `${f}.weight`);
    inRange(sc.timeShiftDays, 0, 36500, `${f}.timeShiftDays`);
  });
}

/**
 * Why a `history` parameter is refused: price history is market data now (the scenario source
 * reads `market.history`); said wherever one is found (the strict merge of a params file, and
 * `validateScenarioParams` for parameters built in code).
 */
export const HISTORY_MOVED =
  'price history is market data, no longer a model parameter: it moved to market.history (give it with --history on the CLI, or the history field of POST /v1/margin or /v1/var); the settings window, overlapping and lambda stay parameters';

/** Parameter keys that moved out of the model parameters, with what to do instead. */
export const MOVED_PARAMETERS: Readonly<Record<string, string>> = { history: HISTORY_MOVED };

/** The history settings: `window` a whole number ≥ 1 or null, `overlapping` a boolean, `lambda` in (0, 1) or null. */
function validateHistorySettings(p: Record<string, unknown>, f: string): void {
  if (p.history !== undefined) fail(HISTORY_MOVED, `${f}.history`);
  if (p.window !== null && !(Number.isInteger(p.window) && (p.window as number) >= 1))
    fail(`must be a whole number ≥ 1 or null, got ${JSON.stringify(p.window)}`, `${f}.window`);
  if (typeof p.overlapping !== 'boolean') fail('must be true or false', `${f}.overlapping`);
  if (p.lambda !== null) inRange(p.lambda, 1e-6, 1 - 1e-9, `${f}.lambda`);
}

/** The correlation block: a constant ρ, or a symmetric matrix over named underlyings. */
function validateCorrelation(c: unknown, field: string): void {
  if (c === null) return;
  if (typeof c === 'number') return inRange(c, -1, 1, field);
  if (!isObj(c)) fail('must be null, a number in [−1, 1] or {underlyings, matrix}', field);
  const u = c.underlyings;
  const m = c.matrix;
  if (!Array.isArray(u) || u.length === 0 || !u.every((x) => typeof x === 'string'))
    fail('must be a non-empty list of underlyings', `${field}.underlyings`);
  if (new Set(u).size !== u.length) fail('must not repeat an underlying', `${field}.underlyings`);
  if (!Array.isArray(m) || m.length !== u.length)
    fail(`must be a ${u.length}×${u.length} matrix`, `${field}.matrix`);
  m.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== u.length)
      fail(`must have ${u.length} entries`, `${field}.matrix[${i}]`);
    row.forEach((x: unknown, j) => inRange(x, -1, 1, `${field}.matrix[${i}][${j}]`));
  });
}

/** The Monte Carlo block (every field; caps in `RISK_BASED_CAPS`). */
function validateMc(mc: unknown, f: string): void {
  if (!isObj(mc)) fail('must be an object', f);
  if (
    !Number.isInteger(mc.paths) ||
    (mc.paths as number) < 1 ||
    (mc.paths as number) > RISK_BASED_CAPS.paths
  )
    fail(
      `must be a whole number in [1, ${RISK_BASED_CAPS.paths}], got ${String(mc.paths)}`,
      `${f}.paths`,
    );
  oneOf(mc.model, ['gbm', 'student-t', 'merton'], `${f}.model`);
  inRange(mc.degreesOfFreedom, 2.01, 1000, `${f}.degreesOfFreedom`, true);
  if (mc.jumps !== null) {
    const j = mc.jumps;
    if (!isObj(j)) fail('must be null or {intensity, mean, sd}', `${f}.jumps`);
    inRange(j.intensity, 0, 1000, `${f}.jumps.intensity`);
    inRange(j.mean, -5, 5, `${f}.jumps.mean`);
    inRange(j.sd, 0, 5, `${f}.jumps.sd`);
    if (j.common !== undefined && typeof j.common !== 'boolean')
      fail('must be true or false', `${f}.jumps.common`);
  }
  inRange(mc.volOfVol, 0, 20, `${f}.volOfVol`, true);
  inRange(mc.spotVolCorrelation, -1, 1, `${f}.spotVolCorrelation`, true);
  oneOf(mc.sampler, ['pseudo', 'sobol'], `${f}.sampler`);
  if (mc.vols !== null) {
    if (!isObj(mc.vols)) fail('must be null or {UNDERLYING: vol}', `${f}.vols`);
    for (const [u, v] of Object.entries(mc.vols)) inRange(v, 1e-6, 20, `${f}.vols.${u}`);
  }
  validateCorrelation(mc.correlation, `${f}.correlation`);
  inRange(mc.volTenorDays, 1e-3, 3650, `${f}.volTenorDays`, true);
  oneOf(mc.volSource, ['auto', 'atm-implied', 'history'], `${f}.volSource`);
}

/** Validates the scenario parameters (INVALID_INPUT naming `params.<field>`; `f` prefixes the path). */
export function validateScenarioParams(p: ScenarioParams, f = 'params'): void {
  if (!isObj(p)) fail('must be an object', f);
  if (!RISK_METHODS.includes(p.method))
    fail(`unknown method "${String(p.method)}"; one of: ${RISK_METHODS.join(', ')}`, `${f}.method`);
  if (!(typeof p.confidence === 'number' && p.confidence > 0 && p.confidence < 1))
    fail(`must be in (0, 1) (e.g. 0.99), got ${String(p.confidence)}`, `${f}.confidence`);
  inRange(p.horizonDays, 1e-6, 365, `${f}.horizonDays`);
  if (!(p.horizonDays > 0)) fail(`must be > 0, got ${p.horizonDays}`, `${f}.horizonDays`);
  if (!Number.isSafeInteger(p.seed))
    fail(`must be a safe integer, got ${String(p.seed)}`, `${f}.seed`);
  validateMc(p.mc, `${f}.mc`);
  validateHistorySettings(p as unknown as Record<string, unknown>, f);
  if (p.inverseOptionPnl !== 'coin-value' && p.inverseOptionPnl !== 'usd-at-shocked')
    fail(
      `must be coin-value or usd-at-shocked, got ${String(p.inverseOptionPnl)}`,
      `${f}.inverseOptionPnl`,
    );
  if (typeof p.timeDecay !== 'boolean') fail('must be true or false', `${f}.timeDecay`);
  validateProvidedScenarios(p.scenarios, `${f}.scenarios`);
}

/** Validates `var`/`es` parameters. */
export function validateRiskBasedParams(p: RiskBasedParams): void {
  validateScenarioParams(p);
  if (!(p.maintenanceFraction >= 0 && p.maintenanceFraction <= 1))
    fail(`must be in [0, 1], got ${String(p.maintenanceFraction)}`, 'params.maintenanceFraction');
  if (
    !Number.isInteger(p.maxTailListed) ||
    p.maxTailListed < 0 ||
    p.maxTailListed > RISK_BASED_CAPS.scenarios
  )
    fail(
      `must be a whole number in [0, ${RISK_BASED_CAPS.scenarios}], got ${String(p.maxTailListed)}`,
      'params.maxTailListed',
    );
}

/** A hypothetical stress move of `span2`: every underlying's spot × (1 + spot), vol × (1 + vol). */
export interface HypotheticalStressInput {
  readonly id: string;
  readonly name: string;
  readonly spot: number;
  readonly vol: number;
}

/**
 * Validates `span2`'s stress block: hypothetical moves (spot > −1, vol ≥ −1, string id and
 * name), user scenarios as data, `historical` a boolean, `days` null or positive whole
 * numbers; at least one hypothetical or user scenario (an empty stress set would margin no stress).
 */
export function validateSpan2Stress(s: unknown, f = 'params.stress'): void {
  if (!isObj(s)) fail('must be an object', f);
  const h = s.hypothetical;
  if (!Array.isArray(h)) fail('must be a list', `${f}.hypothetical`);
  if (h.length > RISK_BASED_CAPS.scenarios)
    fail(`at most ${RISK_BASED_CAPS.scenarios} moves`, `${f}.hypothetical`);
  h.forEach((x: unknown, i) => {
    const g = `${f}.hypothetical[${i}]`;
    if (!isObj(x) || typeof x.id !== 'string' || typeof x.name !== 'string')
      fail('must be {id, name, spot, vol}', g);
    inRange(x.spot, -0.999999, 1e3, `${g}.spot`);
    inRange(x.vol, -1, 1e3, `${g}.vol`);
  });
  validateProvidedScenarios(s.scenarios, `${f}.scenarios`);
  if (h.length === 0 && s.scenarios === null)
    fail(
      'no stress scenario: give at least one hypothetical move or user scenario',
      `${f}.hypothetical`,
    );
  if (typeof s.historical !== 'boolean') fail('must be true or false', `${f}.historical`);
  const d = s.days;
  if (
    d !== null &&
    !(Array.isArray(d) && d.every((x) => Number.isInteger(x) && x >= 1 && x <= 3650))
  )
    fail('must be null or a list of whole numbers of days in [1, 3650]', `${f}.days`);
}
