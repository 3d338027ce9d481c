/**
 * Account health: equity, IM, MM, utilization, free collateral and a state per margin pool,
 * from a model's `MarginResult`s, with the thresholds of each venue as data.
 *
 * States, least to most severe: `healthy` → `margin-call` (warning: add collateral or reduce)
 * → `reduce-only` (no new risk: orders that increase risk are refused) → `liquidation`
 * (positions are closed, usually incrementally). A pool is in the most severe state whose rule
 * holds. Metrics: `imUtilization = IM / equity`, `mmUtilization = MM / equity` (∞ when
 * equity < 0, or equity = 0 and the requirement is > 0; 0 when the requirement is 0 and
 * equity ≥ 0: a pool of a loan alone, with no requirement, is below it), `equityToMm =
 * equity / MM` (Binance's uniMMR, OKX's margin ratio without the liquidation-cost term; ±∞
 * with the sign of equity when MM is 0).
 *
 * Thresholds and where they come from (tags as in docs/methodology: V official, T third
 * party, I our inference, G gap: our own choice):
 * - deribit (deribit-pm, deribit-standard, and the isolated/cross baselines built on Deribit's
 *   formulas): liquidation when equity < MM [V docs/methodology/deribit-standard.md §1, docs/methodology/deribit-pm.md §12];
 *   reduce-only when IM > equity, "new risk is refused" [V docs/methodology/deribit-pm.md §12]; margin call at
 *   IM utilization ≥ 80 % [G: no published band; an early warning of ours].
 * - okx: liquidation when adjusted equity / (MMR + liquidation cost) ≤ 100 % [I docs/methodology/okx-pm.md §1 /
 *   README]; the liquidation-cost term is [G] and left out here (so the ratio is equity / MMR,
 *   which is *later* than OKX's: stated in `unverified`); reduce-only when IMR > equity [I];
 *   margin call at margin ratio ≤ 300 % [G].
 * - binance: uniMMR = equity / MM bands of Portfolio Margin Pro [V docs/methodology/binance-bybit.md §A.2]:
 *   > 150 % free, 120–150 % reminder (margin call), 105–120 % reduce-only, ≤ 105 % liquidation.
 * - derive: liquidatable when MM (their sign: equity − requirement) < 0, i.e. equity < MM
 *   [V docs/methodology/derive-pm2.md §10]; the IM check fails when equity < IM: no new risk [V]; margin call at
 *   IM utilization ≥ 80 % [G].
 * - clearing (span, tims, var, es, span2, stans): a member below its requirement is called
 *   (equity < IM: margin call) [I docs/methodology/span-tims.md]; below the maintenance level no new risk [I];
 *   liquidation (default management) when equity ≤ 0 or below 50 % of MM [G].
 */
import type { Currency } from '../core/currency.ts';
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import { usdPrice } from '../risk/collateral.ts';

/** Health states, least to most severe. */
export const HEALTH_STATES = ['healthy', 'margin-call', 'reduce-only', 'liquidation'] as const;
/** A health state. */
export type HealthState = (typeof HEALTH_STATES)[number];

/** The ratios a rule can read (see module doc). */
const HEALTH_METRICS = ['imUtilization', 'mmUtilization', 'equityToMm', 'equity'] as const;
/** The ratio a rule reads (see module doc). */
export type HealthMetric = (typeof HEALTH_METRICS)[number];

/** The comparisons a rule can make. */
const HEALTH_OPS = ['>', '>=', '<', '<='] as const;

/** One threshold: the state applies when `metric op value` holds. */
export interface HealthRule {
  readonly metric: HealthMetric;
  readonly op: (typeof HEALTH_OPS)[number];
  readonly value: number;
  /** Provenance tag and source (`[V docs/methodology/deribit-pm.md §12]`). */
  readonly source: string;
}

