/**
 * Instrument definitions: plain immutable data, no pricing (pricing lives in src/pricing).
 *
 * Conventions (docs/architecture.md, "Units"):
 * - `underlying` is the base coin (`BTC`), `quote` the pricing currency (`USD` for inverse
 *   and USD-indexed products, `USDC`/`USDT` for linear ones).
 * - `settlement: 'inverse'` means valued and settled in the base coin (Deribit BTC options,
 *   BTC-USD-SWAP); `'linear'` means valued and settled in `settlementCurrency` (a stable).
 * - Positions are always sized in base units (coins). `contract` says how many base units
 *   (or USD, for inverse futures/swaps) one venue contract is, for conversion at the boundary.
 * - Expiries are epoch milliseconds UTC.
 */
import type { Currency } from '../core/currency.ts';

/** Venues whose symbols and contract specs we know. `generic` is for user-defined instruments. */
export type Venue = 'deribit' | 'okx' | 'derive' | 'generic';

/** How an instrument settles: in the base coin (inverse) or in a stable (linear). */
export type Settlement = 'linear' | 'inverse';

/** Call or put. */
export type OptionRight = 'call' | 'put';

/** The eight single-barrier types are `barrierType` × `right`. */
export type BarrierType = 'down-in' | 'down-out' | 'up-in' | 'up-out';

/** Digital payoff kinds. */
export type DigitalPayoff = 'cash-or-nothing' | 'asset-or-nothing';

/**
 * Size of one venue contract. `unit: 'base'` means `size` coins per contract (Deribit
 * options: 1 BTC; OKX BTC-USDT-SWAP: 0.01 BTC); `unit: 'usd'` means `size` USD of face
 * value per contract (Deribit BTC futures: 10 USD; OKX BTC-USD-SWAP: 100 USD), which
 * converts to coins at the trade or mark price.
 */
export interface ContractSpec {
  readonly size: number;
  readonly unit: 'base' | 'usd';
  /** Minimum order size in contracts (the venue's lot step), if known. */
  readonly minTradeContracts?: number;
}

interface Common {
  /** Canonical venue symbol, e.g. `BTC-27DEC24-50000-C`. */
  readonly symbol: string;
  readonly venue: Venue;
  /** Base coin, e.g. `BTC`. */
  readonly underlying: Currency;
  /** Pricing currency, e.g. `USD`, `USDC`. */
  readonly quote: Currency;
  /** Currency the instrument is valued and settled in (`BTC` for inverse, `USDC` for linear). */
  readonly settlementCurrency: Currency;
  readonly settlement: Settlement;
  readonly contract: ContractSpec;
}

/** Spot holding of a coin. Linear by nature (its USD value is `size × spot`). */
export interface Spot extends Common {
  readonly kind: 'spot';
}

/** Dated future, linear or inverse. */
export interface Future extends Common {
  readonly kind: 'future';
  readonly expiryMs: number;
}

/** Perpetual swap, linear or inverse. */
export interface Perpetual extends Common {
  readonly kind: 'perpetual';
}

/** European vanilla option on the expiry's forward (Black-76), linear or inverse. */
export interface VanillaOption extends Common {
  readonly kind: 'option';
  readonly expiryMs: number;
  readonly strike: number;
  readonly right: OptionRight;
}

/**
 * European digital. Cash-or-nothing pays `cash` (in the quote currency) if it finishes in
 * the money; asset-or-nothing pays one unit of the underlying's value.
 */
export interface DigitalOption extends Common {
  readonly kind: 'digital';
  readonly expiryMs: number;
  readonly strike: number;
  readonly right: OptionRight;
  readonly payoff: DigitalPayoff;
  /** Cash amount for cash-or-nothing (quote currency); ignored for asset-or-nothing. */
  readonly cash: number;
}

/**
 * Single-barrier European option, continuously monitored (Reiner-Rubinstein). The rebate is
 * paid at the hit for knock-outs and at expiry for knock-ins that never knocked in (Haug).
 */
export interface BarrierOption extends Common {
  readonly kind: 'barrier';
  readonly expiryMs: number;
  readonly strike: number;
  readonly right: OptionRight;
  readonly barrierType: BarrierType;
  readonly barrier: number;
  readonly rebate: number;
}

/** Any instrument Ballast can value. Discriminated on `kind`. */
export type Instrument = Spot | Future | Perpetual | VanillaOption | DigitalOption | BarrierOption;

/** Instruments with an expiry. */
export type DatedInstrument = Future | VanillaOption | DigitalOption | BarrierOption;

/** True if the instrument has an expiry. */
export function isDated(i: Instrument): i is DatedInstrument {
  return i.kind === 'future' || i.kind === 'option' || i.kind === 'digital' || i.kind === 'barrier';
}

/** True for anything with optionality (vanilla, digital, barrier). */
export function isOptionLike(i: Instrument): i is VanillaOption | DigitalOption | BarrierOption {
  return i.kind === 'option' || i.kind === 'digital' || i.kind === 'barrier';
}
