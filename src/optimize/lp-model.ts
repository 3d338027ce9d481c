/**
 * A small named LP/QP model builder, independent of any solver:
 *
 *   minimize    offset + Σ_j c_j·x_j + Σ_(i,j) q_ij·x_i·x_j
 *   subject to  lb_r ≤ Σ_j A_rj·x_j ≤ ub_r      (one named row per constraint)
 *               lb_j ≤ x_j ≤ ub_j              (one named column per variable)
 *
 * Variables and constraints keep the names they were created with, so a solution, a dual or
 * an infeasibility diagnosis can be reported in the caller's words (`worst[btc_btc][std-0]`,
 * `delta[BTC]`, `buy[BTC-PERPETUAL]`). The quadratic part must be convex (positive
 * semidefinite) for the solver to accept it.
 *
 * The model exports itself as CPLEX LP text (`toLpText`) and free MPS (`toMps`) for
 * inspection and for an independent re-solve: names are sanitised to the LP grammar
 * (characters outside `[A-Za-z0-9_.]` become `_`, clashes get a numeric suffix) and ranged
 * rows are written as two rows `<name>.lo` / `<name>.up` (the LP format has no ranges);
 * numbers are written in shortest round-trip form, so the re-parsed model is bit-identical.
 */
import { BallastError } from '../core/errors.ts';

/** Index of a variable (column) in its model. */
export type VarId = number;
/** Index of a constraint (row) in its model. */
export type RowId = number;

/** Bounds and linear cost of a new variable. Defaults: `lb = 0`, `ub = +∞`, `cost = 0`. */
export interface VariableOptions {
  readonly lb?: number;
  readonly ub?: number;
  readonly cost?: number;
  /** Integer variable (the model becomes a MIP: no duals). */
  readonly integer?: boolean;
}

/** Bounds of a constraint's activity `Σ a_j x_j`. Missing = unbounded on that side. */
export interface RowBounds {
  readonly lb?: number;
  readonly ub?: number;
}

/** Sparse linear terms as parallel arrays (variable ids and coefficients). */
export interface SparseTerms {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Linear terms: `[variable, coefficient]` pairs or parallel arrays. Repeated variables add up. */
export type LinearTerms = Iterable<readonly [VarId, number]> | SparseTerms;

/** Compressed sparse rows of the constraint matrix. */
export interface CsrMatrix {
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** Lower triangle of the symmetric Hessian Q (objective `½ x'Qx`), compressed by column. */
export interface LowerHessian {
  readonly starts: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

function isSparse(t: LinearTerms): t is SparseTerms {
  return !(Symbol.iterator in t);
}

/** A named LP/QP (see module doc). Mutable while it is being built; solvers only read it. */
export class LpModel {
  readonly name: string;
  private readonly colNames: string[] = [];
  private readonly colIndex = new Map<string, number>();
  private readonly colLower: number[] = [];
  private readonly colUpper: number[] = [];
  private readonly colCost: number[] = [];
  private readonly colInteger: boolean[] = [];
  private readonly rowNames: string[] = [];
  private readonly rowIndexByName = new Map<string, number>();
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];
  private readonly rowStarts: number[] = [0];
  private readonly entryCol: number[] = [];
  private readonly entryValue: number[] = [];
  private readonly quad = new Map<number, number>();
  private objectiveOffset = 0;

  constructor(name = 'model') {
    this.name = name;
  }

  /** Number of variables (columns). */
  get numVariables(): number {
    return this.colNames.length;
  }

  /** Number of constraints (rows). */
  get numConstraints(): number {
    return this.rowNames.length;
  }

  /** Stored non-zeros of the constraint matrix. */
  get numNonzeros(): number {
    return this.entryCol.length;
  }

  /** True if some variable is integer. */
  get isMip(): boolean {
    return this.colInteger.some((b) => b);
  }

  /** Integrality per column (1 = integer) for a solver, or undefined for a continuous model. */
  integrality(): Int32Array | undefined {
    return this.isMip ? Int32Array.from(this.colInteger, (b) => (b ? 1 : 0)) : undefined;
  }

  /** True if the objective has quadratic terms. */
  get isQuadratic(): boolean {
    return this.quad.size > 0;
  }

  /** Constant term of the objective. */
  get offset(): number {
    return this.objectiveOffset;
  }

