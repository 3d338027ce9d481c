/**
 * Greeks of one unit of an instrument in the venues' coin convention, shared by the margin
 * models and the optimizer's exposures (optimize/exposures.ts).
 *
 * `coinDelta`: delta in coins of the underlying (docs/methodology/deribit-pm.md §10, §11):
 * delta-one products 1; vanilla options the Black-76 delta `df·N(d1)` (call) / `−df·N(−d1)`
 * (put), minus the coin mark for inverse options under the `coin` convention (Deribit's
 * `delta_total`: BS delta − mark price, the delta of the roll shock and Deribit's UI);
 * digitals and barriers by a central difference (relative bump 1e-5 of the forward and spot)
 * of the same value functions.
 */
import { isOptionLike, type Instrument, type VanillaOption } from '../instruments/instrument.ts';
import { black76Greeks, type Black76Greeks } from '../pricing/black76.ts';
import { optionValue } from '../pricing/option-value.ts';
import type { InstrumentState } from './pnl-matrix.ts';

/** Relative bump for numerical deltas of digitals and barriers. */
const DELTA_BUMP = 1e-5;

/**
 * Delta of one unit of `inst` in coins (module doc): delta-one products 1; vanilla options the
 * Black-76 delta `df·N(d1)` (call) / `−df·N(−d1)` (put), minus the coin mark for inverse
 * options under the `coin` convention (Deribit's `delta_total`: BS delta − mark price); digitals
 * and barriers by a central difference of the same value functions.
 */
export function coinDelta(
  inst: Instrument,
  st: InstrumentState,
  convention: 'coin' | 'bs',
): number {
  if (!isOptionLike(inst)) return 1;
  const coinSide = inst.settlement === 'inverse' && convention === 'coin';
  if (inst.kind === 'option') {
    const g = vanillaGreeks(inst, st);
    return coinSide ? g.delta - st.value : g.delta;
  }
  const valueAt = (mult: number): number => {
    const inputs = {
      spot: st.spot * mult,
      forward: st.price * mult,
      T: st.T,
      vol: st.vol,
      rate: st.rate,
    };
    return coinSide
      ? optionValue(inst, inputs)
      : optionValue({ ...inst, settlement: 'linear' }, inputs);
  };
  const h = DELTA_BUMP;
  const d = (valueAt(1 + h) - valueAt(1 - h)) / (2 * h);
  // d is per relative move: coin value → coins; USD value → divide by F.
  return coinSide ? d : d / st.price;
}

/** Black-76 greeks of a vanilla option in state `st` (forward, vol, T, rate of the state). */
export function vanillaGreeks(inst: VanillaOption, st: InstrumentState): Black76Greeks {
  return black76Greeks(inst.right, st.price, inst.strike, st.T, st.vol, Math.exp(-st.rate * st.T));
}
