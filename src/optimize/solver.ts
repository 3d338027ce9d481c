/**
 * The solver adapter: solves an `LpModel` (LP or convex QP) with HiGHS (WebAssembly,
 * `highs` package) and returns named values, duals, the objective and the status.
 *
 * - Loading the WebAssembly runtime is asynchronous (~65–100 ms): `loadSolver()` does it once
 *   and caches the promise; `LpSolver.solve` is synchronous after that.
 * - Every solve builds a fresh HiGHS model and disposes it in `finally`: no basis, option or
 *   model state survives from one solve to the next (test/optimize/solver.test.ts solves A,
 *   B, A and compares).
 * - Status: an optimal solve returns an `LpSolution`. An infeasible model throws
 *   `INFEASIBLE` naming the constraints and bounds of an irreducible infeasible subsystem
 *   (HiGHS `getIis`), or, if none is found, the rows an elastic re-solve (HiGHS feasibility
 *   relaxation, bounds kept hard) had to violate. An unbounded model throws `UNBOUNDED`
 *   naming the variables of the primal ray. Limits and numerical failures throw
 *   `SOLVER_FAILED`.
 * - Duals follow HiGHS's convention for minimisation: a row dual is the change of the
 *   optimal objective per unit increase of the row's active bound (≥ rows: ≥ 0; ≤ rows: ≤ 0);
 *   a reduced cost likewise for a variable's active bound.
 *
 * The runtime reads its `.wasm` next to the package loader (in a browser, serve it as an
 * asset). Large LPs (> `IPM_NONZEROS` non-zeros) default to the interior-point method: the
 * WebAssembly simplex runs out of memory around 10 M non-zeros (DEPENDENCIES.md).
 */
import highsDefault from 'highs';
import type { Highs, Model } from 'highs';
import { BallastError } from '../core/errors.ts';
import type { LpModel, RowId, VarId } from './lp-model.ts';

// The package's types are CommonJS-scoped; under NodeNext the default import is typed as the
// module namespace. It runs as the loader function, so cast once, here.
const loadHighs = highsDefault as unknown as typeof highsDefault.default;

let runtime: Promise<Highs> | undefined;

/** Loads the HiGHS runtime once (cached promise; a failed load is retried on the next call). */
export function loadHighsRuntime(): Promise<Highs> {
  runtime ??= loadHighs().catch((e: unknown) => {
    runtime = undefined;
    throw new BallastError(
      'SOLVER_FAILED',
      `could not load the HiGHS solver: ${e instanceof Error ? e.message : String(e)}`,
      'solver',
    );
  });
  return runtime;
}

/** Models with more non-zeros than this are solved by interior point unless told otherwise. */
export const IPM_NONZEROS = 400_000;

/** How to solve. */
export interface SolveOptions {
  /** `auto` (default): HiGHS chooses, interior point above `IPM_NONZEROS`; or force one. */
  readonly method?: 'auto' | 'simplex' | 'ipm';
  /** Wall-clock limit in seconds (HiGHS option `time_limit`); exceeding it is SOLVER_FAILED. */
  readonly timeLimitSeconds?: number;
  /** Find the constraints behind an infeasibility (default true; costs extra solves). */
  readonly diagnoseInfeasibility?: boolean;
  /** Field named in errors (default: the model's name). */
  readonly field?: string;
}

/** A constraint or bound that holds with equality at the optimum and has a non-zero dual. */
export interface BindingConstraint {
  /** Row or variable name. */
  readonly name: string;
  readonly kind: 'constraint' | 'variable-bound';
  /** Which bound is active. */
  readonly bound: 'lower' | 'upper' | 'equality';
  /** The bound's value. */
  readonly value: number;
  /** Row dual or reduced cost: objective change per unit increase of the bound. */
  readonly dual: number;
}

/** An optimal solution, addressed by variable/constraint id or name. */
export class LpSolution {
  readonly model: LpModel;
  readonly status = 'optimal' as const;
  /** Objective value at the optimum (including the offset). */
  readonly objective: number;
  /** Primal values by variable id. */
  readonly values: Float64Array;
  /** Row activities `A·x` by constraint id. */
  readonly activities: Float64Array;
  /** Row duals by constraint id (see module doc for the sign convention). */
  readonly rowDuals: Float64Array;
  /** Reduced costs by variable id. */
  readonly reducedCosts: Float64Array;
  /** Solver iterations (simplex + IPM + QP), for reports. */
  readonly iterations: number;
  /** Algorithm that produced the solution. */
  readonly method: string;

