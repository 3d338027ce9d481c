/**
 * From LP sizes to tradeable trades and the book after them:
 *
 * - `roundingCandidates`: the LP's continuous sizes rounded to lots (lots.ts) in a few ways:
 *   nearest, toward zero, away from zero, and the whole trade scaled by ¾, ½, ¼ then rounded (a partial hedge
 *   is sometimes all the exact model rewards, e.g. when the LP leaves out the delta shock).
 *   Each rounding that breaks a band, a size limit or the budget is repaired greedily one lot at
 *   a time (the move that most reduces the total violation), or dropped.
 * - `executeTrades`: sizes → trades at the ask (buys) or the bid (sells) with fees, their cost
 *   against the mark and the cash they move.
 * - `applyTrades`: the book after the trades: positions added (delta-one trades carry their
 *   execution price as entry price), premium and fees moved through the balance of the
 *   settlement currency, so equity after = equity before − cost (at marks).
 */
import type { Instrument } from '../instruments/instrument.ts';
import { isOptionLike } from '../instruments/instrument.ts';
import { applyFill, type Balance, type Portfolio } from '../risk/portfolio.ts';
import { GREEKS, zeroGreeks, type ExposureTable } from './exposures.ts';
import type { EffectiveBand, TradeConstraints, TradeVar } from './trade-problem.ts';
import { costPerCoinUsd, premiumPerCoinUsd } from './universe.ts';

/** One executed trade. Prices and fees per coin in the instrument's price convention. */
export interface ExecutedTrade {
  readonly instrument: Instrument;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Signed size, coins (+ buy, − sell), rounded to the lot. */
  readonly size: number;
  /** The LP's unrounded size, coins. */
  readonly lpSize: number;
  /** Execution price: the ask for a buy, the bid for a sell. */
  readonly price: number;
  readonly mark: number;
  /** Fee per coin. */
  readonly fee: number;
  /** Spread against the mark plus fee, USD (≥ 0). */
  readonly costUsd: number;
  /** Cash paid (+) or received (−) in USD: premium and fee (delta-one: fee only). */
  readonly cashUsd: number;
  /** Cash moved through the settlement-currency balance (+ in, − out), settlement currency. */
  readonly cashSettlement: number;
}

/** Trades for `sizes` (aligned with `trades`), zero sizes left out. */
export function executeTrades(
  trades: readonly TradeVar[],
  sizes: ArrayLike<number>,
  lpSizes: ArrayLike<number>,
): ExecutedTrade[] {
  const out: ExecutedTrade[] = [];
  trades.forEach((t, j) => {
    const size = sizes[j]!;
    if (size === 0) return;
    const c = t.candidate;
    const side = size > 0 ? 1 : -1;
    const abs = Math.abs(size);
    const price = side > 0 ? c.ask : c.bid;
    let cashSettlement: number;
    if (isOptionLike(c.instrument))
      cashSettlement = side > 0 ? -(c.ask + c.fee) * abs : (c.bid - c.fee) * abs;
    else cashSettlement = -(c.instrument.settlement === 'inverse' ? c.fee / c.mark : c.fee) * abs;
    out.push({
      instrument: c.instrument,
      symbol: c.instrument.symbol,
      side: side > 0 ? 'buy' : 'sell',
      size,
      lpSize: lpSizes[j]!,
      price,
      mark: c.mark,
      fee: c.fee,
      costUsd: costPerCoinUsd(c, side) * abs,
      cashUsd: premiumPerCoinUsd(c, side) * abs,
      cashSettlement,
    });
  });
  return out;
}

