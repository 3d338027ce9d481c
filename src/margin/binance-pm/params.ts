/**
 * Parameters of the Binance portfolio-margin (uniMMR) model, docs/methodology/binance-bybit.md
 * Part A. Defaults in `default-params.json`. Rates are fractions; bracket notionals and `cum`
 * are in the table's unit (USDⓈ-M: quote currency; COIN-M: coin).
 */
import {
  BallastError,
  requireFinite,
  requireNonNegative,
  requirePositive,
} from '../../core/errors.ts';
import { validateBrackets, type MaintenanceBracket } from '../tiered-brackets.ts';
import defaultParamsJson from './default-params.json' with { type: 'json' };

/** Account status, as in the `riskLevelChange` user-stream event (`NORMAL` when none is raised). */
export type BinanceRiskStatus = 'NORMAL' | 'MARGIN_CALL' | 'REDUCE_ONLY' | 'FORCE_LIQUIDATION';

/** One uniMMR status band: applies when uniMMR > `above` (`null`: any value). */
export interface BinanceStatusBand {
  readonly above: number | null;
  readonly status: BinanceRiskStatus;
  readonly description: string;
}

/** All Binance PM parameters. */
export interface BinancePmParams {
  /** Liquidation when uniMMR ≤ this (1.05 [V bn-rules]). */
  readonly liquidationThreshold: number;
  /** Status bands, highest first ([V bn-pro] PM Pro bands). */
  readonly statusBands: readonly BinanceStatusBand[];
  /** Bracket tables by Binance symbol or pair (`BTCUSDT`, `BTCUSDT_250627`, `BTCUSD_PERP`, `BTCUSD`). */
  readonly brackets: Readonly<Record<string, readonly MaintenanceBracket[]>>;
  /** Fallback tables for unlisted symbols: USDⓈ-M (`um`) and COIN-M (`cm`); `null` = error. */
  readonly defaultBrackets: {
    readonly um: readonly MaintenanceBracket[] | null;
    readonly cm: readonly MaintenanceBracket[] | null;
  };
  /** Collateral rate per asset (fraction of USD value counted). */
  readonly collateralRates: Readonly<Record<string, number>>;
  /** Collateral rate of unlisted assets (default 0: not collateral). */
  readonly defaultCollateralRate: number;
  /** Cross-margin loan MMR by margin leverage (`"3": 0.1` [V Classic PM]). */
  readonly marginLoanMmr: Readonly<Record<string, number>>;
  /** Margin leverage whose loan MMR applies (key of `marginLoanMmr`). */
  readonly marginLeverage: number;
}

/** Default Binance PM parameters (default-params.json). */
export const BINANCE_PM_DEFAULTS: BinancePmParams = Object.freeze(
  defaultParamsJson as unknown as BinancePmParams,
);

/** Checks parameter ranges and bracket tables; throws INVALID_INPUT / NOT_FINITE naming `params.<field>`. */
export function validateBinancePmParams(p: BinancePmParams): void {
  requirePositive(p.liquidationThreshold, 'params.liquidationThreshold');
  p.statusBands.forEach((b, i) => {
    if (b.above !== null) requireFinite(b.above, `params.statusBands[${i}].above`);
    if (i > 0) {
      const prev = p.statusBands[i - 1]!.above;
      if (prev === null || (b.above !== null && b.above >= prev))
        throw new BallastError(
          'INVALID_INPUT',
          'status bands must be listed from the highest threshold down, null last',
          `params.statusBands[${i}].above`,
        );
    }
  });
  for (const [k, t] of Object.entries(p.brackets)) validateBrackets(t, `params.brackets.${k}`);
  if (p.defaultBrackets.um) validateBrackets(p.defaultBrackets.um, 'params.defaultBrackets.um');
  if (p.defaultBrackets.cm) validateBrackets(p.defaultBrackets.cm, 'params.defaultBrackets.cm');
  const rate = (v: number, f: string) => {
    requireNonNegative(v, f);
    if (v > 1)
      throw new BallastError('INVALID_INPUT', `a collateral rate must be in [0, 1], got ${v}`, f);
  };
  for (const [a, v] of Object.entries(p.collateralRates)) rate(v, `params.collateralRates.${a}`);
  rate(p.defaultCollateralRate, 'params.defaultCollateralRate');
  const mmr = p.marginLoanMmr[String(p.marginLeverage)];
  if (mmr === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `no margin-loan MMR for leverage ${p.marginLeverage}x`,
      'params.marginLeverage',
    );
  requireNonNegative(mmr, `params.marginLoanMmr.${p.marginLeverage}`);
}
