/**
 * Deribit cross-collateral portfolio margin (X:PM), docs/methodology/deribit-pm.md §14: one USD account in which
 * every collateral currency counts (after haircuts) and every settlement pool's risk is charged
 * together. The venue's X:PM rules are unpublished [G/I]; every open rule is charged at its
 * conservative reading and listed in `unverified`:
 *
 * - **Requirements**: the S:PM requirement of each settlement pool (the `deribit-pm` model on
 *   the same book and parameters `spm`), converted to USD at the index and summed — no
 *   diversification credit between pools (§14's interim form; `correlation_contingency` read
 *   as "no cross-asset credit", adding nothing on top).
 * - **equity_side_impact** ("both" for BTC/ETH [I]): the coin equity of a pool is itself
 *   shocked by the pair's `price_range` against the account, `|E_ccy|·S·price_range` USD,
 *   added to IM and MM (conservative: coincides with the positions' worst case).
 * - **Haircuts** [G]: collateral counts at `S·(1 − haircut)` (ours: 5 % on BTC/ETH, 0 on
 *   USD stables, 100 % on anything else); a negative balance or position value counts in full.
 *
 * Equity (USD) = haircut collateral of all balances + Σ pools' marked position value × S.
 * The result is one USD pool, so gains and collateral in one currency support risk in another:
 * what S:PM's segregated pools cannot do.
 */
import type { Currency } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import {
  crossCollateralUsd,
  segregatedCollateral,
  usdPrice,
  type HaircutTable,
} from '../../risk/collateral.ts';
import type { Portfolio } from '../../risk/portfolio.ts';
import { marginInputsHash } from '../inputs-hash.ts';
import type { MarginModel } from '../margin-model.ts';
import { marginResult, type AddOn, type MarginResult } from '../margin-result.ts';
import { deribitPmModel } from './deribit-pm.ts';
import { DERIBIT_PM_DEFAULT_PARAMS, pairKey, type DeribitPmParams } from './params.ts';
import { BallastError } from '../../core/errors.ts';

/** Parameters of X:PM: the S:PM parameters and the open X:PM rules' readings. */
export interface DeribitXpmParams {
  /** Parameters of the per-pool S:PM computation (the `deribit-pm` model's). */
  readonly spm: DeribitPmParams;
  /** Collateral haircuts in the USD account [G]. */
  readonly haircuts: HaircutTable;
  /** `equity_side_impact` per settlement currency: `both` shocks the coin equity, `none` does not [I]. */
  readonly equitySideImpact: Readonly<Record<string, 'both' | 'none'>>;
  /** For currencies not listed (conservative: `both`). */
  readonly defaultEquitySideImpact: 'both' | 'none';
}

/** Model id and version. */
export const DERIBIT_XPM_ID = 'deribit-xpm';
export const DERIBIT_XPM_VERSION = '1.0.0';

/** Defaults: S:PM defaults; 5 % haircut on BTC/ETH, none on USD stables, 100 % otherwise. */
export const DERIBIT_XPM_DEFAULT_PARAMS: DeribitXpmParams = {
  spm: DERIBIT_PM_DEFAULT_PARAMS,
  haircuts: {
    byCurrency: {
      BTC: { initial: 0.05, maintenance: 0.05 },
      ETH: { initial: 0.05, maintenance: 0.05 },
      USDC: { initial: 0, maintenance: 0 },
      USDT: { initial: 0, maintenance: 0 },
      USD: { initial: 0, maintenance: 0 },
    },
    default: { initial: 1, maintenance: 1 },
  },
  equitySideImpact: { BTC: 'both', ETH: 'both', USDC: 'none', USDT: 'none', USD: 'none' },
  defaultEquitySideImpact: 'both',
};

/** The open X:PM rules, as listed in `unverified`. */
export const DERIBIT_XPM_UNVERIFIED = {
  aggregation:
    'xpm-aggregation: X:PM requirement = Σ S:PM pool requirements in USD at the index, no cross-pool diversification credit (deribit-pm §14 interim form) [I]',
  correlation:
    'xpm-correlation-contingency: correlation_set/correlation_contingency read as no cross-asset credit; nothing added on top (deribit-pm §14, §17 #8) [G]',
  equitySide:
    'xpm-equity-side-impact: coin equity shocked by the pair price_range against the account, |E|·S·price_range, in IM and MM (deribit-pm §14) [I]',
  haircuts:
    'xpm-haircuts: collateral haircuts 5 % BTC/ETH, 0 USD stables, 100 % other currencies are ours (deribit-pm §14 "haircut") [G]',
} as const;

/** One settlement pool inside the X:PM account. */
export interface XpmPool {
  readonly currency: Currency;
  /** USD per unit (index; stables 1). */
  readonly usdPrice: number;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  readonly initialMarginUsd: number;
  /** Marked value of the pool's positions, pool currency. */
  readonly positionsValue: number;
  /** The S:PM pool's equity (balance + positions value), pool currency. */
  readonly equity: number;
  readonly equitySideImpactUsd: number;
}

