/**
 * KV account snapshots (cluster/account-snapshot.ts): a worker writes its partitions' accounts
 * with the account stream sequence they include; after it is SIGKILLed, the worker taking its
 * partitions over loads the snapshots and replays only the changes acknowledged after them
 * (counted from its log), and the results after the takeover equal the in-process run's.
 * Needs a server (127.0.0.1:4222, or BALLAST_NATS_URL); without one the test fails in CI and
 * is skipped elsewhere, with the reason printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bundledBtc } from '../../bench/harness.ts';
import { syntheticAccounts, syntheticTicks } from '../../bench/cluster-books.ts';
import { snapshotHeader } from '../../src/cluster/account-snapshot.ts';
import { makeConfig } from '../../src/cluster/cluster-config.ts';
import { publishRun } from '../../src/cluster/coordinator.ts';
import { runLocal } from '../../src/cluster/local-run.ts';
import type { AccountChange } from '../../src/cluster/messages.ts';
import { stateBucket } from '../../src/cluster/topology.ts';
import { watchCluster } from '../../src/cluster/watch.ts';
import { marginModel } from '../../src/margin/registry.ts';
import {
  NATS_URL,
  awaitResults,
  distinctKeys,
  natsProblem,
  spawnWorker,
  stopWorkers,
  uniquePrefix,
  waitFor,
  withTopology,
  type WorkerProcess,
} from './nats-harness.ts';

const problem = await natsProblem();
const inCi = process.env.CI === 'true';
if (problem) console.log(`cluster snapshot test ${inCi ? 'FAIL' : 'skipped'}: ${problem}`);
const itNats = problem && !inCi ? it.skip : it;

const model = marginModel('deribit-pm');
const PARTITIONS = 2;
/** Snapshot interval of the first worker: the tail is published and acked well inside it. */
const SNAPSHOT_EVERY = '8s';

/** Sum of "N changes replayed" and the snapshot lines of a worker's log. */
function replayedOf(log: readonly string[]): { replayed: number; fromSnapshot: number } {
  const text = log.join('');
  let replayed = 0;
  let fromSnapshot = 0;
  for (const m of text.matchAll(/\((snapshot at stream seq \d+ \+ )?(\d+) changes replayed\)/g)) {
    replayed += Number(m[2]);
    if (m[1]) fromSnapshot++;
  }
  return { replayed, fromSnapshot };
}

describe('KV account snapshots', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await stopWorkers(workers);
  });

  itNats(
    'a takeover after a snapshot replays only the tail of the account stream and gives the same results',
    async () => {
      if (problem) throw new Error(problem);
      const base = bundledBtc().snapshot;
      const accounts = syntheticAccounts(120, 4, 55);
      // The tail: new states (seq 2) of 10 accounts, after the snapshot.
      const tail: AccountChange[] = accounts.slice(0, 10).map((a) => ({
        id: a.id,
        seq: 2,
        account: {
          ...a.account!,
          positions: a.account!.positions.map((p) => ({
            ...(p as object),
            size: (p as { size: number }).size * 2,
          })),
        },
      }));
      const ticks = syntheticTicks(base.underlyings.BTC!.index, 2, 5);
      const local = runLocal(
        base,
        { model, params: model.defaultParams },
        [...accounts, ...tail],
        ticks,
      );
      const cfg = makeConfig(base, 'deribit-pm', model.defaultParams, {
        partitions: PARTITIONS,
        leaseTtlMs: 5000,
        ackWaitMs: 6000,
        batchSize: 25,
      });
      const prefix = uniquePrefix('snap');
      await withTopology(NATS_URL, prefix, async (c, t) => {
        await publishRun(c, t, cfg, [], []);
        const a = spawnWorker(NATS_URL, prefix, `${prefix}-a`, [
          '--snapshot-every',
          SNAPSHOT_EVERY,
        ]);
        workers.push(a);
        const live = await watchCluster(c, t, { fromStart: true });
        await publishRun(c, t, cfg, accounts, []);
        await awaitResults(live, accounts.length, 60_000);
        // Both partitions' snapshots hold their accounts.
        const kv = await stateBucket(c, t);
        const snapped = async () => {
          let n = 0;
          for (let p = 0; p < PARTITIONS; p++) n += (await snapshotHeader(kv, p))?.accounts ?? 0;
          return n;
        };
        for (let i = 0; (await snapped()) !== accounts.length; i++) {
          if (i > 150) throw new Error(`snapshots hold ${await snapped()} accounts after 30 s`);
          await new Promise((r) => setTimeout(r, 200));
        }
        await publishRun(c, t, cfg, tail, []);
        await awaitResults(live, accounts.length + tail.length, 30_000);
        await new Promise((r) => setTimeout(r, 500)); // the tail's acks
        a.child.kill('SIGKILL');
        await a.exited;
        expect(replayedOf(a.log)).toEqual({ replayed: 0, fromSnapshot: 0 });

        const b = spawnWorker(NATS_URL, prefix, `${prefix}-b`);
        workers.push(b);
        await waitFor(
          () => replayedOf(b.log).fromSnapshot === PARTITIONS,
          60_000,
          () => `b rebuilt from snapshots: ${b.log.join('')}`,
        );
        const rb = replayedOf(b.log);
        // Only the tail is replayed (a full replay would be all 130 account messages).
        expect(rb.replayed).toBe(tail.length);
        await publishRun(c, t, cfg, [], ticks);
        await awaitResults(live, local.results.length, 60_000);
        await live.stop();
        expect(distinctKeys(live.results)).toBe(local.results.length);
        const byKey = new Map(live.results.map((r) => [`${r.id}|${r.tick}|${r.seq}`, r]));
        let compared = 0;
        for (const r of local.results) {
          expect(byKey.get(`${r.id}|${r.tick}|${r.seq}`)).toEqual(JSON.parse(JSON.stringify(r)));
          compared++;
        }
        expect(compared).toBe(local.results.length);
        console.log(
          `snapshot takeover: ${rb.replayed} of ${accounts.length + tail.length} account messages replayed after the snapshots; ${compared} results equal to the in-process run`,
        );
      });
    },
    240_000,
  );
});
