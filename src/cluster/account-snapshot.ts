/**
 * KV snapshots of a partition's accounts, so that a worker taking a partition over replays
 * only the tail of the account stream.
 *
 * A snapshot is the partition's account book (open accounts as they arrived with their
 * sequence numbers, the last sequence number of closed accounts, changes still waiting for
 * a predecessor) together with `streamSeq`, the account stream's sequence number it
 * includes: every change of the partition stored at or below it is in the snapshot, none
 * above. It is taken only when the partition's account consumer has nothing delivered and
 * unacknowledged, with `streamSeq` = the consumer's ack floor (so no change in it can still
 * be redelivered without its result having been published).
 *
 * Layout in the state bucket: the text cut into chunks of at most `CHUNK_CHARS` characters
 * (NATS values are limited by the server's max payload, 1 MB by default) under
 * `snap.<p>.<gen>.<k>`, then the header `snap.<p>` = `{gen, streamSeq, chunks, accounts}`
 * written last (a reader never sees a half-written generation); the previous generation's
 * chunks are deleted afterwards.
 */
import type { KV } from '@nats-io/kv';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { emptyBook, type AccountBook } from './account-book.ts';
import { holdAccount } from './marginer.ts';
import { changeFromJson, type AccountChange, type AccountJson } from './messages.ts';

/** Characters per KV value (≤ 4 bytes each in UTF-8: under the 1 MB default payload). */
export const CHUNK_CHARS = 200_000;

/** The header of a partition's snapshot. */
export interface SnapshotHeader {
  /** Generation (increasing per partition). */
  readonly gen: number;
  /** Account stream sequence the snapshot includes (every change of the partition ≤ it). */
  readonly streamSeq: number;
  readonly chunks: number;
  /** Open accounts in the snapshot. */
  readonly accounts: number;
}

/** The body: open accounts, closed accounts' last seq, early changes. */
interface SnapshotBody {
  readonly open: { id: string; seq: number; account: AccountJson }[];
  readonly closed: [string, number][];
  readonly early: AccountChange[];
}

const headerKey = (p: number) => `snap.${p}`;
const chunkKey = (p: number, gen: number, k: number) => `snap.${p}.${gen}.${k}`;

/** Reads the header of partition `p`'s snapshot (undefined when none was written). */
export async function snapshotHeader(kv: KV, p: number): Promise<SnapshotHeader | undefined> {
  const e = await kv.get(headerKey(p));
  return e && e.operation === 'PUT' ? e.json<SnapshotHeader>() : undefined;
}

/** Writes the book as partition `p`'s snapshot at `streamSeq`; returns its header. */
export async function writeSnapshot(
  kv: KV,
  p: number,
  book: AccountBook,
  streamSeq: number,
): Promise<SnapshotHeader> {
  const body: SnapshotBody = {
    open: [...book.accounts.values()].map((a) => ({ id: a.id, seq: a.seq, account: a.json })),
    closed: [...book.seqs].filter(([id]) => !book.accounts.has(id)),
    early: [...book.early.values()].flatMap((m) => [...m.values()]),
  };
  const text = JSON.stringify(body);
  const prev = await snapshotHeader(kv, p);
  const gen = (prev?.gen ?? 0) + 1;
  const chunks = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
  for (let k = 0; k < chunks; k++)
    await kv.put(chunkKey(p, gen, k), text.slice(k * CHUNK_CHARS, (k + 1) * CHUNK_CHARS));
  const header: SnapshotHeader = { gen, streamSeq, chunks, accounts: body.open.length };
  await kv.put(headerKey(p), JSON.stringify(header));
  if (prev)
    for (let k = 0; k < prev.chunks; k++)
      await kv.purge(chunkKey(p, prev.gen, k)).catch(() => undefined);
  return header;
}

/**
 * Loads partition `p`'s snapshot into a new book (accounts parsed against `base` as when
 * they arrived). Undefined when there is none; throws when a chunk is missing (the caller then replays
 * the whole stream).
 */
export async function readSnapshot(
  kv: KV,
  p: number,
  base: MarketSnapshot,
): Promise<{ header: SnapshotHeader; book: AccountBook } | undefined> {
  const header = await snapshotHeader(kv, p);
  if (!header) return undefined;
  let text = '';
  for (let k = 0; k < header.chunks; k++) {
    const e = await kv.get(chunkKey(p, header.gen, k));
    if (!e || e.operation !== 'PUT') throw new Error(`${chunkKey(p, header.gen, k)} is missing`);
    text += e.string();
  }
  const body = JSON.parse(text) as SnapshotBody;
  const book = emptyBook();
  for (const a of body.open) {
    book.accounts.set(a.id, holdAccount(a.id, a.seq, a.account, base));
    book.seqs.set(a.id, a.seq);
  }
  for (const [id, seq] of body.closed) book.seqs.set(id, seq);
  for (const c of body.early) {
    const change = changeFromJson(c as unknown as Record<string, unknown>, 'snapshot.early');
    let waiting = book.early.get(change.id);
    if (!waiting) book.early.set(change.id, (waiting = new Map()));
    waiting.set(change.seq, change);
  }
  book.version++;
  return { header, book };
}
