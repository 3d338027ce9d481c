/**
 * One leased partition inside a worker: rebuild, then a loop that applies account changes and
 * re-margins on ticks, publishing results and events before acknowledging the input.
 *
 * Rebuild (on start or takeover): the partition's checkpoint (`ckpt.<p>` in the state bucket:
 * last completed tick and its indices) gives the market (the ticks up to it re-applied); the
 * partition's latest KV snapshot (account-snapshot.ts) gives the accounts up to its stream
 * sequence, and only the changes after it that the consumer has already acknowledged are
 * replayed from the account stream (an ordered consumer from the snapshot up to the ack floor;
 * without a snapshot, from the start); every account is margined once at the checkpoint market
 * to recover its last health state. Unacknowledged changes and ticks are then redelivered by
 * the durable consumers and handled as new. A snapshot is written every `snapshotMs` (when
 * the accounts changed) at a point where no change is delivered and unacknowledged.
 *
 * Loop: drain pending account changes in batches (up to 1,000 delivered messages in stream
 * order: applied in per-account sequence order, the changed accounts margined at the current
 * market in one call, results published in parts as `c:<p>:<first>:<last>:<part>` with their
 * events, then acked; the span is recorded in `cb.<p>` first, so a redelivered batch is
 * re-formed with the same ids); take the next tick. Ticks are
 * handled strictly in stream order (the checkpoint keeps the stream sequence of the last one;
 * the tick stream has no gaps): a tick at or below it is acked unchanged (a redelivery of
 * finished work), ticks before it that a dead worker still holds unacknowledged are read from
 * the stream and handled first. For each tick, pending changes are drained first (so every
 * change published before the tick is in it), the tick applied to the partition's market
 * (partition-market.ts: for deribit-pm the engine re-prices the moved rows and names the
 * accounts holding them; the other models re-margin every account), those accounts margined
 * in batches (id order), results `r:<p>:<tick>:<part>` (part 0 also carries the rows
 * re-priced and the accounts held, and is published even when no account moved) and events
 * published and their acks awaited, the checkpoint written, and only then the tick acked (a
 * checkpoint not stored before the lease went leaves the tick unacked). A worker killed at any point leaves the tick unacked: the next
 * owner recomputes the same numbers, and JetStream drops the messages already stored
 * (message ids).
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { DeliverPolicy } from '@nats-io/jetstream';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { applyChange, emptyBook, sortedAccounts, type AccountBook } from './account-book.ts';
import { readSnapshot, writeSnapshot } from './account-snapshot.ts';
import type { ClusterConfig } from './cluster-config.ts';
import type { ClusterConnection } from './connection.ts';
import {
  healthEvent,
  type HeldAccount,
  type MarginedAccount,
  type ModelSetup,
} from './marginer.ts';
import {
  batchMsgId,
  changeBatchMsgId,
  decodeChange,
  decodeTick,
  eventMsgId,
  type AccountResult,
  type HealthEvent,
  type ResultBatch,
  type ResultState,
} from './messages.ts';
import { partitionMarket, type PartitionMarket } from './partition-market.ts';
import type { SharedEngine } from './shared-engine.ts';
import { partitionConsumers, type Topology } from './topology.ts';

/** What every partition of a worker shares. */
export interface RunnerContext {
  readonly conn: ClusterConnection;
  readonly topo: Topology;
  readonly cfg: ClusterConfig;
  readonly setup: ModelSetup;
  readonly base: MarketSnapshot;
  readonly state: KV;
  readonly worker: string;
  readonly log: (line: string) => void;
  readonly stats: RunnerStats;
  /** Write a KV snapshot of a partition's accounts this often (ms; 0: never). */
  readonly snapshotMs: number;
  /** The worker's engine market, shared by its partitions (deribit-pm; shared-engine.ts). */
  readonly engine?: SharedEngine;
}

