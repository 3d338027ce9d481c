/**
 * Portfolios: positions (instrument and signed size in base units) and collateral
 * balances. Plain data; importers in src/io convert venue formats into it.
 */
import type { Currency } from '../core/currency.ts';
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';

/**
 * True for an inverse (coin-settled) future or perpetual: a USD-face contract the engine holds
 * as coin-equivalents at the current mark, with P&L `size·(F/E − 1)` coin against entry E.
 */
export function isInverseDeltaOne(inst: Instrument): boolean {
  return inst.settlement === 'inverse' && (inst.kind === 'future' || inst.kind === 'perpetual');
}

/** A position: signed size in base units (coins), + = long. */
export interface Position {
  readonly instrument: Instrument;
  readonly size: number;
  /**
   * Average entry price, in the instrument's price convention (USD per coin for
   * futures, perps and spot; premium per coin for options: coin if inverse, USD if linear).
   * Used only for unrealised P&L in equity; margin requirements never depend on it.
   */
  readonly entryPrice?: number;
}

/** A collateral balance. */
export interface Balance {
  readonly currency: Currency;
  readonly amount: number;
}

/** A book: positions and collateral. */
export interface Portfolio {
  readonly name?: string;
  readonly positions: readonly Position[];
  readonly balances: readonly Balance[];
}

/**
 * Entry price of two merged legs of one instrument that keeps their combined unrealised P&L
 * for every mark: linear `Σ s·(F − E) = S·(F − E')` needs the size-weighted mean; inverse
 * (coin-equivalent sizes at the mark, P&L `s·(F/E − 1)`) needs `S/E' = Σ s/E`, the
 * size-weighted harmonic mean. Undefined when the net size is 0 (the P&L is then realised:
 * use `applyFill`, which credits it to the balance).
 */
function mergedEntry(a: Position, b: Position, size: number): number | undefined {
  if (a.entryPrice === undefined || b.entryPrice === undefined || size === 0) return undefined;
  if (isInverseDeltaOne(a.instrument))
    return size / (a.size / a.entryPrice + b.size / b.entryPrice);
  return (a.entryPrice * a.size + b.entryPrice * b.size) / size;
}

/** Canonical order of positions: by symbol, then size, then entry price (none first). */
function comparePositions(a: Position, b: Position): number {
  const sa = a.instrument.symbol;
  const sb = b.instrument.symbol;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  return (a.entryPrice ?? -Infinity) - (b.entryPrice ?? -Infinity) || 0;
}

/**
 * Builds a portfolio in canonical order (positions by symbol, balances by currency), merging
 * repeated instruments (sizes add; entry prices as `mergedEntry`; legs merged in a canonical
 * order) and balances sorted by currency then amount (kept separate: a negative balance may be a
 * loan), so the order of the input changes no bit of any result.
 * A merged entry price that is not finite (legs that almost cancel) is a NOT_FINITE error.
 */
export function portfolio(
  positions: readonly Position[],
  balances: readonly Balance[] = [],
  name?: string,
): Portfolio {
  positions.forEach((p, i) => {
    if (!Number.isFinite(p.size))
      throw new BallastError('NOT_FINITE', `size must be a finite number`, `positions[${i}].size`);
  });
  const merged: Position[] = [];
  for (const p of [...positions].sort(comparePositions)) {
    const prev = merged[merged.length - 1];
    if (!prev || prev.instrument.symbol !== p.instrument.symbol) {
      merged.push(p);
      continue;
    }
    const size = prev.size + p.size;
    const entry = mergedEntry(prev, p, size);
    if (entry !== undefined && !Number.isFinite(entry))
      throw new BallastError(
        'NOT_FINITE',
        `the merged entry price of the ${p.instrument.symbol} legs is not finite (the sizes almost cancel): give one net position`,
        `positions.${p.instrument.symbol}.entryPrice`,
      );
    merged[merged.length - 1] = {
      instrument: p.instrument,
      size,
      ...(entry === undefined ? {} : { entryPrice: entry }),
    };
  }
  const sortedBalances = [...balances].sort((x, y) =>
    x.currency !== y.currency ? (x.currency < y.currency ? -1 : 1) : x.amount - y.amount || 0,
  );
  return { ...(name ? { name } : {}), positions: merged, balances: sortedBalances };
}

/** An execution: signed size in coins at `price` (the instrument's price convention). */
export interface Fill {
  readonly instrument: Instrument;
  readonly size: number;
  readonly price: number;
}

/**
 * The book after a fill. For futures, perps and spot, the part of the fill that reduces an
 * existing position realises its P&L at the fill price against that position's entry
 * (linear `q·(P − E)` USD, inverse `q·(P/E − 1)` coin, q signed as the closed position) and
 * credits it to the settlement-currency balance; the remainder keeps its entry price, and a
 * part that opens or flips the position enters at the fill price. Option premia are cash
 * flows the caller books itself (options carry no entry price in equity).
 */
export function applyFill(p: Portfolio, fill: Fill): Portfolio {
  const i = p.positions.findIndex((x) => x.instrument.symbol === fill.instrument.symbol);
  const inst = fill.instrument;
  const deltaOne = inst.kind === 'future' || inst.kind === 'perpetual' || inst.kind === 'spot';
  if (i < 0 || !deltaOne) {
    const added: Position = {
      instrument: inst,
      size: fill.size,
      ...(deltaOne ? { entryPrice: fill.price } : {}),
    };
    return portfolio([...p.positions, added], p.balances, p.name);
  }
  const old = p.positions[i]!;
  const size = old.size + fill.size;
  const reducing = Math.sign(old.size) !== Math.sign(fill.size) && old.size !== 0;
  const closed = reducing
    ? Math.sign(old.size) * Math.min(Math.abs(old.size), Math.abs(fill.size))
    : 0;
  let realised = 0;
  if (closed !== 0 && old.entryPrice !== undefined) {
    realised = isInverseDeltaOne(inst)
      ? closed * (fill.price / old.entryPrice - 1)
      : closed * (fill.price - old.entryPrice);
  }
  const entry = !reducing
    ? mergedEntry(old, { instrument: inst, size: fill.size, entryPrice: fill.price }, size)
    : Math.sign(size) === Math.sign(old.size)
      ? old.entryPrice
      : fill.price;
  const positions = p.positions.map((x, k) =>
    k === i
      ? {
          instrument: inst,
          size,
          ...(entry === undefined || size === 0 ? {} : { entryPrice: entry }),
        }
      : x,
  );
  const ccy = inst.settlementCurrency;
  const balances =
    realised === 0
      ? p.balances
      : p.balances.some((b) => b.currency === ccy)
        ? p.balances.map((b) =>
            b.currency === ccy ? { currency: ccy, amount: b.amount + realised } : b,
          )
        : [...p.balances, { currency: ccy, amount: realised }];
  return { ...(p.name ? { name: p.name } : {}), positions, balances };
}

/** Underlying coins of `positions`, distinct and sorted. */
export function underlyingsOf(positions: readonly Position[]): string[] {
  return [...new Set(positions.map((x) => x.instrument.underlying))].sort();
}

/** Canonical, order-independent description of a portfolio for input hashes. */
export function portfolioKey(p: Portfolio): unknown {
  return {
    positions: p.positions
      .map((x) => ({ symbol: x.instrument.symbol, size: x.size, entryPrice: x.entryPrice ?? null }))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)),
    balances: [...p.balances].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
  };
}
