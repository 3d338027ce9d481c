/**
 * The base (unshocked) state of an instrument in a market snapshot: the price the scenario
 * moves apply to, time to expiry, implied vol at the strike and the value of one unit now.
 * Computed once per (instrument, snapshot): `instrumentStates` shares them per snapshot object
 * between every matrix built on that market.
 */
import { BallastError } from '../core/errors.ts';
import { daysBetween, yearFraction } from '../core/time.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { optionValue } from '../pricing/option-value.ts';
import { forwardAt } from '../market/forwards.ts';
import { perpMark, surfaceVol, underlyingMarket } from '../market/marks.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';

/** The base (unshocked) state of one instrument, computed once. */
export interface InstrumentState {
  /** Price the delta-one move applies to: forward (futures, options), perp mark, index (spot). */
  readonly price: number;
  readonly spot: number;
  readonly rate: number;
  /** Years to expiry (0 for undated). */
  readonly T: number;
  readonly dteDays: number;
  /** Implied vol at the strike (0 for delta-one). */
  readonly vol: number;
  /** Value of one unit now, settlement currency (options); 0 for delta-one. */
  readonly value: number;
}

/** An `InstrumentState` literal (one object shape for every kind). */
function stateOf(
  price: number,
  u: { readonly index: number; readonly rate: number },
  T: number,
  dteDays: number,
  vol: number,
  value: number,
): InstrumentState {
  return { spot: u.index, rate: u.rate, T, dteDays, vol, value, price };
}

/** Throws EXPIRED unless `inst` expires after the snapshot time. */
function requireLive(inst: Instrument & { expiryMs: number }, asOfMs: number, what: string): void {
  if (!(inst.expiryMs > asOfMs))
    throw new BallastError('EXPIRED', `the ${what} has expired at the snapshot time`, inst.symbol);
}

/** The base state of an instrument in a snapshot (typed errors for missing data). */
export function instrumentState(inst: Instrument, snapshot: MarketSnapshot): InstrumentState {
  const u = underlyingMarket(snapshot, inst.underlying, `${inst.symbol}.underlying`);
  switch (inst.kind) {
    case 'spot':
      return stateOf(u.index, u, 0, 0, 0, 0);
    case 'perpetual':
      return stateOf(perpMark(u), u, 0, 0, 0, 0);
    case 'future': {
      requireLive(inst, snapshot.asOfMs, 'future');
      const F = forwardAt(u, inst.expiryMs, snapshot.asOfMs, inst.symbol);
      const T = yearFraction(snapshot.asOfMs, inst.expiryMs);
      return stateOf(F, u, T, daysBetween(snapshot.asOfMs, inst.expiryMs), 0, 0);
    }
    default: {
      requireLive(inst, snapshot.asOfMs, 'option');
      const F = forwardAt(u, inst.expiryMs, snapshot.asOfMs, inst.symbol);
      const T = yearFraction(snapshot.asOfMs, inst.expiryMs);
      const vol = surfaceVol(u, inst.strike, inst.expiryMs, snapshot.asOfMs, inst.symbol);
      const value = optionValue(inst, { spot: u.index, forward: F, T, vol, rate: u.rate });
      return stateOf(F, u, T, daysBetween(snapshot.asOfMs, inst.expiryMs), vol, value);
    }
  }
}

/** Whether two instrument definitions are the same (the same object, or the same content). */
function sameInstrument(a: Instrument, b: Instrument): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** States per snapshot object, then per symbol (with the instrument they were computed for). */
const stateCache = new WeakMap<
  MarketSnapshot,
  Map<string, { instrument: Instrument; state: InstrumentState }>
>();

/**
 * `instrumentState(inst, snapshot)` of every instrument, each computed once per snapshot
 * object and symbol and then shared (a symbol redefined with other terms is recomputed and
 * replaces the entry). Snapshots are immutable values here, as for the matrix row cache.
 */
export function instrumentStates(
  instruments: readonly Instrument[],
  snapshot: MarketSnapshot,
): InstrumentState[] {
  let bySymbol = stateCache.get(snapshot);
  if (!bySymbol) stateCache.set(snapshot, (bySymbol = new Map()));
  const out = new Array<InstrumentState>(instruments.length);
  for (let i = 0; i < instruments.length; i++) {
    const inst = instruments[i]!;
    const hit = bySymbol.get(inst.symbol);
    if (hit && sameInstrument(hit.instrument, inst)) out[i] = hit.state;
    else {
      const state = instrumentState(inst, snapshot);
      bySymbol.set(inst.symbol, { instrument: inst, state });
      out[i] = state;
    }
  }
  return out;
}