/** `details` of an X:PM result. */
export interface DeribitXpmDetails {
  readonly pools: readonly XpmPool[];
  readonly collateralUsd: number;
  /** Σ S:PM IM in USD (before the equity side impact): the S:PM figure to compare with. */
  readonly spmInitialMarginUsd: number;
}

function sideImpact(p: DeribitXpmParams, r: MarginResult, px: number): number {
  const mode = p.equitySideImpact[r.currency] ?? p.defaultEquitySideImpact;
  if (mode === 'none') return 0;
  if (mode !== 'both')
    throw new BallastError(
      'INVALID_INPUT',
      `must be both or none, got ${String(mode)}`,
      `params.equitySideImpact.${r.currency}`,
    );
  const pair = p.spm.model_params.currency_pair[pairKey(r.currency)];
  const range =
    pair?.price_range ??
    Math.max(...Object.values(p.spm.model_params.currency_pair).map((x) => x.price_range));
  return Math.abs(r.equity) * px * range;
}

/** Checks the X:PM readings (haircuts in [0, 1]); the S:PM parameters are checked by deribit-pm. */
export function validateXpmParams(p: DeribitXpmParams): void {
  const all = [...Object.entries(p.haircuts.byCurrency), ['default', p.haircuts.default] as const];
  for (const [c, h] of all)
    for (const k of ['initial', 'maintenance'] as const)
      if (!(typeof h[k] === 'number' && h[k] >= 0 && h[k] <= 1))
        throw new BallastError(
          'INVALID_INPUT',
          `must be in [0, 1], got ${String(h[k])}`,
          `params.haircuts.${c}.${k}`,
        );
  if (p.defaultEquitySideImpact !== 'both' && p.defaultEquitySideImpact !== 'none')
    throw new BallastError(
      'INVALID_INPUT',
      'must be both or none',
      'params.defaultEquitySideImpact',
    );
}

/** X:PM (see module doc): one USD result. */
export function evaluateXpm(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  params: DeribitXpmParams,
): MarginResult[] {
  validateXpmParams(params);
  const inputsHash = marginInputsHash(
    DERIBIT_XPM_ID,
    DERIBIT_XPM_VERSION,
    params,
    portfolio,
    snapshot,
  );
  const spm = deribitPmModel.evaluate(portfolio, snapshot, params.spm);
  let im = 0;
  let mm = 0;
  let impact = 0;
  let valueUsd = 0;
  const pools = spm.map((r): XpmPool => {
    const px = usdPrice(r.currency, snapshot, `balances.${r.currency}`);
    const side = sideImpact(params, r, px);
    const positionsValue = r.equity - segregatedCollateral(portfolio.balances, r.currency);
    im += r.initialMargin * px;
    mm += r.maintenanceMargin * px;
    impact += side;
    valueUsd += positionsValue * px;
    return {
      currency: r.currency,
      usdPrice: px,
      initialMargin: r.initialMargin,
      maintenanceMargin: r.maintenanceMargin,
      initialMarginUsd: r.initialMargin * px,
      positionsValue,
      equity: r.equity,
      equitySideImpactUsd: side,
    };
  });
  const collateralUsd = crossCollateralUsd(
    portfolio.balances,
    snapshot,
    params.haircuts,
    'initial',
  );
  const addOns: AddOn[] = [
    {
      name: 'equity-side-impact',
      amount: impact,
      appliesTo: 'both',
      description: `Σ |E_ccy|·S·price_range over coin pools = ${impact.toFixed(2)} USD`,
    },
  ];
  const U = DERIBIT_XPM_UNVERIFIED;
  const details: DeribitXpmDetails = { pools, collateralUsd, spmInitialMarginUsd: im };
  return [
    marginResult({
      model: DERIBIT_XPM_ID,
      modelVersion: DERIBIT_XPM_VERSION,
      currency: 'USD',
      equity: collateralUsd + valueUsd,
      initialMargin: im + impact,
      maintenanceMargin: mm + impact,
      worstScenario: undefined,
      contributions: [],
      addOns,
      unverified: [
        U.aggregation,
        U.correlation,
        U.equitySide,
        U.haircuts,
        ...new Set(spm.flatMap((r) => r.unverified)),
      ],
      warnings: [...new Set(spm.flatMap((r) => r.warnings))],
      inputsHash,
      details,
    }),
  ];
}

/** Deribit X:PM as a margin model (`--model deribit-xpm`, and a row of `compare`). */
export const deribitXpmModel: MarginModel<DeribitXpmParams> = {
  id: DERIBIT_XPM_ID,
  version: DERIBIT_XPM_VERSION,
  title:
    'Deribit cross-collateral PM (X:PM): S:PM pools in one USD account, conservative readings of the open rules',
  scenarioBased: false,
  defaultParams: DERIBIT_XPM_DEFAULT_PARAMS,
  evaluate: evaluateXpm,
};