  /** Adds a variable `lb ≤ x ≤ ub` with linear cost `cost` (defaults 0, +∞, 0). Names are unique. */
  addVariable(name: string, options: VariableOptions = {}): VarId {
    if (this.colIndex.has(name))
      throw new BallastError(
        'INVALID_INPUT',
        `variable "${name}" is defined twice`,
        `${this.name}.variables`,
      );
    const lb = options.lb ?? 0;
    const ub = options.ub ?? Infinity;
    const cost = options.cost ?? 0;
    if (Number.isNaN(lb) || Number.isNaN(ub) || lb === Infinity || ub === -Infinity)
      throw new BallastError(
        'NOT_FINITE',
        `bounds must be numbers (lb < +∞, ub > −∞), got [${lb}, ${ub}]`,
        `${this.name}.${name}`,
      );
    if (!Number.isFinite(cost))
      throw new BallastError(
        'NOT_FINITE',
        `cost must be finite, got ${cost}`,
        `${this.name}.${name}`,
      );
    const id = this.colNames.length;
    this.colNames.push(name);
    this.colIndex.set(name, id);
    this.colLower.push(lb);
    this.colUpper.push(ub);
    this.colCost.push(cost);
    this.colInteger.push(options.integer === true);
    return id;
  }

  /** Adds `coef` to the linear objective coefficient of `v`. */
  addCost(v: VarId, coef: number): void {
    this.checkVar(v, 'objective');
    if (!Number.isFinite(coef))
      throw new BallastError(
        'NOT_FINITE',
        `objective coefficient must be finite, got ${coef}`,
        `${this.name}.${this.colNames[v]}`,
      );
    this.colCost[v] = this.colCost[v]! + coef;
  }

  /** Adds a constant to the objective. */
  addOffset(c: number): void {
    if (!Number.isFinite(c))
      throw new BallastError(
        'NOT_FINITE',
        `objective offset must be finite, got ${c}`,
        `${this.name}.objective`,
      );
    this.objectiveOffset += c;
  }

  /** Adds `coef·x_i·x_j` to the objective (`coef·x_i²` when i = j). Keep the total convex. */
  addQuadratic(i: VarId, j: VarId, coef: number): void {
    this.checkVar(i, 'quadratic');
    this.checkVar(j, 'quadratic');
    if (!Number.isFinite(coef))
      throw new BallastError(
        'NOT_FINITE',
        `quadratic coefficient must be finite, got ${coef}`,
        `${this.name}.objective`,
      );
    // Q (objective ½x'Qx): diagonal gets 2·coef; an off-diagonal pair gets coef in both halves.
    const lo = Math.min(i, j);
    const hi = Math.max(i, j);
    const key = hi * 2 ** 26 + lo;
    this.quad.set(key, (this.quad.get(key) ?? 0) + (i === j ? 2 * coef : coef));
  }

  /**
   * Adds the constraint `lb ≤ Σ a_j x_j ≤ ub` named `name` (unique). Repeated variables add
   * up; exact zeros are dropped. Non-finite coefficients are NOT_FINITE naming the row.
   */
  addConstraint(name: string, terms: LinearTerms, bounds: RowBounds): RowId {
    if (this.rowIndexByName.has(name))
      throw new BallastError(
        'INVALID_INPUT',
        `constraint "${name}" is defined twice`,
        `${this.name}.constraints`,
      );
    const lb = bounds.lb ?? -Infinity;
    const ub = bounds.ub ?? Infinity;
    if (Number.isNaN(lb) || Number.isNaN(ub) || lb === Infinity || ub === -Infinity)
      throw new BallastError(
        'NOT_FINITE',
        `bounds must be numbers (lb < +∞, ub > −∞), got [${lb}, ${ub}]`,
        `${this.name}.${name}`,
      );
    const acc = new Map<number, number>();
    const add = (v: number, a: number) => {
      this.checkVar(v, name);
      if (!Number.isFinite(a))
        throw new BallastError(
          'NOT_FINITE',
          `coefficient of ${this.colNames[v]} is ${a}`,
          `${this.name}.${name}`,
        );
      acc.set(v, (acc.get(v) ?? 0) + a);
    };
    if (isSparse(terms)) {
      if (terms.indices.length !== terms.values.length)
        throw new BallastError(
          'INVALID_INPUT',
          'indices and values differ in length',
          `${this.name}.${name}`,
        );
      for (let k = 0; k < terms.indices.length; k++) add(terms.indices[k]!, terms.values[k]!);
    } else {
      for (const [v, a] of terms) add(v, a);
    }
    const id = this.rowNames.length;
    this.rowNames.push(name);
    this.rowIndexByName.set(name, id);
    this.rowLower.push(lb);
    this.rowUpper.push(ub);
    const cols = [...acc.keys()].sort((a, b) => a - b);
    for (const c of cols) {
      const a = acc.get(c)!;
      if (a === 0) continue;
      this.entryCol.push(c);
      this.entryValue.push(a);
    }
    this.rowStarts.push(this.entryCol.length);
    return id;
  }

