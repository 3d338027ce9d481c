/**
 * Cluster scale benchmark (bounded): the same synthetic book (N accounts of K positions,
 * deribit-pm) margined by 1, 2 and 4 `ballast worker` processes on the NATS JetStream server
 * (127.0.0.1:4222 or BALLAST_NATS_URL; skipped with the reason printed without one). Per
 * worker count: accounts margined per second per tick and tick-to-last-result latency (server
 * clock: tick stored → its last result stored), next to the in-process rate of the same
 * margin function in this process (the baseline of the same run). Message sizes are measured
 * and a projection for 100M accounts is printed from the measured per-worker rate and sizes.
 *
 * Size: BALLAST_CLUSTER_ACCOUNTS (default 200), BALLAST_CLUSTER_POSITIONS (10),
 * BALLAST_CLUSTER_TICKS (2), BALLAST_CLUSTER_WORKERS (1,2,4).
 */
import { makeConfig } from '../src/cluster/cluster-config.ts';
import type { ClusterConnection } from '../src/cluster/connection.ts';
import type { Topology } from '../src/cluster/topology.ts';
import { publishRun } from '../src/cluster/coordinator.ts';
import { leaseHolders } from '../src/cluster/leases.ts';
import { applyChange, emptyBook, sortedAccounts } from '../src/cluster/account-book.ts';
import { partitionMarket } from '../src/cluster/partition-market.ts';
import { watchCluster } from '../src/cluster/watch.ts';
import { marginModel } from '../src/margin/registry.ts';
import {
  NATS_URL,
  distinctKeys,
  natsProblem,
  spawnWorker,
  stopWorkers,
  uniquePrefix,
  waitFor,
  withTopology,
} from '../test/cluster/nats-harness.ts';
import { syntheticAccounts, syntheticTicks } from './cluster-books.ts';
import { bundledBtc, printRows } from './harness.ts';

const env = (k: string, d: number) => Number(process.env[k] ?? d);

/** One worker count's measurements. */
interface ScaleRow {
  readonly workers: number;
  readonly loadSeconds: number;
  readonly tickLatencyMs: number[];
}

/** Runs the cluster scale benchmark and prints its table and projection. */
export async function runClusterBench(): Promise<void> {
  const problem = await natsProblem();
  if (problem) {
    console.log(`\ncluster benchmark skipped: ${problem}`);
    return;
  }
  const n = env('BALLAST_CLUSTER_ACCOUNTS', 200);
  const k = env('BALLAST_CLUSTER_POSITIONS', 10);
  const nTicks = env('BALLAST_CLUSTER_TICKS', 2);
  const counts = (process.env.BALLAST_CLUSTER_WORKERS ?? '1,2,4').split(',').map(Number);
  const { snapshot } = bundledBtc();
  const model = marginModel('deribit-pm');
  const setup = { model, params: model.defaultParams };
  const accounts = syntheticAccounts(n, k, 3);
  const ticks = syntheticTicks(snapshot.underlyings.BTC!.index, nTicks, 17);

  // Baseline in this process: the partition's engine over the same accounts at tick 1.
  const book = emptyBook();
  for (const a of accounts) applyChange(book, a, snapshot);
  const m = partitionMarket(snapshot, setup);
  m.margin(sortedAccounts(book), book); // tick 0 (builds the engine's book)
  const t0 = performance.now();
  const moved = m.applyTick(ticks[0]!, book);
  if (typeof moved === 'string') throw new Error(`tick 1 ignored: ${moved}`);
  m.margin(moved.accounts, book);
  const inProcessRate = moved.accounts.length / ((performance.now() - t0) / 1000);

  const rows: ScaleRow[] = [];
  const sizes = { change: 0, resultPerAccount: 0, event: 0 };
  for (const w of counts) {
    const prefix = uniquePrefix(`bench${w}w`);
    await withTopology(NATS_URL, prefix, async (c, t) => {
      const procs = Array.from({ length: w }, (_, i) =>
        spawnWorker(NATS_URL, prefix, `${prefix}-${i}`),
      );
      try {
        const cfg = makeConfig(snapshot, 'deribit-pm', model.defaultParams, {
          partitions: 16,
          leaseTtlMs: 10_000,
          ackWaitMs: 30_000,
          batchSize: 500,
        });
        const live = await watchCluster(c, t, { fromStart: true });
        const l0 = performance.now();
        await publishRun(c, t, cfg, accounts, []);
        await waitFor(
          () => distinctKeys(live.results) >= n,
          1_800_000,
          () => `${distinctKeys(live.results)} of ${n} tick-0 results`,
        );
        const loadSeconds = (performance.now() - l0) / 1000;
        const leases = await c.kvm.open(t.leaseBucket);
        for (let i = 0; i < 100; i++) {
          const h = await leaseHolders(leases);
          if (new Set(h.values()).size === w && h.size === 16) break;
          await new Promise((r) => setTimeout(r, 300));
        }
        const latency: number[] = [];
        for (const tick of ticks) {
          await publishRun(c, t, cfg, [], [tick]);
          await waitFor(
            () => live.summary(tick.tick).accounts >= n,
            1_800_000,
            () => `tick ${tick.tick}: ${live.summary(tick.tick).accounts} of ${n}`,
          );
          await new Promise((r) => setTimeout(r, 300));
          latency.push(live.summary(tick.tick).latencyMs ?? NaN);
        }
        await live.stop();
        rows.push({ workers: w, loadSeconds, tickLatencyMs: latency });
        if (w === counts[0]) Object.assign(sizes, await messageSizes(c, t, n * (1 + ticks.length)));
      } finally {
        await stopWorkers(procs);
      }
    });
  }
  const publishRate = await resultPublishRate(n);
  printScale(rows, n, k, inProcessRate);
  printProjection(rows[0]!, n, sizes, publishRate);
}

