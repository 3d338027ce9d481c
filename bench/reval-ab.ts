/**
 * A/B of the revaluation paths (matrix build on the Deribit grid, Monte Carlo into a reused
 * buffer): CPU ms of the working tree (or REVAL_NEW) against a baseline copy (REVAL_BASE, a
 * directory holding src/ of the base commit). Each side runs in its own child process (two
 * builds loaded in one process bias the comparison by ~10 % even when identical), processes
 * alternated old/new; per process the median of `reps` runs after warm-up; medians printed
 * with the load average.
 * Run: REVAL_BASE=/tmp/reval-base npx tsx bench/reval-ab.ts [processes] [MC|matrix]
 */
import { execFileSync, execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deribitPmModel } from '../src/margin/deribit-pm/deribit-pm.ts';
import { prepareDeribitPm } from '../src/margin/deribit-pm/prepared.ts';
import type { buildPnlMatrix } from '../src/risk/pnl-matrix.ts';
import { bundledBtc, mcScenarios } from './harness.ts';

type Build = typeof buildPnlMatrix;
const here = fileURLToPath(new URL('..', import.meta.url));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

/** One side, in this process: prints the median CPU ms per build of `which`. */
async function child(root: string, which: string): Promise<void> {
  const mod = (await import(`${root}/src/risk/pnl-matrix.ts`)) as { buildPnlMatrix: Build };
  const build = mod.buildPnlMatrix;
  const { snapshot, chain } = bundledBtc();
  let fn: () => unknown;
  let reps: number;
  if (which === 'matrix') {
    const grid = prepareDeribitPm(snapshot, deribitPmModel.defaultParams).grid('BTC');
    fn = () => build(chain, snapshot, grid.scenarios, { cache: false });
    reps = 200;
  } else {
    const mc = mcScenarios(snapshot);
    const out = new Float64Array(chain.length * mc.length);
    fn = () => build(chain, snapshot, mc, { cache: false, out });
    reps = 1;
  }
  for (let r = 0; r < 3 * reps; r++) fn();
  const t: number[] = [];
  for (let k = 0; k < 5; k++) {
    const c = process.cpuUsage();
    for (let r = 0; r < reps; r++) fn();
    const d = process.cpuUsage(c);
    t.push((d.user + d.system) / 1000 / reps);
  }
  console.log(median(t));
}

if (process.env.REVAL_CHILD) await child(process.env.REVAL_CHILD, process.argv[2]!);
else {
  const base = process.env.REVAL_BASE;
  if (!base) throw new Error('set REVAL_BASE to a directory holding the base src/');
  const neu = process.env.REVAL_NEW ?? here;
  const procs = Number(process.argv[2] ?? 5);
  const which = process.argv[3] ?? 'MC';
  const run = (root: string) =>
    Number(
      execFileSync('npx', ['tsx', fileURLToPath(import.meta.url), which], {
        env: { ...process.env, REVAL_CHILD: root },
        cwd: here,
      }).toString(),
    );
  const a: number[] = [];
  const n: number[] = [];
  for (let k = 0; k < procs; k++) {
    a.push(run(base));
    n.push(run(neu));
  }
  const load = execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load/, 'load');
  const ratio = median(n.map((x, r) => x / a[r]!)).toFixed(3);
  console.log(
    `${which}: old ${median(a).toFixed(3)} ms, new ${median(n).toFixed(3)} ms CPU, new/old ${ratio} ` +
      `(medians of ${procs} processes each; ${load})`,
  );
}
