/**
 * Cluster scale benchmark: one book of accounts (a `ballast engine gen` file, or a seeded
 * synthetic book) margined by 1, 2 and 4 `ballast worker` processes on the NATS JetStream
 * server (127.0.0.1:4222 or BALLAST_NATS_URL; skipped with the reason printed without one),
 * deribit-pm, 16 partitions. Workers hold their partitions as the engine's CSR book and
 * re-margin on a tick only the accounts holding a re-priced row (cluster/engine-market.ts).
 *
 * Per worker count: the load (accounts published → every account's first result stored),
 * and per tick the accounts re-margined, tick-to-last-result latency (server clock: tick
 * stored → its last result stored) and accounts re-margined per second. The same ticks are
 * first run in this process by the same engine partition (the expected counts and the
 * in-process rate of this run). Message sizes are measured and a projection for 100M
 * accounts printed from the measured per-worker rate and sizes.
 *
 * Size: BALLAST_CLUSTER_ACCOUNTS_FILE (a `ballast engine gen` JSON-lines file; else
 * BALLAST_CLUSTER_ACCOUNTS synthetic accounts, default 200, of BALLAST_CLUSTER_POSITIONS,
 * default 10), BALLAST_CLUSTER_TICKS index ticks (default 2) followed by one forwards tick of
 * a single expiry, BALLAST_CLUSTER_WORKERS (default 1,2,4).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { applyChange, emptyBook, sortedAccounts } from '../src/cluster/account-book.ts';
import { makeConfig } from '../src/cluster/cluster-config.ts';
import type { ClusterConnection } from '../src/cluster/connection.ts';
import { changesFromJsonl, publishRun } from '../src/cluster/coordinator.ts';
import { leaseHolders } from '../src/cluster/leases.ts';
import type { AccountChange, TickMessage } from '../src/cluster/messages.ts';
import { partitionMarket } from '../src/cluster/partition-market.ts';
import type { Topology } from '../src/cluster/topology.ts';
import { watchCluster } from '../src/cluster/watch.ts';
import { marginModel } from '../src/margin/registry.ts';
import type { MarketSnapshot } from '../src/market/snapshot.ts';
import {
  NATS_URL,
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
const PARTITIONS = 16;

/** One worker count's measurements. */
interface ScaleRow {
  readonly workers: number;
  readonly loadSeconds: number;
  /** Of which the coordinator publishing every account change (stored acks awaited). */
  readonly publishSeconds: number;
  /** 1-minute load average of the machine after the ticks (os.loadavg). */
  readonly loadAverage: number;
  /** Per tick: accounts re-margined and ms from the tick stored to its last result stored. */
  readonly ticks: { accounts: number; latencyMs: number }[];
}

/** The index ticks, then one tick moving the forward of the nearest future's expiry. */
function benchTicks(snapshot: MarketSnapshot, n: number): TickMessage[] {
  const btc = snapshot.underlyings.BTC!;
  const ticks = syntheticTicks(btc.index, n, 17);
  const f = [...btc.forwards].sort((a, b) => a.expiryMs - b.expiryMs)[1] ?? btc.forwards[0]!;
  const day = new Date(f.expiryMs).toISOString().slice(0, 10);
  ticks.push({ tick: n + 1, underlying: 'BTC', forwards: { [day]: f.forward * 1.01 } });
  return ticks;
}

/**
 * The ticks in this process, by the workers' engine partition over the whole book: accounts
 * re-margined per tick and the rate of the slowest tick.
 */
function inProcess(
  snapshot: MarketSnapshot,
  accounts: readonly AccountChange[],
  ticks: readonly TickMessage[],
): { counts: number[]; rate: number } {
  const model = marginModel('deribit-pm');
  const book = emptyBook();
  for (const a of accounts) applyChange(book, a, snapshot);
  const m = partitionMarket(snapshot, { model, params: model.defaultParams });
  m.margin(sortedAccounts(book), book); // tick 0 (builds the engine's book)
  const counts: number[] = [];
  let rate = Infinity;
  for (const t of ticks) {
    const t0 = performance.now();
    const moved = m.applyTick(t, book);
    if (typeof moved === 'string') throw new Error(`tick ${t.tick} ignored: ${moved}`);
    m.margin(moved.accounts, book);
    counts.push(moved.accounts.length);
    rate = Math.min(rate, moved.accounts.length / ((performance.now() - t0) / 1000));
  }
  return { counts, rate };
}

