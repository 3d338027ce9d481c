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
import { accountLineFromJson, accountLineId, tickFileSteps } from '../io/account-line.ts';
import {
  changeFromJson,
  changeMsgId,
  tickFromJson,
  tickMsgId,
  type AccountChange,
  type TickMessage,
} from './messages.ts';
import { publishAcked } from './acked-publish.ts';
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
 * Account changes from JSON lines (the account line of io/account-line.ts): the account's
 * whole new state, or `{"id", "closed": true}`. Without `seq`, an account's lines are numbered
 * 1, 2, ... in file order.
 */
export function changesFromJsonl(text: string, source: string): AccountChange[] {
  const counts = new Map<string, number>();
  return jsonLines(text, source).map(({ value, field }) => changeOf(value, field, counts));
}

/** The change of an account line; `last` holds each account's last seq (updated). */
function changeOf(value: unknown, field: string, last: Map<string, number>): AccountChange {
  const a = accountLineFromJson(value, field);
  const seq = a.seq ?? (last.get(a.id) ?? 0) + 1;
  last.set(a.id, Math.max(seq, last.get(a.id) ?? 0));
  return changeFromJson(
    a.closed ? { id: a.id, seq, closed: true } : { id: a.id, seq, account: a.portfolio },
    field,
  );
}

/** A ticks file for the cluster: its ticks and account changes in file order. */
export interface TickFile {
  /** Ticks (numbered by step unless the line gives `"tick"`) and account changes, in order. */
  readonly steps: (TickMessage | AccountChange)[];
  /** Lines left out, as `ballast engine run` skips them: counted by reason. */
  readonly ignored: { 'unknown-underlying': number; 'unknown-account': number };
}

/**
 * The ticks file (io/account-line.ts): a tick for an underlying `underlyings` lacks, and an
 * account change for an id `accounts` (each id's last seq, from the accounts file) does not
 * hold, are counted and left out, as `ballast engine run` does; a change without `seq` gets
 * the account's next one and is to be applied after the tick before it (`afterTick`). A
 * malformed line is a typed error naming it (nothing is published).
 */
export function tickFileFromJsonl(
  text: string,
  source: string,
  underlyings: ReadonlySet<string>,
  accounts: Map<string, number>,
): TickFile {
  const steps: (TickMessage | AccountChange)[] = [];
  const ignored = { 'unknown-underlying': 0, 'unknown-account': 0 };
  let lastTick = 0;
  for (const st of tickFileSteps(text, source)) {
    if (st.kind === 'malformed') throw new BallastError('MALFORMED_JSON', st.reason, st.field);
    if (st.kind === 'change') {
      const id = accountLineId(st.account);
      if (id !== undefined && !accounts.has(id)) {
        ignored['unknown-account']++;
        continue;
      }
      const c = changeOf(st.account, `${st.field}.account`, accounts);
      steps.push(lastTick > 0 ? { ...c, afterTick: lastTick } : c);
      continue;
    }
    const t = tickFromJson({ tick: st.step, ...st.value }, st.field);
    if (!underlyings.has(t.underlying)) {
      ignored['unknown-underlying']++;
      continue;
    }
    steps.push(t);
    lastTick = Math.max(lastTick, t.tick);
  }
  return { steps, ignored };
}

/** Ticks from JSON lines (`tickFileFromJsonl` without account changes or a market check). */
export function ticksFromJsonl(text: string, source: string): TickMessage[] {
  const all = new Set<string>();
  for (const st of tickFileSteps(text, source))
    if (st.kind === 'tick') all.add(String((st.value as { underlying?: unknown }).underlying));
  return tickFileFromJsonl(text, source, all, new Map()).steps.filter(
    (s): s is TickMessage => 'underlying' in s,
  );
}

/** What a publish stored. */
export interface PublishSummary {
  readonly changes: number;
  readonly duplicateChanges: number;
  readonly ticks: number;
  readonly duplicateTicks: number;
}

/** Account changes published per call of `publishAcked` (their JSON held at once). */
const CHUNK = 50_000;

/** Publishes the changes (acked-publish.ts), in chunks; the duplicates JetStream reported. */
async function publishChanges(
  c: ClusterConnection,
  t: Topology,
  partitions: number,
  changes: readonly AccountChange[],
  progress: (n: number) => void,
): Promise<number> {
  let duplicates = 0;
  for (let at = 0; at < changes.length; at += CHUNK) {
    const chunk = changes.slice(at, at + CHUNK).map((ch) => ({
      subject: t.accountSubject(partitionOf(ch.id, partitions)),
      data: JSON.stringify(ch),
      msgID: changeMsgId(ch),
    }));
    duplicates += await publishAcked(c.nc, c.js, chunk);
    progress(Math.min(changes.length, at + CHUNK));
  }
  return duplicates;
}

/**
 * Stores the config, then publishes every change (waiting for all to be stored), then the
 * ticks file's steps in order, each stored before the next is sent (ticks `intervalMs` apart;
 * an account change of the ticks file carries `afterTick`, so a worker applies it after that
 * tick). `progress(done, total, what)` is called as batches are stored.
 */
export async function publishRun(
  c: ClusterConnection,
  t: Topology,
  cfg: ClusterConfig,
  changes: readonly AccountChange[],
  ticks: readonly (TickMessage | AccountChange)[],
  options: {
    intervalMs?: number;
    progress?: (done: number, total: number, what: string) => void;
  } = {},
): Promise<PublishSummary> {
  await ensureStreams(c, t);
  await storeConfig(await stateBucket(c, t), cfg);
  const progress = options.progress ?? (() => undefined);
  const dupChanges = await publishChanges(c, t, cfg.partitions, changes, (n) =>
    progress(n, changes.length, 'accounts'),
  );
  let dupTicks = 0;
  let dupLater = 0;
  let n = 0;
  for (const [i, step] of ticks.entries()) {
    if (!('underlying' in step)) {
      const ack = await c.js.publish(
        t.accountSubject(partitionOf(step.id, cfg.partitions)),
        JSON.stringify(step),
        { msgID: changeMsgId(step) },
      );
      if (ack.duplicate) dupLater++;
      continue;
    }
    if (n++ > 0 && options.intervalMs) await new Promise((r) => setTimeout(r, options.intervalMs));
    const ack = await c.js.publish(t.tickSubject(step.underlying), JSON.stringify(step), {
      msgID: tickMsgId(step),
    });
    if (ack.duplicate) dupTicks++;
    progress(i + 1, ticks.length, 'ticks');
  }
  return {
    changes: changes.length + ticks.length - n,
    duplicateChanges: dupChanges + dupLater,
    ticks: n,
    duplicateTicks: dupTicks,
  };
}
