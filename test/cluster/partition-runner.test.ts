/**
 * The partition runner's acknowledgements on an in-memory JetStream (fake-jetstream.ts), no
 * server and no timing: input is acknowledged only after its output is stored and the state
 * the next owner starts from is durable, and a batch redelivered to the next owner gives the
 * same results under the same ids (each (account, tick) stored exactly once).
 */
import { describe, expect, it } from 'vitest';
import { syntheticAccounts, syntheticTicks } from '../../bench/cluster-books.ts';
import { bundledBtc } from '../../bench/harness.ts';
import { applyChange, emptyBook } from '../../src/cluster/account-book.ts';
import { writeSnapshot } from '../../src/cluster/account-snapshot.ts';
import { makeConfig } from '../../src/cluster/cluster-config.ts';
import { runLocal } from '../../src/cluster/local-run.ts';
import {
  decodeBatch,
  changeMsgId,
  tickMsgId,
  type AccountChange,
  type TickMessage,
} from '../../src/cluster/messages.ts';
import { sharedEngineFor } from '../../src/cluster/partition-market.ts';
import {
  startPartition,
  type RunnerContext,
  type RunnerStats,
} from '../../src/cluster/partition-runner.ts';
import { partitionConsumers, topology } from '../../src/cluster/topology.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { FakeJetStream } from './fake-jetstream.ts';

const base = bundledBtc().snapshot;
const model = marginModel('deribit-pm');
const setup = { model, params: model.defaultParams };
const topo = topology('fake');

/** A fake server holding the cluster's streams, `changes` and `ticks` published. */
function server(changes: readonly AccountChange[], ticks: readonly TickMessage[]) {
  const f = new FakeJetStream();
  f.addStream(topo.streams.ticks, [`${topo.prefix}.ticks.*`]);
  f.addStream(topo.streams.accounts, [`${topo.prefix}.accounts.*`]);
  f.addStream(topo.streams.results, [`${topo.prefix}.results.*`]);
  f.addStream(topo.streams.events, [topo.eventSubject]);
  for (const c of changes) f.store(topo.accountSubject(0), JSON.stringify(c), changeMsgId(c));
  for (const t of ticks) f.store(topo.tickSubject(t.underlying), JSON.stringify(t), tickMsgId(t));
  return f;
}

/** A runner context of one worker on the fake server (one partition, batches of 2). */
function context(f: FakeJetStream, worker: string): RunnerContext {
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
  return {
    conn: f.connection(),
    topo,
    cfg: makeConfig(base, 'deribit-pm', model.defaultParams, {
      partitions: 1,
      leaseTtlMs: 5000,
      ackWaitMs: 60_000,
      batchSize: 2,
    }),
    setup,
    base,
    state: f.bucket(),
    worker,
    log: () => undefined,
    stats,
    snapshotMs: 0,
    engine: sharedEngineFor(base, setup),
  };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
  if (!done()) throw new Error(`timed out: ${what}`);
}