  private checkVar(v: number, where: string): void {
    if (!Number.isInteger(v) || v < 0 || v >= this.colNames.length)
      throw new BallastError(
        'INVALID_INPUT',
        `unknown variable index ${v}`,
        `${this.name}.${where}`,
      );
  }

  /** Name of variable `v`. */
  variableName(v: VarId): string {
    return this.colNames[v]!;
  }

  /** Name of constraint `r`. */
  constraintName(r: RowId): string {
    return this.rowNames[r]!;
  }

  /** The variable called `name`, or undefined. */
  variable(name: string): VarId | undefined {
    return this.colIndex.get(name);
  }

  /** The constraint called `name`, or undefined. */
  constraint(name: string): RowId | undefined {
    return this.rowIndexByName.get(name);
  }

  /** `[lb, ub]` of variable `v`. */
  variableBounds(v: VarId): { lb: number; ub: number } {
    return { lb: this.colLower[v]!, ub: this.colUpper[v]! };
  }

  /** `[lb, ub]` of constraint `r`. */
  constraintBounds(r: RowId): { lb: number; ub: number } {
    return { lb: this.rowLower[r]!, ub: this.rowUpper[r]! };
  }

  /** Linear objective coefficient of `v`. */
  cost(v: VarId): number {
    return this.colCost[v]!;
  }

  /** The terms of constraint `r` (copies). */
  row(r: RowId): { indices: number[]; values: number[] } {
    const a = this.rowStarts[r]!;
    const b = this.rowStarts[r + 1]!;
    return { indices: this.entryCol.slice(a, b), values: this.entryValue.slice(a, b) };
  }

  /** Column data for a solver (copies). */
  columns(): { lower: Float64Array; upper: Float64Array; cost: Float64Array } {
    return {
      lower: Float64Array.from(this.colLower),
      upper: Float64Array.from(this.colUpper),
      cost: Float64Array.from(this.colCost),
    };
  }

  /** Row bounds for a solver (copies). */
  rows(): { lower: Float64Array; upper: Float64Array } {
    return { lower: Float64Array.from(this.rowLower), upper: Float64Array.from(this.rowUpper) };
  }

  /** The constraint matrix in CSR form (copies). */
  csr(): CsrMatrix {
    return {
      starts: Int32Array.from(this.rowStarts),
      indices: Int32Array.from(this.entryCol),
      values: Float64Array.from(this.entryValue),
    };
  }

  /** Lower triangle of Q by column (objective `½ x'Qx`), or undefined for an LP. */
  hessian(): LowerHessian | undefined {
    if (this.quad.size === 0) return undefined;
    const n = this.colNames.length;
    const entries = [...this.quad.entries()]
      .map(([key, v]) => ({ row: Math.floor(key / 2 ** 26), col: key % 2 ** 26, v }))
      .filter((e) => e.v !== 0)
      .sort((a, b) => a.col - b.col || a.row - b.row);
    const starts = new Int32Array(n + 1);
    for (const e of entries) starts[e.col + 1]!++;
    for (let j = 0; j < n; j++) starts[j + 1] = starts[j + 1]! + starts[j]!;
    return {
      starts,
      indices: Int32Array.from(entries.map((e) => e.row)),
      values: Float64Array.from(entries.map((e) => e.v)),
    };
  }

  /** Objective value at the point `x` (for checks). */
  objectiveAt(x: ArrayLike<number>): number {
    let f = this.objectiveOffset;
    for (let j = 0; j < this.colCost.length; j++) f += this.colCost[j]! * x[j]!;
    for (const [key, q] of this.quad) {
      const row = Math.floor(key / 2 ** 26);
      const col = key % 2 ** 26;
      f += row === col ? 0.5 * q * x[row]! * x[row]! : q * x[row]! * x[col]!;
    }
    return f;
  }

  /** Row activities `A·x` at the point `x`. */
  activitiesAt(x: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.rowNames.length);
    for (let r = 0; r < out.length; r++) {
      let s = 0;
      for (let k = this.rowStarts[r]!; k < this.rowStarts[r + 1]!; k++)
        s += this.entryValue[k]! * x[this.entryCol[k]!]!;
      out[r] = s;
    }
    return out;
  }

