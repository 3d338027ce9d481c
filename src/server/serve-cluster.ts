/**
 * `ballast serve --workers N` with N > 1: the primary process serves nothing itself; it forks N
 * server processes (node:cluster), each re-running the same command line, which build their own
 * server and `listen` on the same address (cluster shares the listening socket; on Linux the
 * primary hands each new connection to the next worker, round robin, so one keep-alive
 * connection stays on one process). The store is shared through the database (a SQLite file in
 * WAL mode, or PostgreSQL): every write is a transaction there, so a write through one process
 * is read back through any other. Each process keeps its own in-memory state: parsed markets,
 * parsed books, prepared books (server/prepared-books.ts), the per-key rate limit, optimizer
 * threads and jobs (a job is known only to the process that took it).
 *
 * Resolves once every worker listens; a worker that exits before that fails the start (the
 * others are stopped). After the start a worker that dies is replaced (reported on stderr).
 */
import cluster, { type Worker } from 'node:cluster';
import { BallastError } from '../core/errors.ts';

/** The running workers: where they listen, and how to stop them. */
export interface ServeCluster {
  /** The port every worker listens on (the one the first worker bound, for port 0). */
  readonly port: number;
  /** Process ids of the live workers. */
  pids(): number[];
  /** Sends SIGTERM to every worker and resolves once all have exited. */
  stop(): Promise<void>;
}

/** True in a process forked by `startServeCluster` (it serves and prints nothing). */
export const isServeWorker = (): boolean => cluster.isWorker;

/**
 * In a worker: closes the channel to the primary once the worker is done (or failed to start),
 * so the process can exit with its own exit code; nothing elsewhere.
 */
export function leaveServeCluster(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect();
}

/** Forks `n` server workers and waits until all listen (see module doc). */
export function startServeCluster(n: number): Promise<ServeCluster> {
  const live = new Set<Worker>();
  let started = false;
  let stopping = false;
  let port = -1;
  const stopAll = (): Promise<void> => {
    stopping = true;
    const exits = [...live].map(
      (w) =>
        new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
    );
    for (const w of live) if (!w.isDead()) w.process.kill('SIGTERM');
    return Promise.all(exits).then(() => undefined);
  };
  return new Promise<ServeCluster>((resolve, reject) => {
    let listening = 0;
    const fork = (): void => {
      const w = cluster.fork();
      live.add(w);
      w.once('listening', (addr) => {
        if (port < 0) port = addr.port;
        if (!started && ++listening === n) {
          started = true;
          resolve({ port, pids: () => [...live].map((x) => x.process.pid!), stop: stopAll });
        }
      });
      w.once('exit', (code, signal) => {
        live.delete(w);
        if (stopping) return;
        if (!started) {
          void stopAll().then(() =>
            reject(
              new BallastError(
                'INVALID_INPUT',
                `a server worker exited while starting (${signal ?? `code ${code}`}); see its error above`,
                '--workers',
              ),
            ),
          );
          return;
        }
        process.stderr.write(
          `server worker ${w.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`,
        );
        fork();
      });
    };
    for (let k = 0; k < n; k++) fork();
  });
}
