/**
 * SPAN 2-style margin (CME, docs/methodology/span-tims.md §2 [V span2 for the form; weights G]):
 *
 *   IM = x · VaR + (1 − x) · Stress + liquidity + concentration,   MM = maintenanceFraction · IM
 *
 * per segregated pool (settlement currency), all by full revaluation through the P&L matrix:
 * - **VaR**: max(0, VaR_α) over the `var` scenario set (filtered historical simulation on the
 *   market's history, `market.history`, as SPAN 2's HVaR; Monte Carlo on the snapshot's ATM
 *   vols otherwise; scenario-source.ts), default 99 % over 2 days;
 * - **Stress**: the worst loss (≥ 0) over the stress scenarios: the hypothetical moves in
 *   `stress.hypothetical` (uniform across underlyings), user scenarios (`stress.scenarios`,
 *   e.g. from `ballast stress --scenario file.json`), and, when the market has a history and
 *   `stress.historical` is on, the named crashes of src/scenarios/stress.ts measured from that
 *   history (events the history does not cover are skipped and listed);
 * - **liquidity** (close-out cost): Σ|q|·rate·unit notional, `deltaOneRate` for futures, perps
 *   and spot, `optionRate` for options (of the underlying notional: 1 coin per coin in a coin
 *   pool, F USD per coin in a USD pool) [G: CME calibrates it to bid/ask over a lookback];
 * - **concentration**: per underlying, `rate` × (gross |size| above `thresholds[u]` coins) ×
 *   unit notional [G: CME uses average daily volume].
 * Defaults: x = 0.75, MM = IM / 1.1 (CME speculative IM ≈ 110 % of MM [I]); every rate is [G].
 */
import { BallastError } from '../../core/errors.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { validatedHistory } from '../../market/market-history.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import type { Currency } from '../../core/currency.ts';
import { historicalStressScenarios } from '../../scenarios/stress.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { buildBook, positionsIn, settlementPools, underlyingsOf } from '../book.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { collateralOnlyPool } from '../collateral-pool.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import type { MarginModel } from '../margin-model.ts';
import { marginResult, type AddOn, type MarginResult } from '../margin-result.ts';
import {
  DEFAULT_MC,
  RISK_BASED_DEFAULTS,
  validateScenarioParams,
  validateSpan2Stress,
  type ProvidedScenarios,
  type ScenarioParams,
} from './params.ts';
import {
  namedScenario,
  poolEquity,
  poolTail,
  weightedPnl,
  worstOf,
  type NamedScenarioPnl,
  type PoolTail,
} from './risk-based.ts';
import { requireEnoughScenarios, scenarioSet } from './scenario-source.ts';
import {
  DEFAULT_HYPOTHETICAL_STRESS,
  type HypotheticalStress,
  hypotheticalScenario,
} from '../../scenarios/hypothetical-stress.ts';

// The hypothetical shocks live in scenarios/; re-exported for existing importers (cli/risk.ts).
export { DEFAULT_HYPOTHETICAL_STRESS, type HypotheticalStress };

/** Parameters of `span2`. */
export interface Span2Params {
  /** x: weight of VaR against stress. */
  readonly weight: number;
  readonly var: ScenarioParams;
  readonly stress: {
    readonly hypothetical: readonly HypotheticalStress[];
    readonly scenarios: ProvidedScenarios | null;
    /** Measure the named crash library from the market's history when it has one. */
    readonly historical: boolean;
    /** Horizons (days) measured per event (null: 1 and 3). */
    readonly days: readonly number[] | null;
  };
  readonly liquidity: { readonly deltaOneRate: number; readonly optionRate: number };
  readonly concentration: {
    readonly rate: number;
    readonly thresholds: Readonly<Record<string, number>>;
    readonly defaultThreshold: number;
  };
  readonly maintenanceFraction: number;
  readonly maxTailListed: number;
}