  constructor(
    model: LpModel,
    objective: number,
    values: Float64Array,
    activities: Float64Array,
    rowDuals: Float64Array,
    reducedCosts: Float64Array,
    iterations: number,
    method: string,
  ) {
    this.model = model;
    this.objective = objective;
    this.values = values;
    this.activities = activities;
    this.rowDuals = rowDuals;
    this.reducedCosts = reducedCosts;
    this.iterations = iterations;
    this.method = method;
  }

  private varId(v: VarId | string): VarId {
    const id = typeof v === 'string' ? this.model.variable(v) : v;
    if (id === undefined || id < 0 || id >= this.values.length)
      throw new BallastError('INVALID_INPUT', `no variable ${String(v)}`, this.model.name);
    return id;
  }

  private rowId(r: RowId | string): RowId {
    const id = typeof r === 'string' ? this.model.constraint(r) : r;
    if (id === undefined || id < 0 || id >= this.activities.length)
      throw new BallastError('INVALID_INPUT', `no constraint ${String(r)}`, this.model.name);
    return id;
  }

  /** Value of a variable. */
  value(v: VarId | string): number {
    return this.values[this.varId(v)]!;
  }

  /** Activity `Σ a_j x_j` of a constraint. */
  activity(r: RowId | string): number {
    return this.activities[this.rowId(r)]!;
  }

  /** Dual of a constraint. */
  dual(r: RowId | string): number {
    return this.rowDuals[this.rowId(r)]!;
  }

  /** Reduced cost of a variable. */
  reducedCost(v: VarId | string): number {
    return this.reducedCosts[this.varId(v)]!;
  }

  /**
   * Constraints and variable bounds active at the optimum with |dual| > `dualTol`, largest
   * |dual| first. `filter` keeps only names it accepts (e.g. the user's bands and limits).
   */
  binding(
    filter: (name: string, kind: BindingConstraint['kind']) => boolean = () => true,
    dualTol = 1e-9,
    activeTol = 1e-7,
  ): BindingConstraint[] {
    const out: BindingConstraint[] = [];
    const at = (x: number, b: number) =>
      Number.isFinite(b) && Math.abs(x - b) <= activeTol * Math.max(1, Math.abs(b));
    for (let r = 0; r < this.activities.length; r++) {
      const name = this.model.constraintName(r);
      if (!filter(name, 'constraint')) continue;
      const d = this.rowDuals[r]!;
      if (!(Math.abs(d) > dualTol)) continue;
      const { lb, ub } = this.model.constraintBounds(r);
      const x = this.activities[r]!;
      const bound = lb === ub ? 'equality' : at(x, lb) ? 'lower' : at(x, ub) ? 'upper' : undefined;
      if (bound)
        out.push({ name, kind: 'constraint', bound, value: bound === 'upper' ? ub : lb, dual: d });
    }
    for (let j = 0; j < this.values.length; j++) {
      const name = this.model.variableName(j);
      if (!filter(name, 'variable-bound')) continue;
      const d = this.reducedCosts[j]!;
      if (!(Math.abs(d) > dualTol)) continue;
      const { lb, ub } = this.model.variableBounds(j);
      const x = this.values[j]!;
      const bound = lb === ub ? 'equality' : at(x, lb) ? 'lower' : at(x, ub) ? 'upper' : undefined;
      if (bound)
        out.push({
          name,
          kind: 'variable-bound',
          bound,
          value: bound === 'upper' ? ub : lb,
          dual: d,
        });
    }
    return out.sort((a, b) => Math.abs(b.dual) - Math.abs(a.dual));
  }
}

const MAX_NAMED = 8;
/** HiGHS `iis_strategy` value for the row-priority strategy (`highs.constants.iis.strategyRowPriority`). */
const h_IIS_ROW_PRIORITY = 6;

function listNames(names: readonly string[]): string {
  return names.length <= MAX_NAMED
    ? names.join(', ')
    : `${names.slice(0, MAX_NAMED).join(', ')} and ${names.length - MAX_NAMED} more`;
}

/** The model as HiGHS takes it: CSR constraints, ±∞ bounds as HiGHS's `inf`, Hessian if any. */
function highsModelData(model: LpModel, inf: number) {
  const cols = model.columns();
  const rows = model.rows();
  const csr = model.csr();
  const clamp = (a: Float64Array) =>
    a.map((x) => (x === Infinity ? inf : x === -Infinity ? -inf : x));
  const hess = model.hessian();
  const integrality = model.integrality();
  return {
    numCols: model.numVariables,
    numRows: model.numConstraints,
    offset: model.offset,
    colCost: cols.cost,
    colLower: clamp(cols.lower),
    colUpper: clamp(cols.upper),
    rowLower: clamp(rows.lower),
    rowUpper: clamp(rows.upper),
    matrix: {
      format: 'csr' as const,
      numRows: model.numConstraints,
      numCols: model.numVariables,
      starts: csr.starts,
      indices: csr.indices,
      values: csr.values,
    },
    ...(integrality ? { integrality } : {}),
    ...(hess
      ? {
          hessian: {
            format: 'triangular' as const,
            dimension: model.numVariables,
            starts: hess.starts,
            indices: hess.indices,
            values: hess.values,
          },
        }
      : {}),
  };
}

