/**
 * One leased partition inside a worker: rebuild, then a loop that applies account changes and
 * re-margins on ticks, publishing results and events before acknowledging the input.
 *
 * Rebuild (on start or takeover): the partition's checkpoint (`ckpt.<p>` in the state bucket:
 * last completed tick and its indices) gives the market; the account changes the consumer has
 * already acknowledged are replayed from the account stream (an ordered consumer up to the ack
 * floor), and every account is margined once at the checkpoint market to recover its last
 * health state. Unacknowledged changes and ticks are then redelivered by the durable consumers
 * and handled as new.
 *
 * Loop: drain pending account changes (each applied in sequence order, margined at the current
 * market, result `c:<id>:<seq>` and event published, then acked); take the next tick. Ticks are
 * handled strictly in stream order (the checkpoint keeps the stream sequence of the last one;
 * the tick stream has no gaps): a tick at or below it is acked unchanged (a redelivery of
 * finished work), ticks before it that a dead worker still holds unacknowledged are read from
 * the stream and handled first. For each tick, pending changes are drained first (so every change published before the
 * tick is in it), every account is margined at the new market in batches (id order), results
 * `r:<p>:<tick>:<part>` and events published and their acks awaited, the checkpoint written,
 * and only then the tick acked. A worker killed at any point leaves the tick unacked: the next
 * owner recomputes the same numbers, and JetStream drops the messages already stored
 * (message ids).
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { applyChange, emptyBook, sortedAccounts, type AccountBook } from './account-book.ts';
import type { ClusterConfig } from './cluster-config.ts';
import type { ClusterConnection } from './connection.ts';
import {
  baseMarket,
  healthEvent,
  marginAccount,
  nextMarket,
  type HeldAccount,
  type ModelSetup,
  type TickMarket,
} from './marginer.ts';
import {
  batchMsgId,
  changeResultMsgId,
  decodeChange,
  decodeTick,
  eventMsgId,
  type AccountResult,
  type HealthEvent,
  type ResultBatch,
  type ResultState,
} from './messages.ts';
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
}

/** Counters of a worker (all partitions). */
export interface RunnerStats {
  ticks: number;
  changes: number;
  accountsMargined: number;
  events: number;
  badMessages: number;
  retries: number;
}

