/**
 * What the cluster integration tests share: the NATS server they need (127.0.0.1:4222 by
 * default, `BALLAST_NATS_URL` to change), a unique prefix per test run, worker processes
 * (`node bin/ballast.js worker`: one process, so SIGKILL kills the worker itself), a private nats-server for
 * the restart test, and waiting for a cluster to finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closeCluster,
  connectCluster,
  type ClusterConnection,
} from '../../src/cluster/connection.ts';
import type { AccountResult } from '../../src/cluster/messages.ts';
import { destroyTopology, topology, type Topology } from '../../src/cluster/topology.ts';
import type { Watch } from '../../src/cluster/watch.ts';

/** The server the tests use. */
export const NATS_URL = process.env.BALLAST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Debian's server binary (the restart test starts its own). */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Why the server cannot be used (undefined when it can). In CI (`CI=true`) the caller fails
 * the test with this reason; elsewhere it skips with the reason printed.
 */
export async function natsProblem(url = NATS_URL): Promise<string | undefined> {
  try {
    const c = await connectCluster(url, 'ballast-test-probe');
    await closeCluster(c);
    return undefined;
  } catch (e) {
    return `no NATS JetStream server at ${url}: ${(e as Error).message}`;
  }
}

let counter = 0;
/** A prefix no other run uses (time, pid and a counter). */
export function uniquePrefix(what: string): string {
  return `t${what}${Date.now().toString(36)}${process.pid.toString(36)}${counter++}`;
}

/** A worker process and its log. */
export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string[];
  exited: Promise<number | null>;
}

/** Starts `ballast worker` as a child process (`extra`: more flags). */
export function spawnWorker(
  url: string,
  prefix: string,
  name: string,
  extra: readonly string[] = [],
): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['bin/ballast.js', 'worker', '--nats', url, '--prefix', prefix, '--name', name, ...extra],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: string[] = [];
  // Also kept in <tmpdir>/ballast-cluster-logs/<name>.log for a look after a failed run.
  const dir = join(tmpdir(), 'ballast-cluster-logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.log`);
  const keep = (d: Buffer) => {
    log.push(d.toString());
    appendFileSync(file, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name, child, log, exited };
}

/** Stops workers (SIGTERM, then SIGKILL after 10 s) and waits for them. */
export async function stopWorkers(ws: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    ws.map(async (w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return;
      w.child.kill('SIGTERM');
      const t = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
      await w.exited;
      clearTimeout(t);
    }),
  );
}

/** Connects and removes the prefix's streams and buckets afterwards. */
export async function withTopology<T>(
  url: string,
  prefix: string,
  fn: (c: ClusterConnection, t: Topology) => Promise<T>,
): Promise<T> {
  const t = topology(prefix);
  const c = await connectCluster(url, 'ballast-test');
  try {
    return await fn(c, t);
  } finally {
    await destroyTopology(c, t).catch(() => undefined);
    await closeCluster(c);
  }
}

/** Waits until `done()` holds, polling; throws with `what()` after `timeoutMs`. */
export async function waitFor(
  done: () => boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const t0 = Date.now();
  while (!done()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Number of distinct (account, tick, seq) keys among results. */
export function distinctKeys(results: readonly AccountResult[]): number {
  return new Set(results.map((r) => `${r.id}|${r.tick}|${r.seq}`)).size;
}

/** Waits until the watch holds `expected` distinct results, then a little longer for strays. */
export async function awaitResults(w: Watch, expected: number, timeoutMs: number): Promise<void> {
  await waitFor(
    () => distinctKeys(w.results) >= expected,
    timeoutMs,
    () => `${distinctKeys(w.results)} of ${expected} results`,
  );
  await new Promise((r) => setTimeout(r, 1500));
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private nats-server with JetStream on a temporary store directory. */
export interface PrivateServer {
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILLs the server (no clean shutdown). */
  kill(): Promise<void>;
  /** Stops it and deletes the store. */
  dispose(): Promise<void>;
}

/** A private server on a free port (not started). */
export async function privateServer(): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ballast-nats-'));
  let child: ChildProcess | undefined;
  const url = `nats://127.0.0.1:${port}`;
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const c = child;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    start: async () => {
      child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
        stdio: 'ignore',
      });
      const t0 = Date.now();
      while ((await natsProblem(url)) !== undefined) {
        if (Date.now() - t0 > 15_000) throw new Error(`nats-server on ${url} did not start`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    kill,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
