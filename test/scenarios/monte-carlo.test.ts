import { describe, expect, it } from 'vitest';
import {
  monteCarloScenarios,
  poissonInverse,
  simulateMonteCarlo,
  type MonteCarloOptions,
} from '../../src/scenarios/monte-carlo.ts';
import { isBallastError, type BallastError } from '../../src/core/errors.ts';

function catchError(f: () => unknown): BallastError {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return e;
    throw e;
  }
  throw new Error('expected a BallastError');
}

const base: MonteCarloOptions = {
  underlyings: ['BTC', 'ETH'],
  vols: [0.6, 0.8],
  correlation: [
    [1, 0.8],
    [0.8, 1],
  ],
  horizonDays: 1,
  paths: 2000,
  seed: 12345,
  model: 'gbm',
};

function stats(a: Float64Array, b?: Float64Array): { mean: number; sd: number; corr: number } {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b ? b[i]! : 0;
  }
  ma /= n;
  mb /= n;
  let va = 0;
  let vb = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b ? b[i]! - mb : 0;
    va += da * da;
    vb += db * db;
    c += da * db;
  }
  return { mean: ma, sd: Math.sqrt(va / (n - 1)), corr: b ? c / Math.sqrt(va * vb) : NaN };
}

const multipliers = (sc: ReturnType<typeof monteCarloScenarios>): Float64Array =>
  Float64Array.from(sc.flatMap((s) => Object.values(s.moves).map((m) => m.spotMultiplier)));
const bitsEqual = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length && Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0;

describe('monteCarloScenarios: determinism', () => {
  for (const sampler of ['pseudo', 'sobol'] as const) {
    for (const model of ['gbm', 'student-t', 'merton'] as const) {
      it(`${sampler} ${model}: same seed → bit-identical scenarios; another seed differs`, () => {
        const opts: MonteCarloOptions = {
          ...base,
          paths: 500,
          sampler,
          model,
          volOfVol: 1.5,
          spotVolCorrelation: -0.5,
          jumps: { intensity: 10, mean: -0.05, sd: 0.1 },
        };
        const a = monteCarloScenarios(opts);
        const b = monteCarloScenarios(opts);
        expect(a).toEqual(b);
        expect(bitsEqual(multipliers(a), multipliers(b))).toBe(true);
        const c = monteCarloScenarios({ ...opts, seed: 54321 });
        expect(bitsEqual(multipliers(a), multipliers(c))).toBe(false);
      });
    }
  }

  it('scenario shape: ids and labels name the path, weight 1, vol as a relative shock', () => {
    const sc = monteCarloScenarios({ ...base, paths: 3, volOfVol: 1, timeShiftDays: 1 });
    expect(sc.map((s) => s.id)).toEqual(['mc-0', 'mc-1', 'mc-2']);
    expect(sc[1]!.label).toMatch(/^path 1: BTC [+−]\d+\.\d\d% \(vol [+−]\d+\.\d%\), ETH /);
    expect(sc[0]!.weight).toBe(1);
    expect(sc[0]!.timeShiftDays).toBe(1);
    expect(sc[0]!.group).toBe('monte-carlo');
    expect(sc[0]!.moves.BTC!.vol.kind).toBe('relative');
    expect(monteCarloScenarios({ ...base, paths: 1 })[0]!.moves.ETH!.vol).toEqual({ kind: 'none' });
  });
});