  /** Sanitised, unique LP/MPS names for columns and rows (see module doc). */
  exportNames(): { columns: string[]; rows: string[] } {
    const used = new Set<string>();
    const clean = (name: string): string => {
      let s = name.replace(/[^A-Za-z0-9_.]/g, '_');
      if (
        s === '' ||
        /^[0-9.]/.test(s) ||
        /^[eE][0-9+-]/.test(s) ||
        /^(inf|infinity|free|st|end|bounds?|min|max)$/i.test(s)
      )
        s = `_${s}`;
      let out = s;
      for (let k = 1; used.has(out); k++) out = `${s}_${k}`;
      used.add(out);
      return out;
    };
    const columns = this.colNames.map(clean);
    const rows = this.rowNames.map(clean);
    return { columns, rows };
  }

  /** CPLEX LP text of the model (see module doc for names and ranged rows). */
  toLpText(): string {
    const { columns, rows } = this.exportNames();
    const out: string[] = [
      `\\ ${this.name.replace(/[\r\n]/g, ' ')}: ${this.numVariables} variables, ${this.numConstraints} constraints (written by ballast)`,
    ];
    for (let j = 0; j < columns.length; j++)
      if (columns[j] !== this.colNames[j])
        out.push(`\\ column ${columns[j]} = ${this.colNames[j]!.replace(/[\r\n]/g, ' ')}`);
    for (let r = 0; r < rows.length; r++)
      if (rows[r] !== this.rowNames[r])
        out.push(`\\ row ${rows[r]} = ${this.rowNames[r]!.replace(/[\r\n]/g, ' ')}`);
    const linear = (pairs: [string, number][]): string =>
      pairs
        .map(
          ([n, v], k) =>
            `${k > 0 && k % 8 === 0 ? '\n   ' : ''}${v < 0 ? '-' : '+'} ${lpNumber(Math.abs(v))} ${n}`,
        )
        .join(' ');
    out.push('Minimize');
    const obj: [string, number][] = [];
    for (let j = 0; j < columns.length; j++)
      if (this.colCost[j] !== 0) obj.push([columns[j]!, this.colCost[j]!]);
    let objLine = ` obj: ${obj.length > 0 ? linear(obj) : columns.length > 0 ? `+ 0 ${columns[0]}` : ''}`;
    if (this.quad.size > 0) {
      const q: string[] = [];
      for (const [key, v] of [...this.quad.entries()].sort((a, b) => a[0] - b[0])) {
        if (v === 0) continue;
        const row = Math.floor(key / 2 ** 26);
        const col = key % 2 ** 26;
        // ½x'Qx: a diagonal Q_ii is written as Q_ii x_i*x_i inside [ ]/2; an off-diagonal pair as 2·Q_ij.
        const c = row === col ? v : 2 * v;
        q.push(`${c < 0 ? '-' : '+'} ${lpNumber(Math.abs(c))} ${columns[col]} * ${columns[row]}`);
      }
      objLine += `\n + [ ${q.join('\n   ')} ] / 2`;
    }
    if (this.objectiveOffset !== 0)
      objLine += ` ${this.objectiveOffset < 0 ? '-' : '+'} ${lpNumber(Math.abs(this.objectiveOffset))}`;
    out.push(objLine);
    out.push('Subject To');
    for (let r = 0; r < rows.length; r++) {
      const pairs: [string, number][] = [];
      for (let k = this.rowStarts[r]!; k < this.rowStarts[r + 1]!; k++)
        pairs.push([columns[this.entryCol[k]!]!, this.entryValue[k]!]);
      const lhs = pairs.length > 0 ? linear(pairs) : columns.length > 0 ? `0 ${columns[0]}` : '0';
      const lb = this.rowLower[r]!;
      const ub = this.rowUpper[r]!;
      if (lb === ub) out.push(` ${rows[r]}: ${lhs} = ${lpNumber(lb)}`);
      else if (lb > -Infinity && ub < Infinity) {
        out.push(` ${rows[r]}.lo: ${lhs} >= ${lpNumber(lb)}`);
        out.push(` ${rows[r]}.up: ${lhs} <= ${lpNumber(ub)}`);
      } else if (lb > -Infinity) out.push(` ${rows[r]}: ${lhs} >= ${lpNumber(lb)}`);
      else if (ub < Infinity) out.push(` ${rows[r]}: ${lhs} <= ${lpNumber(ub)}`);
      else out.push(` ${rows[r]}: ${lhs} >= -inf`);
    }
    out.push('Bounds');
    for (let j = 0; j < columns.length; j++) {
      const lb = this.colLower[j]!;
      const ub = this.colUpper[j]!;
      const n = columns[j]!;
      if (lb === 0 && ub === Infinity) continue;
      if (lb === -Infinity && ub === Infinity) out.push(` ${n} free`);
      else if (lb === ub) out.push(` ${n} = ${lpNumber(lb)}`);
      else if (ub === Infinity) out.push(` ${n} >= ${lpNumber(lb)}`);
      else out.push(` ${lb === -Infinity ? '-inf' : lpNumber(lb)} <= ${n} <= ${lpNumber(ub)}`);
    }
    const ints = columns.filter((_, j) => this.colInteger[j]);
    if (ints.length > 0) out.push('General', ...ints.map((n) => ` ${n}`));
    out.push('End', '');
    return out.join('\n');
  }

