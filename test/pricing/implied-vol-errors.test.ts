/**
 * Implied-vol error handling: every typed error with the field it names, non-finite input,
 * boundary prices, and a batch of extreme inputs that must finish quickly (no hang, no NaN,
 * no silently wrong number). Also the input validation of the pricers.
 */
import { describe, expect, it } from 'vitest';
import { BallastError, type ErrorCode } from '../../src/core/errors.ts';
import {
  barrierPrice,
  black76Greeks,
  black76Price,
  bsmPrice,
  digitalPrice,
  impliedVolBlack76,
  impliedVolInverse,
} from '../../src/pricing/index.ts';

function thrown(fn: () => unknown): BallastError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BallastError) return e;
    throw new Error(`expected a BallastError, got ${String(e)}`);
  }
  throw new Error('expected an error, got a value');
}

function expectError(fn: () => unknown, code: ErrorCode, field: string): void {
  const e = thrown(fn);
  expect(e.code, e.message).toBe(code);
  expect(e.field, e.message).toBe(field);
}

describe('impliedVolBlack76 typed errors', () => {
  const F = 60000;
  const K = 50000;
  const T = 0.25;
  const df = 0.99;

  it('NEGATIVE_PRICE names the price', () => {
    expectError(() => impliedVolBlack76('call', -1e-9, F, K, T, df), 'NEGATIVE_PRICE', 'price');
    expectError(() => impliedVolBlack76('put', -5, F, K, T, df), 'NEGATIVE_PRICE', 'price');
  });

  it('BELOW_INTRINSIC below df·intrinsic (beyond a 4-ulp allowance)', () => {
    const intrinsic = df * (F - K);
    expectError(
      () => impliedVolBlack76('call', intrinsic * (1 - 1e-12), F, K, T, df),
      'BELOW_INTRINSIC',
      'price',
    );
    expectError(() => impliedVolBlack76('call', 0, F, K, T, df), 'BELOW_INTRINSIC', 'price');
    expectError(
      () => impliedVolBlack76('put', df * (K * 1.5 - F) * 0.9, F, K * 1.5, T, df),
      'BELOW_INTRINSIC',
      'price',
    );
    const e = thrown(() => impliedVolBlack76('call', intrinsic / 2, F, K, T, df));
    expect(e.details?.['intrinsic']).toBe(intrinsic);
  });

  it('ABOVE_UPPER_BOUND at or above df·F (call) / df·K (put)', () => {
    expectError(
      () => impliedVolBlack76('call', df * F * (1 + 1e-9), F, K, T, df),
      'ABOVE_UPPER_BOUND',
      'price',
    );
    expectError(() => impliedVolBlack76('call', df * F, F, K, T, df), 'ABOVE_UPPER_BOUND', 'price');
    expectError(
      () => impliedVolBlack76('put', df * K * 1.5, F, K, T, df),
      'ABOVE_UPPER_BOUND',
      'price',
    );
    expectError(() => impliedVolBlack76('put', df * K, F, K, T, df), 'ABOVE_UPPER_BOUND', 'price');
  });

  it('NOT_FINITE for NaN and ±Infinity in every input, naming it', () => {
    const args = { price: 3000, F, K, T, df };
    for (const field of ['price', 'F', 'K', 'T', 'df'] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const a = { ...args, [field]: bad };
        expectError(
          () => impliedVolBlack76('call', a.price, a.F, a.K, a.T, a.df),
          'NOT_FINITE',
          field,
        );
      }
    }
  });

  it('INVALID_INPUT for F, K, T, df ≤ 0 and an unknown right', () => {
    const args = { price: 3000, F, K, T, df };
    for (const field of ['F', 'K', 'T', 'df'] as const) {
      for (const bad of [0, -1]) {
        const a = { ...args, [field]: bad };
        expectError(
          () => impliedVolBlack76('put', a.price, a.F, a.K, a.T, a.df),
          'INVALID_INPUT',
          field,
        );
      }
    }
    expectError(
      () => impliedVolBlack76('straddle' as 'call', 3000, F, K, T, df),
      'INVALID_INPUT',
      'right',
    );
  });

  it('impliedVolInverse names priceCoin', () => {
    expectError(() => impliedVolInverse('call', -0.01, F, K, T), 'NEGATIVE_PRICE', 'priceCoin');
    expectError(() => impliedVolInverse('call', 1.2, F, K, T), 'ABOVE_UPPER_BOUND', 'priceCoin');
    expectError(() => impliedVolInverse('call', 0.1, F, K, T), 'BELOW_INTRINSIC', 'priceCoin');
    expectError(() => impliedVolInverse('call', NaN, F, K, T), 'NOT_FINITE', 'priceCoin');
    expect(impliedVolInverse('put', 0.05, F, K, T)).toBeCloseTo(
      impliedVolBlack76('put', 0.05 * F, F, K, T),
      15,
    );
  });

  it('a price at the discounted intrinsic value (incl. 0 out of the money) returns 0, not an error', () => {
    expect(impliedVolBlack76('call', df * (F - K), F, K, T, df)).toBe(0);
    expect(impliedVolBlack76('put', 0, F, K, T, df)).toBe(0);
    expect(impliedVolBlack76('call', 0, F, F * 2, T, df)).toBe(0);
    expect(impliedVolBlack76('call', 0, F, F, T, df)).toBe(0); // at the money, zero price
    // within the rounding allowance just below intrinsic
    const i = df * (F - K);
    expect(impliedVolBlack76('call', i * (1 - 2 * Number.EPSILON), F, K, T, df)).toBe(0);
  });
});

