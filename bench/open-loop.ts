/**
 * An open-loop load generator for bench/server-load.ts: requests are *scheduled* at a steady
 * rate (one every 1000/rate ms, from a start time; never released in bursts) and each is
 * written on a free keep-alive connection of a fixed pool (raw `node:net` sockets, the request
 * bytes built once, a minimal HTTP/1.1 response reader that needs `content-length`). A
 * request's latency is from its scheduled time to the last byte of its answer, so time lost
 * anywhere — in the server, on the socket, or in this process being late to send (its timer
 * fired late, or every connection was busy) — counts, and a slow answer cannot hold back the
 * requests behind it (no coordinated omission). The generator's own lateness (the timer tick
 * that released a request − its scheduled time) is reported separately, so its share of the
 * tail is visible.
 *
 * Why not autocannon's `overallRate`: autocannon 9 gives each of its connections a budget of
 * rate/connections requests per second, sends them back to back as fast as answers come, then
 * pauses the connection until its 1 s interval resets — a burst at full speed each second, not
 * a steady rate — and records every latency with an "expected interval" of ⌈1/budget⌉ = 1 ms,
 * which adds L − 1 synthetic samples (L−1, L−2, … ms) for each L ms answer.
 */
import { connect, type Socket } from 'node:net';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** What to send and how fast. */
export interface OpenLoopOptions {
  /** `http://host:port` */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  /** Requests per second. */
  readonly rate: number;
  /** How long requests are scheduled, s. */
  readonly seconds: number;
  /** Keep-alive connections (default 32). */
  readonly connections?: number;
}

/** Latency quantiles, ms. */
export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What an open-loop run measured. */
export interface OpenLoopResult {
  /** Answered requests per second of the run (first schedule to last answer). */
  readonly rps: number;
  readonly completed: number;
  /** Answers other than 2xx; socket errors and requests never answered (the run gave up). */
  readonly non2xx: number;
  readonly errors: number;
  /** Scheduled time → last byte of the answer. */
  readonly latency: Quantiles;
  /**
   * Scheduled time → the timer tick that released it (this process's own lateness; a request
   * then waiting for a free connection, all of them awaiting answers, is the server's backlog).
   */
  readonly sendLag: Quantiles;
}

/** A keep-alive connection with at most one request in flight. */
interface Conn {
  readonly socket: Socket;
  busy: boolean;
  /** Scheduled time of the request in flight, ms (performance.now). */
  scheduled: number;
  buf: Buffer;
}

const quantiles = (h: RecordableHistogram): Quantiles => ({
  p50: h.percentile(50) / 1000,
  p90: h.percentile(90) / 1000,
  p99: h.percentile(99) / 1000,
  max: h.max / 1000,
});

/**
 * The length of the complete response at the start of `buf` (headers + content-length body),
 * its status, or null while incomplete. Throws on a response without content-length.
 */
function completeResponse(buf: Buffer): { length: number; status: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.toString('latin1', 0, end);
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!m) throw new Error(`open-loop: a response without content-length: ${head.slice(0, 200)}`);
  const length = end + 4 + Number(m[1]);
  return buf.length >= length ? { length, status: Number(head.slice(9, 12)) } : null;
}

/** Opens `n` keep-alive connections to `url`. */
async function openPool(url: URL, n: number): Promise<Conn[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Conn>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () =>
            resolve({ socket, busy: false, scheduled: 0, buf: Buffer.alloc(0) }),
          );
          socket.setNoDelay(true);
          socket.once('error', reject);
        }),
    ),
  );
}

/** Runs one open-loop load (see module doc). */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(o.url);
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  const head =
    `${o.method} ${o.path} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n` +
    (body ? `content-type: application/json\r\ncontent-length: ${body.length}\r\n` : '') +
    '\r\n';
  const request = body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
  const pool = await openPool(url, o.connections ?? 32);
  const latency = createHistogram();
  const sendLag = createHistogram();
  const waiting: number[] = []; // scheduled times with no free connection yet
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  let completed = 0;
  let non2xx = 0;
  let errors = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const send = (c: Conn, scheduled: number): void => {
    c.busy = true;
    c.scheduled = scheduled;
    c.socket.write(request);
  };
  const settle = (c: Conn): void => {
    c.busy = false;
    if (++completed === total) done();
    const next = waiting.shift();
    if (next !== undefined) send(c, next);
  };
  for (const c of pool) {
    c.socket.on('data', (d: Buffer) => {
      c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
      const r = completeResponse(c.buf);
      if (!r) return;
      latency.record(Math.max(1, Math.round((performance.now() - c.scheduled) * 1000)));
      if (r.status < 200 || r.status > 299) non2xx++;
      c.buf = c.buf.subarray(r.length);
      settle(c);
    });
    c.socket.on('error', () => {
      errors++;
      if (c.busy) settle(c);
    });
  }
  const t0 = performance.now();
  let k = 0;
  const tick = (): void => {
    const now = performance.now();
    for (; k < total && t0 + k * interval <= now; k++) {
      sendLag.record(Math.max(1, Math.round((now - (t0 + k * interval)) * 1000)));
      const free = pool.find((c) => !c.busy && !c.socket.destroyed);
      if (free) send(free, t0 + k * interval);
      else waiting.push(t0 + k * interval);
    }
    if (k < total) setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
  };
  tick();
  // a dead pool cannot finish: give up after 10× the run (what is missing counts as errors)
  const guard = setTimeout(() => done(), 10_000 * o.seconds + 30_000);
  await finished;
  clearTimeout(guard);
  errors += total - completed;
  const wall = (performance.now() - t0) / 1000;
  for (const c of pool) c.socket.destroy();
  return {
    rps: completed / wall,
    completed,
    non2xx,
    errors,
    latency: quantiles(latency),
    sendLag: quantiles(sendLag),
  };
}