/** Counters of a worker (all partitions). */
export interface RunnerStats {
  ticks: number;
  changes: number;
  accountsMargined: number;
  events: number;
  badMessages: number;
  retries: number;
  /** Account messages replayed from the stream by rebuilds (after any snapshot). */
  replayed: number;
  /** KV snapshots written. */
  snapshots: number;
}

/** A message to publish with its id. */
interface Outgoing {
  readonly subject: string;
  readonly data: string;
  readonly msgID: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const yieldToLoop = () => new Promise((r) => setImmediate(r));
/** Redelivery delay of an account change waiting for its `afterTick` (ms). */
const DEFER_MS = 100;

/** A running partition. */
export interface PartitionRunner {
  readonly partition: number;
  /** Asks the loop to stop after its current step; resolves when it has. */
  stop(): Promise<void>;
  /** Number of accounts held. */
  accounts(): number;
  /** True once the loop has ended (stopped, or fenced off by a late lease renewal). */
  finished(): boolean;
}

/** Starts partition `p`; `owned()` turning false stops it at the next step. */
export function startPartition(
  ctx: RunnerContext,
  p: number,
  owned: () => boolean,
): PartitionRunner {
  let stopping = false;
  const state: PartitionState = {
    p,
    book: emptyBook(),
    market: partitionMarket(ctx.base, ctx.setup, ctx.engine),
    tickSeq: 0,
    snapshotAt: 0,
    snapshotVersion: -1,
    appliedSeq: 0,
    handledTick: 0,
    spans: [],
    dirty: false,
    ckptRevision: 0,
  };
  const live = () => !stopping && owned();
  let ended = false;
  const done = runPartition(ctx, state, live)
    .catch((e) => ctx.log(`partition ${p}: stopped on ${(e as Error).stack ?? String(e)}`))
    .finally(() => {
      ended = true;
    });
  return {
    partition: p,
    accounts: () => state.book.accounts.size,
    finished: () => ended,
    stop: async () => {
      stopping = true;
      await done;
    },
  };
}

async function ensureConsumers(ctx: RunnerContext, p: number): Promise<void> {
  const cfgs = partitionConsumers(ctx.topo, p, ctx.cfg.ackWaitMs);
  const pairs = [
    [ctx.topo.streams.accounts, cfgs.accounts],
    [ctx.topo.streams.ticks, cfgs.ticks],
  ] as const;
  for (const [stream, cfg] of pairs) {
    try {
      await ctx.conn.jsm.consumers.info(stream, cfg.durable_name!);
    } catch {
      await ctx.conn.jsm.consumers.add(stream, cfg);
    }
  }
}

/** Publishes every message, retrying until all are stored or the lease is gone. */
async function publishAll(ctx: RunnerContext, out: readonly Outgoing[], live: () => boolean) {
  let pending = out;
  while (pending.length > 0) {
    if (!live()) return false;
    const settled = await Promise.allSettled(
      pending.map((m) => ctx.conn.js.publish(m.subject, m.data, { msgID: m.msgID })),
    );
    pending = pending.filter((_, i) => settled[i]!.status === 'rejected');
    if (pending.length > 0) {
      ctx.stats.retries++;
      await sleep(500);
    }
  }
  return true;
}

function eventOut(ctx: RunnerContext, e: HealthEvent): Outgoing {
  return { subject: ctx.topo.eventSubject, data: JSON.stringify(e), msgID: eventMsgId(e) };
}

/** Where a partition stands: its accounts, its market and the last tick handled. */
interface PartitionState {
  readonly p: number;
  book: AccountBook;
  /** The market of the last completed tick (mutable: a tick moves it). */
  market: PartitionMarket;
  /** Stream sequence of the last tick message handled (0: none; the tick stream has no gaps). */
  tickSeq: number;
  /** When the last snapshot was written (ms), and the book version it holds. */
  snapshotAt: number;
  snapshotVersion: number;
  /** Highest account stream sequence this runner applied (replayed or delivered). */
  appliedSeq: number;
  /** Highest tick number handled, applied or ignored (changes wait for their `afterTick`). */
  handledTick: number;
  /** The last change batches published (`cb.<p>`), so a redelivery re-forms them. */
  spans: Span[];
  /** Changes applied to the book and not acknowledged (a retry after an error rebuilds). */
  dirty: boolean;
  /** Revision of `ckpt.<p>` this owner read or wrote last (0: none): checkpoints are stored
   * only over it, so an earlier owner's late write cannot replace a newer checkpoint. */
  ckptRevision: number;
}

/** The checkpoint record (`ckpt.<p>`). */
interface Checkpoint {
  readonly tick: number;
  readonly tickSeq: number;
  readonly indices: Record<string, number>;
}

/**
 * The market after the ticks stored at stream sequences 1..`upTo`, applied in order as the
 * loop does (the engine's market for deribit-pm is the whole chain of ticks, not the latest
 * indices alone). Applied before any account is held: nothing is margined.
 */
async function replayTicks(
  ctx: RunnerContext,
  upTo: number,
): Promise<{ market: PartitionMarket; handled: number }> {
  const m = partitionMarket(ctx.base, ctx.setup, ctx.engine);
  const none = emptyBook();
  let handled = 0;
  for (let seq = 1; seq <= upTo; seq++) {
    const stored = await ctx.conn.jsm.streams.getMessage(ctx.topo.streams.ticks, { seq });
    if (!stored) throw new Error(`tick stream has no message ${seq}`);
    let t;
    try {
      t = decodeTick(stored.string());
    } catch {
      continue; // a bad tick was reported when first delivered
    }
    if (t.tick > m.tick) m.applyTick(t, none);
    handled = Math.max(handled, t.tick);
  }
  return { market: m, handled };
}

/** Replays the acknowledged account changes after stream sequence `after` into `book`. */
async function replayChanges(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  after: number,
): Promise<{ replayed: number; last: number }> {
  const info = await ctx.conn.jsm.consumers.info(ctx.topo.streams.accounts, `acc-${p}`);
  const floor = info.ack_floor.stream_seq;
  if (floor <= after) return { replayed: 0, last: after };
  // The floor counts other partitions' messages too: with none of this partition's after
  // `after`, the consumer below would wait for one forever (a rebuild that never ends).
  const mine = await ctx.conn.jsm.streams.getMessage(ctx.topo.streams.accounts, {
    last_by_subj: ctx.topo.accountSubject(p),
  });
  if (!mine || mine.seq <= after) return { replayed: 0, last: after };
  const oc = await ctx.conn.js.consumers.get(ctx.topo.streams.accounts, {
    filter_subjects: ctx.topo.accountSubject(p),
    ...(after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : {}),
  });
  const it = await oc.consume();
  let n = 0;
  let last = after;
  for await (const msg of it) {
    if (msg.seq > floor) break;
    n++;
    last = msg.seq;
    try {
      applyChange(book, decodeChange(msg.string()), ctx.base);
    } catch {
      /* a bad change was reported when first delivered */
    }
    if (msg.seq === floor || msg.info.pending === 0) break;
  }
  it.stop();
  return { replayed: n, last };
}

async function rebuild(ctx: RunnerContext, s: PartitionState): Promise<void> {
  const ck = await ctx.state.get(`ckpt.${s.p}`);
  const c = ck && ck.operation === 'PUT' ? ck.json<Checkpoint>() : undefined;
  s.ckptRevision = ck?.revision ?? 0;
  const replay = await replayTicks(ctx, c?.tickSeq ?? 0);
  s.market = replay.market;
  s.handledTick = replay.handled;
  s.tickSeq = c?.tickSeq ?? 0;
  const snap = await readSnapshot(ctx.state, s.p, ctx.base).catch((e: unknown) => {
    ctx.log(`partition ${s.p}: snapshot unreadable (${(e as Error).message}); full replay`);
    return undefined;
  });
  s.book = snap?.book ?? emptyBook();
  const { replayed, last } = await replayChanges(ctx, s.p, s.book, snap?.header.streamSeq ?? 0);
  s.appliedSeq = last;
  s.spans = await readSpans(ctx, s.p);
  s.dirty = false;
  ctx.stats.replayed += replayed;
  const all = sortedAccounts(s.book);
  s.market.margin(all, s.book).forEach((r) => s.book.states.set(r.result.id, r.result.state));
  s.snapshotAt = Date.now();
  s.snapshotVersion = snap && replayed === 0 ? s.book.version : -1;
  const from = snap ? `snapshot at stream seq ${snap.header.streamSeq} + ` : '';
  ctx.log(
    `partition ${s.p}: ${s.book.accounts.size} accounts (${from}${replayed} changes replayed), at tick ${s.market.tick}`,
  );
}

/**
 * Writes the partition's KV snapshot when it is due and the accounts changed since the last
 * one, at a point where the account consumer has nothing delivered and unacknowledged.
 */
async function maybeSnapshot(ctx: RunnerContext, s: PartitionState): Promise<void> {
  if (ctx.snapshotMs <= 0 || Date.now() - s.snapshotAt < ctx.snapshotMs) return;
  if (s.book.version === s.snapshotVersion) return;
  const info = await ctx.conn.jsm.consumers.info(ctx.topo.streams.accounts, `acc-${s.p}`);
  // Every change at or below the ack floor is in this book (none acked by another owner).
  if (info.num_ack_pending > 0 || info.ack_floor.stream_seq !== s.appliedSeq) return;
  const version = s.book.version;
  const h = await writeSnapshot(ctx.state, s.p, s.book, info.ack_floor.stream_seq);
  s.snapshotAt = Date.now();
  s.snapshotVersion = version;
  ctx.stats.snapshots++;
  ctx.log(
    `partition ${s.p}: snapshot of ${h.accounts} accounts at stream seq ${h.streamSeq} (${h.chunks} chunks)`,
  );
}

/** The event of `r` against the account's previous state, chained through `overlay`. */
function withEvent(
  book: AccountBook,
  overlay: Map<string, ResultState>,
  r: MarginedAccount,
): HealthEvent | undefined {
  const id = r.result.id;
  const e = healthEvent(overlay.get(id) ?? book.states.get(id), r);
  overlay.set(id, r.result.state);
  return e;
}

/** A batch of changes whose results were published as one: its account-stream sequences. */
interface Span {
  readonly first: number;
  readonly last: number;
  /** Messages of the partition in `first..last` (the subject's, not the stream's). */
  readonly count: number;
}

/** Spans kept in `cb.<p>` (the batches that may still be redelivered). */
const SPANS_KEPT = 16;

/** The recorded spans of partition `p` (`cb.<p>` in the state bucket). */
async function readSpans(ctx: RunnerContext, p: number): Promise<Span[]> {
  const e = await ctx.state.get(`cb.${p}`);
  return e && e.operation === 'PUT' ? e.json<Span[]>() : [];
}

/** Fetches up to 1000 delivered account changes (after the ack wait, redelivered ones too). */
async function fetchChanges(consumer: Consumer, pending: number): Promise<JsMsg[]> {
  const max = Math.max(1, Math.min(pending, 1000));
  const msgs: JsMsg[] = [];
  const expires = pending > 0 ? 5000 : 1000;
  for await (const msg of await consumer.fetch({ max_messages: max, expires })) {
    msgs.push(msg);
    if (msgs.length >= max) break;
  }
  return msgs;
}

/** Messages by stream sequence, one per sequence (the latest delivery kept). */
function bySeq(msgs: readonly JsMsg[]): JsMsg[] {
  const m = new Map<number, JsMsg>();
  for (const msg of msgs) m.set(msg.seq, msg);
  return [...m.values()].sort((x, y) => x.seq - y.seq);
}

/**
 * What to do with the delivered changes `msgs` (sorted), the consumer's ack floor being
 * `floor`: a new batch (all of them up to any recorded span after the first), or a recorded
 * batch delivered again. A batch's messages are acknowledged in stream order and only after
 * its results were stored, so a recorded span whose first message is acknowledged
 * (`floor ≥ first`) was published: its remaining messages are applied and acknowledged
 * without publishing. Otherwise none of it was acknowledged and all of it comes again: the
 * same span is re-formed (`more` until its `count` messages are here) and published again
 * under the same ids (JetStream keeps one copy).
 */
function batchOf(
  s: PartitionState,
  msgs: readonly JsMsg[],
  floor: number,
): { span: Span; publish: boolean; more: boolean } {
  const first = msgs[0]!.seq;
  const r = s.spans.find((x) => x.first <= first && first <= x.last);
  if (!r) {
    const next = Math.min(...s.spans.filter((x) => x.first > first).map((x) => x.first));
    const mine = msgs.filter((m) => m.seq < next);
    const span = { first, last: mine[mine.length - 1]!.seq, count: mine.length };
    return { span, publish: true, more: false };
  }
  if (floor >= r.first) return { span: r, publish: false, more: false };
  const held = msgs.filter((m) => m.seq <= r.last).length;
  return { span: r, publish: true, more: held < r.count };
}

/** Applies the changes of `msgs` in order up to the first waiting for its tick. */
function applyBatch(
  ctx: RunnerContext,
  s: PartitionState,
  msgs: readonly JsMsg[],
): { applied: HeldAccount[]; deferred: number } {
  const applied: HeldAccount[] = [];
  for (const [i, msg] of msgs.entries()) {
    let change;
    try {
      change = decodeChange(msg.string());
    } catch (e) {
      s.appliedSeq = Math.max(s.appliedSeq, msg.seq);
      ctx.stats.badMessages++;
      ctx.log(`partition ${s.p}: bad account message ${msg.seq} dropped: ${(e as Error).message}`);
      continue;
    }
    // A change to apply after a tick not handled yet: it and the ones after it wait.
    if ((change.afterTick ?? 0) > s.handledTick) return { applied, deferred: i };
    s.appliedSeq = Math.max(s.appliedSeq, msg.seq);
    for (const c of applyChange(s.book, change, ctx.base)) {
      ctx.stats.changes++;
      if (c.account) applied.push(c.account);
    }
  }
  return { applied, deferred: -1 };
}

/** The results of a batch of changes in parts of `batchSize`, and their events. */
function changeOutput(
  ctx: RunnerContext,
  s: PartitionState,
  span: Span,
  margined: readonly MarginedAccount[],
): { out: Outgoing[]; overlay: Map<string, ResultState> } {
  const overlay = new Map<string, ResultState>();
  const out: Outgoing[] = [];
  for (const r of margined) {
    const event = withEvent(s.book, overlay, r);
    if (event) out.push(eventOut(ctx, event));
  }
  const size = ctx.cfg.batchSize;
  for (let part = 0; part * size < margined.length; part++) {
    const batch: ResultBatch = {
      partition: s.p,
      tick: s.market.tick,
      worker: ctx.worker,
      results: margined.slice(part * size, (part + 1) * size).map((r) => r.result),
    };
    out.push({
      subject: ctx.topo.resultSubject(s.p),
      data: JSON.stringify(batch),
      msgID: changeBatchMsgId(s.p, span.first, span.last, part),
    });
  }
  return { out, overlay };
}

/** Records `span` in `cb.<p>` before its results are published (a redelivery re-forms it). */
async function recordSpan(ctx: RunnerContext, s: PartitionState, span: Span): Promise<void> {
  if (s.spans.some((x) => x.first === span.first && x.last === span.last)) return;
  // Each a batch of its own: a span never overlaps one recorded before it.
  s.spans = [...s.spans, span].slice(-SPANS_KEPT);
  for (;;) {
    try {
      await ctx.state.put(`cb.${s.p}`, JSON.stringify(s.spans));
      return;
    } catch {
      ctx.stats.retries++;
      await sleep(500);
    }
  }
}

/**
 * Applies every pending account change (module doc), batch by batch: a batch's changes are
 * applied in stream order, the changed accounts margined in one call, their results published
 * in parts with their events, and only then the batch acknowledged.
 */
async function drainChanges(
  ctx: RunnerContext,
  s: PartitionState,
  live: () => boolean,
): Promise<void> {
  const consumer = await ctx.conn.js.consumers.get(ctx.topo.streams.accounts, `acc-${s.p}`);
  let carry: JsMsg[] = [];
  for (;;) {
    if (!live()) {
      for (const msg of carry) msg.nak();
      return;
    }
    const info = await consumer.info(false);
    // Changes delivered to a worker that died stay "ack pending" until redelivered (after the
    // ack wait) to a pull request: keep asking until none is left.
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    const msgs = bySeq([...carry, ...(await fetchChanges(consumer, info.num_pending))]);
    carry = [];
    if (msgs.length === 0) continue;
    const held = await heldAlone(consumer, msgs);
    if (held === 'wait') {
      carry = msgs;
      continue;
    }
    if (held === 'behind') {
      for (const msg of msgs) msg.nak();
      s.dirty = true; // the book lacks changes another holder acknowledged: rebuild
      return;
    }
    const { span, publish, more } = batchOf(s, msgs, held.floor);
    if (more) {
      carry = msgs;
      continue;
    }
    const inSpan = msgs.filter((m) => m.seq <= span.last);
    carry = msgs.filter((m) => m.seq > span.last);
    s.dirty = true; // the book holds changes not yet acknowledged: rebuilt if anything throws
    const { applied, deferred } = applyBatch(ctx, s, inSpan);
    await yieldToLoop(); // heartbeats between parsing and margining the batch
    const done = deferred < 0 ? inSpan : inSpan.slice(0, deferred);
    for (const msg of deferred < 0 ? [] : [...inSpan.slice(deferred), ...carry]) msg.nak(DEFER_MS);
    if (deferred >= 0) carry = [];
    const final =
      deferred <= 0
        ? span
        : { first: span.first, last: done[done.length - 1]!.seq, count: done.length };
    const margined = s.market.margin(applied, s.book);
    const { out, overlay } = changeOutput(ctx, s, final, margined);
    if (publish && out.length > 0) await recordSpan(ctx, s, final);
    // A lease lost while publishing: not acknowledged, the next owner (whose rebuild may have
    // read the ack floor already) redoes the batch under the same ids.
    if ((publish && !(await publishAll(ctx, out, live))) || !live()) {
      for (const msg of [...done, ...carry]) msg.nak(); // to the next owner now
      return;
    }
    for (const [id, st] of overlay) if (s.book.accounts.has(id)) s.book.states.set(id, st);
    for (const msg of done) msg.ack();
    s.dirty = false;
    if (deferred >= 0) return;
    await yieldToLoop();
  }
}

/**
 * Whether the delivered changes `msgs` (sorted) are every change delivered and not yet
 * acknowledged: then no change before them is held elsewhere (a previous owner still
 * working, or a change given back and not yet redelivered), and acknowledging them in stream
 * order keeps the acknowledged changes a prefix of the partition's, which a rebuild replays up
 * to the ack floor (nats-server moves the floor over a contiguous prefix only: changes
 * acknowledged past an unacknowledged one were never replayed, their accounts lost). `wait`:
 * others are pending (hold these and fetch again: they come back after a nak or the ack wait);
 * `behind`: some of these were acknowledged by another holder since they were delivered.
 */
async function heldAlone(
  consumer: Consumer,
  msgs: readonly JsMsg[],
): Promise<{ floor: number } | 'wait' | 'behind'> {
  const info = await consumer.info(false);
  if (info.num_ack_pending > msgs.length) return 'wait';
  if (info.num_ack_pending < msgs.length) return 'behind';
  return { floor: info.ack_floor.stream_seq };
}

/** Margins the accounts a tick moved in batches of `batchSize` (id order), with their events. */
async function marginTickBatches(
  ctx: RunnerContext,
  s: PartitionState,
  moved: { rows: number; accounts: readonly HeldAccount[] },
  working: () => void,
): Promise<{ out: Outgoing[]; overlay: Map<string, ResultState> }> {
  const overlay = new Map<string, ResultState>();
  const out: Outgoing[] = [];
  const size = ctx.cfg.batchSize;
  const tick = s.market.tick;
  for (let part = 0; part === 0 || part * size < moved.accounts.length; part++) {
    const slice = moved.accounts.slice(part * size, (part + 1) * size);
    const results: AccountResult[] = [];
    for (const r of s.market.margin(slice, s.book)) {
      results.push(r.result);
      const event = withEvent(s.book, overlay, r);
      if (event) out.push(eventOut(ctx, event));
    }
    const batch: ResultBatch = {
      partition: s.p,
      tick,
      worker: ctx.worker,
      results,
      ...(part === 0 ? { rows: moved.rows, held: s.book.accounts.size } : {}),
    };
    out.push({
      subject: ctx.topo.resultSubject(s.p),
      data: JSON.stringify(batch),
      msgID: batchMsgId(s.p, tick, part),
    });
    working();
    await yieldToLoop();
  }
  return { out, overlay };
}

/**
 * Stores the checkpoint over the revision this owner last read or wrote (compare-and-set),
 * retrying while the lease holds: true once stored. False when the lease went, or when the
 * stored checkpoint has moved past that revision (another owner wrote since: this one is stale,
 * and its tick is left unacknowledged for the partition's current owner).
 */
async function putCheckpoint(
  ctx: RunnerContext,
  s: PartitionState,
  ckpt: Checkpoint,
  live: () => boolean,
): Promise<boolean> {
  const key = `ckpt.${s.p}`;
  const text = JSON.stringify(ckpt);
  while (live()) {
    try {
      s.ckptRevision =
        s.ckptRevision === 0
          ? await ctx.state.create(key, text)
          : await ctx.state.update(key, text, s.ckptRevision);
      return true;
    } catch {
      // Refused because another owner wrote (or the reply of our own write was lost: the
      // revision moved either way and the next owner rebuilds from what is stored), else
      // the server is away: retry.
      const now = await ctx.state.get(key).catch(() => undefined);
      if (now !== undefined && (now?.revision ?? 0) !== s.ckptRevision) {
        ctx.log(`partition ${s.p}: checkpoint moved on by another owner; tick left unacked`);
        return false;
      }
      ctx.stats.retries++;
      await sleep(500);
    }
  }
  return false;
}

/**
 * Handles the tick message stored at stream sequence `seq` (its text `text`): a tick number
 * at or below the current one is skipped (a tick published out of order); else changes are
 * drained, the tick applied, the accounts it moved margined, output published, the
 * checkpoint written. Returns false when the lease went away before the output was stored
 * (the market has moved: the partition is then rebuilt by whoever holds it next).
 */
async function applyTick(
  ctx: RunnerContext,
  s: PartitionState,
  seq: number,
  text: string,
  live: () => boolean,
  working: () => void,
): Promise<boolean> {
  const p = s.p;
  let tick;
  try {
    tick = decodeTick(text);
  } catch (e) {
    ctx.stats.badMessages++;
    ctx.log(`partition ${p}: bad tick message ${seq} skipped: ${(e as Error).message}`);
    s.tickSeq = seq;
    return true;
  }
  if (tick.tick <= s.market.tick) {
    s.tickSeq = seq;
    s.handledTick = Math.max(s.handledTick, tick.tick);
    return true;
  }
  await drainChanges(ctx, s, live);
  if (!live() || s.dirty) return false;
  const moved = s.market.applyTick(tick, s.book);
  if (typeof moved === 'string') {
    ctx.log(`partition ${p}: tick ${tick.tick} ignored: ${moved}`);
    s.tickSeq = seq;
    s.handledTick = Math.max(s.handledTick, tick.tick);
    return true;
  }
  s.tickSeq = -1; // moved and not yet published: rebuilt if anything below throws
  const { out, overlay } = await marginTickBatches(ctx, s, moved, working);
  if (!(await publishAll(ctx, out, live))) return false;
  for (const [id, st] of overlay) s.book.states.set(id, st);
  const ckpt: Checkpoint = { tick: s.market.tick, tickSeq: seq, indices: s.market.indices() };
  // The tick is acknowledged only with its checkpoint stored: the next owner's market starts
  // from the checkpoint, and a tick acked past it would never be applied there.
  if (!(await putCheckpoint(ctx, s, ckpt, live))) return false;
  s.tickSeq = seq;
  s.handledTick = Math.max(s.handledTick, tick.tick);
  ctx.stats.ticks++;
  ctx.stats.accountsMargined += moved.accounts.length;
  ctx.stats.events += out.filter((o) => o.subject === ctx.topo.eventSubject).length;
  return true;
}

/**
 * Handles a delivered tick in stream order: one already handled is acked; ticks stored before
 * it and not yet handled (still unacknowledged at a dead worker, so redelivered later) are read
 * from the stream and handled first; then it is handled and acked.
 */
async function handleTick(
  ctx: RunnerContext,
  s: PartitionState,
  msg: JsMsg,
  live: () => boolean,
): Promise<void> {
  if (msg.seq <= s.tickSeq) {
    msg.ack();
    return;
  }
  const working = () => msg.working();
  for (let seq = s.tickSeq + 1; seq < msg.seq; seq++) {
    const stored = await ctx.conn.jsm.streams.getMessage(ctx.topo.streams.ticks, { seq });
    if (!stored) throw new Error(`tick stream has no message ${seq}`);
    if (!(await applyTick(ctx, s, seq, stored.string(), live, working))) {
      msg.nak();
      return;
    }
  }
  // Acknowledged only while the lease holds (a checkpoint stored just as it went: the next
  // owner acks the redelivered tick at or below its checkpoint).
  if ((await applyTick(ctx, s, msg.seq, msg.string(), live, working)) && live()) msg.ack();
  else msg.nak(); // the lease went away: to the next owner now, not after the ack wait
}

async function runPartition(
  ctx: RunnerContext,
  s: PartitionState,
  live: () => boolean,
): Promise<void> {
  let built = false;
  let ticks: Consumer | undefined;
  // A tick taken but not finished (the server went away): retried before any other.
  let held: JsMsg | undefined;
  while (live()) {
    try {
      // A tick that moved the market but did not finish (tickSeq −1), or changes applied and
      // not acknowledged (dirty): rebuild from the checkpoint and the acknowledged changes.
      if (!built || s.tickSeq < 0 || s.dirty) {
        await ensureConsumers(ctx, s.p);
        await rebuild(ctx, s);
        built = true;
      }
      await drainChanges(ctx, s, live);
      if (!live()) break;
      if (s.dirty) continue; // a batch given back unacknowledged: rebuild first
      await maybeSnapshot(ctx, s);
      ticks ??= await ctx.conn.js.consumers.get(ctx.topo.streams.ticks, `tick-${s.p}`);
      held ??= (await ticks.next({ expires: 1000 })) ?? undefined;
      if (held) {
        await handleTick(ctx, s, held, live);
        held = undefined;
      }
    } catch (e) {
      ctx.stats.retries++;
      ctx.log(`partition ${s.p}: ${(e as Error).message}; retrying`);
      await sleep(500);
    }
  }
  held?.nak();
}
