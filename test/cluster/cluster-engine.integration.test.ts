/**
 * The cluster (two `ballast worker` processes on NATS JetStream) and `ballast engine run` (the
 * batch engine in one process) on the same recorded accounts file and the same ticks file
 * (io/account-line.ts: forwards and ATM vol of an expiry, index moves, a stale tick, a tick
 * for an underlying the market does not have, an account change bringing instruments no
 * loaded account holds, a change for an unknown account): both skip and count the same
 * lines, re-margin the same accounts on each tick, and give equal equity, IM, MM and state
 * for every account on every tick, bit for bit (Object.is), and the same health events. Needs a server (127.0.0.1:4222, or BALLAST_NATS_URL); without one the
 * test fails in CI and is skipped elsewhere, with the reason printed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountResult } from '../../src/cluster/messages.ts';
import { leaseHolders } from '../../src/cluster/leases.ts';
import { watchCluster } from '../../src/cluster/watch.ts';
import { runCli } from '../cli/run-cli.ts';
import {
  NATS_URL,
  awaitResults,
  natsProblem,
  spawnWorker,
  stopWorkers,
  uniquePrefix,
  withTopology,
  type WorkerProcess,
} from './nats-harness.ts';

const problem = await natsProblem();
const inCi = process.env.CI === 'true';
if (problem) console.log(`cluster/engine test ${inCi ? 'FAIL' : 'skipped'}: ${problem}`);
const itNats = problem && !inCi ? it.skip : it;

const MARKET = ['--market', 'data/deribit-quantflow/deribit_btc.json.gz', '--allow-stale'];
const dir = mkdtempSync(join(tmpdir(), 'ballast-cluster-engine-'));
const N_ACCOUNTS = 60;
/** The account changed by the ticks file (after tick 2, step 3). */
const CHANGED = 'acct-000003';
const CHANGE_STEP = 3;

interface EngineLine {
  tick: number;
  id: string;
  currency?: string;
  equity?: number;
  initialMargin?: number;
  maintenanceMargin?: number;
  state: string;
}
interface EngineEvent {
  tick: number;
  id: string;
  from: string | null;
  to: string;
  worstScenario: { id: string } | null;
}

const jsonLines = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