describe('impliedVolBlack76 never hangs and never returns garbage', () => {
  it('a batch of extreme inputs finishes quickly with a finite vol that reprices, or a typed error', () => {
    const Fs = [1e-300, 1e-8, 1, 65000, 1e12, 1e300];
    const ratios = [1e-9, 0.2, 1 - 1e-15, 1, 1 + 1e-15, 5, 1e9];
    const Ts = [1e-20, 1 / 525600, 1 / 8760, 1, 50, 1e6];
    const fractions = [
      0,
      5e-324,
      1e-300,
      1e-100,
      1e-16,
      1e-8,
      0.3,
      0.5,
      0.999999,
      1 - 1e-15,
      1 - 2 ** -53,
    ];
    const start = performance.now();
    let solved = 0;
    let errors = 0;
    for (const F of Fs) {
      for (const ratio of ratios) {
        const K = F * ratio;
        if (!(K > 0 && K < Infinity)) continue;
        for (const T of Ts) {
          for (const df of [1, 0.5]) {
            for (const right of ['call', 'put'] as const) {
              const intrinsic = Math.max(right === 'call' ? F - K : K - F, 0);
              const upper = right === 'call' ? F : K;
              for (const f of fractions) {
                // prices spread between the discounted intrinsic value and the upper bound
                const price = df * (intrinsic + f * (upper - intrinsic));
                try {
                  const v = impliedVolBlack76(right, price, F, K, T, df);
                  expect(Number.isFinite(v) && v >= 0, `v=${v}`).toBe(true);
                  const back = black76Price(right, F, K, T, v, df);
                  // reprices to the input's own rounding level (relative to the option's scale)
                  expect(
                    Math.abs(back - price),
                    `F=${F} K=${K} T=${T} ${right} f=${f}`,
                  ).toBeLessThanOrEqual(1e-12 * df * Math.max(F, K) + 1e-10 * price);
                  solved++;
                } catch (e) {
                  expect(e, String(e)).toBeInstanceOf(BallastError);
                  expect(['ABOVE_UPPER_BOUND', 'BELOW_INTRINSIC']).toContain(
                    (e as BallastError).code,
                  );
                  errors++;
                }
              }
            }
          }
        }
      }
    }
    const elapsed = performance.now() - start;
    expect(solved).toBeGreaterThan(3000);
    expect(errors).toBeLessThan(solved / 4);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('pricer input validation', () => {
  it('Black-76 names the bad field', () => {
    expectError(() => black76Price('call', 0, 100, 1, 0.5), 'INVALID_INPUT', 'F');
    expectError(() => black76Price('call', 100, -1, 1, 0.5), 'INVALID_INPUT', 'K');
    expectError(() => black76Price('call', 100, 100, -1, 0.5), 'INVALID_INPUT', 'T');
    expectError(() => black76Price('call', 100, 100, 1, -0.5), 'INVALID_INPUT', 'sigma');
    expectError(() => black76Greeks('put', 100, 100, 1, 0.5, 0), 'INVALID_INPUT', 'df');
    expectError(() => black76Greeks('put', NaN, 100, 1, 0.5), 'NOT_FINITE', 'F');
    expectError(() => black76Greeks('put', 100, 100, Infinity, 0.5), 'NOT_FINITE', 'T');
  });

  it('BSM, digital and barrier name the bad field', () => {
    expectError(() => bsmPrice('call', -1, 100, 1, 0, 0, 0.5), 'INVALID_INPUT', 'S');
    expectError(() => bsmPrice('call', 100, 100, 1, NaN, 0, 0.5), 'NOT_FINITE', 'r');
    expectError(
      () => digitalPrice('cash-or-nothing', 'call', 100, 100, 1, 0, Infinity, 0.5, 1),
      'NOT_FINITE',
      'q',
    );
    expectError(
      () => digitalPrice('binary' as 'cash-or-nothing', 'call', 100, 100, 1, 0, 0, 0.5, 1),
      'INVALID_INPUT',
      'payoff',
    );
    expectError(
      () => barrierPrice('down-out', 'call', 100, 100, -90, 0, 1, 0, 0, 0.5),
      'INVALID_INPUT',
      'H',
    );
    expectError(
      () => barrierPrice('down-out', 'call', 100, 100, 90, -1, 1, 0, 0, 0.5),
      'INVALID_INPUT',
      'rebate',
    );
    expectError(
      () => barrierPrice('sideways' as 'up-in', 'call', 100, 100, 90, 0, 1, 0, 0, 0.5),
      'INVALID_INPUT',
      'barrierType',
    );
    expectError(
      () => barrierPrice('down-out', 'call', 89, 100, 90, 0, 1, 0, 0, 0.5),
      'BARRIER_TOUCHED',
      'spot',
    );
  });
});