/** (account|tick|seq) of every stored result, in storage order. */
function storedKeys(f: FakeJetStream): string[] {
  return f
    .texts(topo.streams.results)
    .flatMap((t) => decodeBatch(t).results.map((r) => `${r.id}|${r.tick}|${r.seq}`));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const resultsAt = (f: FakeJetStream, tick: number) =>
  storedKeys(f).filter((k) => k.split('|')[1] === String(tick)).length;

/** The ack floor of the partition's consumer `name` (−1 before the runner created it). */
const ackFloor = (f: FakeJetStream, name: string) => {
  const stream = name.startsWith('tick') ? topo.streams.ticks : topo.streams.accounts;
  return f.consumers.has(`${stream}/${name}`)
    ? f.consumer(stream, name).info().ack_floor.stream_seq
    : -1;
};

// Each test builds two workers' engine markets (seconds on a loaded machine): a wide bound.
describe('partition runner acknowledgements (in-memory JetStream)', () => {
  it('does not acknowledge a tick whose checkpoint was not stored; the next owner applies it', async () => {
    const accounts = syntheticAccounts(6, 3, 51);
    const ticks = syntheticTicks(base.underlyings.BTC!.index, 1, 52);
    const f = server(accounts, ticks);
    // The server goes away while the checkpoint is written, and the lease lapses meanwhile.
    let owned = true;
    f.onPut = (key) => {
      if (!key.startsWith('ckpt.')) return;
      owned = false;
      throw new Error('timeout');
    };
    const first = startPartition(context(f, 'a'), 0, () => owned);
    await until(() => first.finished(), 'the first owner to stop');
    // Tick 1's results were stored; the tick itself is not acknowledged.
    expect(storedKeys(f).filter((k) => k.endsWith('|1|1')).length).toBe(accounts.length);
    expect(ackFloor(f, 'tick-0')).toBe(0);
    // The next owner starts from the last checkpoint (none) and applies tick 1 again.
    f.onPut = () => undefined;
    const second = startPartition(context(f, 'b'), 0, () => true);
    await until(() => f.kv.has('ckpt.0') && ackFloor(f, 'tick-0') === 1, 'tick 1 handled');
    await second.stop();
    expect(JSON.parse(f.kv.get('ckpt.0')!)).toMatchObject({ tick: 1, tickSeq: 1 });
    const local = runLocal(base, setup, accounts, ticks);
    const keys = storedKeys(f);
    expect(keys.length).toBe(local.results.length);
    expect(new Set(keys)).toEqual(new Set(local.results.map((r) => `${r.id}|${r.tick}|${r.seq}`)));
  }, 240_000);

  it("does not let a previous owner's late checkpoint replace the next owner's newer one", async () => {
    const accounts = syntheticAccounts(6, 3, 91);
    const ticks = syntheticTicks(base.underlyings.BTC!.index, 3, 92);
    const f = server(accounts, ticks.slice(0, 2));
    // The first owner's checkpoint of tick 2 is held back while its lease lapses; the next
    // owner rebuilds from tick 1's checkpoint, handles ticks 2 and 3 and stores tick 3's.
    let owned = true;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    f.onPut = async (key) => {
      if (key !== 'ckpt.0' || held || !f.kv.has('ckpt.0')) return;
      held = true;
      owned = false;
      await gate;
    };
    const first = startPartition(context(f, 'a'), 0, () => owned);
    await until(() => held, "the first owner writing tick 2's checkpoint");
    expect(JSON.parse(f.kv.get('ckpt.0')!)).toMatchObject({ tick: 1 });
    const t3 = ticks[2]!;
    f.store(topo.tickSubject(t3.underlying), JSON.stringify(t3), tickMsgId(t3));
    const second = startPartition(context(f, 'b'), 0, () => true);
    const ckptTick = () => (JSON.parse(f.kv.get('ckpt.0')!) as { tick: number }).tick;
    await until(() => ckptTick() === 3, "tick 3's checkpoint stored by the next owner");
    release();
    await until(() => first.finished(), 'the first owner to stop');
    await second.stop();
    // Stored over tick 3's, tick 2's checkpoint would make the next rebuild apply tick 3 again
    // on top of a market that the acknowledged ticks had already moved past.
    expect(JSON.parse(f.kv.get('ckpt.0')!)).toMatchObject({ tick: 3, tickSeq: 3 });
  }, 240_000);

  it('gives a change batch redelivered to the next owner the same ids: every result once', async () => {
    const accounts = syntheticAccounts(6, 3, 61);
    const f = server(accounts, []);
    // The second of three result parts fails and the lease lapses: parts 0 and 2 are stored,
    // the batch is not acknowledged, and the next owner re-forms it over the same span.
    let owned = true;
    let failed = 0;
    f.onPublish = (subject, id) => {
      if (!id.startsWith('c:') || !id.endsWith(':1') || failed > 0) return;
      failed++;
      owned = false;
      throw new Error('timeout');
    };
    const first = startPartition(context(f, 'a'), 0, () => owned);
    await until(() => first.finished(), 'the first owner to stop');
    expect(failed).toBe(1);
    expect(storedKeys(f).length).toBe(4);
    expect(ackFloor(f, 'acc-0')).toBe(0);
    const second = startPartition(context(f, 'b'), 0, () => true);
    await until(() => ackFloor(f, 'acc-0') === accounts.length, 'the batch acknowledged');
    await second.stop();
    const local = runLocal(base, setup, accounts, []);
    const keys = storedKeys(f);
    expect(keys.length).toBe(local.results.length);
    expect(new Set(keys)).toEqual(new Set(local.results.map((r) => `${r.id}|${r.tick}|${r.seq}`)));
  }, 240_000);
  it('leaves a change batch whose lease went while publishing to the next owner, who then holds every account', async () => {
    const accounts = syntheticAccounts(6, 3, 81);
    const ticks = syntheticTicks(base.underlyings.BTC!.index, 1, 82);
    const f = server(accounts, ticks);
    // The first owner's first result publish is held back while its lease lapses, and the
    // next owner rebuilds (reading the ack floor) before that publish completes.
    let owned = true;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    f.onPublish = async (_subject, id) => {
      if (!id.startsWith('c:') || held) return;
      held = true;
      owned = false;
      await gate;
    };
    const first = startPartition(context(f, 'a'), 0, () => owned);
    await until(() => held, 'the first owner publishing');
    const logs: string[] = [];
    const second = startPartition({ ...context(f, 'b'), log: (l) => logs.push(l) }, 0, () => true);
    await until(() => logs.some((l) => l.includes(' accounts (')), 'the next owner rebuilt');
    release();
    await until(() => first.finished(), 'the first owner to stop');
    await until(() => ackFloor(f, 'tick-0') === 1, 'tick 1 handled by the next owner');
    await second.stop();
    // Acknowledged by the first owner after the rebuild, the batch would be in no book.
    expect(resultsAt(f, 1)).toBe(accounts.length);
    const local = runLocal(base, setup, accounts, ticks);
    expect(new Set(storedKeys(f))).toEqual(
      new Set(local.results.map((r) => `${r.id}|${r.tick}|${r.seq}`)),
    );
    expect(storedKeys(f).length).toBe(local.results.length);
  }, 240_000);

  it('does not acknowledge changes past ones a previous owner still holds (the acknowledged changes stay a prefix)', async () => {
    const accounts = syntheticAccounts(12, 3, 71);
    const ticks = syntheticTicks(base.underlyings.BTC!.index, 1, 72);
    const f = server(accounts.slice(0, 6), []);
    await f
      .connection()
      .jsm.consumers.add(topo.streams.accounts, partitionConsumers(topo, 0, 60_000).accounts);
    const consumer = f.consumer(topo.streams.accounts, 'acc-0');
    // A previous owner, still working, holds the first six changes.
    const old = consumer.take(6);
    for (const c of accounts.slice(6))
      f.store(topo.accountSubject(0), JSON.stringify(c), changeMsgId(c));
    for (const t of ticks) f.store(topo.tickSubject(t.underlying), JSON.stringify(t), tickMsgId(t));
    const next = startPartition(context(f, 'b'), 0, () => true);
    await until(() => consumer.delivered() === accounts.length, 'the later changes delivered');
    // Acknowledging them now would leave the ack floor at 0 with changes 7-12 acknowledged:
    // a rebuild replays up to the floor and never sees them again.
    const t0 = Date.now();
    while (consumer.pending.size > 6 && Date.now() - t0 < 5000) await sleep(20);
    await next.stop();
    for (const m of old) m.nak(); // the previous owner gives its changes back
    const last = startPartition(context(f, 'c'), 0, () => true);
    await until(() => ackFloor(f, 'tick-0') === 1, 'tick 1 handled');
    await last.stop();
    expect(resultsAt(f, 1)).toBe(accounts.length);
    const local = runLocal(base, setup, accounts, ticks);
    expect(new Set(storedKeys(f))).toEqual(
      new Set(local.results.map((r) => `${r.id}|${r.tick}|${r.seq}`)),
    );
  }, 240_000);
  it("rebuilds from a snapshot when the ack floor passed it over other partitions' changes only", async () => {
    const accounts = syntheticAccounts(6, 3, 91);
    const ticks = syntheticTicks(base.underlyings.BTC!.index, 1, 92);
    const f = server(accounts, ticks);
    // Partition 1's change after the snapshot of partition 0's six: the floor moves to 7.
    const other = syntheticAccounts(1, 3, 93)[0]!;
    f.store(topo.accountSubject(1), JSON.stringify({ ...other, id: 'x' }), 'a:x:1');
    await f
      .connection()
      .jsm.consumers.add(topo.streams.accounts, partitionConsumers(topo, 0, 60_000).accounts);
    const consumer = f.consumer(topo.streams.accounts, 'acc-0');
    for (const m of consumer.take(10)) m.ack();
    expect(ackFloor(f, 'acc-0')).toBe(7);
    const book = emptyBook();
    for (const c of accounts) applyChange(book, c, base);
    await writeSnapshot(f.bucket(), 0, book, 6);
    const runner = startPartition(context(f, 'b'), 0, () => true);
    await until(() => ackFloor(f, 'tick-0') === 1, 'tick 1 handled after the rebuild');
    await runner.stop();
    expect(resultsAt(f, 1)).toBe(accounts.length);
  }, 240_000);
});
