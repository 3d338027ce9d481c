/**
 * Parameters of the OKX portfolio-margin model (docs/methodology/okx-pm.md). The defaults are
 * `default-params.json` composed with the scenario grid of `src/scenarios/okx-grid.json`.
 * Per-group tables are keyed by the grid's underlying groups (`btc-eth`, `tier-2`, `other`).
 * Every rate is a fraction (0.002 = 0.2 %); every amount is USD.
 */
import {
  BallastError,
  requireFinite,
  requireNonNegative,
  requirePositive,
} from '../../core/errors.ts';
import type { HaircutTable } from '../../risk/collateral.ts';
import {
  OKX_GRID_DEFAULTS,
  OKX_VOL_STATES,
  type OkxGridParams,
  type OkxVolState,
} from '../../scenarios/okx-grid.ts';
import type { TierEdge } from '../tiered-brackets.ts';
import type { HypothesisSettings } from '../hypotheses.ts';
import defaultParamsJson from './default-params.json' with { type: 'json' };

/**
 * How the USD P&L of coin-margined (inverse) positions is formed in MR1/MR6 [G]:
 * `shocked` converts the coin value at the shocked price (= the USD value change),
 * `current` converts the coin P&L at today's index, `worse` takes, cell by cell, the lower of
 * the two unit P&Ls (conservative default).
 */
export type OkxInverseConversion = 'worse' | 'shocked' | 'current';

/**
 * The USD base MR1/MR6 shocks apply to for delta-one positions [I]: `mark` revalues at the
 * instrument's own price (perp mark, future's forward) converted to USD at the settlement
 * stablecoin's rate (default; the W-O1 cash delta), `index` uses size × index (docs/methodology/okx-pm.md
 * §2.1's suggestion). W-O1's base matches neither exactly.
 */
export type OkxDeltaOneBase = 'mark' | 'index';

/** MR4 (basis) parameters per underlying group [I form; rates V/R]. */
export interface OkxMr4Params {
  /** Minimum basis charge, fraction of |cash delta| (perps: BTC/ETH 0.2 %, tier-2 0.8 % [R]). */
  readonly minBasis: Readonly<Record<string, number>>;
  /** Annualised basis move, fraction per year × years to expiry (BTC/ETH 5 %, 15 %, 30 % [V]). */
  readonly annualRate: Readonly<Record<string, number>>;
}

/** MR7 (minimum charge / position-reduction cost) parameters. */
export interface OkxMr7Params {
  /** Raw charge per unit of |cash delta| per group (BTC/ETH 0.45 %, tier-2 0.70 % [R]). */
  readonly rawRate: Readonly<Record<string, number>>;
  /** Name of the tier table in force (key of `tierTables`). */
  readonly tierTable: string;
  /** Tier tables: per group, raw-charge edges (USD) and multipliers, applied incrementally. */
  readonly tierTables: Readonly<Record<string, Readonly<Record<string, readonly TierEdge[]>>>>;
}

/** MR8 (borrowing) parameters, account level [R W-O1; leverage-dependent rates G]. */
export interface OkxBorrowParams {
  /** borrowMmr = mmrRate × Σ USD value of negative currency equity (W-O1: 2 %). */
  readonly mmrRate: number;
  /** borrowImr = imrOverMmr × borrowMmr (W-O1: 5). */
  readonly imrOverMmr: number;
}

/**
 * Our conservative readings of the option terms OKX does not publish [I] (formulas in
 * terms.ts and docs/okx-option-terms.md).
 */
export interface OkxOptionTermsParams {
  /** MR2: days the valuation date moves forward (1 day: W-O2's MR2 is 0.79 × one day's theta). */
  readonly mr2HorizonDays: number;
  /** MR5: parallel move of the discount rate, decimal per year (0.05 = 5 percentage points). */
  readonly mr5RateShock: number;
}

