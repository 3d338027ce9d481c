/**
 * QuantLib 1.29 reference vectors (test/fixtures/quantlib/README.md).
 *
 * Every `*.json` in the fixture folder is loaded and dispatched on its `category` field
 * (never on its file name); an unknown category fails. Every field of every case's
 * `expected` is checked (or listed below as informational), with the file's
 * `tolerance_hint`: |actual − expected| ≤ abs·unit + rel·|expected|, `unit` being an
 * expression in the case inputs evaluated by the small parser below. One `it` per file and
 * field group; a failure names the worst case.
 *
 * Set BALLAST_VECTOR_REPORT=1 to print the worst error/allowance ratio of every group.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { isBallastError, type ErrorCode } from '../../src/core/errors.ts';
import type { BarrierType, DigitalPayoff, OptionRight } from '../../src/instruments/instrument.ts';
import {
  barrierPrice,
  black76Greeks,
  black76Price,
  bsmGreeks,
  bsmPrice,
  digitalGreeks,
  impliedVolBlack76,
  inverseOptionGreeks,
  inverseOptionPrice,
} from '../../src/pricing/index.ts';

// ---------------------------------------------------------------------------------------------
// A tiny recursive-descent evaluator for the tolerance `unit` expressions:
//   expr := term (('+' | '-') term)* ; term := unary (('*' | '/') unary)*
//   unary := ('-' | '+') unary | power ; power := primary ('**' unary)?   (right-assoc, as Python)
//   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
// ---------------------------------------------------------------------------------------------

type Env = Readonly<Record<string, number>>;
type Compiled = (env: Env) => number;

const FUNCTIONS: Readonly<Record<string, (...a: number[]) => number>> = {
  max: Math.max,
  min: Math.min,
  sqrt: Math.sqrt,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
};

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s*(\*\*|[-+*/(),]|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|[A-Za-z_]\w*)/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new Error(`unit expression: unexpected character at ${pos} in "${src}"`);
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  return tokens;
}

export function compileUnit(src: string): Compiled {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string): string => {
    const t = tokens[i++];
    if (t === undefined || (expected !== undefined && t !== expected)) {
      throw new Error(
        `unit expression: expected ${expected ?? 'a token'} at token ${i - 1} in "${src}"`,
      );
    }
    return t;
  };
  const expr = (): Compiled => {
    let left = term();
    while (peek() === '+' || peek() === '-') {
      const op = take();
      const a = left;
      const b = term();
      left = op === '+' ? (e) => a(e) + b(e) : (e) => a(e) - b(e);
    }
    return left;
  };
  const term = (): Compiled => {
    let left = unary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const a = left;
      const b = unary();
      left = op === '*' ? (e) => a(e) * b(e) : (e) => a(e) / b(e);
    }
    return left;
  };
  const unary = (): Compiled => {
    if (peek() === '-') {
      take();
      const a = unary();
      return (e) => -a(e);
    }
    if (peek() === '+') {
      take();
      return unary();
    }
    return power();
  };
  const power = (): Compiled => {
    const base = primary();
    if (peek() === '**') {
      take();
      const exponent = unary();
      return (e) => base(e) ** exponent(e);
    }
    return base;
  };
  const primary = (): Compiled => {
    const t = take();
    if (t === '(') {
      const inner = expr();
      take(')');
      return inner;
    }
    if (/^[\d.]/.test(t)) {
      const v = Number(t);
      return () => v;
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        const fn = FUNCTIONS[t];
        if (!fn) throw new Error(`unit expression: unknown function ${t} in "${src}"`);
        take('(');
        const args = [expr()];
        while (peek() === ',') {
          take(',');
          args.push(expr());
        }
        take(')');
        return (e) => fn(...args.map((a) => a(e)));
      }
      return (e) => {
        const v = e[t];
        if (typeof v !== 'number')
          throw new Error(`unit expression: unknown or null variable ${t} in "${src}"`);
        return v;
      };
    }
    throw new Error(`unit expression: unexpected token ${t} in "${src}"`);
  };
  const result = expr();
  if (i !== tokens.length) throw new Error(`unit expression: trailing tokens in "${src}"`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Vector files
// ---------------------------------------------------------------------------------------------

interface FieldHint {
  rel?: number;
  abs?: number;
  unit?: string;
  perCase?: string;
}
interface VectorCase {
  id: string;
  expected_error: boolean;
  inputs: Record<string, unknown>;
  expected: Record<string, unknown>;
  fd?: Record<string, unknown>;
  haugPublished?: Record<string, number>;
}
interface VectorFile {
  category: string;
  case_count: number;
  tolerance_hint: { fields: Record<string, FieldHint> };
  cases: VectorCase[];
}

interface Outcome {
  id: string;
  /** |error| / allowance; ≤ 1 passes. */
  ratio: number;
  detail: string;
}
type Groups = Map<string, Outcome[]>;

const dir = new URL('../fixtures/quantlib/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  below_intrinsic: 'BELOW_INTRINSIC',
  above_upper_bound: 'ABOVE_UPPER_BOUND',
  negative_price: 'NEGATIVE_PRICE',
  barrier_touched: 'BARRIER_TOUCHED',
};
const ERROR_FIELDS: Readonly<Record<string, string>> = {
  below_intrinsic: 'price',
  above_upper_bound: 'price',
  negative_price: 'price',
  barrier_touched: 'spot',
};
/** Expected-object keys that are information, not values to reproduce. */
const INFORMATIONAL = new Set([
  'error',
  'qlError',
  'qlErrorLiRS',
  'qlStdDevLiRS',
  'note',
  'sigmaTolerance',
  'illConditioned',
]);

const num = (c: VectorCase, k: string): number => {
  const v = c.inputs[k];
  if (typeof v !== 'number') throw new Error(`${c.id}: input ${k} is not a number`);
  return v;
};
const rightOf = (c: VectorCase): OptionRight => (c.inputs['isCall'] === true ? 'call' : 'put');
const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(17) : String(x));