describe('cluster and ballast engine run', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await stopWorkers(workers);
  });

  itNats(
    'two workers give the engine run numbers bit for bit for every account on every tick, and the same events',
    async () => {
      if (problem) throw new Error(problem);
      // The recorded accounts (first 60 of the cluster example) and the engine's example ticks
      // (a stale tick and a DOGE tick among them), with two account changes after tick 2:
      // acct-000003 takes the portfolio of acct-000061 (not loaded: instruments new to its
      // partition), and one for an account nobody holds.
      const accounts = join(dir, 'accounts.jsonl');
      const lines = readFileSync('examples/cluster/accounts.jsonl', 'utf8').trim().split('\n');
      writeFileSync(accounts, lines.slice(0, N_ACCOUNTS).join('\n') + '\n');
      const {
        id: _id,
        seq: _seq,
        ...other
      } = JSON.parse(lines[N_ACCOUNTS]!) as Record<string, unknown>;
      const ticks = join(dir, 'ticks.jsonl');
      const tickLines = readFileSync('examples/ticks.jsonl', 'utf8').trim().split('\n');
      expect(tickLines).toHaveLength(5);
      tickLines.splice(
        2,
        0,
        JSON.stringify({ account: { id: CHANGED, ...other } }),
        JSON.stringify({ account: { id: 'nobody', ...other } }),
      );
      writeFileSync(ticks, tickLines.join('\n') + '\n');

      const out = join(dir, 'engine.jsonl');
      const events = join(dir, 'events.jsonl');
      const e = await runCli([
        'engine',
        'run',
        '--accounts',
        accounts,
        ...MARKET,
        '--ticks',
        ticks,
        '--out',
        out,
        '--events',
        events,
      ]);
      expect(e.status, e.stderr).toBe(0);
      expect(e.stderr).toContain('3 applied, ignored: 1 unknown-underlying, 1 stale');
      expect(e.stderr).toContain('account changes: 1 applied, 1 ignored');
      const engine = jsonLines<EngineLine>(out);
      expect(engine).toHaveLength(N_ACCOUNTS * 4 + 1); // tick 0, 3 applied ticks, 1 change
      const engineEvents = jsonLines<EngineEvent>(events);
      // The engine re-margins only the accounts holding a re-priced row (and a changed account
      // alone); so does the cluster.
      const remargined = [...e.stderr.matchAll(/(\d+) of 60 accounts re-margined/g)].map((m) =>
        Number(m[1]),
      );
      expect(remargined).toHaveLength(4);
      const expectedResults = N_ACCOUNTS + remargined.reduce((x, y) => x + y, 0);

      const prefix = uniquePrefix('engine');
      await withTopology(NATS_URL, prefix, async (c, t) => {
        const publish = (accountsFile: string, more: string[]) =>
          runCli([
            'cluster',
            'publish',
            '--nats',
            NATS_URL,
            '--prefix',
            prefix,
            '--accounts',
            accountsFile,
            ...more,
            ...MARKET,
            '--partitions',
            '4',
            '--batch-size',
            '25',
          ]);
        // The config first (no accounts), then both workers holding 2 partitions each, then
        // the accounts and ticks: both workers margin.
        const empty = join(dir, 'empty.jsonl');
        writeFileSync(empty, '');
        const p0 = await publish(empty, []);
        expect(p0.status, p0.stderr).toBe(0);
        const a = spawnWorker(NATS_URL, prefix, `${prefix}-a`);
        const b = spawnWorker(NATS_URL, prefix, `${prefix}-b`);
        workers.push(a, b);
        // The lease bucket exists once a worker has made it: 0 until then.
        const held = async (name: string) => {
          try {
            const leases = await c.kvm.open(t.leaseBucket);
            return [...(await leaseHolders(leases)).values()].filter((x) => x === name).length;
          } catch {
            return 0;
          }
        };
        let shared = false;
        for (let i = 0; i < 300 && !shared; i++) {
          shared = (await held(a.name)) === 2 && (await held(b.name)) === 2;
          if (!shared) await new Promise((r) => setTimeout(r, 200));
        }
        expect(shared, 'two partitions per worker within 60 s').toBe(true);
        const p = await publish(accounts, ['--ticks', ticks]);
        expect(p.status, p.stderr).toBe(0);
        // The same lines skipped: the DOGE tick and the change of an account not loaded.
        expect(p.stdout).toContain('4 ticks');
        expect(p.stdout).toContain('ignored: 1 unknown-underlying, 1 unknown-account');
        const w = await watchCluster(c, t, { fromStart: true });
        await awaitResults(w, expectedResults, 120_000);
        await w.stop();
        expect(await held(a.name)).toBe(2);
        expect(await held(b.name)).toBe(2);

        // Keyed by (account, tick, seq): the change's result is at the tick before it (2), as
        // the changed account's tick-2 result, with seq 2.
        const byKey = new Map<string, AccountResult>();
        for (const r of w.results) byKey.set(`${r.id}|${r.tick}|${r.seq}`, r);
        expect(byKey.size).toBe(expectedResults);
        const clusterKey = (x: EngineLine) => {
          const changed = x.id === CHANGED && x.tick >= CHANGE_STEP;
          const tick = x.id === CHANGED && x.tick === CHANGE_STEP ? CHANGE_STEP - 1 : x.tick;
          return `${x.id}|${tick}|${changed ? 2 : 1}`;
        };
        // Per tick, the cluster's result of each account re-margined; an account the tick did
        // not move keeps its last result, which the engine writes again unchanged.
        const latest = new Map<string, AccountResult>();
        let compared = 0;
        let carried = 0;
        for (const x of [...engine].sort((p, q) => p.tick - q.tick)) {
          let r = byKey.get(clusterKey(x));
          if (r) latest.set(x.id, r);
          else {
            r = latest.get(x.id);
            carried++;
          }
          expect(r, `${x.id} tick ${x.tick}`).toBeDefined();
          expect(r!.state).toBe(x.state);
          if (x.state !== 'error') {
            expect(r!.currency).toBe(x.currency);
            expect(Object.is(r!.equity, x.equity), `${x.id} tick ${x.tick} equity`).toBe(true);
            expect(Object.is(r!.initialMargin, x.initialMargin), `${x.id} IM`).toBe(true);
            expect(Object.is(r!.maintenanceMargin, x.maintenanceMargin), `${x.id} MM`).toBe(true);
          }
          compared++;
        }
        expect(compared).toBe(N_ACCOUNTS * 4 + 1);
        expect(carried).toBe(N_ACCOUNTS * 4 + 1 - expectedResults);
        // Some accounts left the healthy state, so the events compare something.
        expect(engineEvents.length).toBeGreaterThan(0);
        // The engine's first events have from: null (the first run); the cluster's a new
        // account's first result, from "healthy". The worst scenario is named when not healthy.
        const engineKeys = engineEvents.map(
          (x) =>
            `${x.id}|${x.tick}|${x.from ?? 'healthy'}|${x.to}|${x.to === 'healthy' ? '' : (x.worstScenario?.id ?? '')}`,
        );
        const clusterKeys = w.events.map(
          (x) =>
            `${x.id}|${x.id === CHANGED && x.seq === 2 && x.tick === CHANGE_STEP - 1 ? CHANGE_STEP : x.tick}|${x.from}|${x.to}|${x.to === 'healthy' ? '' : (x.worstScenario ?? '')}`,
        );
        expect(clusterKeys.sort()).toEqual(engineKeys.sort());
        console.log(
          `cluster (2 workers) = engine run: ${compared} results bit for bit (${expectedResults} margined, ${carried} kept from an earlier tick; re-margined per tick ${remargined.join(', ')} of ${N_ACCOUNTS}), ${engineEvents.length} events`,
        );
      });
    },
    240_000,
  );
});
