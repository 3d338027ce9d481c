/**
 * Names and creation of the cluster's streams, consumers and key-value buckets, all under one
 * prefix (default `ballast`, so tests and several clusters on one server never collide):
 *
 * | stream | subjects | content |
 * |---|---|---|
 * | `<P>_TICKS` | `<prefix>.ticks.<underlying>` | market ticks |
 * | `<P>_ACCOUNTS` | `<prefix>.accounts.<partition>` | account changes |
 * | `<P>_RESULTS` | `<prefix>.results.<partition>` | result batches |
 * | `<P>_EVENTS` | `<prefix>.events` | health events |
 *
 * (`<P>` is the prefix in capitals, `-` as `_`). Every stream is file-backed with a
 * de-duplication window (`duplicateWindowMs`) so message ids make publishing idempotent.
 * Buckets: `<prefix>-leases` (partition leases and worker heartbeats; entries expire after the
 * lease TTL unless renewed) and `<prefix>-state` (the cluster config and each partition's
 * checkpoint). Per partition p, durable pull consumers `acc-p` (its account subject) and
 * `tick-p` (every tick), explicit acknowledgement.
 */
import { AckPolicy, DeliverPolicy, type ConsumerConfig } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { BallastError } from '../core/errors.ts';
import type { ClusterConnection } from './connection.ts';

/** The de-duplication window of every stream (ms). */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** Every name derived from a prefix. */
export interface Topology {
  readonly prefix: string;
  readonly streams: {
    readonly ticks: string;
    readonly accounts: string;
    readonly results: string;
    readonly events: string;
  };
  readonly leaseBucket: string;
  readonly stateBucket: string;
  tickSubject(underlying: string): string;
  accountSubject(partition: number): string;
  resultSubject(partition: number): string;
  readonly eventSubject: string;
}

/** The names under `prefix` (letters, digits, `-`, `_`; starting with a letter). */
export function topology(prefix: string): Topology {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,40}$/.test(prefix))
    throw new BallastError(
      'INVALID_INPUT',
      `must be letters, digits, - or _ (starting with a letter), got "${prefix}"`,
      '--prefix',
    );
  const P = prefix.toUpperCase().replace(/-/g, '_');
  return {
    prefix,
    streams: {
      ticks: `${P}_TICKS`,
      accounts: `${P}_ACCOUNTS`,
      results: `${P}_RESULTS`,
      events: `${P}_EVENTS`,
    },
    leaseBucket: `${prefix}-leases`,
    stateBucket: `${prefix}-state`,
    tickSubject: (u) => `${prefix}.ticks.${u}`,
    accountSubject: (p) => `${prefix}.accounts.${p}`,
    resultSubject: (p) => `${prefix}.results.${p}`,
    eventSubject: `${prefix}.events`,
  };
}

/** Creates the streams if absent (an existing stream is kept as it is). */
export async function ensureStreams(c: ClusterConnection, t: Topology): Promise<void> {
  const specs: [string, string[]][] = [
    [t.streams.ticks, [`${t.prefix}.ticks.*`]],
    [t.streams.accounts, [`${t.prefix}.accounts.*`]],
    [t.streams.results, [`${t.prefix}.results.*`]],
    [t.streams.events, [t.eventSubject]],
  ];
  for (const [name, subjects] of specs) {
    try {
      await c.jsm.streams.info(name);
    } catch {
      await c.jsm.streams.add({ name, subjects, duplicate_window: DUPLICATE_WINDOW_MS * 1e6 });
    }
  }
}

/** Opens (creating if absent) the lease bucket with entries that expire after `ttlMs`. */
export async function leaseBucket(c: ClusterConnection, t: Topology, ttlMs: number): Promise<KV> {
  return c.kvm.create(t.leaseBucket, { ttl: ttlMs, history: 1 });
}

/** Opens (creating if absent) the state bucket (config and checkpoints; never expire). */
export async function stateBucket(c: ClusterConnection, t: Topology): Promise<KV> {
  return c.kvm.create(t.stateBucket, { history: 1 });
}

/** Consumer configs of partition `p` (durable, explicit ack, `ackWaitMs`). */
export function partitionConsumers(
  t: Topology,
  p: number,
  ackWaitMs: number,
): { accounts: Partial<ConsumerConfig>; ticks: Partial<ConsumerConfig> } {
  const common = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * 1e6,
    max_ack_pending: 100_000,
  };
  return {
    accounts: { ...common, durable_name: `acc-${p}`, filter_subject: t.accountSubject(p) },
    ticks: { ...common, durable_name: `tick-${p}`, filter_subject: `${t.prefix}.ticks.*` },
  };
}

/** Deletes every stream and bucket of the prefix (absent ones are skipped). */
export async function destroyTopology(c: ClusterConnection, t: Topology): Promise<void> {
  const names = [...Object.values(t.streams), `KV_${t.leaseBucket}`, `KV_${t.stateBucket}`];
  for (const n of names) await c.jsm.streams.delete(n).catch(() => false);
}
