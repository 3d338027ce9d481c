/**
 * Value of one unit of an option-like instrument (vanilla, digital, barrier) from market
 * inputs, in USD: the single entry point the marks and the scenario revaluation share.
 *
 * - vanilla: Black-76 on the expiry's forward, discounted at `rate`;
 * - digital and barrier: BSM on `spot` with the carry implied by the forward,
 *   `q = r − ln(F/S)/T`, so they agree with the forward curve;
 * - at or after expiry (T ≤ 0): the payoff at the forward (vanilla, digital); a barrier at
 *   expiry pays its vanilla payoff if alive (the path is unknown here: the caller must not
 *   pass T ≤ 0 for barriers; it is an error).
 * Inverse (coin-settled) values are the USD value divided by the forward (Deribit convention).
 */
import { BallastError } from '../core/errors.ts';
import type { BarrierOption, DigitalOption, VanillaOption } from '../instruments/instrument.ts';
import { barrierPrice } from './barrier.ts';
import { black76Price } from './black76.ts';
import { digitalPrice } from './digital.ts';

/** Market inputs for one valuation. */
export interface OptionMarketInputs {
  /** Spot (index), USD per coin. */
  readonly spot: number;
  /** Forward to the option's expiry, USD per coin. */
  readonly forward: number;
  /** Time to expiry, ACT/365 years. */
  readonly T: number;
  /** Implied vol, decimal. */
  readonly vol: number;
  /** Continuously compounded discount rate, per year (decimal). */
  readonly rate: number;
}

/** USD value of one unit (one coin of size) of an option-like instrument. */
function optionValueUsd(
  inst: VanillaOption | DigitalOption | BarrierOption,
  m: OptionMarketInputs,
): number {
  const { spot: S, forward: F, T, vol, rate: r } = m;
  if (T <= 0) {
    const itm = inst.right === 'call' ? F > inst.strike : F < inst.strike;
    switch (inst.kind) {
      case 'option':
        return Math.max(inst.right === 'call' ? F - inst.strike : inst.strike - F, 0);
      case 'digital':
        return itm ? (inst.payoff === 'cash-or-nothing' ? inst.cash : F) : 0;
      case 'barrier':
        throw new BallastError(
          'EXPIRED',
          'a barrier option cannot be valued at or after expiry without its path',
          inst.symbol,
        );
    }
  }
  switch (inst.kind) {
    case 'option':
      return black76Price(inst.right, F, inst.strike, T, vol, Math.exp(-r * T));
    case 'digital':
      return digitalPrice(
        inst.payoff,
        inst.right,
        S,
        inst.strike,
        T,
        r,
        r - Math.log(F / S) / T,
        vol,
        inst.cash,
      );
    case 'barrier':
      return barrierPrice(
        inst.barrierType,
        inst.right,
        S,
        inst.strike,
        inst.barrier,
        inst.rebate,
        T,
        r,
        r - Math.log(F / S) / T,
        vol,
      );
  }
}

/** Value of one unit in the instrument's settlement currency: USD, or coin (USD / F) if inverse. */
export function optionValue(
  inst: VanillaOption | DigitalOption | BarrierOption,
  m: OptionMarketInputs,
): number {
  const usd = optionValueUsd(inst, m);
  return inst.settlement === 'inverse' ? usd / m.forward : usd;
}
