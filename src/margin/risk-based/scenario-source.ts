/**
 * The scenario set of a risk-based margin pool, from its parameters:
 *
 * - `scenarios` given (precomputed, e.g. by the CLI from a history file): used as they are,
 *   after checking every scenario moves every underlying of the pool (a scenario silent about
 *   an underlying would leave it unmoved: fail closed);
 * - `hs`: historical scenarios, one per `horizonDays` window of the aligned history
 *   (src/scenarios/historical.ts); `fhs`: the same, EWMA-filtered to today's vol
 *   (filtered-historical.ts). Both need the market's price history (`snapshot.history`,
 *   market/market-history.ts) with one series per underlying; the parameters set `window`,
 *   `overlapping` and `lambda`;
 * - `mc`: Monte Carlo paths (src/scenarios/monte-carlo.ts) with, per underlying, the vol from
 *   `mc.vols`, else from the market's history (EWMA forecast of 1-step log returns,
 *   annualised; correlation from the EWMA covariance) when it has one, else the snapshot's
 *   ATM implied vol (market-vols.ts) and the documented default correlation (listed in
 *   `unverified`).
 *
 * Monte Carlo sets are memoised on their full specification (underlyings, vols, correlation,
 * every simulation setting, seed): re-margining the same book at a moved market (liquidation
 * search, backtests) reuses the paths, bit for bit.
 */
import { BallastError } from '../../core/errors.ts';
import { MS_PER_DAY, MS_PER_YEAR } from '../../core/time.ts';
import {
  correlationFromCovariance,
  ewmaCovariance,
  nearestPositiveDefinite,
} from '../../market/covariance.ts';
import { ewmaVolatility, RISKMETRICS_LAMBDA } from '../../market/ewma.ts';
import { alignSeries, INTERVAL_MS, type PriceSeries } from '../../market/history.ts';
import { historySeriesFor, MARKET_HISTORY_FIELD } from '../../market/market-history.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { filteredHistoricalScenarios } from '../../scenarios/filtered-historical.ts';
import { historicalScenarios } from '../../scenarios/historical.ts';
import { monteCarloScenarios } from '../../scenarios/monte-carlo.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import {
  ATM_VOL_NOTE,
  atmImpliedVol,
  constantCorrelation,
  DEFAULT_CORRELATION_NOTE,
  DEFAULT_VOL_TENOR_DAYS,
  validateCorrelation,
} from '../../market/market-vols.ts';
import type { ScenarioParams } from './params.ts';

/** Vols and correlation a Monte Carlo set was simulated with. */
export interface SimulationModel {
  readonly underlyings: readonly string[];
  readonly vols: readonly number[];
  readonly correlation: readonly (readonly number[])[];
  readonly volSource: string;
  readonly correlationSource: string;
}

/** A pool's scenarios and where they came from. */
export interface ScenarioSet {
  readonly scenarios: readonly Scenario[];
  /** `hs`, `fhs`, `mc` or `provided`. */
  readonly kind: string;
  /** One line: what the scenarios are. */
  readonly description: string;
  readonly unverified: readonly string[];
  /** Monte Carlo only. */
  readonly model?: SimulationModel;
}

/** Steps of the series per `horizonDays` (a whole number, else INVALID_INPUT). */
export function horizonSteps(series: readonly PriceSeries[], horizonDays: number): number {
  const interval = series[0]!.interval;
  const steps = (horizonDays * MS_PER_DAY) / INTERVAL_MS[interval];
  if (Math.abs(steps - Math.round(steps)) > 1e-9 || Math.round(steps) < 1) {
    throw new BallastError(
      'INVALID_INPUT',
      `a ${horizonDays}-day horizon is not a whole number of ${interval} steps`,
      'params.horizonDays',
    );
  }
  return Math.round(steps);
}

