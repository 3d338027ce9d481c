/**
 * An in-memory stand-in (tests only) for the part of JetStream and its KV store that a
 * partition runner (src/cluster/partition-runner.ts) uses, so its acknowledgements can be
 * checked without a server or timing: streams with message-id de-duplication, durable pull
 * consumers with explicit acks (pending messages, ack floor, naks, redelivery after the ack
 * wait), ordered consumers from a start sequence, a KV bucket; and hooks that make a publish
 * or a KV put fail (a server gone away).
 *
 * Semantics kept from nats-server 2.9: the ack floor is the stream sequence below which every
 * message the consumer delivered is acknowledged (with nothing pending: the last sequence
 * scanned, messages of other subjects included); `num_pending` counts matching messages not
 * yet delivered. Not modelled: delivery counts, max deliver, flow control.
 */
import type { ClusterConnection } from '../../src/cluster/connection.ts';
import type { KV } from '@nats-io/kv';

interface Stored {
  readonly seq: number;
  readonly subject: string;
  readonly data: string;
}

/** A stream: subjects by prefix (`a.b.*` matches `a.b.<one token>`), ids seen. */
class FakeStream {
  readonly msgs: Stored[] = [];
  readonly ids = new Set<string>();
  constructor(
    readonly name: string,
    readonly subjects: readonly string[],
  ) {}
  holds(subject: string): boolean {
    return this.subjects.some((s) => matches(s, subject));
  }
}

function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  return f.length === s.length && f.every((t, i) => t === '*' || t === s[i]);
}

/** A delivered message (the JsMsg fields the runner reads). */
export interface FakeMsg {
  readonly seq: number;
  readonly info: { readonly pending: number };
  string(): string;
  ack(): void;
  nak(delayMs?: number): void;
  working(): void;
}

/** A durable pull consumer with explicit acks. */
class FakeDurable {
  /** Next stream sequence to scan. */
  private cursor = 1;
  /** Delivered and not acknowledged: stream seq → redelivery time (ms). */
  readonly pending = new Map<number, number>();
  constructor(
    private readonly stream: FakeStream,
    private readonly filter: string,
    private readonly ackWaitMs: number,
  ) {}

  info() {
    const matching = this.stream.msgs.filter(
      (m) => m.seq >= this.cursor && matches(this.filter, m.subject),
    );
    const floor = this.pending.size === 0 ? this.cursor - 1 : Math.min(...this.pending.keys()) - 1;
    return {
      ack_floor: { stream_seq: floor },
      num_pending: matching.length,
      num_ack_pending: this.pending.size,
    };
  }

  /** Stream sequence of the last message scanned (delivered or skipped). */
  delivered(): number {
    return this.cursor - 1;
  }

  /** Up to `max` messages: due redeliveries first, then new ones in stream order. */
  take(max: number): FakeMsg[] {
    const now = Date.now();
    const due = [...this.pending]
      .filter(([, at]) => at <= now)
      .map(([seq]) => seq)
      .sort((a, b) => a - b);
    const out = due.slice(0, max).map((seq) => this.deliver(this.stream.msgs[seq - 1]!));
    while (out.length < max && this.cursor <= this.stream.msgs.length) {
      const m = this.stream.msgs[this.cursor - 1]!;
      this.cursor++;
      if (matches(this.filter, m.subject)) out.push(this.deliver(m));
    }
    return out;
  }

  private deliver(m: Stored): FakeMsg {
    this.pending.set(m.seq, Date.now() + this.ackWaitMs);
    const pending = this.pending;
    const wait = this.ackWaitMs;
    return {
      seq: m.seq,
      info: { pending: 0 },
      string: () => m.data,
      ack: () => void pending.delete(m.seq),
      nak: (delayMs = 0) => {
        if (pending.has(m.seq)) pending.set(m.seq, Date.now() + delayMs);
      },
      working: () => {
        if (pending.has(m.seq)) pending.set(m.seq, Date.now() + wait);
      },
    };
  }
}

const tick = () => new Promise((r) => setTimeout(r, 2));

/** The fake server: streams, consumers, one KV bucket, failure hooks. */
export class FakeJetStream {
  readonly streams = new Map<string, FakeStream>();
  readonly consumers = new Map<string, FakeDurable>();
  readonly kv = new Map<string, string>();
  /** Revision of each KV key's last write (the bucket's sequence, as JetStream's KV). */
  readonly revisions = new Map<string, number>();
  private kvSeq = 0;
  /** Throws (or rejects) to fail a publish; may also hold it back (called before it is stored). */
  onPublish: (subject: string, msgID: string) => void | Promise<void> = () => undefined;
  /** Throws (or rejects) to fail a KV write; may also hold it back (called before it is applied). */
  onPut: (key: string) => void | Promise<void> = () => undefined;

