/**
 * Publishing many messages to JetStream with every store acknowledged, at close to the speed
 * of plain NATS publishes. A JetStream publish is a NATS request whose reply is the stream's
 * PubAck (`{"stream", "seq", "duplicate"?}` or `{"error"}`); the client's `js.publish` makes
 * one request each (its own reply routing and timer), several times slower than plain
 * publishes on this machine (measured once: ~3,700 against ~44,000 a second, 850 bytes). Here every message goes out with a reply subject under one inbox
 * (`<inbox>.<i>`, one subscription for all), at most `window` unacknowledged at a time; an
 * acknowledgement that reports an error, or does not come within `timeoutMs`, is retried
 * through `js.publish` (which throws the server's error). The message id
 * (`Nats-Msg-Id`) makes every retry safe: JetStream stores a message once.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { createInbox, headers, type NatsConnection } from '@nats-io/transport-node';

/** One message to store. */
export interface AckedMessage {
  readonly subject: string;
  readonly data: string;
  readonly msgID: string;
}

interface PubAck {
  readonly seq?: number;
  readonly duplicate?: boolean;
  readonly error?: { readonly description?: string };
}

/**
 * Stores every message (module doc); `onStored(n)` as acknowledgements arrive. Returns how
 * many JetStream reported as duplicates (already stored under their id).
 */
export async function publishAcked(
  nc: NatsConnection,
  js: JetStreamClient,
  messages: readonly AckedMessage[],
  options: { window?: number; timeoutMs?: number; onStored?: (n: number) => void } = {},
): Promise<number> {
  const window = options.window ?? 4000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const inbox = createInbox();
  const waiting = new Map<number, { at: number }>();
  const retry: number[] = [];
  let duplicates = 0;
  let stored = 0;
  let wake: (() => void) | undefined;
  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err) return;
      const i = Number(msg.subject.slice(inbox.length + 1));
      if (!waiting.delete(i)) return; // answered already (a late second ack)
      let ack: PubAck;
      try {
        ack = msg.json<PubAck>();
      } catch {
        ack = { error: { description: 'unreadable acknowledgement' } };
      }
      if (ack.error || ack.seq === undefined) retry.push(i);
      else {
        stored++;
        if (ack.duplicate) duplicates++;
      }
      // Wake the sender when half the window is free (one wait per half window, not per ack).
      if (waiting.size <= window / 2) wake?.();
    },
  });
  const send = (i: number) => {
    const m = messages[i]!;
    const h = headers();
    h.set('Nats-Msg-Id', m.msgID);
    waiting.set(i, { at: Date.now() });
    nc.publish(m.subject, m.data, { reply: `${inbox}.${i}`, headers: h });
  };
  const pause = () =>
    new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 200);
    });
  try {
    for (let i = 0; i < messages.length; i++) {
      if (waiting.size >= window) while (waiting.size > window / 2) await pause();
      send(i);
    }
    while (waiting.size > 0 || retry.length > 0) {
      if (waiting.size > 0) await pause();
      const now = Date.now();
      for (const [i, w] of waiting)
        if (now - w.at > timeoutMs) {
          waiting.delete(i);
          retry.push(i);
        }
      for (const i of retry.splice(0)) {
        const m = messages[i]!;
        const ack = await js.publish(m.subject, m.data, { msgID: m.msgID });
        stored++;
        if (ack.duplicate) duplicates++;
      }
      options.onStored?.(stored);
    }
  } finally {
    sub.unsubscribe();
  }
  options.onStored?.(stored);
  return duplicates;
}