function push(groups: Groups, group: string, o: Outcome): void {
  let list = groups.get(group);
  if (!list) groups.set(group, (list = []));
  list.push(o);
}

/** Standard check with the file's hint for `field`. */
class Checker {
  private readonly units = new Map<string, Compiled>();
  constructor(
    private readonly file: VectorFile,
    readonly groups: Groups,
  ) {}

  tolerance(field: string, env: Env, expected: number): number {
    const hint = this.file.tolerance_hint.fields[field];
    if (!hint || hint.unit === undefined) throw new Error(`no tolerance hint for field ${field}`);
    let unit = this.units.get(hint.unit);
    if (!unit) this.units.set(hint.unit, (unit = compileUnit(hint.unit)));
    return (hint.abs ?? 0) * unit(env) + (hint.rel ?? 0) * Math.abs(expected);
  }

  /** Compares every field of `c.expected` with `actual`, unless handled elsewhere. */
  fields(
    c: VectorCase,
    env: Env,
    actual: Readonly<Record<string, number | null>>,
    handled: ReadonlySet<string> = new Set(),
  ): void {
    if (c.expected_error) {
      // error cases must go through `error()`; a handler that prices them would hide them
      push(this.groups, 'unhandled expected errors', {
        id: c.id,
        ratio: Infinity,
        detail: 'expected_error case was priced',
      });
      return;
    }
    for (const [field, exp] of Object.entries(c.expected)) {
      if (INFORMATIONAL.has(field) || handled.has(field)) continue;
      if (!(field in actual)) {
        push(this.groups, 'unhandled expected fields', {
          id: c.id,
          ratio: Infinity,
          detail: `field ${field} is not checked`,
        });
        continue;
      }
      if (exp === null) continue; // not applicable (e.g. FD greeks at S == H)
      const a = actual[field];
      if (typeof exp !== 'number' || typeof a !== 'number') {
        push(this.groups, field, {
          id: c.id,
          ratio: Infinity,
          detail: `expected ${String(exp)}, got ${String(a)}`,
        });
        continue;
      }
      this.compare(field, c.id, a, exp, this.tolerance(field, env, exp));
    }
  }

  compare(group: string, id: string, actual: number, expected: number, allowed: number): void {
    const err = Math.abs(actual - expected);
    const ratio = Number.isFinite(actual) ? (err === 0 ? 0 : err / allowed) : Infinity;
    push(this.groups, group, {
      id,
      ratio,
      detail: `actual ${fmt(actual)}, expected ${fmt(expected)}, allowed ±${allowed.toExponential(3)}`,
    });
  }

  /** Published Haug values: 4 decimals, compared to 1e-4 absolute. */
  haug(c: VectorCase, actual: Readonly<Record<string, number | null>>): void {
    if (!c.haugPublished) return;
    for (const [field, exp] of Object.entries(c.haugPublished)) {
      const a = actual[field];
      if (typeof a !== 'number') {
        push(this.groups, 'haugPublished', {
          id: c.id,
          ratio: Infinity,
          detail: `no value for published field ${field}`,
        });
        continue;
      }
      this.compare('haugPublished', `${c.id}.${field}`, a, exp, 1e-4);
    }
  }

