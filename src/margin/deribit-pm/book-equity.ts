/**
 * Pool equity of a prepared book after trades, the same bits as a re-evaluation
 * (`poolEquity` of the book after `withTrades`): `equity = collateral + Σ_i value_i`, the
 * position values summed in canonical (symbol) order. The book keeps each pool's position
 * values in that order; a what-if executes the trades on a small book of the traded
 * positions and the balances (`withTrades`: the same fills, premiums and realised P&L as on
 * the whole book), replaces or inserts the traded positions' values and re-sums: O(positions
 * of the pool) additions, no pricing but the trades' marks. One option-like trade needs no
 * traded book (`equityAfterOneTrade`: its premium and value put in directly, the same bits).
 */
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { segregatedCollateral } from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import type { InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { withTrades } from '../../risk/with-trades.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { portfolio } from '../../risk/portfolio.ts';
import { canonicalPositions } from '../book.ts';

/** One pool's positions (canonical order) and their values. */
export interface PoolValues {
  readonly currency: string;
  readonly symbols: readonly string[];
  readonly values: readonly number[];
}

/** The value `positionsValue` adds for one position (0 for a future without entry price). */
function valueOf(p: Position, st: InstrumentState): number {
  return positionsValue([p], [st]).value;
}

/** Each pool's position values (`stateOf`: the instrument's state, as the key vectors hold it). */
export function poolValues(
  portfolio: Portfolio,
  pools: readonly string[],
  stateOf: (p: Position) => InstrumentState,
): PoolValues[] {
  return pools.map((currency) => {
    const ps = canonicalPositions(
      portfolio.positions.filter((p) => p.instrument.settlementCurrency === currency),
    );
    return {
      currency,
      symbols: ps.map((p) => p.instrument.symbol),
      values: ps.map((p) => valueOf(p, stateOf(p))),
    };
  });
}

/**
 * Each pool's equity after `trades` (module doc); the trades' pools must be among `pools`
 * (the caller checks). `heldOf` finds the book's position of a symbol (a map lookup in a
 * prepared book), `markOf` an instrument's mark (as `withTrades`). Throws the typed errors of
 * `withTrades` (a non-finite size).
 */
export function equityAfterTrades(
  book: Portfolio,
  pools: readonly PoolValues[],
  trades: readonly Position[],
  snapshot: MarketSnapshot,
  stateOf: (p: Position) => InstrumentState,
  heldOf: (symbol: string) => Position | undefined = (s) =>
    book.positions.find((p) => p.instrument.symbol === s),
  markOf?: (inst: Position['instrument']) => number,
): number[] {
  const held: Position[] = [];
  for (const t of trades) {
    const p = heldOf(t.instrument.symbol);
    if (p && !held.includes(p)) held.push(p);
  }
  // the traded positions are the book's (valid, one per symbol): no need to re-validate them
  const after = withTrades({ positions: held, balances: book.balances }, trades, snapshot, markOf);
  return pools.map((pool) => {
    const traded = canonicalPositions(
      after.positions.filter((p) => p.instrument.settlementCurrency === pool.currency),
    );
    const { symbols, values } = pool;
    // the pool's values in symbol order, the traded positions' replaced or inserted
    const tradedValue = (j: number) => valueOf(traded[j]!, stateOf(traded[j]!));
    let value = 0;
    let j = 0;
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i]!;
      for (; j < traded.length && traded[j]!.instrument.symbol < s; j++) value += tradedValue(j);
      if (j < traded.length && traded[j]!.instrument.symbol === s) value += tradedValue(j++);
      else value += values[i]!;
    }
    for (; j < traded.length; j++) value += tradedValue(j);
    return segregatedCollateral(after.balances, pool.currency) + value;
  });
}

/**
 * `equityAfterTrades` of one option-like trade without executing it on a book: the premium
 * `size · mark` taken from the settlement currency's balance (appended if none), the balances
 * in `portfolio`'s order, the traded position's value `(held + size) · value` put in the pool's
 * sum at its symbol's place; the same operations in the same order (test: the same bits).
 * Undefined for another trade (a fill with realised P&L) or entry prices on both legs (their
 * merged entry may be refused): the caller then uses `equityAfterTrades`.
 */
export function equityAfterOneTrade(
  book: Portfolio,
  pools: readonly PoolValues[],
  t: Position,
  stateOf: (p: Position) => InstrumentState,
  heldOf: (symbol: string) => Position | undefined,
  markOf: (inst: Position['instrument']) => number,
): number[] | undefined {
  const inst = t.instrument;
  const held = heldOf(inst.symbol);
  if (!isOptionLike(inst) || (held?.entryPrice !== undefined && t.entryPrice !== undefined))
    return undefined;
  const ccy = inst.settlementCurrency;
  const premium = t.size * markOf(inst);
  const moved = book.balances.some((b) => b.currency === ccy)
    ? book.balances.map((b) =>
        b.currency === ccy ? { currency: ccy, amount: b.amount - premium } : b,
      )
    : [...book.balances, { currency: ccy, amount: -premium }];
  const balances = portfolio([], moved).balances;
  const traded = 0 + (held ? held.size + t.size : t.size) * stateOf(t).value;
  return pools.map((pool) => {
    const { symbols, values } = pool;
    // the traded position's place in the pool's symbol order (none in another pool)
    let at = -1;
    if (pool.currency === ccy) {
      at = 0;
      while (at < symbols.length && symbols[at]! < inst.symbol) at++;
    }
    const replaces = at >= 0 && at < symbols.length && symbols[at] === inst.symbol;
    let value = 0;
    for (let i = 0; i < symbols.length; i++) {
      if (i === at) {
        value += traded;
        if (replaces) continue;
      }
      value += values[i]!;
    }
    if (at === symbols.length) value += traded;
    return segregatedCollateral(balances, pool.currency) + value;
  });
}