function describeHistory(series: readonly PriceSeries[], source: string | null): string {
  const a = alignSeries(series);
  const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `${series.map((s) => s.symbol).join('+')} ${a.interval} closes ${d(a.timesMs[0]!)} → ${d(a.timesMs[a.timesMs.length - 1]!)}${source ? ` (${source})` : ''}`;
}

/** Annualised EWMA vols and the EWMA correlation of 1-step log returns of aligned series. */
export function historyRiskModel(
  series: readonly PriceSeries[],
  lambda = RISKMETRICS_LAMBDA,
): { vols: number[]; correlation: number[][] } {
  const a = alignSeries(series);
  const n = a.timesMs.length;
  if (n < 3)
    throw new BallastError(
      'INVALID_INPUT',
      `the history is too short for a vol estimate: ${n} common points`,
      MARKET_HISTORY_FIELD,
    );
  const perYear = MS_PER_YEAR / INTERVAL_MS[a.interval];
  const returns = a.closes.map((c) =>
    Float64Array.from({ length: n - 1 }, (_, t) => Math.log(c[t + 1]! / c[t]!)),
  );
  const vols = returns.map((r) => {
    const v = ewmaVolatility(r, lambda);
    return v[v.length - 1]! * Math.sqrt(perYear);
  });
  vols.forEach((v, j) => {
    if (!(v > 0))
      throw new BallastError(
        'INVALID_INPUT',
        `the EWMA vol of ${a.symbols[j]} is 0 (flat prices)`,
        MARKET_HISTORY_FIELD,
      );
  });
  if (series.length === 1) return { vols, correlation: [[1]] };
  const corr = correlationFromCovariance(ewmaCovariance(returns, lambda));
  return {
    vols,
    correlation: nearestPositiveDefinite(corr, 1e-10, { preserveDiagonal: true }).matrix,
  };
}

const cache = new Map<string, readonly Scenario[]>();
const CACHE_SIZE = 16;

function memo(key: string, make: () => readonly Scenario[]): readonly Scenario[] {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const v = make();
  cache.set(key, v);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return v;
}

/** The correlation matrix for `underlyings` from `mc.correlation`, or undefined (use the default). */
function givenCorrelation(
  p: ScenarioParams,
  underlyings: readonly string[],
): number[][] | undefined {
  const c = p.mc.correlation;
  if (c === null || c === undefined) return undefined;
  if (typeof c === 'number') {
    if (!(c >= -1 && c <= 1))
      throw new BallastError(
        'INVALID_INPUT',
        `must be in [−1, 1], got ${c}`,
        'params.mc.correlation',
      );
    return constantCorrelation(underlyings.length, c);
  }
  validateCorrelation(c.matrix, c.underlyings.length, 'params.mc.correlation.matrix');
  const idx = underlyings.map((u) => {
    const i = c.underlyings.indexOf(u);
    if (i < 0)
      throw new BallastError(
        'INVALID_INPUT',
        `no correlation row for ${u}`,
        'params.mc.correlation.underlyings',
      );
    return i;
  });
  return idx.map((i) => idx.map((j) => c.matrix[i]![j]!));
}

/** The precomputed scenarios of the parameters, checked to move every underlying of the pool. */
function providedSet(
  provided: NonNullable<ScenarioParams['scenarios']>,
  underlyings: readonly string[],
): ScenarioSet {
  provided.list.forEach((s, k) => {
    for (const u of underlyings) {
      if (!s.moves[u] && !s.defaultMove)
        throw new BallastError(
          'INVALID_INPUT',
          `scenario ${s.id} does not move ${u}: give scenarios for every underlying of the book`,
          `params.scenarios.list[${k}].moves`,
        );
    }
  });
  return {
    scenarios: provided.list,
    kind: 'provided',
    description: provided.description,
    unverified: [],
  };
}

