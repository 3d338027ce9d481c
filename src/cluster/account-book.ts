/**
 * The accounts of one partition, in memory: each account's latest state and sequence number,
 * changes applied strictly in per-account sequence order (a change that arrives early waits
 * for the ones before it; one already applied is ignored), and each account's last health
 * state (for events).
 */
import type { MarketSnapshot } from '../market/snapshot.ts';
import { holdAccount, type HeldAccount } from './marginer.ts';
import type { AccountChange, ResultState } from './messages.ts';

/** One partition's accounts. */
export interface AccountBook {
  /** Open accounts by id. */
  readonly accounts: Map<string, HeldAccount>;
  /** Last applied sequence number per account id (closed accounts keep theirs). */
  readonly seqs: Map<string, number>;
  /** Changes that arrived before their predecessors, by id then seq. */
  readonly early: Map<string, Map<number, AccountChange>>;
  /** Last health state per open account. */
  readonly states: Map<string, ResultState>;
  /** Bumped by every applied change (an engine batch over the book rebuilds when it moved). */
  version: number;
}

/** An empty book. */
export function emptyBook(): AccountBook {
  return {
    accounts: new Map(),
    seqs: new Map(),
    early: new Map(),
    states: new Map(),
    version: 0,
  };
}

/** What applying one change did to an account. */
export interface AppliedChange {
  readonly id: string;
  readonly seq: number;
  /** The account after the change (undefined when it was closed). */
  readonly account: HeldAccount | undefined;
}

function applyOne(book: AccountBook, c: AccountChange, base: MarketSnapshot): AppliedChange {
  book.seqs.set(c.id, c.seq);
  book.version++;
  if (c.closed || c.account === undefined) {
    book.accounts.delete(c.id);
    book.states.delete(c.id);
    return { id: c.id, seq: c.seq, account: undefined };
  }
  const held = holdAccount(c.id, c.seq, c.account, base);
  book.accounts.set(c.id, held);
  return { id: c.id, seq: c.seq, account: held };
}

/**
 * Applies a change in sequence order: returns the changes applied now, in order (none if it
 * is early or a duplicate; several when it fills a gap).
 */
export function applyChange(
  book: AccountBook,
  c: AccountChange,
  base: MarketSnapshot,
): AppliedChange[] {
  const last = book.seqs.get(c.id) ?? 0;
  if (c.seq <= last) return [];
  if (c.seq > last + 1) {
    let waiting = book.early.get(c.id);
    if (!waiting) book.early.set(c.id, (waiting = new Map()));
    waiting.set(c.seq, c);
    return [];
  }
  const applied = [applyOne(book, c, base)];
  const waiting = book.early.get(c.id);
  if (waiting) {
    for (let next = waiting.get(c.seq + 1); next; next = waiting.get(next.seq + 1)) {
      waiting.delete(next.seq);
      applied.push(applyOne(book, next, base));
    }
    if (waiting.size === 0) book.early.delete(c.id);
  }
  return applied;
}

/** Number of changes waiting for a predecessor. */
export function earlyCount(book: AccountBook): number {
  let n = 0;
  for (const w of book.early.values()) n += w.size;
  return n;
}

/** Open accounts sorted by id (the order results are batched in). */
export function sortedAccounts(book: AccountBook): HeldAccount[] {
  return [...book.accounts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
