/**
 * OKX instrument ids.
 *
 * Grammar (upper-case; `YYMMDD` dates in 2000..2099, expiry 08:00 UTC on that date; strikes
 * in USD as plain decimals with `.`):
 *
 * | symbol                     | instrument                                                   |
 * |----------------------------|--------------------------------------------------------------|
 * | `BTC-USD-SWAP`             | inverse (coin-margined) perpetual, quote USD, settles in BTC |
 * | `BTC-USDT-SWAP`            | linear (USDT-margined) perpetual, settles in USDT            |
 * | `BTC-USD-250328`           | inverse future, settles in BTC                               |
 * | `BTC-USDT-250328`          | linear future, settles in USDT                               |
 * | `BTC-USD-250328-100000-C`  | inverse option (premium and settlement in BTC)               |
 * | `BTC-USDT`, `ETH-BTC`      | spot pair (quote one of `OKX_SPOT_QUOTES`)                   |
 *
 * USDC-margined OKX contracts are not supported (their contract sizes are not encoded).
 * Only the canonical spelling is accepted, so `formatOkxSymbol(parseOkxSymbol(s)) === s`.
 */
import type { Currency } from '../core/currency.ts';
import { contractSpecFor } from './contract-specs.ts';
import { expiryFromDate } from './expiry.ts';
import type { Future, Instrument, Perpetual, Spot, VanillaOption } from './instrument.ts';
import {
  checkSymbolText,
  currencyProblem,
  expiryText,
  formatError,
  formatNumericDate,
  isCurrencyCode,
  optionRightAt,
  parseNumericDate,
  parseStrike,
  rightLetter,
  strikeText,
  symbolError,
  type DerivativeCommon,
  type SymbolFail,
  verifiedSymbol,
} from './symbol-parts.ts';

const VENUE = 'OKX';
const FORM_ANY =
  'BTC-USD-250328-100000-C (or BTC-USD-SWAP, BTC-USDT-SWAP, BTC-USD-250328, BTC-USDT-250328, BTC-USDT)';
const FORM_OPTION = 'BTC-USD-250328-100000-C';

/**
 * Quote currencies accepted for OKX spot pairs (`BTC-USDT`). Restricted so that spot ids
 * cannot be confused with other venues' symbols (`ETH-PERP` is Derive, not an OKX pair).
 */
export const OKX_SPOT_QUOTES: ReadonlySet<Currency> = new Set([
  'USDT',
  'USDC',
  'USD',
  'EUR',
  'BTC',
  'ETH',
]);

/**
 * Parses an OKX instrument id (see the module doc for the grammar) into an `Instrument` with
 * venue `okx`, its contract spec (`ctVal`) and, for dated products, expiry 08:00 UTC. Throws
 * INVALID_SYMBOL naming `field` (default `symbol`) and the bad part.
 */
export function parseOkxSymbol(text: string, field = 'symbol'): Instrument {
  checkSymbolText(text, VENUE, FORM_ANY, field);
  const fail: SymbolFail = (part, problem, form = FORM_ANY) =>
    symbolError(VENUE, text, part, problem, form, field);

  const segs = text.split('-');
  const underlying = segs[0] ?? '';
  if (!isCurrencyCode(underlying)) throw fail('underlying', currencyProblem(underlying, 'BTC'));
  if (segs.length < 2) throw fail('quote currency', 'missing -USD or -USDT after the coin');
  const q = segs[1] ?? '';
  if (!isCurrencyCode(q)) throw fail('quote currency', currencyProblem(q, 'USD or USDT'));
  if (segs.length === 2) return spotOf(text, underlying, q, fail);

  if (q !== 'USD' && q !== 'USDT') {
    throw fail(
      'quote currency',
      `OKX derivatives are quoted in USD (coin-margined) or USDT (USDT-margined), got "${q}"`,
    );
  }
  const settlement = q === 'USD' ? 'inverse' : 'linear';
  const common: DerivativeCommon = {
    symbol: text,
    venue: 'okx',
    underlying,
    quote: q,
    settlementCurrency: q === 'USD' ? underlying : 'USDT',
    settlement,
  };
  const third = segs[2] ?? '';
  if (third === 'SWAP') {
    if (segs.length !== 3)
      throw fail('symbol', 'nothing may follow SWAP', 'BTC-USD-SWAP or BTC-USDT-SWAP');
    const perp: Perpetual = {
      ...common,
      kind: 'perpetual',
      contract: contractSpecFor('okx', 'perpetual', settlement, underlying),
    };
    return perp;
  }
  return datedOf(segs, common, fail);
}