/** `span2` defaults (module doc). */
export const SPAN2_DEFAULTS: Span2Params = {
  weight: 0.75,
  var: { ...RISK_BASED_DEFAULTS, method: 'mc', confidence: 0.99, horizonDays: 2, mc: DEFAULT_MC },
  stress: {
    hypothetical: DEFAULT_HYPOTHETICAL_STRESS,
    scenarios: null,
    historical: true,
    days: null,
  },
  liquidity: { deltaOneRate: 0.0005, optionRate: 0.001 },
  concentration: { rate: 0.02, thresholds: { BTC: 1000, ETH: 10000 }, defaultThreshold: 100000 },
  maintenanceFraction: 1 / 1.1,
  maxTailListed: 20,
};

/** `details` of a `span2` result. */
export interface Span2Details {
  readonly weight: number;
  readonly valueAtRisk: number;
  readonly stress: number;
  /** x·VaR + (1 − x)·Stress before add-ons. */
  readonly blend: number;
  readonly varSource: string;
  readonly varTail: readonly NamedScenarioPnl[];
  readonly varScenario: NamedScenarioPnl;
  readonly stressScenarios: number;
  /** Stress scenarios, worst first (up to maxTailListed). */
  readonly stressWorst: readonly NamedScenarioPnl[];
  /** Library events the history does not cover. */
  readonly stressUncovered: readonly string[];
  readonly liquidity: number;
  readonly concentration: number;
}

function check(p: Span2Params): void {
  const f = (cond: boolean, msg: string, field: string) => {
    if (!cond) throw new BallastError('INVALID_INPUT', msg, field);
  };
  f(p.weight >= 0 && p.weight <= 1, `must be in [0, 1], got ${p.weight}`, 'params.weight');
  validateScenarioParams(p.var, 'params.var');
  validateSpan2Stress(p.stress);
  f(
    p.liquidity.deltaOneRate >= 0 && p.liquidity.optionRate >= 0,
    'rates must be ≥ 0',
    'params.liquidity',
  );
  f(
    p.concentration.rate >= 0 && p.concentration.defaultThreshold >= 0,
    'rate and threshold must be ≥ 0',
    'params.concentration',
  );
  for (const [u, t] of Object.entries(p.concentration.thresholds))
    f(
      typeof t === 'number' && t >= 0,
      `must be a number ≥ 0, got ${JSON.stringify(t)}`,
      `params.concentration.thresholds.${u}`,
    );
  f(
    p.maintenanceFraction >= 0 && p.maintenanceFraction <= 1,
    `must be in [0, 1], got ${p.maintenanceFraction}`,
    'params.maintenanceFraction',
  );
  f(
    Number.isInteger(p.maxTailListed) && p.maxTailListed >= 0 && p.maxTailListed <= 100_000,
    `must be a whole number in [0, 100000], got ${p.maxTailListed}`,
    'params.maxTailListed',
  );
}

/** The stress scenarios of a pool (module doc) and the library events left out. */
function stressScenarios(
  p: Span2Params,
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
): { scenarios: Scenario[]; uncovered: string[] } {
  const out: Scenario[] = p.stress.hypothetical.map((h) => hypotheticalScenario(h, 'stress'));
  if (p.stress.scenarios) out.push(...p.stress.scenarios.list);
  const uncovered: string[] = [];
  if (p.stress.historical && snapshot.history) {
    const all = validatedHistory(snapshot.history).series;
    const series = underlyings.flatMap((u) =>
      all
        .filter((s) => s.symbol.toUpperCase() === u.toUpperCase())
        .map((s) => ({ ...s, symbol: u })),
    );
    if (series.length === underlyings.length) {
      const lib = historicalStressScenarios(series, {
        skipUncovered: true,
        ...(p.stress.days ? { days: p.stress.days } : {}),
      });
      out.push(...lib.scenarios);
      uncovered.push(...lib.uncovered.map((x) => `${x.id} (${x.days}d)`));
    }
  }
  return { scenarios: out, uncovered };
}