/** Average stored bytes of an account change, of one result inside a batch, of an event. */
async function messageSizes(c: ClusterConnection, t: Topology, results: number) {
  const acc = await c.jsm.streams.info(t.streams.accounts);
  const res = await c.jsm.streams.info(t.streams.results);
  const ev = await c.jsm.streams.info(t.streams.events);
  return {
    change: acc.state.bytes / Math.max(1, acc.state.messages),
    resultPerAccount: res.state.bytes / Math.max(1, results),
    event: ev.state.messages ? ev.state.bytes / ev.state.messages : 0,
  };
}

/**
 * Results per second JetStream stores on this server when a worker publishes them in batches of
 * 500 (the cluster's default), measured with synthetic results of the real size: the messaging
 * ceiling of one server, whatever the margin speed.
 */
async function resultPublishRate(n: number): Promise<number> {
  const prefix = uniquePrefix('benchpub');
  return withTopology(NATS_URL, prefix, async (c, t) => {
    const { ensureStreams } = await import('../src/cluster/topology.ts');
    await ensureStreams(c, t);
    const result = {
      id: 'acct-000001',
      tick: 1,
      seq: 1,
      model: 'deribit-pm',
      currency: 'USD',
      equity: 123456.789012,
      initialMargin: 23456.7890123,
      maintenanceMargin: 17592.5917592,
      utilization: 0.19,
      state: 'healthy',
    };
    const total = Math.max(100_000, n * 20);
    const batch = JSON.stringify({
      partition: 0,
      tick: 1,
      worker: 'bench',
      results: Array.from({ length: 500 }, () => result),
    });
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total / 500; i++)
      pending.push(c.js.publish(t.resultSubject(i % 16), batch, { msgID: `bench:${i}` }));
    await Promise.all(pending);
    return total / ((performance.now() - t0) / 1000);
  });
}

const fmt = (x: number, d = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function printScale(rows: readonly ScaleRow[], n: number, k: number, inProcessRate: number): void {
  const base = rows[0]!;
  const rate = (r: ScaleRow) => n / (Math.max(...r.tickLatencyMs) / 1000);
  printRows(
    `Cluster scale: ${fmt(n)} accounts × ${k} positions, deribit-pm, 16 partitions (this machine: 2 cores, shared)`,
    [
      [
        'in-process margin (this process, same function)',
        `${fmt(inProcessRate)} acc/s`,
        'baseline of this run',
      ],
      ...rows.map(
        (r) =>
          [
            `${r.workers} worker${r.workers > 1 ? 's' : ''}: tick → last result`,
            `${r.tickLatencyMs.map((x) => fmt(x)).join(' / ')} ms`,
            `${fmt(rate(r))} accounts/s per tick (slowest tick); ×${fmt(rate(r) / rate(base), 2)} vs 1 worker, ×${fmt(rate(r) / inProcessRate, 2)} vs in-process; load ${fmt(r.loadSeconds, 1)} s`,
          ] as const,
      ),
    ],
  );
}

function printProjection(
  one: ScaleRow,
  n: number,
  sizes: { change: number; resultPerAccount: number; event: number },
  publishRate: number,
): void {
  const perWorker = n / (Math.max(...one.tickLatencyMs) / 1000);
  const target = 100e6;
  const cores = (tickSeconds: number) => Math.ceil(target / (perWorker * tickSeconds));
  const gb = (b: number) => b / 1e9;
  printRows(
    'Projection to 100M accounts (from the measured 1-worker rate and stored message sizes)',
    [
      ['per-worker rate (1 worker, one core)', `${fmt(perWorker)} acc/s`, 'measured above'],
      [
        'stored bytes per account change',
        `${fmt(sizes.change)} B`,
        `100M accounts: ${fmt(gb(target * sizes.change), 1)} GB account stream`,
      ],
      [
        'stored bytes per result (batches of ≤ 500, as stored)',
        `${fmt(sizes.resultPerAccount)} B`,
        `100M results per tick: ${fmt(gb(target * sizes.resultPerAccount), 1)} GB through JetStream per tick`,
      ],
      [
        'workers (cores) for a 1 s tick',
        fmt(cores(1)),
        `${fmt(Math.ceil(cores(1) / 32))} machines of 32 cores`,
      ],
      [
        'workers (cores) for a 60 s tick',
        fmt(cores(60)),
        `${fmt(Math.ceil(cores(60) / 32))} machines of 32 cores`,
      ],
      [
        'JetStream stores results (1 server, this machine)',
        `${fmt(publishRate)} results/s`,
        `100M results: ${fmt(target / publishRate)} s per tick on one server; ${fmt(Math.ceil(target / publishRate / 60))} servers for a 60 s tick`,
      ],
      [
        'result bandwidth for a 1 s tick',
        `${fmt(gb(target * sizes.resultPerAccount) * 8, 0)} Gbit/s`,
        'into the results stream: beyond one NATS server; results must be summarised per partition or sampled',
      ],
    ],
  );
}
