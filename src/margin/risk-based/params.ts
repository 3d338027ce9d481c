/**
 * Parameters of the risk-based margin models (`var`, `es`, `span2`, `stans`), as plain data.
 *
 * Every optional block is present in the defaults as `null` so a `--params` file can set it
 * (the CLI's strict merge refuses keys the defaults lack). History enters as data (`history`:
 * close series as number arrays) or as precomputed scenarios (`scenarios`), because the margin
 * layer reads no files; the CLI fills either from `--history`.
 */
import { BallastError } from '../../core/errors.ts';
import type { PriceInterval } from '../../market/history.ts';
import type { InverseOptionPnl } from '../../risk/pnl-matrix.ts';
import type { JumpParams, MonteCarloModel } from '../../scenarios/monte-carlo.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

/** How scenarios are generated: historical, filtered historical or Monte Carlo simulation. */
export type RiskMethod = 'hs' | 'fhs' | 'mc';

/** The methods, for validation and help. */
export const RISK_METHODS: readonly RiskMethod[] = ['hs', 'fhs', 'mc'];

/** One close-price series as data (`symbol` = underlying, times epoch ms UTC increasing, closes > 0). */
export interface HistorySeriesInput {
  readonly symbol: string;
  readonly interval: PriceInterval;
  readonly timesMs: readonly number[];
  readonly closes: readonly number[];
}

/** Price history for `hs`/`fhs` (and history-based vols for `mc`). */
export interface HistoryInput {
  readonly series: readonly HistorySeriesInput[];
  /** Overlapping horizon windows (default true). */
  readonly overlapping: boolean;
  /** Keep only the newest `window` scenarios (null: all). */
  readonly window: number | null;
  /** EWMA decay of FHS and of history-based MC vols (null: 0.94, RiskMetrics). */
  readonly lambda: number | null;
  /** Where the data came from (file name), for reports. */
  readonly source: string | null;
}

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
  readonly history: HistoryInput | null;
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
  history: null,
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

/** Validates the scenario parameters (INVALID_INPUT naming `params.<field>`). */
export function validateScenarioParams(p: ScenarioParams): void {
  if (!RISK_METHODS.includes(p.method))
    fail(
      `unknown method "${String(p.method)}"; one of: ${RISK_METHODS.join(', ')}`,
      'params.method',
    );
  if (!(typeof p.confidence === 'number' && p.confidence > 0 && p.confidence < 1))
    fail(`must be in (0, 1) (e.g. 0.99), got ${String(p.confidence)}`, 'params.confidence');
  if (!(typeof p.horizonDays === 'number' && Number.isFinite(p.horizonDays) && p.horizonDays > 0))
    fail(`must be a number of days > 0, got ${String(p.horizonDays)}`, 'params.horizonDays');
  if (!Number.isSafeInteger(p.seed))
    fail(`must be a safe integer, got ${String(p.seed)}`, 'params.seed');
  if (!p.mc || typeof p.mc !== 'object') fail('must be an object', 'params.mc');
  if (!Number.isInteger(p.mc.paths) || p.mc.paths < 1 || p.mc.paths > 1_000_000)
    fail(`must be a whole number in [1, 1000000], got ${String(p.mc.paths)}`, 'params.mc.paths');
  if (!['auto', 'atm-implied', 'history'].includes(p.mc.volSource))
    fail(
      `must be auto, atm-implied or history, got ${String(p.mc.volSource)}`,
      'params.mc.volSource',
    );
  if (p.inverseOptionPnl !== 'coin-value' && p.inverseOptionPnl !== 'usd-at-shocked')
    fail(
      `must be coin-value or usd-at-shocked, got ${String(p.inverseOptionPnl)}`,
      'params.inverseOptionPnl',
    );
  if (typeof p.timeDecay !== 'boolean') fail('must be true or false', 'params.timeDecay');
  if (
    p.scenarios !== null &&
    (!p.scenarios || !Array.isArray(p.scenarios.list) || p.scenarios.list.length === 0)
  )
    fail('must hold a non-empty scenario list', 'params.scenarios');
}

/** Validates `var`/`es` parameters. */
export function validateRiskBasedParams(p: RiskBasedParams): void {
  validateScenarioParams(p);
  if (!(p.maintenanceFraction >= 0 && p.maintenanceFraction <= 1))
    fail(`must be in [0, 1], got ${String(p.maintenanceFraction)}`, 'params.maintenanceFraction');
  if (!Number.isInteger(p.maxTailListed) || p.maxTailListed < 0)
    fail(`must be a whole number ≥ 0, got ${String(p.maxTailListed)}`, 'params.maxTailListed');
}