/**
 * HiGHS's `solver` option for `method`: `auto` takes interior point for a plain LP above
 * `IPM_NONZEROS` non-zeros, else HiGHS's own choice (simplex for LPs, QP/MIP solvers otherwise).
 */
function solverFor(model: LpModel, method: NonNullable<SolveOptions['method']>): string {
  if (method === 'simplex') return 'simplex';
  const plainLp = !model.isQuadratic && !model.isMip;
  if (method === 'ipm' || (method === 'auto' && plainLp && model.numNonzeros > IPM_NONZEROS))
    return 'ipm';
  return 'choose';
}

/** Solves `LpModel`s with one loaded HiGHS runtime (a fresh native model per solve). */
export class LpSolver {
  private readonly highs: Highs;

  constructor(highs: Highs) {
    this.highs = highs;
  }

  /** Solves `model`; see the module doc for statuses and errors. */
  solve(model: LpModel, options: SolveOptions = {}): LpSolution {
    const field = options.field ?? model.name;
    precheckBounds(model, field);
    const h = this.highs;
    const data = highsModelData(model, h.infinity);
    const solverName = solverFor(model, options.method ?? 'auto');
    let m: Model | undefined;
    try {
      m = h.createModel(data);
      m.options.set({
        output_flag: false,
        solver: solverName,
        ...(options.timeLimitSeconds !== undefined ? { time_limit: options.timeLimitSeconds } : {}),
      });
      m.run();
      let status = m.getModelStatus();
      const S = h.constants.modelStatus;
      if (status === S.unboundedOrInfeasible) {
        // Presolve could not tell which: solve again without it.
        m.clearSolver();
        m.options.set({ presolve: 'off' });
        m.run();
        status = m.getModelStatus();
      }
      if (status === S.optimal) return this.solution(model, m, solverName);
      if (status === S.empty) return this.solution(model, m, solverName);
      if (status === S.infeasible)
        throw this.infeasible(model, m, field, options.diagnoseInfeasibility ?? true);
      if (status === S.unbounded || status === S.unboundedOrInfeasible)
        throw this.unbounded(model, m, field);
      const label = Object.entries(S).find(([, v]) => v === status)?.[0] ?? String(status);
      throw new BallastError(
        'SOLVER_FAILED',
        `the solver stopped without an optimal solution (status ${label}) on ${model.numVariables} variables × ${model.numConstraints} constraints`,
        field,
        { status: label },
      );
    } catch (e) {
      if (e instanceof BallastError) throw e;
      throw new BallastError(
        'SOLVER_FAILED',
        `the solver failed: ${e instanceof Error ? e.message : String(e)}`,
        field,
      );
    } finally {
      m?.dispose();
    }
  }

  /** Parses CPLEX LP (or MPS) text with HiGHS and solves it: the independent re-solve of an export. */
  solveText(
    text: string,
    format: 'lp' | 'mps' = 'lp',
  ): { objective: number; values: Record<string, number> } {
    const h = this.highs;
    let m: Model | undefined;
    try {
      m = h.createModel({ format, data: text });
      m.options.set({ output_flag: false });
      m.run();
      const status = m.getModelStatus();
      if (status !== h.constants.modelStatus.optimal)
        throw new BallastError(
          'SOLVER_FAILED',
          `the re-parsed model did not solve to optimality (status ${status})`,
          'lp-text',
        );
      const sol = m.getSolution();
      const values: Record<string, number> = {};
      const n = m.getDimensions().numCols;
      for (let j = 0; j < n; j++) values[m.getColName(j)] = sol.colValue[j]!;
      return { objective: m.getObjectiveValue(), values };
    } finally {
      m?.dispose();
    }
  }

  private solution(model: LpModel, m: Model, method: string): LpSolution {
    const sol = m.getSolution();
    const n = model.numVariables;
    const nr = model.numConstraints;
    const iterations = [
      'simplex_iteration_count',
      'ipm_iteration_count',
      'qp_iteration_count',
    ].reduce((s, k) => {
      try {
        return s + Number(m.info.get(k as never) ?? 0);
      } catch {
        return s;
      }
    }, 0);
    const values = n > 0 ? Float64Array.from(sol.colValue) : new Float64Array(0);
    return new LpSolution(
      model,
      n > 0 ? m.getObjectiveValue() : model.offset,
      values,
      nr > 0 ? Float64Array.from(sol.rowValue) : new Float64Array(0),
      nr > 0 ? Float64Array.from(sol.rowDual) : new Float64Array(0),
      n > 0 ? Float64Array.from(sol.colDual) : new Float64Array(0),
      iterations,
      method,
    );
  }

