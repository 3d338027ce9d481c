/**
 * The cluster's semantics in one process, for checking the cluster against (and for small
 * books): every account change applied in sequence order and margined at the base market
 * (tick 0), then each tick in order re-margins every open account; a duplicate or older tick
 * is ignored, and so is a tick the market cannot apply (marginer.ts `nextMarket`). Results are keyed by (account, tick) — tick-0 results by (account, seq) — and
 * events are state changes from the account's previous result (a new account starts healthy).
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { applyChange, emptyBook, sortedAccounts, type AccountBook } from './account-book.ts';
import {
  baseMarket,
  healthEvent,
  marginAccount,
  nextMarket,
  type ModelSetup,
  type TickMarket,
} from './marginer.ts';
import type { AccountChange, AccountResult, HealthEvent, TickMessage } from './messages.ts';

/** Everything a run produced. */
export interface RunOutput {
  readonly results: AccountResult[];
  readonly events: HealthEvent[];
}

/** Margins the accounts a change touched, at `m`, recording results and events. */
export function marginChanges(
  book: AccountBook,
  change: AccountChange,
  base: MarketSnapshot,
  m: TickMarket,
  setup: ModelSetup,
  out: RunOutput,
): void {
  for (const a of applyChange(book, change, base)) {
    if (a.account === undefined) continue;
    const r = marginAccount(a.account, m, setup);
    const e = healthEvent(book.states.get(a.id), r);
    book.states.set(a.id, r.result.state);
    out.results.push(r.result);
    if (e) out.events.push(e);
  }
}

/** Re-margins every open account of `book` at `m` (accounts in id order). */
export function marginTick(
  book: AccountBook,
  m: TickMarket,
  setup: ModelSetup,
  out: RunOutput,
): void {
  for (const a of sortedAccounts(book)) {
    const r = marginAccount(a, m, setup);
    const e = healthEvent(book.states.get(a.id), r);
    book.states.set(a.id, r.result.state);
    out.results.push(r.result);
    if (e) out.events.push(e);
  }
}

/** The in-process run (see module doc). */
export function runLocal(
  base: MarketSnapshot,
  setup: ModelSetup,
  changes: readonly AccountChange[],
  ticks: readonly TickMessage[],
): RunOutput {
  const out: RunOutput = { results: [], events: [] };
  const book = emptyBook();
  let m = baseMarket(base, setup);
  for (const c of changes) marginChanges(book, c, base, m, setup, out);
  for (const t of ticks) {
    if (t.tick <= m.tick) continue;
    const next = nextMarket(base, m, t);
    if (typeof next === 'string') continue; // ignored (stale, unknown underlying or expiry)
    m = next;
    marginTick(book, m, setup, out);
  }
  return out;
}