  /** An `expected_error` case: `fn` must throw a BallastError with the mapped code and field. */
  error(c: VectorCase, fn: () => unknown): void {
    const kind = String(c.expected['error']);
    const code = ERROR_CODES[kind];
    let detail: string;
    let ok = false;
    try {
      const v = fn();
      detail = `returned ${String(v)} instead of throwing ${code ?? kind}`;
    } catch (e) {
      ok = code !== undefined && isBallastError(e, code) && e.field === ERROR_FIELDS[kind];
      detail = isBallastError(e)
        ? `threw ${e.code} (field ${String(e.field)}), expected ${code ?? kind}`
        : `threw ${String(e)}`;
    }
    push(this.groups, 'expected errors', { id: c.id, ratio: ok ? 0 : Infinity, detail });
  }
}

function envOf(c: VectorCase, extra: Record<string, number> = {}): Env {
  const env: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.inputs)) if (typeof v === 'number') env[k] = v;
  if (env['sigma'] !== undefined && env['T'] !== undefined)
    env['s'] = env['sigma'] * Math.sqrt(env['T']);
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Category handlers (dispatched on the file's `category`)
// ---------------------------------------------------------------------------------------------

function checkBlack76(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const [F, K, T, sigma, df] = ['F', 'K', 'T', 'sigma', 'df'].map((k) => num(c, k)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const g = black76Greeks(rightOf(c), F, K, T, sigma, df);
    chk.fields(c, envOf(c), { ...g });
    const p = black76Price(rightOf(c), F, K, T, sigma, df);
    chk.compare(
      'black76Price == black76Greeks.price',
      c.id,
      p,
      g.price,
      0.5 * Number.EPSILON * Math.abs(g.price) + Number.MIN_VALUE,
    );
  }
}

/** 5-point central first and second differences (the stencils of the vector generator). */
function fd5(f: (x: number) => number, x: number, h: number): { d1: number; d2: number } {
  const m2 = f(x - 2 * h);
  const m1 = f(x - h);
  const z = f(x);
  const p1 = f(x + h);
  const p2 = f(x + 2 * h);
  return {
    d1: (m2 - 8 * m1 + 8 * p1 - p2) / (12 * h),
    d2: (-m2 + 16 * m1 - 30 * z + 16 * p1 - p2) / (12 * h * h),
  };
}

function checkInverse(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const [F, K, T, sigma, df] = ['F', 'K', 'T', 'sigma', 'df'].map((k) => num(c, k)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const right = rightOf(c);
    const g = inverseOptionGreeks(right, F, K, T, sigma, df);
    // coinDelta / coinDeltaDF are finite differences of QuantLib prices: compare the analytic
    // values with the file's (looser) FD tolerance, and also the same stencil on our prices.
    chk.fields(c, envOf(c), {
      ...g,
      priceUsdUndiscounted: black76Greeks(right, F, K, T, sigma, df).priceUndiscounted,
      coinDeltaPaQl: g.coinDelta,
    });
    const h = c.fd?.['h'];
    if (typeof h === 'number' && typeof c.expected['coinDeltaDF'] === 'number') {
      const { d1 } = fd5((x) => inverseOptionPrice(right, x, K, T, sigma, df), F, h);
      const exp = c.expected['coinDeltaDF'];
      chk.compare(
        'coinDeltaDF (own 5-point FD)',
        c.id,
        d1,
        exp,
        chk.tolerance('coinDeltaDF', envOf(c), exp),
      );
    }
    chk.compare(
      'priceCoin == inverseOptionPrice',
      c.id,
      inverseOptionPrice(right, F, K, T, sigma, df),
      g.priceCoin,
      2 * Number.EPSILON * g.priceCoin + Number.MIN_VALUE,
    );
  }
}

function checkImpliedVol(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const [F, K, T, df, price] = ['F', 'K', 'T', 'df', 'price'].map((k) => num(c, k)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const right = rightOf(c);
    if (c.expected_error) {
      chk.error(c, () => impliedVolBlack76(right, price, F, K, T, df));
      continue;
    }
    let sigma: number;
    try {
      sigma = impliedVolBlack76(right, price, F, K, T, df);
    } catch (e) {
      push(chk.groups, 'sigma', { id: c.id, ratio: Infinity, detail: `threw ${String(e)}` });
      continue;
    }
    const exp = c.expected;
    const sqrtT = Math.sqrt(T);
    const tol = typeof exp['sigmaTolerance'] === 'number' ? exp['sigmaTolerance'] : 0; // boundary cases: exact 0
    const handled = new Set(['sigma', 'stdDev', 'sigmaQl', 'stdDevQl', 'sigmaQlLiRS', 'vega']);
    chk.fields(c, envOf(c), {}, handled);
    const expSigma = exp['sigma'] as number;
    chk.compare('sigma (within sigmaTolerance)', c.id, sigma, expSigma, tol);
    if (typeof exp['stdDev'] === 'number')
      chk.compare('stdDev', c.id, sigma * sqrtT, exp['stdDev'], tol * sqrtT * (1 + 1e-12));
    // QuantLib's own inversions lie within sigmaTolerance of sigma too (README): 2× for the pair.
    if (typeof exp['sigmaQl'] === 'number')
      chk.compare('sigmaQl', c.id, sigma, exp['sigmaQl'], 2 * tol);
    if (typeof exp['stdDevQl'] === 'number')
      chk.compare('stdDevQl', c.id, sigma * sqrtT, exp['stdDevQl'], 2 * tol * sqrtT * (1 + 1e-12));
    if (typeof exp['sigmaQlLiRS'] === 'number')
      chk.compare('sigmaQlLiRS', c.id, sigma, exp['sigmaQlLiRS'], 2 * tol);
    // Price space: our vol must reprice the input (the only meaningful test when ill-conditioned).
    const repriced = black76Price(right, F, K, T, sigma, df);
    chk.compare(
      'reprice (price space)',
      c.id,
      repriced,
      price,
      1e-12 * Math.max(F, K) + 1e-10 * price,
    );
    if (typeof exp['vega'] === 'number') {
      const vega = black76Greeks(right, F, K, T, expSigma, df).vega;
      // vega has no hint of its own in this file: use black76.json's (rel 1e-8, abs 1e-12·F√T)
      chk.compare(
        'vega',
        c.id,
        vega,
        exp['vega'],
        1e-12 * F * sqrtT + 1e-8 * Math.abs(exp['vega']),
      );
    }
  }
}

const DIGITAL_PAYOFF: Readonly<Record<string, DigitalPayoff>> = {
  cash_or_nothing: 'cash-or-nothing',
  asset_or_nothing: 'asset-or-nothing',
};

function checkDigital(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const payoff = DIGITAL_PAYOFF[String(c.inputs['payoff'])];
    if (!payoff) {
      push(chk.groups, 'inputs', {
        id: c.id,
        ratio: Infinity,
        detail: `unknown payoff ${String(c.inputs['payoff'])}`,
      });
      continue;
    }
    const [S, K, T, r, q, sigma] = ['S', 'K', 'T', 'r', 'q', 'sigma'].map((k) => num(c, k)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const cash = payoff === 'cash-or-nothing' ? num(c, 'cash') : 1;
    const g = digitalGreeks(payoff, rightOf(c), S, K, T, r, q, sigma, cash);
    chk.fields(c, envOf(c, { N: payoff === 'cash-or-nothing' ? cash : S }), { ...g });
    chk.haug(c, { ...g });
  }
}

const BARRIER_TYPE: Readonly<Record<string, BarrierType>> = {
  DownIn: 'down-in',
  DownOut: 'down-out',
  UpIn: 'up-in',
  UpOut: 'up-out',
};

function checkBarrier(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const type = BARRIER_TYPE[String(c.inputs['barrierType'])];
    if (!type) {
      push(chk.groups, 'inputs', {
        id: c.id,
        ratio: Infinity,
        detail: `unknown barrierType ${String(c.inputs['barrierType'])}`,
      });
      continue;
    }
    const [S, K, H, rebate, T, r, q, sigma] = ['S', 'K', 'H', 'rebate', 'T', 'r', 'q', 'sigma'].map(
      (k) => num(c, k),
    ) as [number, number, number, number, number, number, number, number];
    const right = rightOf(c);
    const price = (spot: number, vol: number) =>
      barrierPrice(type, right, spot, K, H, rebate, T, r, q, vol);
    if (c.expected_error) {
      chk.error(c, () => price(S, sigma));
      continue;
    }
    const actual: Record<string, number | null> = {
      price: price(S, sigma),
      vanillaPrice: bsmPrice(right, S, K, T, r, q, sigma),
    };
    // deltaFd / gammaFd / vegaFd: the generator's 5-point stencils, applied to our prices with
    // the stored bumps (null when S == H).
    const hS = c.fd?.['hS'];
    const hV = c.fd?.['hV'];
    if (typeof hS === 'number' && typeof hV === 'number' && S !== H) {
      const spot = fd5((x) => price(x, sigma), S, hS);
      actual['deltaFd'] = spot.d1;
      actual['gammaFd'] = spot.d2;
      actual['vegaFd'] = fd5((v) => price(S, v), sigma, hV).d1;
    } else {
      actual['deltaFd'] = actual['gammaFd'] = actual['vegaFd'] = null;
    }
    chk.fields(c, envOf(c), actual);
    chk.haug(c, actual);
  }
}

