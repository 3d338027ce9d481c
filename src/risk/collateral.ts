/**
 * Collateral: balances valued with haircuts, in pools.
 *
 * - A **segregated** pool is one settlement currency (BTC, ETH, USDC, ...): only balances in
 *   that currency count, at face value; its positions are those settled in it.
 * - A **cross** pool values every balance in USD at the index (stables at 1) less a haircut;
 *   the collateral does not move in the scenarios (the haircut covers it: see
 *   src/margin/clearing/usd-book.ts).
 *
 * (docs/architecture.md: collateral sits in src/risk, not src/account, because every margin
 * model reports equity.)
 */
import { BallastError, requireFinite } from '../core/errors.ts';
import { isUsdLike, type Currency } from '../core/currency.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { Balance } from './portfolio.ts';

/** Haircuts per currency, as fractions (0.02 = 2%), for initial and maintenance margin. */
export interface Haircut {
  readonly initial: number;
  readonly maintenance: number;
}

/** Haircut table; currencies not listed use `default`. */
export interface HaircutTable {
  readonly byCurrency: Readonly<Record<Currency, Haircut>>;
  readonly default: Haircut;
}

/** No haircuts. */
export const NO_HAIRCUTS: HaircutTable = {
  byCurrency: {},
  default: { initial: 0, maintenance: 0 },
};

/**
 * USD price of one unit of `currency` in the snapshot. USD is 1; a stablecoin (USDC, USDT)
 * takes its own index if the snapshot has one, else 1 — and is then added to `assumedOne`
 * when given, so the caller can say so; coins take their index (missing: INVALID_INPUT).
 */
export function usdPrice(
  currency: Currency,
  snapshot: MarketSnapshot,
  field = 'currency',
  assumedOne?: Set<Currency>,
): number {
  if (currency === 'USD') return 1;
  const u = snapshot.underlyings[currency];
  if (isUsdLike(currency)) {
    if (u) return requireFinite(u.index, `snapshot.underlyings.${currency}.index`);
    assumedOne?.add(currency);
    return 1;
  }
  if (!u)
    throw new BallastError(
      'INVALID_INPUT',
      `no market for collateral currency ${currency}: cannot value it`,
      field,
    );
  return u.index;
}

/** Balances of a segregated pool: the sum of balances in exactly that currency. */
export function segregatedCollateral(balances: readonly Balance[], currency: Currency): number {
  let total = 0;
  for (const b of balances) if (b.currency === currency) total += b.amount;
  return total;
}

/**
 * USD value of balances in a cross pool after haircuts (`which` picks IM or MM haircuts).
 * Negative balances (borrowing) are counted in full, without a haircut benefit.
 */
export function crossCollateralUsd(
  balances: readonly Balance[],
  snapshot: MarketSnapshot,
  haircuts: HaircutTable = NO_HAIRCUTS,
  which: keyof Haircut = 'initial',
): number {
  let total = 0;
  balances.forEach((b, i) => {
    const px = usdPrice(b.currency, snapshot, `balances[${i}].currency`);
    const h = (haircuts.byCurrency[b.currency] ?? haircuts.default)[which];
    total += b.amount > 0 ? b.amount * px * (1 - h) : b.amount * px;
  });
  return total;
}
