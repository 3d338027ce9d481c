/**
 * Optimizer jobs: `start` queues an optimizer run on the pool (optimizer-pool.ts) and returns
 * its id at once; the job moves `queued` → `running` (its worker reported `started`) →
 * `succeeded` (result: the synchronous route's answer object) | `failed` (a problem+json,
 * TIMEOUT past `timeoutMs`) | `cancelled` (`cancel`: the run is stopped, its thread
 * terminated). Every change is an event (`progress` with the stage, then one final `result`,
 * `failed` or `cancelled`) kept on the job, so a subscriber gets the past events then the new
 * ones (server-sent events, routes-jobs.ts). Jobs live in memory: at most `maxActive` queued
 * or running (more is UNAVAILABLE, 503) and the newest `RETAINED` finished ones. A job made
 * with an API key is visible to that key only (another key gets NOT_FOUND).
 */
import { randomUUID } from 'node:crypto';
import { BallastError } from '../core/errors.ts';
import type { OptimizerKind } from './optimizer-run.ts';
import { isAbort, runWithDeadline, type OptimizerPool } from './optimizer-pool.ts';
import type { OptimizerTask } from './optimizer-worker.ts';
import { toProblem, type Problem } from './problem.ts';

/** A job's status. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One event of a job (SSE: `event: <type>`, `data: <JSON of data>`). */
export interface JobEvent {
  readonly type: 'progress' | 'result' | 'failed' | 'cancelled';
  readonly data: unknown;
}

/** A job as kept (times in ms since the epoch, from the server clock). */
export interface Job {
  readonly id: string;
  readonly kind: OptimizerKind;
  readonly owner: string | undefined;
  status: JobStatus;
  readonly createdMs: number;
  startedMs: number | undefined;
  finishedMs: number | undefined;
  stage: string | undefined;
  result: unknown;
  error: Problem | undefined;
  readonly events: JobEvent[];
  readonly listeners: Set<(e: JobEvent) => void>;
  readonly abort: AbortController;
}

/** Finished jobs kept in memory (oldest dropped first). */
const RETAINED = 1000;

const FINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** True once the job has ended. */
export const isFinished = (j: Job): boolean => FINAL.has(j.status);

/** The job registry (see module doc). */
export interface Jobs {
  start(task: Omit<OptimizerTask, 'port'>, owner: string | undefined): Job;
  get(id: string, owner: string | undefined): Job;
  cancel(id: string, owner: string | undefined): Job;
  /** Calls `listener` with every past event, then each new one; returns the unsubscribe. */
  subscribe(job: Job, listener: (e: JobEvent) => void): () => void;
}

function emit(job: Job, e: JobEvent): void {
  job.events.push(e);
  for (const l of job.listeners) l(e);
  if (e.type !== 'progress') job.listeners.clear();
}

/** Ends `job` with `status` and its final event (no-op if it has already ended). */
function finish(job: Job, status: JobStatus, e: JobEvent, nowMs: number): void {
  if (isFinished(job)) return;
  job.status = status;
  job.finishedMs = nowMs;
  emit(job, e);
}

/** What a registry needs: the pool, the clock, the job budget and the most active jobs. */
interface RegistryOptions {
  readonly pool: OptimizerPool;
  readonly clock: () => number;
  readonly timeoutMs: number;
  readonly maxActive: number;
}

/** Runs `job` on the pool, recording its stages and ending it with its result or problem. */
function launch(job: Job, task: Omit<OptimizerTask, 'port'>, o: RegistryOptions): void {
  runWithDeadline(o.pool, task, o.timeoutMs, {
    signal: job.abort.signal,
    onStage: ({ stage }) => {
      if (isFinished(job)) return;
      if (stage === 'started' && job.status === 'queued') {
        job.status = 'running';
        job.startedMs = o.clock();
      }
      job.stage = stage;
      emit(job, { type: 'progress', data: { id: job.id, status: job.status, stage } });
    },
  }).then(
    (result) => {
      job.result = result;
      finish(job, 'succeeded', { type: 'result', data: result }, o.clock());
    },
    (e: unknown) => {
      if (job.abort.signal.aborted && isAbort(e)) return; // cancel() has ended it
      job.error = toProblem(e, `/v1/jobs/${job.id}`);
      finish(job, 'failed', { type: 'failed', data: job.error }, o.clock());
    },
  );
}

/** A job registry over `pool` (see module doc). */
export function jobRegistry(o: RegistryOptions): Jobs {
  const jobs = new Map<string, Job>();
  const prune = () => {
    const done = [...jobs.values()].filter(isFinished);
    for (const j of done.slice(0, Math.max(0, done.length - RETAINED))) jobs.delete(j.id);
  };
  const get = (id: string, owner: string | undefined): Job => {
    const j = jobs.get(id);
    if (!j || (j.owner !== undefined && j.owner !== owner))
      throw new BallastError('NOT_FOUND', `no job "${id}"`, 'id');
    return j;
  };
  return {
    start(task, owner) {
      const active = [...jobs.values()].filter((j) => !isFinished(j)).length;
      if (active >= o.maxActive)
        throw new BallastError(
          'UNAVAILABLE',
          `${active} jobs are queued or running (at most ${o.maxActive}); retry later`,
          'kind',
        );
      const job: Job = {
        id: randomUUID(),
        kind: task.kind,
        owner,
        status: 'queued',
        createdMs: o.clock(),
        startedMs: undefined,
        finishedMs: undefined,
        stage: undefined,
        result: undefined,
        error: undefined,
        events: [],
        listeners: new Set(),
        abort: new AbortController(),
      };
      jobs.set(job.id, job);
      prune();
      launch(job, task, o);
      return job;
    },
    get,
    cancel(id, owner) {
      const job = get(id, owner);
      if (isFinished(job)) return job;
      job.abort.abort();
      finish(job, 'cancelled', { type: 'cancelled', data: { id: job.id } }, o.clock());
      return job;
    },
    subscribe(job, listener) {
      for (const e of job.events) listener(e);
      if (isFinished(job)) return () => {};
      job.listeners.add(listener);
      return () => job.listeners.delete(listener);
    },
  };
}

/** The JSON view of a job (GET /v1/jobs/{id}). */
export function jobView(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    createdMs: j.createdMs,
    startedMs: j.startedMs ?? null,
    finishedMs: j.finishedMs ?? null,
    stage: j.stage ?? null,
    ...(j.status === 'succeeded' ? { result: j.result } : {}),
    ...(j.status === 'failed' ? { error: j.error } : {}),
  };
}