/** Gross |size| per underlying and the close-out and concentration add-ons of a pool. */
function addOnsOf(
  t: PoolTail,
  p: Span2Params,
): { liquidity: number; concentration: number; concentrationText: string } {
  let liquidity = 0;
  const gross = new Map<string, { size: number; unit: number }>();
  t.book.positions.forEach((pos, i) => {
    const inst = pos.instrument;
    const st = t.book.matrix.states[i]!;
    const unit = inst.settlement === 'inverse' ? 1 : st.price;
    const rate = isOptionLike(inst) ? p.liquidity.optionRate : p.liquidity.deltaOneRate;
    liquidity += Math.abs(pos.size) * rate * unit;
    const g = gross.get(inst.underlying) ?? { size: 0, unit };
    g.size += Math.abs(pos.size);
    gross.set(inst.underlying, g);
  });
  let concentration = 0;
  const parts: string[] = [];
  for (const [u, g] of [...gross].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const thr = p.concentration.thresholds[u] ?? p.concentration.defaultThreshold;
    const excess = Math.max(0, g.size - thr);
    if (excess > 0) {
      concentration += p.concentration.rate * excess * g.unit;
      parts.push(`${u}: ${p.concentration.rate} × (${g.size} − ${thr}) × ${g.unit}`);
    }
  }
  return {
    liquidity,
    concentration,
    concentrationText: parts.join('; ') || 'no underlying above its threshold',
  };
}

/** Model id and version. */
export const SPAN2_ID = 'span2';
export const SPAN2_VERSION = '1.0.0';

/** Unverified notes of every `span2` result. */
export const SPAN2_UNVERIFIED = {
  weights:
    "span2-weights: x = 0.75, 99 % over 2 days and MM = IM / 1.1 stand in for CME's per-pod settings [G/I]",
  stress:
    "span2-stress: hypothetical stress moves (±20/30 % with vol moves, vol spike/crush) are ours, not CME's recalibrated set [G]",
  addOns:
    "span2-add-ons: liquidity (close-out rates) and concentration (thresholds, rate) are placeholders for CME's bid/ask and ADV calibrations [G]",
} as const;

/** The pool revalued on the stress scenarios, sorted worst first, as a tail (§ stress). */
function stressTail(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  params: Span2Params,
  unds: readonly string[],
) {
  const stress = stressScenarios(params, snapshot, unds);
  const sBook = buildBook(positions, snapshot, stress.scenarios, {
    inverseOptionPnl: params.var.inverseOptionPnl,
  });
  const sPnl = weightedPnl(sBook);
  const order = Array.from(sPnl.keys()).sort((a, b) => sPnl[a]! - sPnl[b]! || a - b);
  const stressLoss = Math.max(0, -sPnl[order[0]!]!);
  const sTail: PoolTail = {
    book: sBook,
    pnl: sPnl,
    valueAtRisk: stressLoss,
    expectedShortfall: stressLoss,
    tail: order,
  };
  return { stress, sBook, order, stressLoss, sTail };
}

/** The notes every SPAN 2 pool carries (the VaR set adds its own). */
const POOL_UNVERIFIED = [
  SPAN2_UNVERIFIED.weights,
  SPAN2_UNVERIFIED.stress,
  SPAN2_UNVERIFIED.addOns,
];

/**
 * The worst scenario: the lower P&L of the VaR set's worst and the stress set's worst, its id
 * prefixed `var:` or `stress:` (the stress one on a tie only if strictly lower).
 */
function worstOfVarAndStress(t: PoolTail, sTail: PoolTail) {
  const v = worstOf(t);
  const sw = worstOf(sTail);
  return sw.worstScenario.pnl < v.worstScenario.pnl
    ? { ...sw, worstScenario: { ...sw.worstScenario, id: `stress:${sw.worstScenario.id}` } }
    : { ...v, worstScenario: { ...v.worstScenario, id: `var:${v.worstScenario.id}` } };
}

