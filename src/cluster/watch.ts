/**
 * Watching a cluster (`ballast cluster watch`): health events as they are stored, and a
 * summary per tick (accounts margined, calls raised, latency from the tick being stored to
 * its last result being stored, both by the server's clock). Also used by the tests and the
 * benchmark to collect every result and event.
 */
import { DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import type { ClusterConnection } from './connection.ts';
import {
  decodeBatch,
  decodeEvent,
  decodeTick,
  type AccountResult,
  type HealthEvent,
} from './messages.ts';
import { ensureStreams, type Topology } from './topology.ts';

/** Summary of one tick. */
export interface TickSummary {
  readonly tick: number;
  /** Results stored for this tick (one per re-margined account when complete). */
  readonly accounts: number;
  /** Accounts held by the partitions that reported the tick (re-margined or not). */
  readonly held: number;
  /** Partitions that reported the tick. */
  readonly partitions: number;
  /** Events to margin-call, reduce-only or liquidation at this tick. */
  readonly calls: number;
  /** Server time from the tick stored to its last result stored (ms). */
  readonly latencyMs: number | undefined;
}

/** A watch in progress. */
export interface Watch {
  readonly results: AccountResult[];
  readonly events: HealthEvent[];
  /** Server time (ms) each tick was stored. */
  readonly tickTimes: Map<number, number>;
  /** Server time (ms) of the last result of each tick. */
  readonly lastResultTimes: Map<number, number>;
  summary(tick: number): TickSummary;
  stop(): Promise<void>;
}

const msOf = (m: JsMsg): number => Number(m.info.timestampNanos) / 1e6;

/**
 * Follows ticks, results and events (`fromStart`: everything stored so far too). `onEvent`
 * and `onResults` are called as messages arrive.
 */
export async function watchCluster(
  c: ClusterConnection,
  t: Topology,
  options: {
    fromStart?: boolean;
    keepResults?: boolean;
    onEvent?: (e: HealthEvent) => void;
    onResults?: (tick: number, n: number) => void;
  } = {},
): Promise<Watch> {
  await ensureStreams(c, t);
  const policy = options.fromStart ? DeliverPolicy.All : DeliverPolicy.New;
  const results: AccountResult[] = [];
  const events: HealthEvent[] = [];
  const tickTimes = new Map<number, number>();
  const lastResultTimes = new Map<number, number>();
  const counts = new Map<number, number>();
  const held = new Map<number, Map<number, number>>();
  const calls = new Map<number, number>();
  const follow = async (stream: string, on: (m: JsMsg) => void) => {
    const consumer = await c.js.consumers.get(stream, { deliver_policy: policy });
    const it = await consumer.consume();
    const loop = (async () => {
      for await (const m of it) on(m);
    })();
    return { stop: () => it.stop(), loop };
  };
  const subs = [
    await follow(t.streams.ticks, (m) => tickTimes.set(decodeTick(m.string()).tick, msOf(m))),
    await follow(t.streams.results, (m) => {
      const b = decodeBatch(m.string());
      counts.set(b.tick, (counts.get(b.tick) ?? 0) + b.results.length);
      if (b.held !== undefined) {
        if (!held.has(b.tick)) held.set(b.tick, new Map());
        held.get(b.tick)!.set(b.partition, b.held);
      }
      lastResultTimes.set(b.tick, Math.max(lastResultTimes.get(b.tick) ?? 0, msOf(m)));
      if (options.keepResults !== false) for (const r of b.results) results.push(r);
      options.onResults?.(b.tick, b.results.length);
    }),
    await follow(t.streams.events, (m) => {
      const e = decodeEvent(m.string());
      events.push(e);
      if (e.to !== 'healthy' && e.to !== 'error') calls.set(e.tick, (calls.get(e.tick) ?? 0) + 1);
      options.onEvent?.(e);
    }),
  ];
  return {
    results,
    events,
    tickTimes,
    lastResultTimes,
    summary: (tick) => {
      const start = tickTimes.get(tick);
      const end = lastResultTimes.get(tick);
      return {
        tick,
        accounts: counts.get(tick) ?? 0,
        held: [...(held.get(tick)?.values() ?? [])].reduce((x, y) => x + y, 0),
        partitions: held.get(tick)?.size ?? 0,
        calls: calls.get(tick) ?? 0,
        latencyMs: start !== undefined && end !== undefined ? end - start : undefined,
      };
    },
    stop: async () => {
      for (const s of subs) s.stop();
      await Promise.allSettled(subs.map((s) => s.loop));
    },
  };
}
