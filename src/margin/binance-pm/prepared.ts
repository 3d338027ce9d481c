/**
 * The prepared Binance PM market of one (snapshot, params) pair: what does not depend on the
 * account, found once per instrument and shared by every account margined against it — the
 * instrument's state (mark, forward, T; `instrumentState`) and its maintenance bracket table
 * (brackets.ts). Binance PM has no scenarios (docs/methodology/binance-bybit.md §A.1), so this is all the
 * per-market work there is; balances, loans and the tiered MM of each size stay per account.
 * Lookups that fail (an expired future, no bracket table) are not cached: each account gets
 * its own typed error naming its field.
 */
import { preparedCache } from '../prepared-cache.ts';
import type { Instrument } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { instrumentState, type InstrumentState } from '../../risk/pnl-matrix.ts';
import type { MaintenanceBracket } from '../tiered-brackets.ts';
import { bracketsFor } from './brackets.ts';
import { validateBinancePmParams, type BinancePmParams } from './params.ts';

/** A prepared Binance PM market. */
export interface BinancePmMarket {
  readonly snapshot: MarketSnapshot;
  readonly params: BinancePmParams;
  /** The instrument's state in the snapshot (cached by symbol for the same definition). */
  state(inst: Instrument): InstrumentState;
  /** Its bracket table; a missing table is a typed error naming `field`. */
  brackets(inst: Instrument, field: string): { key: string; table: readonly MaintenanceBracket[] };
}

interface Cached<T> {
  readonly instrument: Instrument;
  readonly value: T;
}

/** The cached value for `inst` (same symbol and definition), or computes and caches it. */
function lookup<T>(cache: Map<string, Cached<T>>, inst: Instrument, make: () => T): T {
  const c = cache.get(inst.symbol);
  if (c && (c.instrument === inst || JSON.stringify(c.instrument) === JSON.stringify(inst)))
    return c.value;
  const value = make();
  if (!c) cache.set(inst.symbol, { instrument: inst, value });
  return value;
}

/** Prepares (snapshot, params) after validating the params once. Both must not change. */
export function prepareBinancePm(
  snapshot: MarketSnapshot,
  params: BinancePmParams,
): BinancePmMarket {
  validateBinancePmParams(params);
  const states = new Map<string, Cached<InstrumentState>>();
  const tables = new Map<string, Cached<{ key: string; table: readonly MaintenanceBracket[] }>>();
  return {
    snapshot,
    params,
    state: (inst) => lookup(states, inst, () => instrumentState(inst, snapshot)),
    brackets: (inst, field) => lookup(tables, inst, () => bracketsFor(inst, params, field)),
  };
}

/** The prepared market of (snapshot, params), created on first use (as deribit-pm's). */
export const binancePmMarket = preparedCache(prepareBinancePm);
