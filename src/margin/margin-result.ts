/**
 * The `MarginResult` contract every margin model returns (docs/architecture.md,
 * "Contracts"). Requirements are ≥ 0 and in `currency`; equity is the account value the
 * requirements are compared with, in the same currency.
 */
import type { Currency } from '../core/currency.ts';
import { BallastError } from '../core/errors.ts';

/** One named add-on (roll shock, contingency, minimum charge, ...), in the result's currency. */
export interface AddOn {
  readonly name: string;
  readonly amount: number;
  /** Which requirement the add-on enters: IM only, MM only, or both. */
  readonly appliesTo: 'both' | 'initial' | 'maintenance';
  /** One line on how it was computed (formula with the numbers). */
  readonly description?: string;
}

/** A reading per hypothesis rule: rule name → reading (src/margin/hypotheses.ts). */
export type Readings = Readonly<Record<string, string>>;

/** IM and MM under one combination of hypothesis readings (amounts in the pool's currency). */
export interface HypothesisReading {
  readonly readings: Readings;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
}

/** Which reading set the charged IM and MM (the highest over `hypotheses`). */
export interface HypothesisCharge {
  readonly initialMargin: Readings;
  readonly maintenanceMargin: Readings;
}

/** The scenario that set the scenario part of the margin. */
export interface WorstScenario {
  /** Stable scenario id within the model's grid, e.g. `std-25` or `spot-0.85/vol-up`. */
  readonly id: string;
  /** Human label, e.g. `BTC −16%, vol up`. */
  readonly label: string;
  /** Index in the model's scenario list. */
  readonly index: number;
  /** Account P&L in this scenario after the model's weights/offsets (negative = loss). */
  readonly pnl: number;
  /** The loss it implies (= max(0, −pnl)). */
  readonly loss: number;
}

/** One position's P&L in the worst scenario (sums to the worst scenario's P&L before offsets). */
export interface Contribution {
  readonly symbol: string;
  /** Signed size in base units (coins). */
  readonly size: number;
  /** P&L of the position in the worst scenario, in the result's currency. */
  readonly pnl: number;
}

/**
 * The result of one margin model on one pool (settlement currency or cross account). `D` is
 * the type of the model-specific `details` (see `MarginDetailsByModel` in model-details.ts to
 * narrow it by model id).
 */
export interface MarginResult<D = unknown> {
  readonly model: string;
  readonly modelVersion: string;
  /** Currency of every amount in this result. */
  readonly currency: Currency;
  /** Account equity (collateral + marked positions) in `currency`. */
  readonly equity: number;
  /** Initial margin requirement, ≥ 0. */
  readonly initialMargin: number;
  /** Maintenance margin requirement, ≥ 0. */
  readonly maintenanceMargin: number;
  /**
   * IM / equity: ∞ if equity < 0 (below any requirement, IM 0 included: a pool of a loan
   * alone), or if equity = 0 and IM > 0; 0 if IM is 0 and equity ≥ 0.
   */
  readonly utilization: number;
  /** Undefined for models without scenarios (e.g. tiered standard margin). */
  readonly worstScenario: WorstScenario | undefined;
  readonly contributions: readonly Contribution[];
  readonly addOns: readonly AddOn[];
  /** Rules used that are documented hypotheses, not published fact (conservative reading). */
  readonly unverified: readonly string[];
  readonly warnings: readonly string[];
  /** SHA-256 of the canonical inputs and parameters (src/core/hash.ts). */
  readonly inputsHash: string;
  /**
   * IM and MM under every combination of the readings of the hypothesis rules that can move
   * this book (src/margin/hypotheses.ts); IM and MM above are the highest. Absent when no
   * open rule can move the book (one reading).
   */
  readonly hypotheses?: readonly HypothesisReading[];
  /** Which reading set the charged IM and MM (with `hypotheses`). */
  readonly hypothesisCharge?: HypothesisCharge;
  /** Pinned hypothesis readings verified against the user's own venue answer. */
  readonly verified?: readonly string[];
  /** Model-specific detail (e.g. Deribit `pme/simulate` mirror, Derive intermediates). */
  readonly details?: D;
}

/** IM / equity with the conventions documented on `MarginResult.utilization`. */
export function utilization(initialMargin: number, equity: number): number {
  if (initialMargin === 0) return equity < 0 ? Infinity : 0;
  return equity > 0 ? initialMargin / equity : Infinity;
}

/** Everything a model computes for a `MarginResult`; `marginResult` derives `utilization`. */
export type MarginResultFields<D = unknown> = Omit<MarginResult<D>, 'utilization'>;

/**
 * Assembles a `MarginResult` (fields in the contract's order), deriving `utilization` from IM
 * and equity. Fails closed on the contract: equity, IM and MM must be finite (NOT_FINITE
 * naming the model and the amount) and the requirements ≥ 0 (a negative requirement is a bug
 * in the model, thrown as a RangeError).
 */
export function marginResult<D = unknown>(r: MarginResultFields<D>): MarginResult<D> {
  const amounts = {
    equity: r.equity,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
  };
  for (const [name, x] of Object.entries(amounts)) {
    if (!Number.isFinite(x))
      throw new BallastError(
        'NOT_FINITE',
        `the ${r.model} computation gave ${x}`,
        `${r.model}.${r.currency}.${name}`,
      );
    if (name !== 'equity' && x < 0)
      throw new RangeError(`${r.model} (${r.currency}): negative ${name} ${x}`);
  }
  const result: MarginResult<D> = {
    model: r.model,
    modelVersion: r.modelVersion,
    currency: r.currency,
    equity: r.equity,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    utilization: utilization(r.initialMargin, r.equity),
    worstScenario: r.worstScenario,
    contributions: r.contributions,
    addOns: r.addOns,
    unverified: r.unverified,
    warnings: r.warnings,
    inputsHash: r.inputsHash,
  };
  return 'details' in r ? { ...result, details: r.details } : result;
}

/**
 * The add-on that makes IM a multiple of MM (`IM = ratio × MM`, clearing-house style), or
 * none when the ratio is 1. Amount `IM − MM`, entering IM only.
 */
export function initialMultiplierAddOn(
  ratio: number,
  initialMargin: number,
  maintenanceMargin: number,
): AddOn[] {
  if (ratio === 1) return [];
  return [
    {
      name: 'initial margin multiplier',
      amount: initialMargin - maintenanceMargin,
      appliesTo: 'initial',
      description: `IM = ${ratio} × MM`,
    },
  ];
}