/** The account lines of a (large) JSON-lines file, read in slices of 10k lines. */
function readAccountsFile(file: string): AccountChange[] {
  const buf = readFileSync(file);
  const out: AccountChange[] = [];
  for (let at = 0; at < buf.length;) {
    let end = at;
    for (let i = 0; i < 10_000 && end < buf.length; i++) {
      const nl = buf.indexOf(10, end);
      end = nl < 0 ? buf.length : nl + 1;
    }
    for (const c of changesFromJsonl(buf.toString('utf8', at, end), file)) out.push(c);
    at = end;
  }
  return out;
}

/** Runs the cluster scale benchmark and prints its table and projection. */
export async function runClusterBench(): Promise<void> {
  const problem = await natsProblem();
  if (problem) {
    console.log(`\ncluster benchmark skipped: ${problem}`);
    return;
  }
  const file = process.env.BALLAST_CLUSTER_ACCOUNTS_FILE;
  const k = env('BALLAST_CLUSTER_POSITIONS', 10);
  const counts = (process.env.BALLAST_CLUSTER_WORKERS ?? '1,2,4').split(',').map(Number);
  const { snapshot } = bundledBtc();
  const model = marginModel('deribit-pm');
  const accounts = file
    ? readAccountsFile(file)
    : syntheticAccounts(env('BALLAST_CLUSTER_ACCOUNTS', 200), k, 3);
  const n = accounts.length;
  const ticks = benchTicks(snapshot, env('BALLAST_CLUSTER_TICKS', 2));
  const local = inProcess(snapshot, accounts, ticks);
  console.log(
    `cluster bench: ${n} accounts; in process, re-margined per tick ${local.counts.join(', ')}`,
  );

  const rows: ScaleRow[] = [];
  const sizes = { change: 0, changeResult: 0, event: 0, tickResult: 0 };
  for (const w of counts) {
    const prefix = uniquePrefix(`bench${w}w`);
    await withTopology(NATS_URL, prefix, async (c, t) => {
      const procs = Array.from({ length: w }, (_, i) =>
        spawnWorker(NATS_URL, prefix, `${prefix}-${i}`),
      );
      try {
        const cfg = makeConfig(snapshot, 'deribit-pm', model.defaultParams, {
          partitions: PARTITIONS,
          leaseTtlMs: 30_000,
          ackWaitMs: 120_000,
          batchSize: 500,
        });
        await publishRun(c, t, cfg, [], []); // the config: workers take their partitions
        await spreadLeases(c, t, w);
        const live = await watchCluster(c, t, { fromStart: true, keepResults: false });
        const l0 = performance.now();
        await publishRun(c, t, cfg, accounts, []);
        const publishSeconds = (performance.now() - l0) / 1000;
        await waitFor(
          () => live.summary(0).accounts >= n,
          3_600_000,
          () => `${live.summary(0).accounts} of ${n} first results`,
        );
        const loadSeconds = (performance.now() - l0) / 1000;
        if (w === counts[0]) Object.assign(sizes, await messageSizes(c, t, n));
        const bytes0 = (await c.jsm.streams.info(t.streams.results)).state.bytes;
        const measured: ScaleRow['ticks'] = [];
        for (const [i, tick] of ticks.entries()) {
          await publishRun(c, t, cfg, [], [tick]);
          const done = () => {
            const s = live.summary(tick.tick);
            return s.partitions === PARTITIONS && s.accounts >= local.counts[i]!;
          };
          await waitFor(
            done,
            3_600_000,
            () => `tick ${tick.tick}: ${live.summary(tick.tick).accounts}`,
          );
          await new Promise((r) => setTimeout(r, 300));
          const s = live.summary(tick.tick);
          measured.push({ accounts: s.accounts, latencyMs: s.latencyMs ?? NaN });
          console.log(
            `  ${w} worker(s) tick ${tick.tick}: ${s.accounts} of ${s.held} re-margined, ${s.latencyMs} ms`,
          );
        }
        await live.stop();
        rows.push({
          workers: w,
          loadSeconds,
          publishSeconds,
          ticks: measured,
          loadAverage: loadavg()[0]!,
        });
        const bytes = (await c.jsm.streams.info(t.streams.results)).state.bytes - bytes0;
        const results = measured.reduce((x, y) => x + y.accounts, 0);
        if (w === counts[0]) sizes.tickResult = bytes / Math.max(1, results);
      } finally {
        await stopWorkers(procs);
      }
    });
  }
  const publishRate = await resultPublishRate(n);
  printScale(rows, n, local.rate);
  printProjection(rows, sizes, publishRate);
}

