/**
 * Worker-thread side of the optimizer pool (optimizer-pool.ts): runs one optimizer request
 * (optimizer-run.ts) on the snapshot the server resolved, posting its stages on the task's
 * port (`started` with the thread id, then the run's stages), and returns the answer object,
 * or the typed error as data for the server thread to throw again. Terminating the thread
 * (cancel, deadline) stops the run wherever it is, LP solves included.
 */
import type { MessagePort } from 'node:worker_threads';
import { threadId } from 'node:worker_threads';
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { ServerLimits } from './limits.ts';
import { runOptimizer, type OptimizerKind } from './optimizer-run.ts';
import { installNativeSha256 } from '../io/native-sha256.ts';

// This thread's input hashes (its own module instances) use node:crypto's SHA-256 too.
installNativeSha256();

/** One optimizer run (the snapshot is structured-cloned: plain data). */
export interface OptimizerTask {
  readonly kind: OptimizerKind;
  readonly body: unknown;
  readonly snapshot: MarketSnapshot;
  readonly warnings: readonly string[];
  readonly limits: ServerLimits;
  /** Where stages go: `{ stage, threadId }`. */
  readonly port: MessagePort;
}

/** What comes back: the answer object, or the typed error as data (INTERNAL for a bug). */
export type OptimizerTaskResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: {
        code: string;
        reason: string;
        field: string | undefined;
        details: Readonly<Record<string, unknown>> | undefined;
      };
    };

/** Runs the task (see module doc). */
export default async function runOptimizerTask(task: OptimizerTask): Promise<OptimizerTaskResult> {
  const stage = (s: string) => task.port.postMessage({ stage: s, threadId });
  try {
    stage('started');
    const value = await runOptimizer(
      task.kind,
      task.body,
      { snapshot: task.snapshot, warnings: task.warnings },
      task.limits,
      stage,
    );
    return { ok: true, value };
  } catch (e) {
    if (e instanceof BallastError)
      return {
        ok: false,
        error: { code: e.code, reason: e.reason, field: e.field, details: e.details },
      };
    return {
      ok: false,
      error: {
        code: 'INTERNAL',
        reason: e instanceof Error ? (e.stack ?? e.message) : String(e),
        field: undefined,
        details: undefined,
      },
    };
  } finally {
    task.port.close();
  }
}
