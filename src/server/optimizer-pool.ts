/**
 * The optimizer pool: optimizer runs (optimize, cure, allocate; synchronous routes and jobs)
 * go to worker threads (piscina, `threads` at most, started on demand and kept warm for
 * `IDLE_MS`), so the event loop keeps serving while they solve. A run is stopped by aborting
 * its signal: a queued run leaves the queue, a running one has its thread terminated (piscina
 * stops the Worker; LP solves inside it die with it) and a fresh thread replaces it. Stages
 * reported by the worker come back through a MessageChannel. At most `maxQueue` runs wait;
 * beyond that `run` throws UNAVAILABLE (503).
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { BallastError, type ErrorCode } from '../core/errors.ts';
import type { OptimizerTask, OptimizerTaskResult } from './optimizer-worker.ts';

/** A stage report from a worker. */
export interface StageEvent {
  readonly stage: string;
  readonly threadId: number;
}

/** Runs optimizer tasks off the event loop (see module doc). */
export interface OptimizerPool {
  /** Runs `task`; rejects with an AbortError when `signal` aborts (the run is stopped). */
  run(
    task: Omit<OptimizerTask, 'port'>,
    options: { signal?: AbortSignal; onStage?: (e: StageEvent) => void },
  ): Promise<unknown>;
  /** Thread ids of the live worker threads (a terminated run's thread is not among them). */
  threadIds(): number[];
  /** Stops every thread. */
  close(): Promise<void>;
}

/** How long an idle worker thread is kept, ms. */
const IDLE_MS = 60_000;

/** True for the rejection of an aborted run. */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || /aborted/i.test(e.message));
}

/** A pool of at most `threads` worker threads and `maxQueue` waiting runs. */
export function optimizerPool(threads: number, maxQueue = 64): OptimizerPool {
  const piscina = new Piscina({
    filename: new URL('./optimizer-worker-entry.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    idleTimeout: IDLE_MS,
    maxQueue,
  });
  return {
    async run(task, options) {
      if (piscina.queueSize >= maxQueue)
        throw new BallastError(
          'UNAVAILABLE',
          `${piscina.queueSize} optimizer runs are waiting; retry later`,
          'body',
        );
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: StageEvent) => options.onStage?.(m));
      let r: OptimizerTaskResult;
      try {
        r = (await piscina.run(
          { ...task, port: port2 },
          { transferList: [port2], ...(options.signal ? { signal: options.signal } : {}) },
        )) as OptimizerTaskResult;
      } finally {
        port1.close();
      }
      if (r.ok) return r.value;
      if (r.error.code === 'INTERNAL') throw new Error(r.error.reason);
      throw new BallastError(
        r.error.code as ErrorCode,
        r.error.reason,
        r.error.field,
        r.error.details,
      );
    },
    threadIds: () => piscina.threads.map((t) => t.threadId),
    close: () => piscina.destroy(),
  };
}

/**
 * Runs `task` with a deadline of `timeoutMs`: past it the run is stopped (its thread
 * terminated) and this throws TIMEOUT (504) naming the budget. `signal` (optional) also stops
 * it, rethrowing the AbortError.
 */
export async function runWithDeadline(
  pool: OptimizerPool,
  task: Omit<OptimizerTask, 'port'>,
  timeoutMs: number,
  options: { signal?: AbortSignal; onStage?: (e: StageEvent) => void } = {},
): Promise<unknown> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = options.signal
    ? AbortSignal.any([deadline.signal, options.signal])
    : deadline.signal;
  try {
    return await pool.run(task, {
      signal,
      ...(options.onStage ? { onStage: options.onStage } : {}),
    });
  } catch (e) {
    if (deadline.signal.aborted && isAbort(e))
      throw new BallastError(
        'TIMEOUT',
        `the ${task.kind} run did not finish within ${timeoutMs} ms and was stopped; for longer runs use POST /v1/jobs`,
        'timeout',
      );
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