/** Waits until the 16 partitions are leased by `w` workers. */
async function spreadLeases(c: ClusterConnection, t: Topology, w: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const h = await leaseHolders(await c.kvm.open(t.leaseBucket));
      if (new Set(h.values()).size === w && h.size === PARTITIONS) return;
    } catch {
      /* no lease bucket yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the partitions were not spread over ${w} workers within 3 minutes`);
}

/** Average stored bytes of an account change, of a change's result, of an event. */
async function messageSizes(c: ClusterConnection, t: Topology, accounts: number) {
  const acc = await c.jsm.streams.info(t.streams.accounts);
  const res = await c.jsm.streams.info(t.streams.results);
  const ev = await c.jsm.streams.info(t.streams.events);
  return {
    change: acc.state.bytes / Math.max(1, acc.state.messages),
    // Before any tick: one message per account change, holding its result.
    changeResult: res.state.bytes / Math.max(1, accounts),
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
    const total = Math.min(200_000, Math.max(100_000, n * 20));
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

/** Accounts re-margined per second on a tick (tick stored → last result stored). */
const tickRate = (x: { accounts: number; latencyMs: number }) => x.accounts / (x.latencyMs / 1000);

function printScale(rows: readonly ScaleRow[], n: number, inProcessRate: number): void {
  const slowest = (r: ScaleRow) => Math.min(...r.ticks.map(tickRate));
  const base = slowest(rows[0]!);
  printRows(
    `Cluster scale (under load: 2 cores shared with other jobs; 4 workers oversubscribe them): ${fmt(n)} accounts, deribit-pm, ${PARTITIONS} partitions`,
    [
      [
        "in process (the workers' engine partition, whole book)",
        `${fmt(inProcessRate)} acc/s`,
        'slowest tick, baseline of this run',
      ],
      ...rows.map(
        (r) =>
          [
            `${r.workers} worker${r.workers > 1 ? 's' : ''}: tick → last result`,
            r.ticks.map((x) => `${fmt(x.latencyMs)} ms`).join(' / '),
            `re-margined ${r.ticks.map((x) => fmt(x.accounts)).join(' / ')}; ${fmt(slowest(r))} acc/s (slowest tick), ×${fmt(slowest(r) / base, 2)} vs 1 worker; load ${fmt(r.loadSeconds, 1)} s (${fmt(n / r.loadSeconds)} acc/s; publish ${fmt(r.publishSeconds, 1)} s); load average ${fmt(r.loadAverage, 1)}`,
          ] as const,
      ),
    ],
  );
}

/**
 * 100M accounts from the measured per-worker rate (1 worker, slowest tick, accounts
 * re-margined per second on one core) and the stored message sizes.
 */
function printProjection(
  rows: readonly ScaleRow[],
  sizes: { change: number; changeResult: number; event: number; tickResult: number },
  publishRate: number,
): void {
  const perWorker = Math.min(...rows[0]!.ticks.map(tickRate));
  const target = 100e6;
  const cores = (tickSeconds: number) => Math.ceil(target / (perWorker * tickSeconds));
  const gb = (b: number) => b / 1e9;
  printRows('Projection to 100M accounts (measured 1-worker rate and stored sizes)', [
    ['per-worker rate (1 worker = 1 core)', `${fmt(perWorker)} acc/s`, 'slowest tick above'],
    [
      'stored bytes per account change',
      `${fmt(sizes.change)} B`,
      `100M accounts: ${fmt(gb(target * sizes.change), 1)} GB account stream`,
    ],
    [
      'stored bytes per tick result (batches of 500)',
      `${fmt(sizes.tickResult)} B`,
      `a tick moving 100M accounts: ${fmt(gb(target * sizes.tickResult), 1)} GB of results`,
    ],
    [
      'stored bytes per change result (batches of 500)',
      `${fmt(sizes.changeResult)} B`,
      'first load of 100M accounts: ' + `${fmt(gb(target * sizes.changeResult), 1)} GB`,
    ],
    [
      'workers (cores) for a 1 s tick',
      fmt(cores(1)),
      `${fmt(Math.ceil(cores(1) / 32))} machines of 32 cores`,
    ],
    [
      'workers (cores) for a 10 s tick',
      fmt(cores(10)),
      `${fmt(Math.ceil(cores(10) / 32))} machines of 32 cores`,
    ],
    [
      'JetStream stores results (1 server, this machine)',
      `${fmt(publishRate)} results/s`,
      `a tick moving 100M accounts: ${fmt(target / publishRate)} s of one server`,
    ],
    [
      'result bandwidth for a 1 s tick',
      `${fmt(gb(target * sizes.tickResult) * 8, 0)} Gbit/s`,
      'into the results stream: beyond one NATS server; results must be summarised or sampled',
    ],
  ]);
}