/** Historical (`hs`) or filtered historical (`fhs`) scenarios from the market's history (module doc). */
function historicalSet(
  p: ScenarioParams & { method: 'hs' | 'fhs' },
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
  timeShiftDays: number,
): ScenarioSet {
  const series = historySeriesFor(snapshot.history, underlyings, `method ${p.method}`);
  const steps = horizonSteps(series, p.horizonDays);
  const lambda = p.lambda ?? RISKMETRICS_LAMBDA;
  const opts = {
    horizonSteps: steps,
    overlapping: p.overlapping,
    timeShiftDays,
    ...(p.window === null ? {} : { window: p.window }),
  };
  const scenarios =
    p.method === 'hs'
      ? historicalScenarios(series, opts)
      : filteredHistoricalScenarios(series, { ...opts, lambda });
  const what = p.method === 'hs' ? 'historical' : `filtered historical (EWMA λ ${lambda})`;
  return {
    scenarios,
    kind: p.method,
    description: `${what}: ${scenarios.length} ${opts.overlapping ? 'overlapping' : 'disjoint'} ${p.horizonDays}-day windows of ${describeHistory(series, snapshot.history?.source ?? null)}; implied vol unchanged`,
    unverified: [
      `${p.method}-vol: ${what} scenarios move prices only; implied vol is held (sticky moneyness) [I]`,
    ],
  };
}

/**
 * Monte Carlo vols and correlation per underlying (module doc): `mc.vols`, else the history's
 * EWMA estimate when history is used, else the snapshot's ATM implied vol and the default
 * correlation; `mc.correlation` overrides the correlation. Notes go to `unverified`.
 */
function simulationModel(
  p: ScenarioParams,
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
  unverified: string[],
): SimulationModel {
  const mc = p.mc;
  const given = mc.vols ?? {};
  const history = snapshot.history;
  const useHistory =
    mc.volSource === 'history' || (history !== undefined && mc.volSource === 'auto');
  let vols: number[];
  let correlation: number[][];
  let volSource: string;
  let correlationSource: string;
  if (useHistory) {
    const lambda = p.lambda ?? RISKMETRICS_LAMBDA;
    const hm = historyRiskModel(
      historySeriesFor(history, underlyings, 'mc.volSource history'),
      lambda,
    );
    vols = underlyings.map((u, i) => given[u] ?? hm.vols[i]!);
    correlation = hm.correlation;
    volSource = `EWMA (λ ${lambda}) of ${history?.source ?? 'the history'}`;
    correlationSource = underlyings.length > 1 ? 'EWMA correlation of the history' : 'trivial';
  } else {
    const tenor = mc.volTenorDays ?? DEFAULT_VOL_TENOR_DAYS;
    vols = underlyings.map((u) => {
      const v = given[u];
      if (v === undefined) return atmImpliedVol(snapshot, u, tenor);
      if (!(Number.isFinite(v) && v > 0))
        throw new BallastError(
          'INVALID_INPUT',
          `must be an annualised vol > 0, got ${v}`,
          `params.mc.vols.${u}`,
        );
      return v;
    });
    volSource = underlyings.every((u) => given[u] !== undefined)
      ? 'params.mc.vols'
      : `ATM implied vol at ${tenor} days (snapshot)`;
    if (underlyings.some((u) => given[u] === undefined)) unverified.push(ATM_VOL_NOTE);
    correlation = constantCorrelation(underlyings.length);
    correlationSource = underlyings.length > 1 ? 'default' : 'trivial';
  }
  const gc = givenCorrelation(p, underlyings);
  if (gc) {
    correlation = gc;
    correlationSource = 'params.mc.correlation';
  } else if (correlationSource === 'default') unverified.push(DEFAULT_CORRELATION_NOTE);
  return { underlyings, vols, correlation, volSource, correlationSource };
}

