/**
 * Currencies and amounts. Every amount knows its currency (DEVELOPERS.md, "Units explicit").
 * Coins (BTC, ETH, SOL, ...) and stables (USD, USDC, USDT) are plain upper-case codes.
 */

/** An upper-case currency code such as `BTC`, `ETH`, `USDC`, `USD`. */
export type Currency = string;

/** An amount of money in a named currency. */
export interface Amount {
  readonly value: number;
  readonly currency: Currency;
}

/** Builds an `Amount`. */
export function amount(value: number, currency: Currency): Amount {
  return { value, currency };
}

/** Stablecoins and fiat treated as USD-denominated for pricing linear products. */
export const USD_LIKE: ReadonlySet<Currency> = new Set(['USD', 'USDC', 'USDT']);

/** True for USD, USDC, USDT. */
export function isUsdLike(c: Currency): boolean {
  return USD_LIKE.has(c);
}