/** SPAN 2-style margin of one settlement-currency pool (module doc). */
function span2Pool(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: Span2Params,
  ccy: Currency,
  inputsHash: string,
): MarginResult {
  const positions = positionsIn(portfolio, ccy);
  const unds = underlyingsOf(positions);
  const set = scenarioSet(params.var, snapshot, unds);
  requireEnoughScenarios(set, params.var.confidence);
  const t = poolTail(positions, snapshot, set, params.var.confidence, params.var);
  const { stress, sBook, order, stressLoss, sTail } = stressTail(positions, snapshot, params, unds);
  const varLoss = Math.max(0, t.valueAtRisk);
  const blend = params.weight * varLoss + (1 - params.weight) * stressLoss;
  const { liquidity, concentration, concentrationText } = addOnsOf(t, params);
  const im = blend + liquidity + concentration;
  const mm = params.maintenanceFraction * im;
  const { equity, warnings } = poolEquity(portfolio, ccy, t);
  const pick = worstOfVarAndStress(t, sTail);
  const addOns: AddOn[] = [
    {
      name: 'var',
      amount: params.weight * varLoss,
      appliesTo: 'both',
      description: `x · VaR = ${params.weight} × ${varLoss} (${100 * params.var.confidence}% over ${params.var.horizonDays} d, ${set.scenarios.length} scenarios)`,
    },
    {
      name: 'stress',
      amount: (1 - params.weight) * stressLoss,
      appliesTo: 'both',
      description: `(1 − x) · Stress = ${1 - params.weight} × ${stressLoss} (worst of ${stress.scenarios.length} stress scenarios: ${sBook.matrix.scenarios[order[0]!]!.label})`,
    },
    {
      name: 'liquidity',
      amount: liquidity,
      appliesTo: 'both',
      description: `Σ|q|·rate·unit notional, rates ${params.liquidity.deltaOneRate} (delta-one), ${params.liquidity.optionRate} (options)`,
    },
    {
      name: 'concentration',
      amount: concentration,
      appliesTo: 'both',
      description: concentrationText,
    },
  ];
  const details: Span2Details = {
    weight: params.weight,
    valueAtRisk: t.valueAtRisk,
    stress: stressLoss,
    blend,
    varSource: set.description,
    varTail: t.tail.slice(0, params.maxTailListed).map((s) => namedScenario(t, s)),
    varScenario: namedScenario(t, t.tail[t.tail.length - 1]!),
    stressScenarios: stress.scenarios.length,
    stressWorst: order.slice(0, params.maxTailListed).map((s) => namedScenario(sTail, s)),
    stressUncovered: stress.uncovered,
    liquidity,
    concentration,
  };
  return marginResult({
    model: SPAN2_ID,
    modelVersion: SPAN2_VERSION,
    currency: ccy,
    equity,
    initialMargin: im,
    maintenanceMargin: mm,
    worstScenario: pick.worstScenario,
    contributions: pick.contributions,
    addOns,
    unverified: [...POOL_UNVERIFIED, ...set.unverified],
    warnings,
    inputsHash,
    details,
  });
}

/** SPAN 2-style margin of every pool (module doc). */
export function evaluateSpan2(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: Span2Params,
): MarginResult[] {
  check(params);
  const inputsHash = marginInputsHash(SPAN2_ID, SPAN2_VERSION, params, portfolio, snapshot);
  return settlementPools(portfolio).map((ccy) =>
    positionsIn(portfolio, ccy).length === 0
      ? collateralOnlyPool(
          SPAN2_ID,
          SPAN2_VERSION,
          ccy,
          segregatedCollateral(portfolio.balances, ccy),
          inputsHash,
        )
      : span2Pool(portfolio, snapshot, params, ccy, inputsHash),
  );
}

/**
 * SPAN 2-style margin: x·VaR + (1 − x)·Stress + liquidity + concentration per settlement
 * currency, full revaluation (module doc).
 */
export const span2Model: MarginModel<Span2Params> = {
  id: SPAN2_ID,
  version: SPAN2_VERSION,
  title:
    'SPAN 2-style blend x·VaR + (1 − x)·stress + liquidity + concentration, per settlement currency',
  scenarioBased: true,
  defaultParams: SPAN2_DEFAULTS,
  evaluate: evaluateSpan2,
};