/** Monte Carlo scenarios (module doc), memoised on their full specification. */
function monteCarloSet(
  p: ScenarioParams,
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
  timeShiftDays: number,
): ScenarioSet {
  const mc = p.mc;
  const unverified: string[] = [];
  const model = simulationModel(p, snapshot, underlyings, unverified);
  const { vols, correlation, volSource, correlationSource } = model;
  const options = {
    underlyings,
    vols,
    correlation,
    horizonDays: p.horizonDays,
    paths: mc.paths,
    seed: p.seed,
    model: mc.model,
    ...(mc.degreesOfFreedom === null ? {} : { degreesOfFreedom: mc.degreesOfFreedom }),
    ...(mc.jumps === null ? {} : { jumps: mc.jumps }),
    ...(mc.volOfVol === null ? {} : { volOfVol: mc.volOfVol }),
    ...(mc.spotVolCorrelation === null ? {} : { spotVolCorrelation: mc.spotVolCorrelation }),
    sampler: mc.sampler,
    timeShiftDays,
  };
  const scenarios = memo(JSON.stringify(options), () => monteCarloScenarios(options));
  const desc = `Monte Carlo ${mc.model}${mc.model === 'student-t' ? ` (ν ${mc.degreesOfFreedom ?? 4})` : ''}, ${mc.paths} ${mc.sampler} paths, seed ${p.seed}, ${p.horizonDays}-day horizon; vols ${underlyings.map((u, i) => `${u} ${(100 * vols[i]!).toFixed(1)}%`).join(', ')} (${volSource})${underlyings.length > 1 ? `, correlation ${correlationSource}` : ''}${mc.volOfVol === null ? '; implied vol unchanged' : `; vol of vol ${mc.volOfVol}, spot-vol ρ ${mc.spotVolCorrelation ?? 0}`}`;
  unverified.push(
    `mc-model: ${mc.model} return model with ${mc.volOfVol === null ? 'implied vol held' : 'a parallel lognormal implied-vol move'} is a modelling choice, not a venue rule [I]`,
  );
  return { scenarios, kind: 'mc', description: desc, unverified, model };
}

/**
 * The scenario set of a pool whose positions are on `underlyings` (sorted, distinct), per the
 * module doc. Throws INVALID_INPUT (naming the parameter) when the method lacks its data.
 */
export function scenarioSet(
  p: ScenarioParams,
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
): ScenarioSet {
  const timeShiftDays = p.timeDecay ? p.horizonDays : 0;
  if (p.scenarios) return providedSet(p.scenarios, underlyings);
  if (p.method === 'hs' || p.method === 'fhs')
    return historicalSet({ ...p, method: p.method }, snapshot, underlyings, timeShiftDays);
  return monteCarloSet(p, snapshot, underlyings, timeShiftDays);
}

/**
 * Fails closed when a set has fewer scenarios than a `confidence` quantile needs (n < 1/(1 − α):
 * the "quantile" would be the worst scenario, whatever α says). INVALID_INPUT naming the data:
 * `market.history` (too-short history), `params.mc.paths` or `params.scenarios`.
 */
export function requireEnoughScenarios(set: ScenarioSet, confidence: number): void {
  const need = Math.ceil(1 / (1 - confidence) - 1e-9);
  const n = set.scenarios.length;
  if (n >= need) return;
  const field =
    set.kind === 'hs' || set.kind === 'fhs'
      ? MARKET_HISTORY_FIELD
      : set.kind === 'mc'
        ? 'params.mc.paths'
        : 'params.scenarios';
  const what =
    set.kind === 'hs' || set.kind === 'fhs' ? 'the history is too short' : 'too few scenarios';
  throw new BallastError(
    'INVALID_INPUT',
    `${what}: ${n} scenario(s) cannot resolve a ${+(100 * confidence).toFixed(6)}% quantile (need at least ${need})`,
    field,
    { scenarios: n, need },
  );
}

/** Empties the Monte Carlo scenario memo (tests of determinism regenerate paths from scratch). */
export function clearScenarioCache(): void {
  cache.clear();
}
