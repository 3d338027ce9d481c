/**
 * The cluster's semantics in one process, for checking the cluster against (and for small
 * books): every account change applied in sequence order and margined at the current market
 * (that account alone), and each tick in order re-margins the accounts it moves
 * (partition-market.ts: for deribit-pm the accounts holding a re-priced row, as `ballast
 * engine run`; for the per-account models every open account); a duplicate or older tick is
 * ignored, and so is a tick the market cannot apply. Results are keyed by (account, tick) —
 * a change's result by (account, seq) — and events are state changes from the account's
 * previous result (a new account starts healthy). One partition holds every account: which
 * accounts a tick moves does not depend on how they are partitioned.
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { applyChange, emptyBook, type AccountBook } from './account-book.ts';
import { healthEvent, type HeldAccount, type ModelSetup } from './marginer.ts';
import type { AccountChange, AccountResult, HealthEvent, TickMessage } from './messages.ts';
import { partitionMarket, type PartitionMarket } from './partition-market.ts';

/** Everything a run produced. */
export interface RunOutput {
  readonly results: AccountResult[];
  readonly events: HealthEvent[];
}

/** Margins `accounts` at the market's current tick, recording results and events. */
function record(
  book: AccountBook,
  m: PartitionMarket,
  accounts: readonly HeldAccount[],
  out: RunOutput,
): void {
  m.margin(accounts, book).forEach((r) => {
    const e = healthEvent(book.states.get(r.result.id), r);
    book.states.set(r.result.id, r.result.state);
    out.results.push(r.result);
    if (e) out.events.push(e);
  });
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
  const m = partitionMarket(base, setup);
  for (const c of changes)
    for (const a of applyChange(book, c, base)) if (a.account) record(book, m, [a.account], out);
  for (const t of ticks) {
    if (t.tick <= m.tick) continue;
    const moved = m.applyTick(t, book);
    if (typeof moved === 'string') continue; // ignored (stale, unknown underlying or expiry)
    record(book, m, moved.accounts, out);
  }
  return out;
}