  private infeasible(model: LpModel, m: Model, field: string, diagnose: boolean): BallastError {
    const base = `no solution satisfies every constraint of ${model.name}`;
    if (!diagnose)
      return new BallastError('INFEASIBLE', base, field, { constraints: [], bounds: [] });
    let constraints: string[] = [];
    const bounds: string[] = [];
    let method = 'iis';
    try {
      // Row-priority IIS (strategy 6): the default light strategy finds nothing for row conflicts.
      m.options.set({ iis_strategy: h_IIS_ROW_PRIORITY } as never);
      const iis = m.getIis();
      constraints = Array.from(iis.rowIndex, (r) => model.constraintName(r));
      iis.colIndex.forEach((c, k) => {
        const { lb, ub } = model.variableBounds(c);
        if (lb === -Infinity && ub === Infinity) return;
        const code = iis.colBound[k];
        // Lower bounds at 0 (non-negativity of buy/sell amounts) are noise in a message.
        if (code === 2 && lb === 0) return;
        const name = model.variableName(c);
        bounds.push(
          code === 2
            ? `${name} ≥ ${lb}`
            : code === 3
              ? `${name} ≤ ${ub}`
              : `${lb} ≤ ${name} ≤ ${ub}`,
        );
      });
    } catch {
      // fall through to the elastic re-solve
    }
    if (constraints.length === 0 && bounds.length === 0) {
      method = 'elastic';
      try {
        // Elastic phase 1: rows may be violated at unit cost, variable bounds stay hard.
        m.feasibilityRelaxation({
          globalLowerPenalty: -1,
          globalUpperPenalty: -1,
          globalRowPenalty: 1,
        });
        const sol = m.getSolution();
        const rows = model.rows();
        for (let r = 0; r < model.numConstraints; r++) {
          const x = sol.rowValue[r]!;
          const tol = 1e-7 * Math.max(1, Math.abs(x));
          if (x < rows.lower[r]! - tol || x > rows.upper[r]! + tol)
            constraints.push(model.constraintName(r));
        }
      } catch {
        // no diagnosis available
      }
    }
    const parts: string[] = [];
    if (constraints.length > 0) parts.push(`constraints ${listNames(constraints)}`);
    if (bounds.length > 0) parts.push(`bounds of ${listNames(bounds)}`);
    const msg =
      parts.length > 0 ? `${base}: ${parts.join(' together with ')} cannot all hold` : base;
    return new BallastError('INFEASIBLE', msg, field, { constraints, bounds, method });
  }

  private unbounded(model: LpModel, m: Model, field: string): BallastError {
    let names: string[] = [];
    try {
      const ray = m.getPrimalRay();
      if (ray) {
        const scale = Math.max(...Array.from(ray.values, Math.abs));
        names = Array.from(ray.values).flatMap((v, j) =>
          Math.abs(v) > 1e-9 * Math.max(1, scale) ? [model.variableName(j)] : [],
        );
      }
    } catch {
      // no ray available
    }
    const along =
      names.length > 0
        ? `: the objective decreases without limit along ${listNames(names)} (add a size limit or a bound)`
        : ': add size limits or bounds';
    return new BallastError(
      'UNBOUNDED',
      `the objective of ${model.name} is unbounded${along}`,
      field,
      { variables: names },
    );
  }
}

function precheckBounds(model: LpModel, field: string): void {
  for (let j = 0; j < model.numVariables; j++) {
    const { lb, ub } = model.variableBounds(j);
    if (lb > ub)
      throw new BallastError(
        'INFEASIBLE',
        `variable ${model.variableName(j)} has lower bound ${lb} above its upper bound ${ub}`,
        field,
        { constraints: [], bounds: [model.variableName(j)], method: 'bounds' },
      );
  }
  for (let r = 0; r < model.numConstraints; r++) {
    const { lb, ub } = model.constraintBounds(r);
    if (lb > ub)
      throw new BallastError(
        'INFEASIBLE',
        `constraint ${model.constraintName(r)} asks for a value ≥ ${lb} and ≤ ${ub}`,
        field,
        { constraints: [model.constraintName(r)], bounds: [], method: 'bounds' },
      );
  }
}

let cachedSolver: Promise<LpSolver> | undefined;

/** The shared solver (loads HiGHS on first use; cached). */
export function loadSolver(): Promise<LpSolver> {
  cachedSolver ??= loadHighsRuntime().then(
    (h) => new LpSolver(h),
    (e: unknown) => {
      cachedSolver = undefined;
      throw e;
    },
  );
  return cachedSolver;
}
