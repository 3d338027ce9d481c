/**
 * The allocate use case (`ballast allocate`, `POST /v1/allocate`) across accounts with their
 * own models and collateral (optimize/allocate.ts): `route` new trades to the accounts where
 * they need least IM, `split` a whole book, or spread `collateral` (USD) to maximise the
 * smallest headroom. The mode defaults to route if the input has trades, else split if it has
 * a book, else collateral. `allocateJson` is the `--json` object of the CLI.
 */
import { BallastError } from '../core/errors.ts';
import type { AccountsInput } from '../io/accounts-input.ts';
import { allocationJson } from '../io/render-optimize.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import {
  routeTrades,
  splitBook,
  spreadCollateral,
  type AllocationResult,
  type CollateralResult,
} from '../optimize/allocate.ts';

/** The allocation modes. */
export type AllocateMode = 'route' | 'split' | 'collateral';

/** An allocate request; `field(k)` names an input key in errors (CLI: file.key; API: key). */
export interface AllocateRequest {
  readonly input: AccountsInput;
  readonly snapshot: MarketSnapshot;
  readonly mode?: AllocateMode;
  readonly wholeTrades: boolean;
  readonly ignoreCollateral: boolean;
  /** collateral: USD to spread (overrides the input's collateralUsd). */
  readonly amountUsd?: number;
  readonly field: (key: string) => string;
  /** Field that names the amount when none is given. */
  readonly amountField: string;
}

/** The result of one mode. */
export type AllocateOutput =
  | { readonly mode: 'collateral'; readonly collateral: CollateralResult }
  | { readonly mode: 'route' | 'split'; readonly allocation: AllocationResult };

/** Runs the allocation (see module doc). */
export async function allocateUseCase(req: AllocateRequest): Promise<AllocateOutput> {
  const f = req.input;
  const mode = req.mode ?? (f.trades ? 'route' : f.book ? 'split' : 'collateral');
  if (mode === 'collateral') {
    const amount = req.amountUsd ?? f.collateralUsd;
    if (amount === undefined)
      throw new BallastError(
        'INVALID_INPUT',
        'give the USD amount to spread (--amount or "collateralUsd" in the file)',
        req.amountField,
      );
    return { mode, collateral: await spreadCollateral(f.accounts, amount, req.snapshot) };
  }
  const options = { wholeTrades: req.wholeTrades, respectCollateral: !req.ignoreCollateral };
  if (mode === 'route') {
    if (!f.trades)
      throw new BallastError(
        'INVALID_INPUT',
        'route needs "trades" in the accounts file',
        req.field('trades'),
      );
    return {
      mode,
      allocation: await routeTrades(f.trades.positions, f.accounts, req.snapshot, options),
    };
  }
  if (!f.book)
    throw new BallastError(
      'INVALID_INPUT',
      'split needs "book" in the accounts file',
      req.field('book'),
    );
  return { mode, allocation: await splitBook(f.book, f.accounts, req.snapshot, options) };
}

/** The `--json` object of `ballast allocate` (and the HTTP answer). */
export function allocateJson(out: AllocateOutput, warnings: readonly string[]): unknown {
  if (out.mode === 'collateral') return { ...out.collateral, warnings };
  return { ...(allocationJson(out.allocation) as object), warnings };
}
