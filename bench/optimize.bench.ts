/**
 * Optimizer timings on the bundled real Deribit BTC snapshot, each against a baseline run in
 * the same process:
 * - the hedge LP of a 100-position options book with 200 candidates on the Deribit PM grid
 *   (35 cells, exact LP form): building the LP (unit cell values of every candidate, the
 *   book's vectors, exposure rows) is the baseline; then the HiGHS solve, and the whole
 *   `optimizeHedge` (LP, rounding, exact re-margin of each rounding);
 * - the Rockafellar–Uryasev CVaR LP with 5,000 Monte Carlo scenarios × 200 candidates:
 *   building the 200 × 5,000 P&L matrix (full revaluation) and the LP is the baseline; then
 *   the solve (interior point above 400,000 non-zeros).
 * Solves are timed once per round (a fresh HiGHS model each time), best of a few rounds.
 */
import { fileURLToPath } from 'node:url';
import { buildSnapshotFromFile, loadRawMarketFile } from '../src/io/load-market.ts';
import { parseSymbol } from '../src/instruments/symbol.ts';
import type { Instrument } from '../src/instruments/instrument.ts';
import { deribitPmModel } from '../src/margin/deribit-pm/deribit-pm.ts';
import type { MarginModel } from '../src/margin/margin-model.ts';
import { accountPnl, buildPnlMatrix } from '../src/risk/pnl-matrix.ts';
import { portfolio, type Position } from '../src/risk/portfolio.ts';
import { addExpectedShortfall } from '../src/optimize/cvar.ts';
import { optimizeHedge } from '../src/optimize/hedge.ts';
import { addMarginTerms, marginUsdObjective } from '../src/optimize/margin-lp.ts';
import { robustnessScenarios } from '../src/optimize/robustness.ts';
import { loadSolver } from '../src/optimize/solver.ts';
import { buildTradeProblem } from '../src/optimize/trade-problem.ts';
import { listedUniverse } from '../src/optimize/universe.ts';

const file = fileURLToPath(
  new URL('../data/deribit-quantflow/deribit_btc.json.gz', import.meta.url),
);