describe('monteCarloScenarios: distributions', () => {
  const dt = 1 / 365;
  for (const sampler of ['pseudo', 'sobol'] as const) {
    it(`${sampler} GBM: log-return sd σ√dt, correlation ρ, E[multiplier] = 1`, () => {
      const sim = simulateMonteCarlo({ ...base, paths: 50_000, sampler });
      const b = stats(sim.logReturns[0]!, sim.logReturns[1]!);
      expect(b.sd / (0.6 * Math.sqrt(dt))).toBeCloseTo(1, 1);
      expect(Math.abs(b.corr - 0.8)).toBeLessThan(0.01); // standard error ≈ 0.0016
      const m = stats(sim.logReturns[1]!.map(Math.exp));
      expect(m.mean).toBeCloseTo(1, 3);
    });
  }

  it('student-t: unit-variance scaling keeps the sd at σ√dt and fattens the tails', () => {
    const n = 100_000;
    const t = simulateMonteCarlo({ ...base, paths: n, model: 'student-t', degreesOfFreedom: 4 });
    const g = simulateMonteCarlo({ ...base, paths: n, model: 'gbm' });
    const st = stats(t.logReturns[0]!);
    expect(st.sd / (0.6 * Math.sqrt(dt))).toBeCloseTo(1, 1);
    const k = 4 * 0.6 * Math.sqrt(dt); // 4-sigma moves
    const far = (a: Float64Array): number => a.filter((v) => Math.abs(v) > k).length;
    expect(far(t.logReturns[0]!)).toBeGreaterThan(10 * far(g.logReturns[0]!));
  });

  it('merton: compensated jumps keep E[multiplier] = 1; the jump frequency matches λ·dt', () => {
    const jumps = { intensity: 36.5, mean: -0.1, sd: 0.05 }; // 0.1 jumps per day
    const sim = simulateMonteCarlo({ ...base, paths: 100_000, model: 'merton', jumps });
    const m = stats(sim.logReturns[0]!.map(Math.exp));
    expect(m.mean).toBeCloseTo(1, 3);
    const crashes = sim.logReturns[0]!.filter((v) => v < -0.07).length / 100_000;
    expect(crashes).toBeGreaterThan(0.05);
    expect(crashes).toBeLessThan(0.1);
    expect(poissonInverse(0.5, 0)).toBe(0);
    expect(poissonInverse(Math.exp(-2) - 1e-12, 2)).toBe(0);
    expect(poissonInverse(Math.exp(-2) + 1e-12, 2)).toBe(1);
  });

  it('implied vol: corr(spot return, log vol move) = ρ_sv, sd of the log vol move = ν_v√dt', () => {
    const sim = simulateMonteCarlo({
      ...base,
      paths: 50_000,
      volOfVol: 2,
      spotVolCorrelation: -0.6,
    });
    const lv = sim.volRelative![0]!.map(Math.log1p);
    const s = stats(sim.logReturns[0]!, lv);
    // standard error of the sample correlation: (1 − ρ²)/√n ≈ 0.003
    expect(Math.abs(s.corr + 0.6)).toBeLessThan(0.015);
    expect(stats(lv).sd / (2 * Math.sqrt(dt))).toBeCloseTo(1, 1);
    expect(sim.volRelative![0]!.every((v) => v > -1)).toBe(true);
  });
});

describe('monteCarloScenarios: bad input', () => {
  it('typed errors naming the field', () => {
    const cases: [Partial<MonteCarloOptions>, string][] = [
      [{ vols: [0.6] }, 'vols'],
      [{ vols: [0.6, -1] }, 'vols[1]'],
      [
        {
          correlation: [
            [1, 1],
            [1, 1],
          ],
        },
        'correlation',
      ],
      [
        {
          correlation: [
            [1, 0.5],
            [0.5, 0.9],
          ],
        },
        'correlation[1][1]',
      ],
      [
        {
          correlation: [
            [1, 1.2],
            [1.2, 1],
          ],
        },
        'correlation[0][1]',
      ],
      [{ horizonDays: 0 }, 'horizonDays'],
      [{ paths: 0 }, 'paths'],
      [{ seed: 0.5 }, 'seed'],
      [{ model: 'merton' }, 'jumps'],
      [{ model: 'merton', jumps: { intensity: -1, mean: 0, sd: 0.1 } }, 'jumps.intensity'],
      [{ model: 'student-t', degreesOfFreedom: 2 }, 'degreesOfFreedom'],
      [{ volOfVol: -1 }, 'volOfVol'],
      [{ volOfVol: 1, spotVolCorrelation: -1.5 }, 'spotVolCorrelation'],
      [{ underlyings: ['BTC', 'BTC'] }, 'underlyings'],
      [{ sampler: 'sobol', paths: 2 ** 32 + 1 }, 'paths'],
      [
        {
          sampler: 'sobol',
          underlyings: Array.from({ length: 300 }, (_, i) => `U${i}`),
          vols: Array.from({ length: 300 }, () => 0.5),
          correlation: Array.from({ length: 300 }, (_, i) =>
            Array.from({ length: 300 }, (_, j) => (i === j ? 1 : 0)),
          ),
          model: 'merton',
          jumps: { intensity: 1, mean: -0.1, sd: 0.1 },
          volOfVol: 1,
        },
        'underlyings',
      ],
    ];
    for (const [patch, field] of cases) {
      const e = catchError(() => monteCarloScenarios({ ...base, ...patch }));
      expect(e.code, field).toBe('INVALID_INPUT');
      expect(e.field).toBe(field);
    }
  });
});
