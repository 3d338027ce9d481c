/**
 * Contract sizes per venue and product, as data plus a lookup.
 *
 * A `ContractSpec` says what one venue contract is: `unit: 'base'` = `size` coins per
 * contract, `unit: 'usd'` = `size` USD of face value per contract (inverse futures/swaps,
 * converted to coins at a price). The engine sizes every position in coins; these specs are
 * only used at the venue boundary (see `toBaseUnits` in ./symbol.ts).
 *
 * Each row is marked `source: 'venue'` (taken from the venue's published contract
 * specifications as we know them) or `source: 'assumed'` (a default for coins we have not
 * checked; verify against the venue's instrument API before relying on it). Venues change
 * contract sizes from time to time; the venue's instrument endpoint (Deribit
 * `public/get_instruments` `contract_size`, OKX `/api/v5/public/instruments` `ctVal`) is the
 * authority.
 */
import { BallastError } from '../core/errors.ts';
import type { Currency } from '../core/currency.ts';
import type { ContractSpec, Settlement, Venue } from './instrument.ts';

/** Listed product types that have contract specs (digitals and barriers are OTC-only here). */
export type ProductType = 'spot' | 'future' | 'perpetual' | 'option';

/** One row of the contract-spec table. */
export interface ContractSpecEntry {
  readonly venue: Venue;
  readonly product: ProductType;
  readonly settlement: Settlement;
  /** Base coin the row applies to, or `'*'` for the venue's default for any other coin. */
  readonly underlying: Currency | '*';
  readonly spec: ContractSpec;
  /** `venue`: from the venue's published specs; `assumed`: unverified default. */
  readonly source: 'venue' | 'assumed';
  /** What the row encodes, and any uncertainty. */
  readonly note: string;
}

const base = (size: number): ContractSpec => Object.freeze({ size, unit: 'base' as const });
const usd = (size: number): ContractSpec => Object.freeze({ size, unit: 'usd' as const });

/**
 * The contract-spec table. Lookup takes the row for the exact underlying if present, else
 * the `'*'` row of the same venue/product/settlement.
 */