/** A venue's thresholds: for each non-healthy state, rules of which any one triggers it. */
export interface HealthThresholds {
  readonly venue: string;
  readonly marginCall: readonly HealthRule[];
  readonly reduceOnly: readonly HealthRule[];
  readonly liquidation: readonly HealthRule[];
  /** Notes on rules that are hypotheses (copied into the report). */
  readonly unverified: readonly string[];
}

/** Thresholds per venue (module doc gives the sources). */
export const HEALTH_THRESHOLDS: Readonly<Record<string, HealthThresholds>> = {
  deribit: {
    venue: 'deribit',
    marginCall: [
      {
        metric: 'imUtilization',
        op: '>=',
        value: 0.8,
        source: '[G] early warning of ours; Deribit publishes no margin-call band',
      },
    ],
    reduceOnly: [
      {
        metric: 'imUtilization',
        op: '>',
        value: 1,
        source: '[V docs/methodology/deribit-pm.md §12] IM > equity: new risk refused',
      },
    ],
    liquidation: [
      {
        metric: 'mmUtilization',
        op: '>',
        value: 1,
        source:
          '[V docs/methodology/deribit-standard.md §1, docs/methodology/deribit-pm.md §12] equity < MM: incremental liquidation',
      },
    ],
    unverified: [
      'health-margin-call: Deribit margin-call band at IM utilization ≥ 80 % is our early warning, not a venue rule [G]',
    ],
  },
  okx: {
    venue: 'okx',
    marginCall: [
      { metric: 'equityToMm', op: '<=', value: 3, source: '[G] warning at margin ratio ≤ 300 %' },
    ],
    reduceOnly: [
      {
        metric: 'imUtilization',
        op: '>',
        value: 1,
        source: '[I] IMR > adjusted equity: no new risk',
      },
    ],
    liquidation: [
      {
        metric: 'equityToMm',
        op: '<=',
        value: 1,
        source:
          '[I docs/methodology/okx-pm.md §1] margin ratio ≤ 100 % (liquidation cost [G] left out)',
      },
    ],
    unverified: [
      "health-okx-liquidation-cost: OKX margin ratio = adjEq / (MMR + liquidation cost); the cost term is undocumented [G] and left out, so the liquidation point here is later than OKX's",
      'health-okx-bands: OKX margin-call (300 %) and reduce-only (IMR > equity) bands are our reading [G/I]',
    ],
  },
  binance: {
    venue: 'binance',
    marginCall: [
      {
        metric: 'equityToMm',
        op: '<=',
        value: 1.5,
        source: '[V docs/methodology/binance-bybit.md §A.2] uniMMR 120–150 %: reminder',
      },
    ],
    reduceOnly: [
      {
        metric: 'equityToMm',
        op: '<=',
        value: 1.2,
        source: '[V docs/methodology/binance-bybit.md §A.2] uniMMR 105–120 %: reduce-only',
      },
    ],
    liquidation: [
      {
        metric: 'equityToMm',
        op: '<=',
        value: 1.05,
        source: '[V docs/methodology/binance-bybit.md §A.2] uniMMR ≤ 105 %: liquidation',
      },
    ],
    unverified: [],
  },
  derive: {
    venue: 'derive',
    marginCall: [
      { metric: 'imUtilization', op: '>=', value: 0.8, source: '[G] early warning of ours' },
    ],
    reduceOnly: [
      {
        metric: 'imUtilization',
        op: '>',
        value: 1,
        source: '[V docs/methodology/derive-pm2.md §10] IM check fails: no new risk',
      },
    ],
    liquidation: [
      {
        metric: 'mmUtilization',
        op: '>',
        value: 1,
        source:
          '[V docs/methodology/derive-pm2.md §10] MM < 0 (equity below the MM requirement): liquidatable',
      },
    ],
    unverified: [
      'health-margin-call: Derive margin-call band at IM utilization ≥ 80 % is our early warning [G]',
    ],
  },
  clearing: {
    venue: 'clearing',
    marginCall: [
      {
        metric: 'imUtilization',
        op: '>',
        value: 1,
        source: '[I docs/methodology/span-tims.md] equity below the requirement: margin call',
      },
    ],
    reduceOnly: [
      {
        metric: 'mmUtilization',
        op: '>',
        value: 1,
        source: '[I] below the maintenance level: no new risk',
      },
    ],
    liquidation: [
      {
        metric: 'mmUtilization',
        op: '>=',
        value: 2,
        source: '[G] equity at or below 50 % of MM: default management',
      },
      { metric: 'equity', op: '<=', value: 0, source: '[G] equity exhausted' },
    ],
    unverified: [
      'health-clearing: clearing-model states (call below IM, reduce-only below MM, liquidation at 50 % of MM or equity ≤ 0) are our reading, not a venue rule [I/G]',
    ],
  },
};

