/**
 * The result of a segregated pool that holds collateral and no position (`settlementPools`,
 * book.ts): nothing moves in any scenario, so the requirement is 0 and the equity is the
 * pool's collateral at face value (`segregatedCollateral`: the sum of the balances in the pool
 * currency; a negative sum is a loan and stays negative). For the scenario models (VaR, ES,
 * STANS, SPAN 2) that build a scenario set from the pool's underlyings: a pool without
 * positions has no underlying to simulate, so no set is built and the result carries no
 * `details` (the contract's `details` is optional).
 *
 *   IM = MM = 0,   equity = Σ balances in the pool currency   (pool currency).
 */
import type { Currency } from '../core/currency.ts';
import { marginResult, type MarginResult } from './margin-result.ts';

/**
 * The result of a pool in `currency` with no position and collateral worth `equity` (pool
 * currency, as the model values it; `segregatedCollateral` for a segregated pool).
 */
export function collateralOnlyPool(
  model: string,
  modelVersion: string,
  currency: Currency,
  equity: number,
  inputsHash: string,
): MarginResult<never> {
  return marginResult<never>({
    model,
    modelVersion,
    currency,
    equity,
    initialMargin: 0,
    maintenanceMargin: 0,
    worstScenario: undefined,
    contributions: [],
    addOns: [],
    unverified: [],
    warnings: [],
    inputsHash,
  });
}