// prettier-ignore
export const CONTRACT_SPECS: readonly ContractSpecEntry[] = Object.freeze([
  // --- Deribit -------------------------------------------------------------------------
  // Inverse (coin-margined) options, e.g. BTC-27DEC24-50000-C: premium quoted in coin,
  // settled in coin, strike in USD; API `amount`/`size` in coins.
  { venue: 'deribit', product: 'option', settlement: 'inverse', underlying: 'BTC', spec: base(1), source: 'venue', note: 'Deribit BTC inverse option: 1 BTC per contract, settled in BTC' },
  { venue: 'deribit', product: 'option', settlement: 'inverse', underlying: 'ETH', spec: base(1), source: 'venue', note: 'Deribit ETH inverse option: 1 ETH per contract, settled in ETH' },
  { venue: 'deribit', product: 'option', settlement: 'inverse', underlying: '*', spec: base(1), source: 'assumed', note: 'Deribit lists inverse options on BTC and ETH only; 1 coin assumed for others' },
  // Inverse futures and perpetuals, e.g. BTC-27DEC24, BTC-PERPETUAL: sized in USD.
  { venue: 'deribit', product: 'future', settlement: 'inverse', underlying: 'BTC', spec: usd(10), source: 'venue', note: 'Deribit BTC inverse future: 10 USD per contract, API amount in USD, settled in BTC' },
  { venue: 'deribit', product: 'future', settlement: 'inverse', underlying: 'ETH', spec: usd(1), source: 'venue', note: 'Deribit ETH inverse future: 1 USD per contract, API amount in USD, settled in ETH' },
  { venue: 'deribit', product: 'future', settlement: 'inverse', underlying: '*', spec: usd(1), source: 'assumed', note: 'Deribit lists inverse futures on BTC and ETH only; 1 USD assumed for others' },
  { venue: 'deribit', product: 'perpetual', settlement: 'inverse', underlying: 'BTC', spec: usd(10), source: 'venue', note: 'BTC-PERPETUAL: 10 USD per contract, API amount in USD, settled in BTC' },
  { venue: 'deribit', product: 'perpetual', settlement: 'inverse', underlying: 'ETH', spec: usd(1), source: 'venue', note: 'ETH-PERPETUAL: 1 USD per contract, API amount in USD, settled in ETH' },
  { venue: 'deribit', product: 'perpetual', settlement: 'inverse', underlying: '*', spec: usd(1), source: 'assumed', note: 'Deribit lists inverse perpetuals on BTC and ETH only; 1 USD assumed for others' },
  // Linear USDC perpetuals, e.g. BTC_USDC-PERPETUAL: sized in coin, settled in USDC.
  { venue: 'deribit', product: 'perpetual', settlement: 'linear', underlying: 'BTC', spec: base(0.001), source: 'venue', note: 'BTC_USDC-PERPETUAL: 0.001 BTC per contract, settled in USDC' },
  { venue: 'deribit', product: 'perpetual', settlement: 'linear', underlying: 'ETH', spec: base(0.01), source: 'venue', note: 'ETH_USDC-PERPETUAL: 0.01 ETH per contract, settled in USDC' },
  { venue: 'deribit', product: 'perpetual', settlement: 'linear', underlying: 'SOL', spec: base(0.1), source: 'venue', note: 'SOL_USDC-PERPETUAL: 0.1 SOL per contract, settled in USDC' },
  { venue: 'deribit', product: 'perpetual', settlement: 'linear', underlying: '*', spec: base(1), source: 'assumed', note: 'Deribit USDC perpetual on another coin: 1 coin assumed, check venue contract_size' },
  // Linear USDC futures, e.g. BTC_USDC-27DEC24: assumed to share the perpetuals' sizes.
  { venue: 'deribit', product: 'future', settlement: 'linear', underlying: 'BTC', spec: base(0.001), source: 'assumed', note: 'Deribit BTC_USDC future: assumed same size as BTC_USDC-PERPETUAL (0.001 BTC)' },
  { venue: 'deribit', product: 'future', settlement: 'linear', underlying: 'ETH', spec: base(0.01), source: 'assumed', note: 'Deribit ETH_USDC future: assumed same size as ETH_USDC-PERPETUAL (0.01 ETH)' },
  { venue: 'deribit', product: 'future', settlement: 'linear', underlying: 'SOL', spec: base(0.1), source: 'assumed', note: 'Deribit SOL_USDC future: assumed same size as SOL_USDC-PERPETUAL (0.1 SOL)' },
  { venue: 'deribit', product: 'future', settlement: 'linear', underlying: '*', spec: base(1), source: 'assumed', note: 'Deribit USDC future on another coin: 1 coin assumed, check venue contract_size' },
  // Linear USDC options, e.g. SOL_USDC-27DEC24-150-P: premium and settlement in USDC.
  { venue: 'deribit', product: 'option', settlement: 'linear', underlying: 'BTC', spec: base(0.01), source: 'assumed', note: 'Deribit BTC_USDC option: 0.01 BTC per contract (assumed, check venue contract_size)' },
  { venue: 'deribit', product: 'option', settlement: 'linear', underlying: 'ETH', spec: base(0.1), source: 'assumed', note: 'Deribit ETH_USDC option: 0.1 ETH per contract (assumed, check venue contract_size)' },
  { venue: 'deribit', product: 'option', settlement: 'linear', underlying: '*', spec: base(1), source: 'assumed', note: 'Deribit USDC option on another coin (SOL, XRP, ...): 1 coin assumed, check venue contract_size' },
  // Spot pairs, e.g. BTC_USDC: amounts in the base coin.
  { venue: 'deribit', product: 'spot', settlement: 'linear', underlying: '*', spec: base(1), source: 'venue', note: 'Deribit spot pair: amounts in the base coin' },

  // --- OKX -----------------------------------------------------------------------------
  // Coin-margined (inverse) swaps and futures, e.g. BTC-USD-SWAP, BTC-USD-250328.
  { venue: 'okx', product: 'perpetual', settlement: 'inverse', underlying: 'BTC', spec: usd(100), source: 'venue', note: 'OKX BTC-USD-SWAP: ctVal 100 USD, settled in BTC' },
  { venue: 'okx', product: 'perpetual', settlement: 'inverse', underlying: '*', spec: usd(10), source: 'venue', note: 'OKX coin-margined swaps other than BTC: ctVal 10 USD, settled in the coin' },
  { venue: 'okx', product: 'future', settlement: 'inverse', underlying: 'BTC', spec: usd(100), source: 'venue', note: 'OKX BTC-USD-YYMMDD: ctVal 100 USD, settled in BTC' },
  { venue: 'okx', product: 'future', settlement: 'inverse', underlying: '*', spec: usd(10), source: 'venue', note: 'OKX coin-margined futures other than BTC: ctVal 10 USD, settled in the coin' },
  // USDT-margined (linear) swaps and futures, e.g. BTC-USDT-SWAP, BTC-USDT-250328.
  { venue: 'okx', product: 'perpetual', settlement: 'linear', underlying: 'BTC', spec: base(0.01), source: 'venue', note: 'OKX BTC-USDT-SWAP: ctVal 0.01 BTC, settled in USDT' },
  { venue: 'okx', product: 'perpetual', settlement: 'linear', underlying: 'ETH', spec: base(0.1), source: 'venue', note: 'OKX ETH-USDT-SWAP: ctVal 0.1 ETH, settled in USDT' },
  { venue: 'okx', product: 'perpetual', settlement: 'linear', underlying: '*', spec: base(1), source: 'assumed', note: 'OKX USDT swap on another coin: 1 coin assumed; ctVal varies per coin, check venue' },
  { venue: 'okx', product: 'future', settlement: 'linear', underlying: 'BTC', spec: base(0.01), source: 'venue', note: 'OKX BTC-USDT-YYMMDD: ctVal 0.01 BTC (as the swap), settled in USDT' },
  { venue: 'okx', product: 'future', settlement: 'linear', underlying: 'ETH', spec: base(0.1), source: 'venue', note: 'OKX ETH-USDT-YYMMDD: ctVal 0.1 ETH (as the swap), settled in USDT' },
  { venue: 'okx', product: 'future', settlement: 'linear', underlying: '*', spec: base(1), source: 'assumed', note: 'OKX USDT future on another coin: 1 coin assumed; ctVal varies per coin, check venue' },
  // Coin-margined options, e.g. BTC-USD-250328-100000-C: premium and settlement in coin.
  { venue: 'okx', product: 'option', settlement: 'inverse', underlying: 'BTC', spec: base(0.01), source: 'venue', note: 'OKX BTC-USD option: ctMult 0.01 BTC per contract, premium and settlement in BTC' },
  { venue: 'okx', product: 'option', settlement: 'inverse', underlying: 'ETH', spec: base(0.1), source: 'venue', note: 'OKX ETH-USD option: ctMult 0.1 ETH per contract, premium and settlement in ETH' },
  { venue: 'okx', product: 'option', settlement: 'inverse', underlying: '*', spec: base(1), source: 'assumed', note: 'OKX option on another coin: 1 coin assumed, check venue' },
  { venue: 'okx', product: 'spot', settlement: 'linear', underlying: '*', spec: base(1), source: 'venue', note: 'OKX spot pair: amounts in the base coin' },

  // --- Derive --------------------------------------------------------------------------
  { venue: 'derive', product: 'option', settlement: 'linear', underlying: '*', spec: base(1), source: 'venue', note: 'Derive option (ETH-20250228-4000-C): 1 coin per contract, settled in USDC' },
  { venue: 'derive', product: 'perpetual', settlement: 'linear', underlying: '*', spec: base(1), source: 'venue', note: 'Derive perpetual (ETH-PERP): 1 coin per contract, settled in USDC' },

  // --- generic (user-defined) -----------------------------------------------------------
  ...(['spot', 'future', 'perpetual', 'option'] as const).flatMap((product) =>
    (['linear', 'inverse'] as const).map(
      (settlement): ContractSpecEntry => ({
        venue: 'generic',
        product,
        settlement,
        underlying: '*',
        spec: base(1),
        source: 'assumed',
        note: 'user-defined instrument: sized directly in coins (1 coin per unit)',
      }),
    ),
  ),
] satisfies ContractSpecEntry[]);

