/**
 * Mark-to-market equity of a pool: collateral plus the marked value of its positions.
 *
 * Per position, in the settlement currency:
 * - options (long or short): `size × mark` (a long option is an asset, a short a liability;
 *   premia paid or received are cash flows already in the balances, so `entryPrice` is not used);
 * - futures and perps: unrealised P&L against `entryPrice`, linear `size·(F − E)` USD,
 *   inverse `size·(F/E − 1)` coin: the size is the coin-equivalent at the current mark F
 *   (as in the P&L matrix), so the USD face is `size·F` and its P&L `size·F·(1/E − 1/F)`; without an entry
 *   price the position is taken as opened at the mark (P&L 0) and a warning says so;
 * - spot held as a position: linear `size × S` USD.
 */
import { isOptionLike } from '../instruments/instrument.ts';
import type { InstrumentState } from './pnl-matrix.ts';
import { isInverseDeltaOne, type Position } from './portfolio.ts';

/** Marked value of positions (settlement currency) and notes about assumptions made. */
export interface PositionValue {
  readonly value: number;
  readonly warnings: string[];
}

/** Value of `positions` given their base states (aligned arrays), all in one currency. */
export function positionsValue(
  positions: readonly Position[],
  states: readonly InstrumentState[],
): PositionValue {
  let value = 0;
  let noEntry = 0;
  positions.forEach((p, i) => {
    const st = states[i]!;
    const inst = p.instrument;
    if (isOptionLike(inst)) {
      value += p.size * st.value;
      return;
    }
    if (inst.kind === 'spot') {
      value += p.size * st.price;
      return;
    }
    if (p.entryPrice === undefined) {
      noEntry++;
      return;
    }
    value += isInverseDeltaOne(inst)
      ? p.size * (st.price / p.entryPrice - 1)
      : p.size * (st.price - p.entryPrice);
  });
  const warnings =
    noEntry > 0
      ? [`${noEntry} futures/perp positions have no entry price: unrealised P&L taken as 0`]
      : [];
  return { value, warnings };
}