/** All OKX PM parameters. */
export interface OkxPmParams {
  /** MR1 grid and MR6 extreme moves (src/scenarios/okx-grid.ts). */
  readonly grid: OkxGridParams;
  /** MR6 = this fraction × the loss at the extreme move (0.5 [R]). */
  readonly mr6ChargeFraction: number;
  /** Vol states MR6 is evaluated under (worst taken); OKX's is [G], default all three. */
  readonly mr6VolStates: readonly OkxVolState[];
  /** IMR_unit = imrFactor × MMR_unit (1.3 [V]). */
  readonly imrFactor: number;
  /**
   * One risk unit per underlying (USDT-, USDC- and coin-margined together, since the
   * Dec-2024/Jan-2025 merge [V]); `false` gives the earlier split per underlying and margin
   * currency (`BTC-USD`, `BTC-USDT`).
   */
  readonly riskUnitMerge: boolean;
  /** Spot holdings (spot positions) join their underlying's risk unit ("spot hedging") [V]; default off. */
  readonly spotHedging: boolean;
  readonly mr1DeltaOneBase: OkxDeltaOneBase;
  readonly inverseUsdConversion: OkxInverseConversion;
  readonly mr4: OkxMr4Params;
  readonly mr7: OkxMr7Params;
  readonly optionTerms: OkxOptionTermsParams;
  readonly borrow: OkxBorrowParams;
  /** Discount per currency on positive currency equity (adjusted equity); OKX's tiers are [G]. */
  readonly haircuts: HaircutTable;
  /** Liquidation cost in marginRatio = costRate × Σ notionalUsd [G; W-O1 implies 0.747 %]. */
  readonly liquidation: { readonly costRate: number };
  /**
   * Pinned hypothesis rules (charged at the reading set above instead of the highest over the
   * readings) and readings verified against the user's venue (src/margin/hypotheses.ts).
   */
  readonly hypotheses?: HypothesisSettings;
}

/** Default OKX PM parameters (default-params.json + the current okx-grid.json set). */
export const OKX_PM_DEFAULTS: OkxPmParams = Object.freeze({
  ...(defaultParamsJson as unknown as Omit<OkxPmParams, 'grid'>),
  grid: OKX_GRID_DEFAULTS,
});

/** Checks parameter ranges; throws INVALID_INPUT / NOT_FINITE naming `params.<field>`. */
export function validateOkxPmParams(p: OkxPmParams): void {
  requireNonNegative(p.mr6ChargeFraction, 'params.mr6ChargeFraction');
  requirePositive(p.imrFactor, 'params.imrFactor');
  if (p.imrFactor < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `imrFactor below 1 would make IMR < MMR, got ${p.imrFactor}`,
      'params.imrFactor',
    );
  p.mr6VolStates.forEach((s, i) => {
    if (!OKX_VOL_STATES.includes(s))
      throw new BallastError(
        'INVALID_INPUT',
        `unknown vol state "${String(s)}"`,
        `params.mr6VolStates[${i}]`,
      );
  });
  if (!['mark', 'index'].includes(p.mr1DeltaOneBase))
    throw new BallastError(
      'INVALID_INPUT',
      `mr1DeltaOneBase must be mark or index`,
      'params.mr1DeltaOneBase',
    );
  if (!['worse', 'shocked', 'current'].includes(p.inverseUsdConversion))
    throw new BallastError(
      'INVALID_INPUT',
      `inverseUsdConversion must be worse, shocked or current`,
      'params.inverseUsdConversion',
    );
  for (const [g, v] of Object.entries(p.mr4.minBasis))
    requireNonNegative(v, `params.mr4.minBasis.${g}`);
  for (const [g, v] of Object.entries(p.mr4.annualRate))
    requireNonNegative(v, `params.mr4.annualRate.${g}`);
  for (const [g, v] of Object.entries(p.mr7.rawRate))
    requireNonNegative(v, `params.mr7.rawRate.${g}`);
  if (!p.mr7.tierTables[p.mr7.tierTable])
    throw new BallastError(
      'INVALID_INPUT',
      `no MR7 tier table named "${p.mr7.tierTable}"`,
      'params.mr7.tierTable',
    );
  requireNonNegative(p.optionTerms.mr2HorizonDays, 'params.optionTerms.mr2HorizonDays');
  requireNonNegative(p.optionTerms.mr5RateShock, 'params.optionTerms.mr5RateShock');
  requireNonNegative(p.borrow.mmrRate, 'params.borrow.mmrRate');
  requireNonNegative(p.borrow.imrOverMmr, 'params.borrow.imrOverMmr');
  requireNonNegative(p.liquidation.costRate, 'params.liquidation.costRate');
  for (const [c, h] of Object.entries(p.haircuts.byCurrency)) {
    requireFinite(h.maintenance, `params.haircuts.byCurrency.${c}.maintenance`);
    if (h.maintenance < 0 || h.maintenance > 1)
      throw new BallastError(
        'INVALID_INPUT',
        `a haircut must be in [0, 1]`,
        `params.haircuts.byCurrency.${c}.maintenance`,
      );
  }
}
