/**
 * Optimizer timings on the bundled real Deribit BTC snapshot, each against a baseline run in
 * the same process:
 * - the hedge LP of a 100-position options book with 200 candidates on the Deribit PM grid
 *   (35 cells, exact LP form): building the LP (unit cell values of every candidate, the
 *   book's vectors, exposure rows) is the baseline; then the HiGHS solve, and the whole
 *   `optimizeHedge` (LP, rounding, exact re-margin of each rounding);
 * - the Rockafellar–Uryasev CVaR LP with 5,000 Monte Carlo scenarios × 200 candidates:
 *   building the 200 × 5,000 P&L matrix (full revaluation) and the LP is the baseline; then
 *   the solve with the method `optimizeEsHedge` uses, then by simplex and by interior point
 *   (the WASM build), and the same LP by scipy's native HiGHS (bench/native_highs_lp.py,
 *   skipped with a printed reason without python3 + scipy): the WASM/native ratio.
 * Solves are timed once per round (a fresh HiGHS model each time), best of a few rounds.
 */
import { deribitPmModel } from '../src/margin/deribit-pm/deribit-pm.ts';
import type { MarginModel } from '../src/margin/margin-model.ts';
import { accountPnl, buildPnlMatrix } from '../src/risk/pnl-matrix.ts';
import { portfolio } from '../src/risk/portfolio.ts';
import { addExpectedShortfall, esLpMethod } from '../src/optimize/cvar.ts';
import { addMarginObjective, optimizeHedge } from '../src/optimize/hedge.ts';
import { marginSummary } from '../src/optimize/outcome.ts';
import { robustnessScenarios } from '../src/optimize/robustness.ts';
import { loadSolver } from '../src/optimize/solver.ts';
import { buildTradeProblem } from '../src/optimize/trade-problem.ts';
import { listedUniverse } from '../src/optimize/universe.ts';
import { bestMsAsync as best, bundledBtc, optionsBook, printRows } from './harness.ts';
import { nativeHighs } from './native-highs.ts';

/** Runs the optimizer benchmarks and prints their table. */
export async function runOptimizeBench(): Promise<void> {
  const { snapshot, options } = bundledBtc();
  const positions = optionsBook(options);
  const book = portfolio(positions, [{ currency: 'BTC', amount: 50 }], '100-position book');
  const all = listedUniverse(snapshot, { moneyness: [0.6, 1.6] });
  const universe = { source: 'listed (200)', candidates: all.candidates.slice(0, 200) };
  const model = deribitPmModel as unknown as MarginModel<unknown>;
  const params = deribitPmModel.defaultParams;
  const solver = await loadSolver();
  const constraints = { keepExposures: 0.1 };

  // Hedge LP.
  // What optimizeHedge builds before it solves (its exact margin of the book included).
  const buildHedge = () => {
    const before = marginSummary(model, params, book, snapshot);
    const p = buildTradeProblem('bench hedge', book, snapshot, universe, constraints);
    addMarginObjective(p, { portfolio: book, snapshot, model }, params, before, 1);
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
      { cache: false },
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
  const cvarMethod = esLpMethod(cvarLp.numNonzeros);
  let cvarSol = solver.solve(cvarLp, { method: cvarMethod });
  const cvarSolveMs = await best(
    () => {
      cvarSol = solver.solve(cvarLp, { method: cvarMethod });
    },
    2,
    0,
  );

  // The same LP by each HiGHS method (the WASM build; no native HiGHS on this machine).
  const byMethod = (method: 'simplex' | 'ipm') => {
    let sol = cvarSol;
    return best(
      () => {
        sol = solver.solve(cvarLp, { method });
      },
      1,
      0,
    ).then((ms) => ({ ms, objective: sol.objective }));
  };
  const simplex = await byMethod('simplex');
  const ipm = await byMethod('ipm');
  const methodRows: [string, string, string][] = [
    [
      'CVaR LP solve, HiGHS simplex (WASM)',
      `${simplex.ms.toFixed(1)} ms`,
      `${(simplex.ms / cvarBuildMs).toFixed(2)}× the build; objective ${simplex.objective.toFixed(2)}`,
    ],
    [
      'CVaR LP solve, HiGHS interior point (WASM)',
      `${ipm.ms.toFixed(1)} ms`,
      `${(ipm.ms / simplex.ms).toFixed(2)}× simplex; objective ${ipm.objective.toFixed(2)}`,
    ],
  ];
  const native = nativeHighs(cvarLp);
  if ('skipped' in native) methodRows.push(['CVaR LP, native HiGHS', 'skipped', native.skipped]);
  else {
    for (const n of native.solves)
      methodRows.push([
        `CVaR LP solve, native HiGHS (scipy ${n.method})`,
        `${n.ms.toFixed(1)} ms`,
        `objective ${n.objective.toFixed(2)}`,
      ]);
    const fastest = Math.min(...native.solves.map((n) => n.ms));
    const chosen = cvarMethod === 'simplex' ? simplex.ms : ipm.ms;
    methodRows.push([
      `CVaR LP: WASM ${cvarMethod} (esLpMethod's choice) / fastest native`,
      `${(chosen / fastest).toFixed(2)}×`,
      `target ≤ 1.3×; WASM simplex ${(simplex.ms / fastest).toFixed(2)}×, ipm ${(ipm.ms / fastest).toFixed(2)}×`,
    ]);
  }

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
      `CVaR LP solve (HiGHS ${cvarSol.method}, as optimizeEsHedge chooses)`,
      `${cvarSolveMs.toFixed(1)} ms`,
      `${(cvarSolveMs / cvarBuildMs).toFixed(2)}× the build; ES ${cvarSol.objective.toFixed(0)} USD incl. cost`,
    ],
    ...methodRows,
  ];
  printRows('Optimizer (bundled Deribit BTC snapshot)', rows);
}