/** The book after `trades` (see module doc). */
export function applyTrades(p: Portfolio, trades: readonly ExecutedTrade[]): Portfolio {
  // Fills realise the P&L of reduced delta-one positions into the balance (risk/portfolio.ts).
  let book = p;
  for (const t of trades)
    book = applyFill(book, { instrument: t.instrument, size: t.size, price: t.price });
  const cash = new Map<string, number>();
  for (const t of trades)
    cash.set(
      t.instrument.settlementCurrency,
      (cash.get(t.instrument.settlementCurrency) ?? 0) + t.cashSettlement,
    );
  const balances: Balance[] = book.balances.map((b) => ({ ...b }));
  for (const [currency, amount] of cash) {
    const i = balances.findIndex((b) => b.currency === currency);
    if (i >= 0) balances[i] = { currency, amount: balances[i]!.amount + amount };
    else balances.push({ currency, amount });
  }
  // Positions closed to exactly zero are dropped (a flat line carries no risk and no mark).
  return { ...book, balances, positions: book.positions.filter((x) => x.size !== 0) };
}

/** Exposures after trading `sizes`: before + Σ size × unit exposure. */
export function exposuresAfter(
  before: ExposureTable,
  trades: readonly TradeVar[],
  sizes: ArrayLike<number>,
): ExposureTable {
  const out: ExposureTable = {};
  for (const [u, g] of Object.entries(before)) out[u] = { ...g };
  trades.forEach((t, j) => {
    const x = sizes[j]!;
    if (x === 0) return;
    const u = t.candidate.instrument.underlying;
    const acc = (out[u] ??= zeroGreeks());
    for (const g of GREEKS) acc[g] += x * t.exposure[g];
  });
  return out;
}

/** What a set of sizes breaks, with the total violation (in each constraint's own units, scaled). */
export function violations(
  trades: readonly TradeVar[],
  sizes: ArrayLike<number>,
  bands: readonly EffectiveBand[],
  before: ExposureTable,
  c: TradeConstraints,
): { total: number; broken: string[] } {
  const after = exposuresAfter(before, trades, sizes);
  let total = 0;
  const broken: string[] = [];
  for (const b of bands) {
    const v = after[b.underlying]?.[b.greek] ?? 0;
    const scale = Math.max(
      1e-12,
      Math.abs(b.max - b.min) < Infinity ? Math.abs(b.max - b.min) : 0,
      Math.abs(b.current),
      1e-9,
    );
    const tol = 1e-9 * Math.max(1, Math.abs(v));
    const over = v > b.max + tol ? v - b.max : v < b.min - tol ? b.min - v : 0;
    if (over > 0) {
      total += over / scale;
      broken.push(`${b.row} = ${v.toPrecision(6)} outside [${b.min}, ${b.max}]`);
    }
  }
  let totalSize = 0;
  let cash = 0;
  trades.forEach((t, j) => {
    const x = sizes[j]!;
    totalSize += Math.abs(x);
    cash += premiumPerCoinUsd(t.candidate, x >= 0 ? 1 : -1) * Math.abs(x);
    const lim = x > 0 ? t.buyLimit : t.sellLimit;
    if (Math.abs(x) > lim * (1 + 1e-12)) {
      total += (Math.abs(x) - lim) / Math.max(t.lot, 1e-12);
      broken.push(
        `${x > 0 ? 'buy' : 'sell'}[${t.candidate.instrument.symbol}] = ${Math.abs(x)} above its limit ${lim}`,
      );
    }
  });
  if (c.maxTotalSize !== undefined && totalSize > c.maxTotalSize * (1 + 1e-12)) {
    total += (totalSize - c.maxTotalSize) / Math.max(c.maxTotalSize, 1e-9);
    broken.push(`total-size = ${totalSize} above ${c.maxTotalSize}`);
  }
  if (c.budgetUsd !== undefined && cash > c.budgetUsd + 1e-9 * Math.max(1, Math.abs(c.budgetUsd))) {
    total += (cash - c.budgetUsd) / Math.max(Math.abs(c.budgetUsd), 1);
    broken.push(`budget: ${cash.toFixed(2)} USD above ${c.budgetUsd}`);
  }
  return { total, broken };
}