/** The venue whose thresholds apply to a model id. */
export const MODEL_VENUE: Readonly<Record<string, string>> = {
  'deribit-pm': 'deribit',
  'deribit-standard': 'deribit',
  isolated: 'deribit',
  cross: 'deribit',
  'okx-pm': 'okx',
  'binance-pm': 'binance',
  'derive-pm2': 'derive',
  span: 'clearing',
  tims: 'clearing',
  var: 'clearing',
  es: 'clearing',
  span2: 'clearing',
  stans: 'clearing',
};

/** Thresholds for a model id (clearing thresholds for models without a venue). */
export function thresholdsForModel(modelId: string): HealthThresholds {
  return HEALTH_THRESHOLDS[MODEL_VENUE[modelId] ?? 'clearing']!;
}

/** Validates a thresholds object (INVALID_INPUT naming the field). */
export function validateThresholds(t: HealthThresholds, field = 'thresholds'): HealthThresholds {
  for (const state of ['marginCall', 'reduceOnly', 'liquidation'] as const) {
    const rules = t[state];
    if (!Array.isArray(rules))
      throw new BallastError('INVALID_INPUT', 'must be a list of rules', `${field}.${state}`);
    rules.forEach((r, i) => {
      const f = `${field}.${state}[${i}]`;
      if (!HEALTH_METRICS.includes(r.metric))
        throw new BallastError(
          'INVALID_INPUT',
          `unknown metric ${String(r.metric)}`,
          `${f}.metric`,
        );
      if (!HEALTH_OPS.includes(r.op))
        throw new BallastError('INVALID_INPUT', `unknown operator ${String(r.op)}`, `${f}.op`);
      if (typeof r.value !== 'number' || Number.isNaN(r.value))
        throw new BallastError(
          'INVALID_INPUT',
          `must be a number, got ${String(r.value)}`,
          `${f}.value`,
        );
    });
  }
  return t;
}

/** requirement / equity with the `MarginResult.utilization` conventions. */
export function ratioToEquity(requirement: number, equity: number): number {
  if (requirement === 0) return equity < 0 ? Infinity : 0;
  return equity > 0 ? requirement / equity : Infinity;
}

/** The metrics a rule can read. */
export interface HealthMetrics {
  readonly equity: number;
  readonly imUtilization: number;
  readonly mmUtilization: number;
  readonly equityToMm: number;
}

/** Metrics of (equity, IM, MM). */
export function healthMetrics(
  equity: number,
  initialMargin: number,
  maintenanceMargin: number,
): HealthMetrics {
  return {
    equity,
    imUtilization: ratioToEquity(initialMargin, equity),
    mmUtilization: ratioToEquity(maintenanceMargin, equity),
    equityToMm:
      maintenanceMargin > 0 ? equity / maintenanceMargin : equity >= 0 ? Infinity : -Infinity,
  };
}

