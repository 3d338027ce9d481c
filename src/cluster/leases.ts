/**
 * Partition leases in a JetStream KV bucket whose entries expire after the lease TTL
 * (topology.ts). A worker takes partition p by creating key `p.<p>` (fails if it exists),
 * keeps it by updating it at its last revision on every heartbeat (fails if anyone else wrote
 * it), and gives it back by deleting it. A dead worker stops renewing: its entries expire
 * after the TTL and another worker's create succeeds. Workers also heartbeat `w.<name>`, so
 * each can take a fair share, ceil(partitions / live workers).
 */
import type { KV } from '@nats-io/kv';

/** What a lease key holds. */
interface LeaseValue {
  readonly worker: string;
}

const leaseKey = (p: number): string => `p.${p}`;

/** Takes partition `p` if free: its revision, or undefined when held by someone. */
export async function acquireLease(kv: KV, p: number, worker: string): Promise<number | undefined> {
  try {
    return await kv.create(leaseKey(p), JSON.stringify({ worker } satisfies LeaseValue));
  } catch {
    return undefined;
  }
}

/**
 * Renews a lease held at `revision`: the new revision, `lost` when someone else wrote it (or
 * it expired and was deleted), or `error` when the server did not answer.
 */
export async function renewLease(
  kv: KV,
  p: number,
  worker: string,
  revision: number,
): Promise<number | 'lost' | 'error'> {
  try {
    return await kv.update(leaseKey(p), JSON.stringify({ worker } satisfies LeaseValue), revision);
  } catch (e) {
    return /wrong last sequence/i.test((e as Error).message) ? 'lost' : 'error';
  }
}

/** Gives a lease back (only if still ours at `revision`). */
export async function releaseLease(kv: KV, p: number, revision: number): Promise<void> {
  await kv.delete(leaseKey(p), { previousSeq: revision }).catch(() => undefined);
}

/** Announces a live worker (expires with the bucket TTL unless repeated). */
export async function heartbeatWorker(kv: KV, worker: string): Promise<void> {
  await kv.put(`w.${worker}`, String(Date.now()));
}

/** Names of live workers. */
export async function liveWorkers(kv: KV): Promise<string[]> {
  // A key written while the listing runs can be listed twice: count names once.
  const names = new Set<string>();
  for await (const k of await kv.keys('w.*')) names.add(k.slice(2));
  return [...names].sort();
}

/** Holder of each held partition lease. */
export async function leaseHolders(kv: KV): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for await (const k of await kv.keys('p.*')) {
    const e = await kv.get(k);
    if (e && e.operation === 'PUT') out.set(Number(k.slice(2)), e.json<LeaseValue>().worker);
  }
  return out;
}

/** The fair share of `partitions` among `workers` live workers (at least 1 worker). */
export function fairShare(partitions: number, workers: number): number {
  return Math.ceil(partitions / Math.max(1, workers));
}