/** Best wall time in ms of `fn` over `rounds` runs after `warm` warm-up runs. */
async function best(fn: () => unknown, rounds = 3, warm = 1): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  let t = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** Runs the optimizer benchmarks and prints their table. */
export async function runOptimizeBench(): Promise<void> {
  const { snapshot } = buildSnapshotFromFile(file);
  const fitted = new Set(snapshot.underlyings.BTC!.surface.map((s) => s.expiryMs));
  const chain: Instrument[] = [];
  for (const m of loadRawMarketFile(file).markets)
    for (const o of m.options) {
      const inst = parseSymbol(o.symbol, 'deribit');
      if (inst.kind === 'option' && fitted.has(inst.expiryMs)) chain.push(inst);
    }
  const positions: Position[] = [];
  for (let k = 0; positions.length < 100; k++) {
    const inst = chain[(k * 37) % chain.length]!;
    if (positions.some((p) => p.instrument.symbol === inst.symbol)) continue;
    positions.push({ instrument: inst, size: (k % 2 ? -1 : 1) * (0.5 + (k % 20) * 0.5) });
  }
  const book = portfolio(positions, [{ currency: 'BTC', amount: 50 }], '100-position book');
  const all = listedUniverse(snapshot, { moneyness: [0.6, 1.6] });
  const universe = { source: 'listed (200)', candidates: all.candidates.slice(0, 200) };
  const model = deribitPmModel as unknown as MarginModel<unknown>;
  const params = deribitPmModel.defaultParams;
  const solver = await loadSolver();
  const constraints = { keepExposures: 0.1 };

  // Hedge LP.
  const buildHedge = () => {
    const p = buildTradeProblem('bench hedge', book, snapshot, universe, constraints);
    const pools = addMarginTerms(p.model, p.trades, book, snapshot, model, params);
    const o = marginUsdObjective(pools);
    for (const [v, a] of o.terms) p.model.addCost(v, a);
    p.model.addOffset(o.offset);
    for (const [v, a] of p.costTerms) p.model.addCost(v, a);
    return p.model;
  };
  const hedgeLp = buildHedge();
  const hedgeBuildMs = await best(buildHedge);
  const hedgeSolveMs = await best(() => solver.solve(hedgeLp));
  const hedgeAllMs = await best(() =>
    optimizeHedge({ portfolio: book, snapshot, model, universe, constraints, solver }),
  );
  const hedgeResult = await optimizeHedge({
    portfolio: book,
    snapshot,
    model,
    universe,
    constraints,
    solver,
  });

  // CVaR LP: 5,000 scenarios × 200 candidates.
  const S = 5000;
  const scenarios = robustnessScenarios(snapshot, ['BTC'], { count: S, seed: 3 });
  const cands = universe.candidates.map((c) => c.instrument);
  const index = snapshot.underlyings.BTC!.index;
  const buildCvar = () => {
    const matrix = buildPnlMatrix(
      [
        ...new Map(
          [...positions.map((p) => p.instrument), ...cands].map((i) => [i.symbol, i]),
        ).values(),
      ],
      snapshot,
      scenarios,
    );
    const sizes = new Float64Array(matrix.nInstruments);
    for (const p of positions) sizes[matrix.rowOf.get(p.instrument.symbol)!] = p.size * index;
    const base = accountPnl(matrix, sizes);
    const p = buildTradeProblem('bench cvar', book, snapshot, universe, {});
    const pnl = new Float64Array(p.trades.length * S);
    p.trades.forEach((t, k) => {
      const r = matrix.rowOf.get(t.candidate.instrument.symbol)!;
      for (let s = 0; s < S; s++) pnl[k * S + s] = index * matrix.pnl[r * S + s]!;
    });
    const es = addExpectedShortfall(p.model, {
      name: 'es',
      beta: 0.99,
      nScenarios: S,
      base,
      variables: p.trades.map((t) => t.net),
      pnl,
    });
    for (const [v, a] of es.terms) p.model.addCost(v, a);
    for (const [v, a] of p.costTerms) p.model.addCost(v, a);
    for (const t of p.trades) {
      p.model.addConstraint(`cap-buy[${t.candidate.instrument.symbol}]`, [[t.buy, 1]], { ub: 50 });
      p.model.addConstraint(`cap-sell[${t.candidate.instrument.symbol}]`, [[t.sell, 1]], {
        ub: 50,
      });
    }
    return p.model;
  };
  const cvarLp = buildCvar();
  const cvarBuildMs = await best(buildCvar, 2, 0);
  let cvarSol = solver.solve(cvarLp);
  const cvarSolveMs = await best(
    () => {
      cvarSol = solver.solve(cvarLp);
    },
    2,
    0,
  );

  const rows: [string, string, string][] = [
    [
      `hedge LP build: 100 positions, ${universe.candidates.length} candidates × 35 Deribit cells (baseline)`,
      `${hedgeBuildMs.toFixed(1)} ms`,
      `${hedgeLp.numVariables} vars × ${hedgeLp.numConstraints} rows, ${hedgeLp.numNonzeros} nnz`,
    ],
    [
      'hedge LP solve (HiGHS, fresh model)',
      `${hedgeSolveMs.toFixed(1)} ms`,
      `${(hedgeSolveMs / hedgeBuildMs).toFixed(2)}× the build`,
    ],
    [
      'optimizeHedge end to end (build, solve, rounding, exact re-margins)',
      `${hedgeAllMs.toFixed(1)} ms`,
      `${(hedgeAllMs / hedgeBuildMs).toFixed(2)}× the build; IM ${hedgeResult.before.initialMarginUsd.toFixed(0)} → ${hedgeResult.after.initialMarginUsd.toFixed(0)} USD`,
    ],
    [
      `CVaR LP build: P&L matrix ${universe.candidates.length + 100} × ${S} scenarios + LP (baseline)`,
      `${cvarBuildMs.toFixed(1)} ms`,
      `${cvarLp.numVariables} vars × ${cvarLp.numConstraints} rows, ${cvarLp.numNonzeros} nnz`,
    ],
    [
      `CVaR LP solve (HiGHS ${cvarSol.method})`,
      `${cvarSolveMs.toFixed(1)} ms`,
      `${(cvarSolveMs / cvarBuildMs).toFixed(2)}× the build; ES ${cvarSol.objective.toFixed(0)} USD incl. cost`,
    ],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log('\nOptimizer (bundled Deribit BTC snapshot)');
  for (const r of rows) console.log(`  ${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`);
}