/**
 * The table row for (`venue`, `product`, `settlement`, `underlying`): the exact-underlying row
 * if present, else the venue's `'*'` default row. Throws UNSUPPORTED (field `symbol`) if the
 * venue does not list that product type (e.g. Derive dated futures, OKX linear options).
 */
export function lookupContractSpec(
  venue: Venue,
  product: ProductType,
  settlement: Settlement,
  underlying: Currency,
): ContractSpecEntry {
  let fallback: ContractSpecEntry | undefined;
  for (const e of CONTRACT_SPECS) {
    if (e.venue !== venue || e.product !== product || e.settlement !== settlement) continue;
    if (e.underlying === underlying) return e;
    if (e.underlying === '*') fallback = e;
  }
  if (fallback !== undefined) return fallback;
  throw new BallastError(
    'UNSUPPORTED',
    `no contract spec for ${settlement} ${product} on ${venue} (${underlying})`,
    'symbol',
    { venue, product, settlement, underlying },
  );
}

/** The `ContractSpec` of (`venue`, `product`, `settlement`, `underlying`); see `lookupContractSpec`. */
export function contractSpecFor(
  venue: Venue,
  product: ProductType,
  settlement: Settlement,
  underlying: Currency,
): ContractSpec {
  return lookupContractSpec(venue, product, settlement, underlying).spec;
}
