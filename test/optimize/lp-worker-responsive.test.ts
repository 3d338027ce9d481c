import { describe, expect, it } from 'vitest';
import { LpModel } from '../../src/optimize/lp-model.ts';
import { addExpectedShortfall } from '../../src/optimize/cvar.ts';
import { solveInWorker } from '../../src/workers/lp-solve.ts';

// Behaviour, not speed: while an LP that takes more than a second solves in the worker thread
// (workers/lp-solve.ts), the main thread's event loop keeps running — a 20 ms interval keeps
// firing, its largest gap stays below a quarter of the solve time. Solved on the main thread,
// the same LP would block every timer for the whole solve (largest gap ≥ the solve time). The
// bound scales with the solve time because under CI's parallel load both stretch (a fixed
// 250 ms bound failed at 291 ms with load average 17).

/** An R–U ES LP of `n` assets × `S` scenarios with deterministic, non-degenerate P&L. */
function bigEsLp(n: number, S: number): LpModel {
  const m = new LpModel('es-big');
  const vars = Array.from({ length: n }, (_, k) => m.addVariable(`w${k}`, { lb: -1, ub: 1 }));
  const pnl = new Float64Array(n * S);
  for (let k = 0; k < n; k++)
    for (let s = 0; s < S; s++)
      pnl[k * S + s] = Math.sin(0.37 * s * (k + 1) + k) * (1 + (k % 7)) + Math.cos(0.011 * s * k);
  const base = Float64Array.from({ length: S }, (_, s) => 3 * Math.cos(0.3 * s));
  const es = addExpectedShortfall(m, {
    name: 'es',
    beta: 0.99,
    nScenarios: S,
    base,
    variables: vars,
    pnl,
  });
  for (const [v, a] of es.terms) m.addCost(v, a);
  for (let k = 0; k < n; k++) m.addCost(vars[k]!, 0.01 * ((k % 5) - 2));
  return m;
}

/** Solves `m` in the worker while a 20 ms interval runs: solve time, largest gap, ticks. */
async function solveWatched(m: LpModel) {
  const t0 = performance.now();
  let last = t0;
  let maxGap = 0;
  let maxAt = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > maxGap) {
      maxGap = now - last;
      maxAt = now - t0;
    }
    last = now;
    ticks++;
  }, 20);
  let solveMs = 0;
  try {
    const sol = await solveInWorker(m, { method: 'simplex' });
    solveMs = performance.now() - t0;
    expect(sol.status).toBe('optimal');
  } finally {
    clearInterval(timer);
  }
  maxGap = Math.max(maxGap, performance.now() - last);
  console.log(
    `worker LP: ${m.numNonzeros} nnz, solve ${solveMs.toFixed(0)} ms, ${ticks} interval ticks, max gap ${maxGap.toFixed(0)} ms (ending ${maxAt.toFixed(0)} ms after the start)`,
  );
  return { solveMs, maxGap, ticks };
}

describe('the main thread stays responsive during a worker LP solve', () => {
  it('a 20 ms interval keeps firing while a > 1 s ES LP solves in the worker', async () => {
    // The LP grows (scenarios doubled) until its solve takes more than a second on this
    // machine: a quiet machine solved 40 × 3,000 in 0.76 s.
    let run = await solveWatched(bigEsLp(40, 3000));
    for (let S = 6000; run.solveMs <= 1000 && S <= 24_000; S *= 2)
      run = await solveWatched(bigEsLp(40, S));
    expect(run.solveMs).toBeGreaterThan(1000);
    expect(run.maxGap).toBeLessThan(run.solveMs / 4);
    expect(run.ticks).toBeGreaterThan(run.solveMs / 20 / 4);
  }, 240_000);
});