  /** Free-format MPS text of the model (RANGES for ranged rows, QUADOBJ for the Hessian). */
  toMps(): string {
    const { columns, rows } = this.exportNames();
    const out: string[] = [`NAME ${this.name.replace(/\s+/g, '_') || 'model'}`, 'ROWS', ' N obj'];
    const type = (r: number): 'E' | 'G' | 'L' | 'N' => {
      const lb = this.rowLower[r]!;
      const ub = this.rowUpper[r]!;
      if (lb === ub) return 'E';
      if (lb > -Infinity) return 'G';
      if (ub < Infinity) return 'L';
      return 'N';
    };
    // A free row is written as a G row with rhs −1e30 (MPS allows only one N row reliably).
    for (let r = 0; r < rows.length; r++)
      out.push(` ${type(r) === 'N' ? 'G' : type(r)} ${rows[r]}`);
    out.push('COLUMNS');
    const byCol: [number, number][][] = columns.map(() => []);
    for (let r = 0; r < rows.length; r++)
      for (let k = this.rowStarts[r]!; k < this.rowStarts[r + 1]!; k++)
        byCol[this.entryCol[k]!]!.push([r, this.entryValue[k]!]);
    for (let j = 0; j < columns.length; j++) {
      if (this.colInteger[j]) out.push(" MARKER 'MARKER' 'INTORG'");
      if (this.colCost[j] !== 0) out.push(` ${columns[j]} obj ${lpNumber(this.colCost[j]!)}`);
      for (const [r, v] of byCol[j]!) out.push(` ${columns[j]} ${rows[r]} ${lpNumber(v)}`);
      if (this.colCost[j] === 0 && byCol[j]!.length === 0) out.push(` ${columns[j]} obj 0`);
      if (this.colInteger[j]) out.push(" MARKER 'MARKER' 'INTEND'");
    }
    out.push('RHS');
    if (this.objectiveOffset !== 0) out.push(` rhs obj ${lpNumber(-this.objectiveOffset)}`);
    const ranges: string[] = [];
    for (let r = 0; r < rows.length; r++) {
      const t = type(r);
      const lb = this.rowLower[r]!;
      const ub = this.rowUpper[r]!;
      const rhs = t === 'N' ? -1e30 : t === 'L' ? ub : lb;
      if (rhs !== 0) out.push(` rhs ${rows[r]} ${lpNumber(rhs)}`);
      if (t === 'G' && ub < Infinity) ranges.push(` rng ${rows[r]} ${lpNumber(ub - lb)}`);
    }
    if (ranges.length > 0) out.push('RANGES', ...ranges);
    const bounds: string[] = [];
    for (let j = 0; j < columns.length; j++) {
      const lb = this.colLower[j]!;
      const ub = this.colUpper[j]!;
      const n = columns[j]!;
      if (lb === ub) bounds.push(` FX bnd ${n} ${lpNumber(lb)}`);
      else if (lb === -Infinity && ub === Infinity) bounds.push(` FR bnd ${n}`);
      else {
        if (lb === -Infinity) bounds.push(` MI bnd ${n}`);
        else if (lb !== 0) bounds.push(` LO bnd ${n} ${lpNumber(lb)}`);
        if (ub < Infinity) bounds.push(` UP bnd ${n} ${lpNumber(ub)}`);
      }
    }
    if (bounds.length > 0) out.push('BOUNDS', ...bounds);
    const h = this.hessian();
    if (h) {
      out.push('QUADOBJ');
      for (let j = 0; j < columns.length; j++)
        for (let k = h.starts[j]!; k < h.starts[j + 1]!; k++)
          out.push(` ${columns[j]} ${columns[h.indices[k]!]} ${lpNumber(h.values[k]!)}`);
    }
    out.push('ENDATA', '');
    return out.join('\n');
  }
}

/** Shortest round-trip decimal form of a finite number (`1e-7`, `0.5`, `12345`). */
function lpNumber(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v + 0);
}