/** A spot pair such as `BTC-USDT` (quote one of `OKX_SPOT_QUOTES`). */
function spotOf(text: string, underlying: Currency, q: Currency, fail: SymbolFail): Spot {
  if (!OKX_SPOT_QUOTES.has(q)) {
    throw fail(
      'quote currency',
      `spot quote must be one of ${[...OKX_SPOT_QUOTES].join(', ')}, got "${q}"`,
    );
  }
  return {
    symbol: text,
    venue: 'okx',
    kind: 'spot',
    underlying,
    quote: q,
    settlementCurrency: q,
    settlement: 'linear',
    contract: contractSpecFor('okx', 'spot', 'linear', underlying),
  };
}

/** A future (`BTC-USD-250328`) or an option (`BTC-USD-250328-100000-C`) from its segments. */
function datedOf(segs: readonly string[], common: DerivativeCommon, fail: SymbolFail): Instrument {
  const third = segs[2] ?? '';
  if (!/^[0-9]+$/.test(third))
    throw fail('expiry', `expected SWAP or a date YYMMDD, got "${third}"`);
  const date = parseNumericDate(third, 6);
  if (typeof date === 'string') throw fail('expiry', date);
  const expiryMs = expiryFromDate(date.year, date.month, date.day);
  const { settlement, underlying } = common;
  if (segs.length === 3) {
    const fut: Future = {
      ...common,
      kind: 'future',
      contract: contractSpecFor('okx', 'future', settlement, underlying),
      expiryMs,
    };
    return fut;
  }
  const right = optionRightAt(segs, 5, (part, problem) => fail(part, problem, FORM_OPTION));
  if (settlement !== 'inverse') {
    throw fail(
      'quote currency',
      `OKX options are coin-margined (BTC-USD-...), got "${common.quote}"`,
      FORM_OPTION,
    );
  }
  const strike = parseStrike(segs.slice(3, -1).join('-'), '.');
  if (typeof strike === 'string') throw fail('strike', strike, FORM_OPTION);
  const opt: VanillaOption = {
    ...common,
    kind: 'option',
    contract: contractSpecFor('okx', 'option', settlement, underlying),
    expiryMs,
    strike,
    right,
  };
  return opt;
}

/**
 * The OKX instrument id of `i` (the inverse of `parseOkxSymbol`). Built from the instrument's
 * fields, not its `symbol`; `i.venue` is not checked, so a Deribit instrument yields its OKX
 * twin when one exists. Throws INVALID_SYMBOL if the contract has no OKX id.
 */
export function formatOkxSymbol(i: Instrument): string {
  if (i.kind === 'digital' || i.kind === 'barrier') {
    throw formatError(VENUE, i, `OKX lists no ${i.kind} options`);
  }
  let text = `${i.underlying}-${i.quote}`;
  if (i.kind === 'perpetual') {
    text += '-SWAP';
  } else if (i.kind !== 'spot') {
    text += `-${expiryText(VENUE, i, (d) => formatNumericDate(d, 6), '2000..2099')}`;
    if (i.kind === 'option') text += `-${strikeText(VENUE, i, '.')}-${rightLetter(i.right)}`;
  }
  return verifiedSymbol(VENUE, i, text, parseOkxSymbol);
}