function holds(r: HealthRule, m: HealthMetrics): boolean {
  const x = m[r.metric];
  switch (r.op) {
    case '>':
      return x > r.value;
    case '>=':
      return x >= r.value;
    case '<':
      return x < r.value;
    case '<=':
      return x <= r.value;
  }
}

/** The state of `metrics` under `t` and the rule that set it (undefined when healthy). */
export function healthState(
  metrics: HealthMetrics,
  t: HealthThresholds,
): { state: HealthState; rule: HealthRule | undefined } {
  for (const [state, rules] of [
    ['liquidation', t.liquidation],
    ['reduce-only', t.reduceOnly],
    ['margin-call', t.marginCall],
  ] as const) {
    const r = rules.find((x) => holds(x, metrics));
    if (r) return { state, rule: r };
  }
  return { state: 'healthy', rule: undefined };
}

/** Health of one margin pool. Amounts in `currency`. */
export interface PoolHealth extends HealthMetrics {
  readonly model: string;
  readonly currency: Currency;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** equity − IM: what new positions can use (negative: short of IM). */
  readonly freeCollateral: number;
  /** equity − MM: the loss the pool can take before liquidation. */
  readonly excessOverMaintenance: number;
  readonly state: HealthState;
  /** The rule that set the state (undefined when healthy). */
  readonly rule: HealthRule | undefined;
  /** USD per unit of `currency` in the snapshot. */
  readonly usdPrice: number;
}

/** Health of an account: each pool and the most severe state. */
export interface AccountHealth {
  readonly model: string;
  readonly venue: string;
  readonly pools: readonly PoolHealth[];
  /** Most severe pool state (each segregated pool is liquidated on its own). */
  readonly state: HealthState;
  /** Totals in USD over pools (each at its currency's index). */
  readonly equityUsd: number;
  readonly initialMarginUsd: number;
  readonly maintenanceMarginUsd: number;
  readonly freeCollateralUsd: number;
  readonly unverified: readonly string[];
}

/** Severity rank of a state (0 healthy … 3 liquidation). */
export function severity(s: HealthState): number {
  return HEALTH_STATES.indexOf(s);
}

/** Health of one pool result under `t`. */
export function poolHealth(
  r: MarginResult,
  t: HealthThresholds,
  snapshot: MarketSnapshot,
): PoolHealth {
  const m = healthMetrics(r.equity, r.initialMargin, r.maintenanceMargin);
  const { state, rule } = healthState(m, t);
  return {
    model: r.model,
    currency: r.currency,
    ...m,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    freeCollateral: r.equity - r.initialMargin,
    excessOverMaintenance: r.equity - r.maintenanceMargin,
    state,
    rule,
    usdPrice: usdPrice(r.currency, snapshot, `balances.${r.currency}`),
  };
}

/**
 * Health of an account from one model's per-pool results. `thresholds` default to the model's
 * venue (`MODEL_VENUE`). The account state is the most severe pool state.
 */
export function accountHealth(
  results: readonly MarginResult[],
  snapshot: MarketSnapshot,
  thresholds?: HealthThresholds,
): AccountHealth {
  if (results.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      'no margin results: the portfolio has no positions and no collateral',
      'portfolio',
    );
  const model = results[0]!.model;
  const t = validateThresholds(thresholds ?? thresholdsForModel(model));
  const pools = results.map((r) => poolHealth(r, t, snapshot));
  let state: HealthState = 'healthy';
  let eq = 0;
  let im = 0;
  let mm = 0;
  for (const p of pools) {
    if (severity(p.state) > severity(state)) state = p.state;
    eq += p.equity * p.usdPrice;
    im += p.initialMargin * p.usdPrice;
    mm += p.maintenanceMargin * p.usdPrice;
  }
  return {
    model,
    venue: t.venue,
    pools,
    state,
    equityUsd: eq,
    initialMarginUsd: im,
    maintenanceMarginUsd: mm,
    freeCollateralUsd: eq - im,
    unverified: t.unverified,
  };
}
