/**
 * P&L of a book against the spot of one underlying, today and at expiry.
 *
 * Today: every position revalued at the moved market (risk/scaled-snapshot.ts: forwards and
 * the surface move with spot, vol by sticky moneyness as there), sizes held in coins, each
 * pool converted to USD at the moved index. P&L(m) = equity_USD(m) − equity_USD(1), so the
 * curve passes through 0 at today's spot.
 *
 * At expiry: at the book's first expiry t_E (the earliest expiry of its dated positions), the
 * market rolled to t_E (market/market-scenario.ts: vols per moneyness kept) and moved by m;
 * positions expiring at t_E are worth their payoff at the moved index S (vanilla and digital
 * options: `optionValue` at T = 0 with F = S; futures settle at S); later ones are marked on
 * the rolled market. P&L_E(m) = equity_USD at t_E and m − equity_USD today (same base as the
 * today curve: the premium received today is in it).
 *
 * Breakevens: the spots where P&L_E changes sign between two grid points, refined by bisection
 * on P&L_E itself to 1e-9 relative in spot. Futures and perps without an entry price count 0
 * (as in equity, risk/equity.ts), on both curves.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { usdPrice } from '../risk/collateral.ts';
import { positionsValue } from '../risk/equity.ts';
import { instrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { scaleSnapshot } from '../risk/scaled-snapshot.ts';
import { BallastError } from '../core/errors.ts';
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { rollSnapshot } from '../market/market-scenario.ts';
import { optionValue } from '../pricing/option-value.ts';
import type { InstrumentState } from '../risk/pnl-matrix.ts';

/** One point of the curve. */
export interface PnlPoint {
  /** Spot multiplier (1.1 = +10 %). */
  readonly multiplier: number;
  /** Index of the underlying at this point, USD. */
  readonly spot: number;
  /** Book P&L against today, USD. */
  readonly pnlUsd: number;
}

const expiryOf = (i: Instrument): number | null => ('expiryMs' in i ? i.expiryMs : null);

/** State of an instrument expiring at the snapshot time: payoff at the index (module doc). */
function expiredState(inst: Instrument, snapshot: MarketSnapshot): InstrumentState {
  const u = snapshot.underlyings[inst.underlying];
  if (!u)
    throw new BallastError('INVALID_INPUT', `the market has no ${inst.underlying}`, inst.symbol);
  const S = u.index;
  const value = isOptionLike(inst)
    ? optionValue(inst, { spot: S, forward: S, T: 0, vol: 0, rate: u.rate })
    : 0;
  return { price: S, spot: S, rate: u.rate, T: 0, dteDays: 0, vol: 0, value };
}

/**
 * Book equity in USD at `snapshot` (positions marked, balances at the index); positions
 * expiring at or before `settleMs` are worth their payoff at the index.
 */
function equityUsd(p: Portfolio, snapshot: MarketSnapshot, settleMs = -Infinity): number {
  let total = 0;
  const currencies = new Set(p.positions.map((x) => x.instrument.settlementCurrency));
  const state = (i: Instrument): InstrumentState => {
    const e = expiryOf(i);
    return e !== null && e <= settleMs ? expiredState(i, snapshot) : instrumentState(i, snapshot);
  };
  for (const ccy of currencies) {
    const pos = p.positions.filter((x) => x.instrument.settlementCurrency === ccy);
    const v = positionsValue(
      pos,
      pos.map((x) => state(x.instrument)),
    ).value;
    total += v * usdPrice(ccy, snapshot, `${ccy}`);
  }
  for (const b of p.balances)
    total += b.amount * usdPrice(b.currency, snapshot, `balances.${b.currency}`);
  return total;
}

/** The P&L curve over `multipliers` of `underlying` (see module doc). */
export function pnlCurve(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  underlying: string,
  multipliers: readonly number[],
): PnlPoint[] {
  const u = snapshot.underlyings[underlying];
  if (!u) throw new BallastError('INVALID_INPUT', `the market has no ${underlying}`, 'underlying');
  const base = equityUsd(portfolio, snapshot);
  return multipliers.map((m) => {
    if (!(m > 0 && Number.isFinite(m)))
      throw new BallastError(
        'INVALID_INPUT',
        `a spot multiplier must be > 0, got ${m}`,
        'multipliers',
      );
    const moved = m === 1 ? snapshot : scaleSnapshot(snapshot, { [underlying]: m });
    return { multiplier: m, spot: u.index * m, pnlUsd: equityUsd(portfolio, moved) - base };
  });
}

/** The book's first expiry (ms): the earliest expiry of its dated positions; null if none. */
export function firstExpiry(portfolio: Portfolio): number | null {
  const e = portfolio.positions
    .map((x) => expiryOf(x.instrument))
    .filter((x): x is number => x !== null);
  return e.length === 0 ? null : Math.min(...e);
}

/** The P&L at expiry over `multipliers` (module doc), or null for a book with no expiry. */
export function expiryPnlCurve(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  underlying: string,
  multipliers: readonly number[],
): { expiryMs: number; points: PnlPoint[]; breakevens: number[] } | null {
  const u = snapshot.underlyings[underlying];
  if (!u) throw new BallastError('INVALID_INPUT', `the market has no ${underlying}`, 'underlying');
  const tE = firstExpiry(portfolio);
  if (tE === null) return null;
  if (!(tE > snapshot.asOfMs))
    throw new BallastError(
      'EXPIRED',
      'the book has a position expired at the market time',
      'portfolio',
    );
  const base = equityUsd(portfolio, snapshot);
  const rolled = rollSnapshot(snapshot, tE, 'expiry');
  const pnlAt = (m: number): number => {
    if (!(m > 0 && Number.isFinite(m)))
      throw new BallastError(
        'INVALID_INPUT',
        `a spot multiplier must be > 0, got ${m}`,
        'multipliers',
      );
    return equityUsd(portfolio, scaleSnapshot(rolled, { [underlying]: m }), tE) - base;
  };
  const points = multipliers.map((m) => ({ multiplier: m, spot: u.index * m, pnlUsd: pnlAt(m) }));
  return { expiryMs: tE, points, breakevens: breakevens(points, pnlAt).map((m) => u.index * m) };
}

/** Multipliers where `f` crosses zero between grid points, refined by bisection (module doc). */
export function breakevens(points: readonly PnlPoint[], f: (m: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    if (a.pnlUsd === 0) {
      const prev = points[i - 1]?.pnlUsd ?? 0;
      const next = points[i + 1]?.pnlUsd ?? 0;
      if (prev * next < 0) out.push(a.multiplier);
      continue;
    }
    const b = points[i + 1];
    if (!b || b.pnlUsd === 0 || Math.sign(a.pnlUsd) === Math.sign(b.pnlUsd)) continue;
    let lo = a.multiplier;
    let hi = b.multiplier;
    const sLo = Math.sign(a.pnlUsd);
    while (hi - lo > 1e-9 * hi) {
      const mid = (lo + hi) / 2;
      if (Math.sign(f(mid)) === sLo) lo = mid;
      else hi = mid;
    }
    out.push((lo + hi) / 2);
  }
  return out;
}

/** An evenly spaced grid of multipliers from `1 − span` to `1 + span` (`n` points, n ≥ 2). */
export function multiplierGrid(span: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 - span + (2 * span * i) / (n - 1));
}