/** Rounds `x` to whole lots of each candidate (`nearest`, `toward-zero` or `away-from-zero`), clamped to its limits. */
export function roundSizes(
  trades: readonly TradeVar[],
  x: ArrayLike<number>,
  mode: 'nearest' | 'toward-zero' | 'away-from-zero',
  scale = 1,
): Float64Array {
  const out = new Float64Array(trades.length);
  trades.forEach((t, j) => {
    const v = x[j]! * scale;
    const lim = v > 0 ? t.buyLimit : t.sellLimit;
    // A trade that leaves less than half a lot closes the position exactly (the venue closes
    // any position, whatever its size in coins).
    if (
      t.held !== 0 &&
      v !== 0 &&
      Math.abs(t.held + v) < t.lot / 2 &&
      Math.abs(t.held) <= lim * (1 + 1e-12)
    ) {
      out[j] = -t.held;
      return;
    }
    const q = Math.abs(v) / t.lot;
    let n =
      mode === 'nearest'
        ? Math.round(q)
        : mode === 'toward-zero'
          ? Math.floor(q + 1e-9)
          : Math.ceil(q - 1e-9);
    if (n * t.lot > lim * (1 + 1e-12)) n = Math.floor(lim / t.lot + 1e-9);
    out[j] = n === 0 ? 0 : Math.sign(v) * Number((n * t.lot).toPrecision(12));
  });
  return out;
}

/**
 * Greedy lot-by-lot repair of a rounding that breaks constraints, moving only the candidates in
 * `support` (the LP's traded instruments); undefined if it cannot.
 */
export function repair(
  trades: readonly TradeVar[],
  sizes: Float64Array,
  bands: readonly EffectiveBand[],
  before: ExposureTable,
  c: TradeConstraints,
  support: readonly number[],
  maxSteps = 4 * support.length + 20,
): Float64Array | undefined {
  const cur = Float64Array.from(sizes);
  let v = violations(trades, cur, bands, before, c).total;
  for (let step = 0; step < maxSteps && v > 0; step++) {
    let best = v;
    let bestJ = -1;
    let bestDir = 0;
    for (const j of support) {
      for (const dir of [1, -1]) {
        const old = cur[j]!;
        cur[j] = Number((old + dir * trades[j]!.lot).toPrecision(12));
        const w = violations(trades, cur, bands, before, c).total;
        cur[j] = old;
        if (w < best - 1e-15) {
          best = w;
          bestJ = j;
          bestDir = dir;
        }
      }
    }
    if (bestJ < 0) return undefined;
    cur[bestJ] = Number((cur[bestJ]! + bestDir * trades[bestJ]!.lot).toPrecision(12));
    v = best;
  }
  return v > 0 ? undefined : cur;
}

/** Rounded, repaired size vectors to try with the exact model, labelled, duplicates removed. */
export function roundingCandidates(
  trades: readonly TradeVar[],
  x: ArrayLike<number>,
  bands: readonly EffectiveBand[],
  before: ExposureTable,
  c: TradeConstraints,
): { label: string; sizes: Float64Array }[] {
  const raw: [string, Float64Array][] = [
    ['nearest lots', roundSizes(trades, x, 'nearest')],
    ['lots toward zero', roundSizes(trades, x, 'toward-zero')],
    ['lots away from zero', roundSizes(trades, x, 'away-from-zero')],
    ['¾ of the trade', roundSizes(trades, x, 'nearest', 0.75)],
    ['½ of the trade', roundSizes(trades, x, 'nearest', 0.5)],
    ['¼ of the trade', roundSizes(trades, x, 'nearest', 0.25)],
  ];
  const support: number[] = [];
  for (let j = 0; j < trades.length; j++) if (x[j] !== 0) support.push(j);
  const out: { label: string; sizes: Float64Array }[] = [];
  const seen = new Set<string>();
  for (const [label, s] of raw) {
    const fixed =
      violations(trades, s, bands, before, c).total > 0
        ? repair(trades, s, bands, before, c, support)
        : s;
    if (!fixed || fixed.every((v) => v === 0)) continue;
    const key = Array.from(fixed).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      label: fixed === s ? label : `${label}, repaired to the constraints`,
      sizes: fixed,
    });
  }
  return out;
}
