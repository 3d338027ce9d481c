/**
 * Portfolios: positions (instrument and signed size in base units) and collateral
 * balances. Plain data; importers in src/io convert venue formats into it.
 */
import type { Currency } from '../core/currency.ts';
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';

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

/** Builds a portfolio, merging repeated instruments (sizes add; entry prices size-weighted). */
export function portfolio(positions: readonly Position[], balances: readonly Balance[] = [], name?: string): Portfolio {
  const bySymbol = new Map<string, Position>();
  positions.forEach((p, i) => {
    if (!Number.isFinite(p.size)) throw new BallastError('NOT_FINITE', `size must be a finite number`, `positions[${i}].size`);
    const prev = bySymbol.get(p.instrument.symbol);
    if (!prev) {
      bySymbol.set(p.instrument.symbol, p);
      return;
    }
    const size = prev.size + p.size;
    const entry =
      prev.entryPrice !== undefined && p.entryPrice !== undefined && size !== 0
        ? (prev.entryPrice * prev.size + p.entryPrice * p.size) / size
        : undefined;
    bySymbol.set(p.instrument.symbol, { instrument: p.instrument, size, ...(entry === undefined ? {} : { entryPrice: entry }) });
  });
  return { ...(name ? { name } : {}), positions: [...bySymbol.values()], balances };
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