  addStream(name: string, subjects: readonly string[]): void {
    this.streams.set(name, new FakeStream(name, subjects));
  }

  /** Stores a message (de-duplicated by id); its sequence and whether it was a duplicate. */
  store(subject: string, data: string, msgID: string): { seq: number; duplicate: boolean } {
    const s = [...this.streams.values()].find((x) => x.holds(subject));
    if (!s) throw new Error(`no stream for ${subject}`);
    if (s.ids.has(msgID)) return { seq: 0, duplicate: true };
    s.ids.add(msgID);
    s.msgs.push({ seq: s.msgs.length + 1, subject, data });
    return { seq: s.msgs.length, duplicate: false };
  }

  /** The texts stored on `stream`. */
  texts(stream: string): string[] {
    return (this.streams.get(stream)?.msgs ?? []).map((m) => m.data);
  }

  consumer(stream: string, name: string): FakeDurable {
    const c = this.consumers.get(`${stream}/${name}`);
    if (!c) throw new Error('consumer not found');
    return c;
  }

  /** The connection object the runner takes (only the calls it makes). */
  connection(): ClusterConnection {
    const jsm = {
      consumers: {
        info: async (stream: string, name: string) => this.consumer(stream, name).info(),
        add: async (
          stream: string,
          cfg: { durable_name: string; filter_subject: string; ack_wait: number },
        ) => {
          const s = this.streams.get(stream)!;
          this.consumers.set(
            `${stream}/${cfg.durable_name}`,
            new FakeDurable(s, cfg.filter_subject, cfg.ack_wait / 1e6),
          );
        },
      },
      streams: {
        getMessage: async (stream: string, q: { seq?: number; last_by_subj?: string }) => {
          const msgs = this.streams.get(stream)?.msgs ?? [];
          const m =
            q.last_by_subj === undefined
              ? msgs[q.seq! - 1]
              : msgs.filter((x) => x.subject === q.last_by_subj).pop();
          return m ? { seq: m.seq, string: () => m.data } : null;
        },
      },
    };
    const js = {
      publish: async (subject: string, data: string, o: { msgID: string }) => {
        await tick();
        await this.onPublish(subject, o.msgID);
        return this.store(subject, data, o.msgID);
      },
      consumers: {
        get: async (stream: string, nameOrOpts: string | Record<string, unknown>) =>
          typeof nameOrOpts === 'string'
            ? this.durableFace(stream, nameOrOpts)
            : this.orderedFace(stream, nameOrOpts),
      },
    };
    return { url: 'fake', js, jsm } as unknown as ClusterConnection;
  }

  private durableFace(stream: string, name: string) {
    const c = this.consumer(stream, name);
    return {
      info: async () => c.info(),
      fetch: async (o: { max_messages: number }) => {
        await tick();
        return c.take(o.max_messages);
      },
      next: async () => {
        await tick();
        return c.take(1)[0] ?? null;
      },
    };
  }

  private orderedFace(stream: string, o: Record<string, unknown>) {
    const from = typeof o.opt_start_seq === 'number' ? o.opt_start_seq : 1;
    const filter = o.filter_subjects as string;
    const all = this.streams
      .get(stream)!
      .msgs.filter((m) => m.seq >= from && matches(filter, m.subject));
    return {
      // As the server's: with no message to deliver, the iteration waits for one.
      consume: async () => {
        const msgs = all.map((m, i) => ({
          seq: m.seq,
          info: { pending: all.length - i - 1 },
          string: () => m.data,
        }));
        const it = async function* () {
          yield* msgs;
          await new Promise(() => undefined);
        };
        return Object.assign(it(), { stop: () => undefined });
      },
    };
  }

  /** The KV bucket the runner takes as its state bucket. */
  bucket(): KV {
    const entry = (key: string) => {
      const v = this.kv.get(key);
      return v === undefined
        ? null
        : {
            operation: 'PUT',
            revision: this.revisions.get(key) ?? 0,
            string: () => v,
            json: () => JSON.parse(v) as unknown,
          };
    };
    /** Applies a write once the hook lets it, refused unless the key is at `expected`. */
    const write = async (key: string, value: string, expected?: number) => {
      await tick();
      await this.onPut(key);
      const at = this.revisions.get(key) ?? 0;
      if (expected !== undefined && at !== expected)
        throw new Error(`wrong last sequence: ${at} (expected ${expected})`);
      this.kv.set(key, value);
      this.revisions.set(key, ++this.kvSeq);
      return this.kvSeq;
    };
    return {
      get: async (key: string) => entry(key),
      put: async (key: string, value: string) => write(key, value),
      create: async (key: string, value: string) => write(key, value, 0),
      update: async (key: string, value: string, version: number) => write(key, value, version),
      purge: async (key: string) => void this.kv.delete(key),
    } as unknown as KV;
  }
}
