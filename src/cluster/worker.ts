/**
 * A cluster worker (`ballast worker`): reads the cluster config, heartbeats, takes a fair
 * share of the partition leases (leases.ts), runs each leased partition (partition-runner.ts)
 * and stops a partition as soon as its lease is lost or cannot be renewed within the TTL (so
 * a worker cut off from the server stops writing before its partitions are taken over).
 * Extra partitions are given back when more workers join.
 */
import type { KV } from '@nats-io/kv';
import { awaitConfig, configSetup, type ClusterConfig } from './cluster-config.ts';
import { closeCluster, connectCluster } from './connection.ts';
import {
  acquireLease,
  fairShare,
  heartbeatWorker,
  liveWorkers,
  releaseLease,
  renewLease,
} from './leases.ts';
import {
  startPartition,
  type PartitionRunner,
  type RunnerContext,
  type RunnerStats,
} from './partition-runner.ts';
import { sharedEngineFor } from './partition-market.ts';
import { ensureStreams, leaseBucket, stateBucket, topology } from './topology.ts';

/** Options of a worker. */
export interface WorkerOptions {
  readonly url: string;
  readonly name: string;
  readonly prefix: string;
  readonly log: (line: string) => void;
  /** Write a KV snapshot of each held partition's accounts this often (ms; 0: never). */
  readonly snapshotMs?: number;
}

/** Default interval of the partitions' KV account snapshots (ms). */
export const DEFAULT_SNAPSHOT_MS = 60_000;

/** A running worker. */
export interface Worker {
  readonly name: string;
  readonly stats: RunnerStats;
  /** Partitions held now. */
  partitions(): number[];
  /** Stops every partition, gives the leases back and closes the connection. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped. */
  readonly done: Promise<void>;
}

interface Held {
  revision: number;
  renewedAt: number;
  lost: boolean;
  runner: PartitionRunner;
}

/** Starts a worker; resolves once it is connected (leasing goes on in the background). */
export async function startWorker(o: WorkerOptions): Promise<Worker> {
  const conn = await connectCluster(o.url, `ballast-worker-${o.name}`);
  const topo = topology(o.prefix);
  let stopping = false;
  const stats: RunnerStats = {
    ticks: 0,
    changes: 0,
    accountsMargined: 0,
    events: 0,
    badMessages: 0,
    retries: 0,
    replayed: 0,
    snapshots: 0,
  };
  const held = new Map<number, Held>();
  const done = (async () => {
    const state = await stateBucket(conn, topo);
    o.log(`worker ${o.name}: waiting for the cluster config (ballast cluster publish)`);
    const cfg = await awaitConfig(state, () => stopping);
    if (!cfg) return;
    await ensureStreams(conn, topo);
    const leases = await leaseBucket(conn, topo, cfg.leaseTtlMs);
    const { setup, base } = configSetup(cfg);
    const ctx: RunnerContext = {
      conn,
      topo,
      cfg,
      setup,
      base,
      state,
      worker: o.name,
      log: o.log,
      stats,
      snapshotMs: o.snapshotMs ?? DEFAULT_SNAPSHOT_MS,
      engine: sharedEngineFor(base, setup),
    };
    o.log(
      `worker ${o.name}: ${cfg.partitions} partitions, model ${cfg.model}, lease TTL ${cfg.leaseTtlMs} ms`,
    );
    while (!stopping) {
      await heartbeat(ctx, leases, cfg, held).catch((e) =>
        o.log(`worker ${o.name}: heartbeat failed: ${(e as Error).message}`),
      );
      await new Promise((r) => setTimeout(r, Math.max(200, cfg.leaseTtlMs / 4)));
    }
    await Promise.all([...held.values()].map((h) => h.runner.stop()));
    for (const [p, h] of held) await releaseLease(leases, p, h.revision);
    held.clear();
  })().finally(() => closeCluster(conn));
  return {
    name: o.name,
    stats,
    partitions: () => [...held.keys()].sort((a, b) => a - b),
    stop: async () => {
      stopping = true;
      await done;
    },
    done,
  };
}

/** One heartbeat: renew, fence, rebalance, acquire. */
async function heartbeat(
  ctx: RunnerContext,
  leases: KV,
  cfg: ClusterConfig,
  held: Map<number, Held>,
): Promise<void> {
  const now = Date.now();
  // Every lease renewed at once: one round trip for all, however long the partitions' margin
  // work keeps the event loop between two callbacks (sequential renewals each waited behind it).
  const renewals = new Map(
    [...held]
      .filter(([, h]) => !h.runner.finished())
      .map(([p, h]) => [p, renewLease(leases, p, ctx.worker, h.revision)] as const),
  );
  for (const [p, h] of held) {
    // A runner fenced off by a late renewal has ended: give the lease back, so the partition
    // is taken again (by anyone) with a fresh rebuild instead of staying leased and idle.
    const renewal = renewals.get(p);
    if (!renewal) {
      held.delete(p);
      await releaseLease(leases, p, h.revision);
      ctx.log(`worker ${ctx.worker}: partition ${p} had stopped; lease given back`);
      continue;
    }
    const r = await renewal;
    if (typeof r === 'number') {
      h.revision = r;
      h.renewedAt = now;
    } else if (r === 'lost' || now - h.renewedAt > cfg.leaseTtlMs * 0.8) {
      h.lost = true;
      ctx.log(
        `worker ${ctx.worker}: partition ${p} lease ${r === 'lost' ? 'lost' : 'not renewed in time'}; stopping it`,
      );
      await h.runner.stop();
      held.delete(p);
    }
  }
  await heartbeatWorker(leases, ctx.worker);
  const target = fairShare(cfg.partitions, (await liveWorkers(leases)).length);
  if (held.size > target) {
    const p = Math.max(...held.keys());
    const h = held.get(p)!;
    h.lost = true;
    await h.runner.stop();
    held.delete(p);
    await releaseLease(leases, p, h.revision);
    ctx.log(`worker ${ctx.worker}: gave partition ${p} back (fair share ${target})`);
    return;
  }
  for (let p = 0; p < cfg.partitions && held.size < target; p++) {
    if (held.has(p)) continue;
    const rev = await acquireLease(leases, p, ctx.worker);
    if (rev === undefined) continue;
    const entry: Held = { revision: rev, renewedAt: Date.now(), lost: false, runner: undefined! };
    entry.runner = startPartition(
      ctx,
      p,
      () => !entry.lost && Date.now() - entry.renewedAt < cfg.leaseTtlMs * 0.8,
    );
    held.set(p, entry);
    ctx.log(`worker ${ctx.worker}: took partition ${p}`);
  }
}
