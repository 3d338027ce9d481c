/**
 * A portfolio with trades added, executed at the snapshot's marks (the generic what-if in
 * margin/what-if.ts and the incremental Deribit PM what-if share it).
 */
import { isOptionLike, type Instrument } from '../instruments/instrument.ts';
import { markInstrument } from '../market/marks.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import {
  applyFill,
  portfolio as makePortfolio,
  type Portfolio,
  type Position,
} from './portfolio.ts';

/**
 * The book after trades executed at the snapshot's marks: futures, perps and spot fill at the
 * mark (`applyFill`: reduced positions realise their P&L into the balance), options and other
 * premium products are paid for at the mark from the settlement-currency balance (premium =
 * size × mark, settlement currency). So a what-if changes equity only through what the trade
 * really changes, never by a lost P&L. `markOf` gives an instrument's mark (`markInstrument`'s
 * price on `snapshot`; a prepared book passes its memo of it).
 */
export function withTrades(
  p: Portfolio,
  trades: readonly Position[],
  snapshot: MarketSnapshot,
  markOf: (inst: Instrument) => number = (inst) => markInstrument(inst, snapshot).price,
): Portfolio {
  let book = p;
  for (const t of trades) {
    const mark = markOf(t.instrument);
    if (!isOptionLike(t.instrument)) {
      book = applyFill(book, { instrument: t.instrument, size: t.size, price: mark });
      continue;
    }
    const ccy = t.instrument.settlementCurrency;
    const premium = t.size * mark;
    const balances = book.balances.some((b) => b.currency === ccy)
      ? book.balances.map((b) =>
          b.currency === ccy ? { currency: ccy, amount: b.amount - premium } : b,
        )
      : [...book.balances, { currency: ccy, amount: -premium }];
    book = makePortfolio([...book.positions, t], balances, book.name);
  }
  return book;
}