/** A message to publish with its id. */
interface Outgoing {
  readonly subject: string;
  readonly data: string;
  readonly msgID: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const yieldToLoop = () => new Promise((r) => setImmediate(r));
/** Accounts margined between two yields to the event loop (so heartbeats stay on time). */
const YIELD_EVERY = 8;

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
  const book = emptyBook();
  const live = () => !stopping && owned();
  let ended = false;
  const done = runPartition(ctx, p, book, live)
    .catch((e) => ctx.log(`partition ${p}: stopped on ${(e as Error).stack ?? String(e)}`))
    .finally(() => {
      ended = true;
    });
  return {
    partition: p,
    accounts: () => book.accounts.size,
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

/** Where a partition stands: the market of its last completed tick and that tick's stream seq. */
interface Position {
  readonly market: TickMarket;
  /** Stream sequence of the last tick message handled (0: none; the tick stream has no gaps). */
  readonly tickSeq: number;
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
 * indices alone).
 */
async function replayTicks(ctx: RunnerContext, upTo: number): Promise<TickMarket> {
  let m = baseMarket(ctx.base, ctx.setup);
  for (let seq = 1; seq <= upTo; seq++) {
    const stored = await ctx.conn.jsm.streams.getMessage(ctx.topo.streams.ticks, { seq });
    if (!stored) throw new Error(`tick stream has no message ${seq}`);
    let t;
    try {
      t = decodeTick(stored.string());
    } catch {
      continue; // a bad tick was reported when first delivered
    }
    if (t.tick <= m.tick) continue;
    const next = nextMarket(ctx.base, m, t);
    if (typeof next !== 'string') m = next;
  }
  return m;
}

async function rebuild(ctx: RunnerContext, p: number, book: AccountBook): Promise<Position> {
  const ck = await ctx.state.get(`ckpt.${p}`);
  const c = ck && ck.operation === 'PUT' ? ck.json<Checkpoint>() : undefined;
  const m = await replayTicks(ctx, c?.tickSeq ?? 0);
  const info = await ctx.conn.jsm.consumers.info(ctx.topo.streams.accounts, `acc-${p}`);
  const floor = info.ack_floor.stream_seq;
  if (floor > 0) {
    const oc = await ctx.conn.js.consumers.get(ctx.topo.streams.accounts, {
      filter_subjects: ctx.topo.accountSubject(p),
    });
    const it = await oc.consume();
    for await (const msg of it) {
      if (msg.seq > floor) break;
      try {
        applyChange(book, decodeChange(msg.string()), ctx.base);
      } catch {
        /* a bad change was reported when first delivered */
      }
      if (msg.seq === floor || msg.info.pending === 0) break;
    }
    it.stop();
  }
  let n = 0;
  for (const a of book.accounts.values()) {
    book.states.set(a.id, marginAccount(a, m, ctx.setup).result.state);
    if (++n % YIELD_EVERY === 0) await yieldToLoop();
  }
  return { market: m, tickSeq: c?.tickSeq ?? 0 };
}

/** Margins `a`, chaining the previous state through `overlay` (committed after publishing). */
function marginWithEvent(
  book: AccountBook,
  overlay: Map<string, ResultState>,
  a: HeldAccount,
  m: TickMarket,
  setup: ModelSetup,
): { result: AccountResult; event: HealthEvent | undefined } {
  const r = marginAccount(a, m, setup);
  const e = healthEvent(overlay.get(a.id) ?? book.states.get(a.id), r);
  overlay.set(a.id, r.result.state);
  return { result: r.result, event: e };
}

async function drainChanges(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  m: TickMarket,
  live: () => boolean,
): Promise<void> {
  const consumer = await ctx.conn.js.consumers.get(ctx.topo.streams.accounts, `acc-${p}`);
  for (;;) {
    if (!live()) return;
    const info = await consumer.info(false);
    // Changes delivered to a worker that died stay "ack pending" until redelivered (after the
    // ack wait) to a pull request: keep asking until none is left.
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    const max = Math.max(1, Math.min(info.num_pending, 1000));
    const msgs: JsMsg[] = [];
    const expires = info.num_pending > 0 ? 5000 : 1000;
    for await (const msg of await consumer.fetch({ max_messages: max, expires })) {
      msgs.push(msg);
      if (msgs.length >= max) break;
    }
    const overlay = new Map<string, ResultState>();
    const out: Outgoing[] = [];
    for (const msg of msgs) {
      let change;
      try {
        change = decodeChange(msg.string());
      } catch (e) {
        ctx.stats.badMessages++;
        ctx.log(`partition ${p}: bad account message ${msg.seq} dropped: ${(e as Error).message}`);
        continue;
      }
      for (const c of applyChange(book, change, ctx.base)) {
        ctx.stats.changes++;
        if (ctx.stats.changes % YIELD_EVERY === 0) await yieldToLoop();
        if (!c.account) continue;
        const { result, event } = marginWithEvent(book, overlay, c.account, m, ctx.setup);
        const batch: ResultBatch = {
          partition: p,
          tick: m.tick,
          worker: ctx.worker,
          results: [result],
        };
        out.push({
          subject: ctx.topo.resultSubject(p),
          data: JSON.stringify(batch),
          msgID: changeResultMsgId(c.id, c.seq),
        });
        if (event) out.push(eventOut(ctx, event));
      }
    }
    if (!(await publishAll(ctx, out, live))) {
      for (const msg of msgs) msg.nak(); // to the next owner now, not after the ack wait
      return;
    }
    for (const [id, s] of overlay) if (book.accounts.has(id)) book.states.set(id, s);
    for (const msg of msgs) msg.ack();
  }
}

async function marginTickBatches(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  m: TickMarket,
  working: () => void,
): Promise<{ out: Outgoing[]; overlay: Map<string, ResultState> }> {
  const overlay = new Map<string, ResultState>();
  const out: Outgoing[] = [];
  const accounts = sortedAccounts(book);
  const size = ctx.cfg.batchSize;
  for (let part = 0; part * size < accounts.length; part++) {
    const results: AccountResult[] = [];
    for (const [i, a] of accounts.slice(part * size, (part + 1) * size).entries()) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
      const { result, event } = marginWithEvent(book, overlay, a, m, ctx.setup);
      results.push(result);
      if (event) out.push(eventOut(ctx, event));
    }
    const batch: ResultBatch = { partition: p, tick: m.tick, worker: ctx.worker, results };
    out.push({
      subject: ctx.topo.resultSubject(p),
      data: JSON.stringify(batch),
      msgID: batchMsgId(p, m.tick, part),
    });
    working();
    await yieldToLoop();
  }
  return { out, overlay };
}

/**
 * Handles the tick message stored at stream sequence `seq` (its text `text`) after `at`: a
 * tick number at or below the current one is skipped (a tick published out of order); else
 * changes are drained, every account margined, output published, the checkpoint written.
 * Returns the new position (unchanged when the lease went away before the output was stored).
 */
async function applyTick(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  at: Position,
  seq: number,
  text: string,
  live: () => boolean,
  working: () => void,
): Promise<Position> {
  let tick;
  try {
    tick = decodeTick(text);
  } catch (e) {
    ctx.stats.badMessages++;
    ctx.log(`partition ${p}: bad tick message ${seq} skipped: ${(e as Error).message}`);
    return { market: at.market, tickSeq: seq };
  }
  if (tick.tick <= at.market.tick) return { market: at.market, tickSeq: seq };
  const m = nextMarket(ctx.base, at.market, tick);
  if (typeof m === 'string') {
    ctx.log(`partition ${p}: tick ${tick.tick} ignored: ${m}`);
    return { market: at.market, tickSeq: seq };
  }
  await drainChanges(ctx, p, book, at.market, live);
  const { out, overlay } = await marginTickBatches(ctx, p, book, m, working);
  if (!(await publishAll(ctx, out, live))) return at;
  for (const [id, s] of overlay) book.states.set(id, s);
  const ckpt: Checkpoint = { tick: m.tick, tickSeq: seq, indices: m.indices };
  while (live()) {
    try {
      await ctx.state.put(`ckpt.${p}`, JSON.stringify(ckpt));
      break;
    } catch {
      ctx.stats.retries++;
      await sleep(500);
    }
  }
  ctx.stats.ticks++;
  ctx.stats.accountsMargined += overlay.size;
  ctx.stats.events += out.filter((o) => o.subject === ctx.topo.eventSubject).length;
  return { market: m, tickSeq: seq };
}

/**
 * Handles a delivered tick in stream order: one already handled is acked; ticks stored before
 * it and not yet handled (still unacknowledged at a dead worker, so redelivered later) are read
 * from the stream and handled first; then it is handled and acked.
 */
async function handleTick(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  at: Position,
  msg: JsMsg,
  live: () => boolean,
): Promise<Position> {
  if (msg.seq <= at.tickSeq) {
    msg.ack();
    return at;
  }
  let pos = at;
  const working = () => msg.working();
  for (let seq = at.tickSeq + 1; seq < msg.seq; seq++) {
    const stored = await ctx.conn.jsm.streams.getMessage(ctx.topo.streams.ticks, { seq });
    if (!stored) throw new Error(`tick stream has no message ${seq}`);
    const next = await applyTick(ctx, p, book, pos, seq, stored.string(), live, working);
    if (next === pos && pos.tickSeq !== seq) {
      msg.nak();
      return pos;
    }
    pos = next;
  }
  const next = await applyTick(ctx, p, book, pos, msg.seq, msg.string(), live, working);
  if (next.tickSeq === msg.seq) msg.ack();
  else msg.nak(); // the lease went away: to the next owner now, not after the ack wait
  return next;
}

async function runPartition(
  ctx: RunnerContext,
  p: number,
  book: AccountBook,
  live: () => boolean,
): Promise<void> {
  let pos: Position | undefined;
  let ticks: Consumer | undefined;
  // A tick taken but not finished (the server went away): retried before any other.
  let held: JsMsg | undefined;
  while (live()) {
    try {
      if (pos === undefined) {
        await ensureConsumers(ctx, p);
        pos = await rebuild(ctx, p, book);
        ctx.log(`partition ${p}: ${book.accounts.size} accounts, at tick ${pos.market.tick}`);
      }
      await drainChanges(ctx, p, book, pos.market, live);
      if (!live()) break;
      ticks ??= await ctx.conn.js.consumers.get(ctx.topo.streams.ticks, `tick-${p}`);
      held ??= (await ticks.next({ expires: 1000 })) ?? undefined;
      if (held) {
        pos = await handleTick(ctx, p, book, pos, held, live);
        held = undefined;
      }
    } catch (e) {
      ctx.stats.retries++;
      ctx.log(`partition ${p}: ${(e as Error).message}; retrying`);
      await sleep(500);
    }
  }
  held?.nak();
}
