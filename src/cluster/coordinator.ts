/**
 * The coordinator (`ballast cluster publish`): stores the cluster config, loads accounts onto
 * the account stream (each change to its partition's subject, with its per-account sequence
 * number and message id) and replays ticks onto the tick stream. Publishing is idempotent:
 * publishing the same files again stores nothing new (JetStream reports duplicates).
 */
import { BallastError } from '../core/errors.ts';
import type { ClusterConfig } from './cluster-config.ts';
import { storeConfig } from './cluster-config.ts';
import type { ClusterConnection } from './connection.ts';
import {
  changeFromJson,
  changeMsgId,
  tickFromJson,
  tickMsgId,
  type AccountChange,
  type TickMessage,
} from './messages.ts';
import { partitionOf } from './partition.ts';
import { ensureStreams, stateBucket, type Topology } from './topology.ts';

function jsonLines(
  text: string,
  source: string,
): { value: Record<string, unknown>; field: string }[] {
  const out: { value: Record<string, unknown>; field: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const field = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new BallastError('MALFORMED_JSON', `not JSON: ${(e as Error).message}`, field);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new BallastError('INVALID_INPUT', 'expected one JSON object per line', field);
    out.push({ value: v as Record<string, unknown>, field });
  });
  return out;
}

/**
 * Account changes from JSON lines: `{"id", "positions", "balances"[, "marginPool"][, "seq"]}`
 * (the account's whole new state) or `{"id", "closed": true[, "seq"]}`. Without `seq`, an
 * account's lines are numbered 1, 2, ... in file order.
 */
export function changesFromJsonl(text: string, source: string): AccountChange[] {
  const counts = new Map<string, number>();
  return jsonLines(text, source).map(({ value, field }) => {
    const id = value.id;
    const n = (typeof id === 'string' ? (counts.get(id) ?? 0) : 0) + 1;
    if (typeof id === 'string') counts.set(id, n);
    const { positions, balances, marginPool } = value;
    const account =
      value.closed === true
        ? undefined
        : {
            positions,
            ...(balances === undefined ? {} : { balances }),
            ...(marginPool === undefined ? {} : { marginPool }),
          };
    return changeFromJson({ id, seq: value.seq ?? n, account, closed: value.closed }, field);
  });
}

/** Ticks from JSON lines `{"underlying", "index"[, "tick"]}`; without `tick`, numbered 1, 2, ... */
export function ticksFromJsonl(text: string, source: string): TickMessage[] {
  return jsonLines(text, source).map(({ value, field }, i) =>
    tickFromJson({ tick: i + 1, ...value }, field),
  );
}

/** What a publish stored. */
export interface PublishSummary {
  readonly changes: number;
  readonly duplicateChanges: number;
  readonly ticks: number;
  readonly duplicateTicks: number;
}

async function publishWindowed<T>(
  items: readonly T[],
  publish: (item: T) => Promise<{ duplicate: boolean }>,
  onDone: (n: number) => void,
  window = 1000,
): Promise<number> {
  let duplicates = 0;
  for (let i = 0; i < items.length; i += window) {
    const acks = await Promise.all(items.slice(i, i + window).map(publish));
    duplicates += acks.filter((a) => a.duplicate).length;
    onDone(Math.min(items.length, i + window));
  }
  return duplicates;
}

/**
 * Stores the config, then publishes every change (waiting for all to be stored), then each
 * tick `intervalMs` apart. `progress(done, total, what)` is called as batches are stored.
 */
export async function publishRun(
  c: ClusterConnection,
  t: Topology,
  cfg: ClusterConfig,
  changes: readonly AccountChange[],
  ticks: readonly TickMessage[],
  options: {
    intervalMs?: number;
    progress?: (done: number, total: number, what: string) => void;
  } = {},
): Promise<PublishSummary> {
  await ensureStreams(c, t);
  await storeConfig(await stateBucket(c, t), cfg);
  const progress = options.progress ?? (() => undefined);
  const dupChanges = await publishWindowed(
    changes,
    (ch) =>
      c.js.publish(t.accountSubject(partitionOf(ch.id, cfg.partitions)), JSON.stringify(ch), {
        msgID: changeMsgId(ch),
      }),
    (n) => progress(n, changes.length, 'accounts'),
  );
  let dupTicks = 0;
  for (const [i, tick] of ticks.entries()) {
    if (i > 0 && options.intervalMs) await new Promise((r) => setTimeout(r, options.intervalMs));
    const ack = await c.js.publish(t.tickSubject(tick.underlying), JSON.stringify(tick), {
      msgID: tickMsgId(tick),
    });
    if (ack.duplicate) dupTicks++;
    progress(i + 1, ticks.length, 'ticks');
  }
  return {
    changes: changes.length,
    duplicateChanges: dupChanges,
    ticks: ticks.length,
    duplicateTicks: dupTicks,
  };
}