function checkBsm(file: VectorFile, chk: Checker): void {
  for (const c of file.cases) {
    const [S, K, T, r, q, sigma] = ['S', 'K', 'T', 'r', 'q', 'sigma'].map((k) => num(c, k)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const g = bsmGreeks(rightOf(c), S, K, T, r, q, sigma);
    chk.fields(c, envOf(c), { ...g });
    chk.haug(c, { ...g });
    const p = bsmPrice(rightOf(c), S, K, T, r, q, sigma);
    chk.compare(
      'bsmPrice == bsmGreeks.price',
      c.id,
      p,
      g.price,
      0.5 * Number.EPSILON * Math.abs(g.price) + Number.MIN_VALUE,
    );
  }
}

const HANDLERS: Readonly<Record<string, (file: VectorFile, chk: Checker) => void>> = {
  black76: checkBlack76,
  inverse: checkInverse,
  implied_vol: checkImpliedVol,
  digital: checkDigital,
  barrier: checkBarrier,
  bsm: checkBsm,
};

// ---------------------------------------------------------------------------------------------

const report: string[] = [];

describe('tolerance unit expressions', () => {
  it('parses the operators used by the hints', () => {
    const env = { F: 4, K: 9, S: 2, T: 0.25, sigma: 0.5, r: -0.02, s: 0.25, N: 10 };
    expect(compileUnit('max(F,K)')(env)).toBe(9);
    expect(compileUnit('1/(F*s)')(env)).toBe(1);
    expect(compileUnit('F*sigma/sqrt(T) + abs(r)*max(F,K)')(env)).toBeCloseTo(4 + 0.18, 14);
    expect(compileUnit('N/(S*s)**2')(env)).toBe(40);
    expect(compileUnit('N/s*sqrt(T)')(env)).toBe(20);
    expect(compileUnit('1/(F**2*s) + max(F,K)/F**3')(env)).toBeCloseTo(0.25 + 9 / 64, 15);
    expect(compileUnit('-2**2')(env)).toBe(-4);
    expect(compileUnit('2**3**2')(env)).toBe(512);
    expect(compileUnit('(1 + 2) * 3 - 4 / 2')(env)).toBe(7);
    expect(compileUnit('1e-2 * 100')(env)).toBeCloseTo(1, 15);
    expect(() => compileUnit('F +')).toThrow();
    expect(() => compileUnit('nope(F)')).toThrow();
    expect(() => compileUnit('F $ K')).toThrow();
    expect(() => compileUnit('G')(env)).toThrow();
  });
});

describe('QuantLib reference vectors', () => {
  it('the fixture folder has vector files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    const file = JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as VectorFile;
    const handler = HANDLERS[file.category];
    describe(`${name} (category ${String(file.category)})`, () => {
      if (!handler) {
        it('has a known category', () => {
          expect.fail(
            `unknown category "${String(file.category)}" in ${name}: add a handler to quantlib.test.ts`,
          );
        });
        return;
      }
      it('case count matches the header', () => {
        expect(file.cases.length).toBe(file.case_count);
      });
      const groups: Groups = new Map();
      let crash: unknown;
      try {
        handler(file, new Checker(file, groups));
      } catch (e) {
        crash = e;
      }
      it('the handler runs through every case', () => {
        if (crash !== undefined) throw crash;
      });
      for (const [group, outcomes] of [...groups.entries()].sort(([a], [b]) =>
        a.localeCompare(b),
      )) {
        let worst = outcomes[0]!;
        for (const o of outcomes) if (!(o.ratio <= worst.ratio)) worst = o;
        report.push(
          `${name.padEnd(18)} ${group.padEnd(40)} n=${String(outcomes.length).padStart(4)}  worst ratio ${worst.ratio.toExponential(2)} (${worst.id})`,
        );
        it(`${group}: ${outcomes.length} checks within tolerance`, () => {
          const failing = outcomes.filter((o) => !(o.ratio <= 1));
          expect(
            failing.length,
            `${failing.length}/${outcomes.length} outside tolerance; worst ${worst.id}: ${worst.detail} (ratio ${worst.ratio.toExponential(3)})`,
          ).toBe(0);
        });
      }
    });
  }

  if (process.env['BALLAST_VECTOR_REPORT']) {
    it('report', () => {
      console.log(report.join('\n'));
    });
  }
});
