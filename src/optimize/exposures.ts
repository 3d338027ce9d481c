/**
 * Exposures the hedge optimizer constrains: per underlying, the book's net delta, gamma,
 * vega and theta, linear in the sizes (so each is one LP row).
 *
 * Units, per coin of size (sum over positions × size):
 * - `delta`: coins of the underlying. Delta-one products 1; options Deribit's `delta_total`
 *   convention (`coinDelta(…, 'coin')`, risk/greeks.ts: Black-76 delta, minus the coin mark
 *   for inverse options, whose value is in coin) — the delta the roll shock and Deribit's UI
 *   use.
 * - `gamma`: change of the delta, in coins, for a +1 % move of the underlying:
 *   `Γ·F·0.01` with Γ the Black-76 gamma of the USD value (per USD of forward).
 * - `vega`: USD per vol point (+0.01 of implied vol): Black-76 vega of the USD value × 0.01.
 * - `theta`: USD per calendar day (Black-76 `thetaPerDay` of the USD value).
 * Delta-one products have zero gamma, vega and theta. Digitals and barriers use central
 * differences of their USD value (relative bump 1e-4 in F, 1e-4 in vol, one day in time).
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { optionValue } from '../pricing/option-value.ts';
import { coinDelta, vanillaGreeks } from '../risk/greeks.ts';
import { instrumentState, type InstrumentState } from '../risk/pnl-matrix.ts';
import type { Position } from '../risk/portfolio.ts';

/** The exposures the optimizer knows. */
export type Greek = 'delta' | 'gamma' | 'vega' | 'theta';

/** All greeks, in report order. */
export const GREEKS: readonly Greek[] = ['delta', 'gamma', 'vega', 'theta'];

/** Unit of each greek, for reports. */
export const GREEK_UNITS: Readonly<Record<Greek, string>> = {
  delta: 'coins',
  gamma: 'coins per 1% move',
  vega: 'USD per vol point',
  theta: 'USD per day',
};

/** One value per greek. */
export type GreekVector = Record<Greek, number>;

/** Exposures per underlying (`BTC` → greeks). */
export type ExposureTable = Record<string, GreekVector>;

/** A zero greek vector. */
export function zeroGreeks(): GreekVector {
  return { delta: 0, gamma: 0, vega: 0, theta: 0 };
}

/** Exposures of one coin of size of `inst` in state `st` (see module doc for units). */
export function unitExposures(inst: Instrument, st: InstrumentState): GreekVector {
  if (!isOptionLike(inst)) return { delta: 1, gamma: 0, vega: 0, theta: 0 };
  const delta = coinDelta(inst, st, 'coin');
  if (inst.kind === 'option') {
    const g = vanillaGreeks(inst, st);
    return { delta, gamma: g.gamma * st.price * 0.01, vega: g.vega * 0.01, theta: g.thetaPerDay };
  }
  const usd = (fMult: number, dVol: number, dT: number): number =>
    optionValue(
      { ...inst, settlement: 'linear' },
      {
        spot: st.spot * fMult,
        forward: st.price * fMult,
        T: Math.max(st.T + dT, 0),
        vol: Math.max(st.vol + dVol, 0),
        rate: st.rate,
      },
    );
  const h = 1e-4;
  const v0 = usd(1, 0, 0);
  const gammaUsd = (usd(1 + h, 0, 0) - 2 * v0 + usd(1 - h, 0, 0)) / (h * st.price) ** 2;
  const vega = (usd(1, h, 0) - usd(1, -h, 0)) / (2 * h);
  const day = 1 / 365;
  const theta = st.T > day ? usd(1, 0, -day) - v0 : -v0 + usd(1, 0, -st.T);
  return { delta, gamma: gammaUsd * st.price * 0.01, vega: vega * 0.01, theta };
}

/**
 * The book's exposures per underlying, each position priced once: net `Σ size × unit
 * exposure` and gross `Σ |size × unit exposure|` (the scale of "keep within x %").
 */
export function bookExposureTables(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
): { net: ExposureTable; gross: ExposureTable } {
  const net: ExposureTable = {};
  const gross: ExposureTable = {};
  for (const p of positions) {
    const e = unitExposures(p.instrument, instrumentState(p.instrument, snapshot));
    const u = p.instrument.underlying;
    const n = (net[u] ??= zeroGreeks());
    const g = (gross[u] ??= zeroGreeks());
    for (const k of GREEKS) {
      n[k] += p.size * e[k];
      g[k] += Math.abs(p.size * e[k]);
    }
  }
  return { net, gross };
}

/** Net exposures Σ size × unit exposure per underlying (`bookExposureTables().net`). */
export function bookExposures(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
): ExposureTable {
  return bookExposureTables(positions, snapshot).net;
}
