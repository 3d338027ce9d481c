/**
 * A small market risk model (annualised vol per underlying and a correlation matrix) read from
 * the snapshot when no history is given: what the Monte Carlo margin models, liquidation
 * distances in σ, the joint-move direction and contagion use by default.
 *
 * - Vol: the at-the-money implied vol of the snapshot's surface at a tenor (default 30 days):
 *   `σ = √(w(0, T)/T)` with `w` the interpolated SVI total variance at log-moneyness 0 against
 *   the forward of that tenor (src/market/vol-surface.ts).
 * - Correlation: `DEFAULT_CRYPTO_CORRELATION` (0.8) between every pair of distinct coins. It is
 *   a documented default, not a measurement of today's market: BTC–ETH daily log returns in
 *   the bundled Bitfinex history (data/crypto-ohlc/bitfinex_BTC_ETH_USD_d.csv) correlate at
 *   0.83 over 2018-01 → 2020-01 and 0.59 over 2016-05 → 2020-01. Results that use it list
 *   `DEFAULT_CORRELATION_NOTE` in `unverified`; pass a correlation (or history) to replace it.
 */
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY } from '../core/time.ts';
import { forwardAt } from './forwards.ts';
import { underlyingMarket } from './marks.ts';
import type { MarketSnapshot } from './snapshot.ts';
import { impliedVolAt } from './vol-surface.ts';

/** Default correlation between two distinct crypto underlyings (see module doc). */
export const DEFAULT_CRYPTO_CORRELATION = 0.8;

/** Default tenor (days) at which the ATM implied vol is read. */
export const DEFAULT_VOL_TENOR_DAYS = 30;

/** The `unverified` note of results that use the default correlation. */
export const DEFAULT_CORRELATION_NOTE = `default-correlation: ${DEFAULT_CRYPTO_CORRELATION} between every pair of distinct underlyings (not measured from today's market; BTC–ETH daily 2018–2020 in the bundled history: 0.83) [G]`;

/** The `unverified` note of results whose vols are ATM implied vols used as return vols. */
export const ATM_VOL_NOTE = `atm-vol: return vol of each underlying taken as the snapshot's ${DEFAULT_VOL_TENOR_DAYS}-day ATM implied vol (risk-neutral, not a forecast of realised vol) [I]`;

/** Annualised vols and their correlation for a list of underlyings, with where they came from. */
export interface MarketRiskModel {
  readonly underlyings: readonly string[];
  /** Annualised vols (decimals), aligned with `underlyings`. */
  readonly vols: readonly number[];
  /** Correlation matrix, row-major `n × n`, aligned with `underlyings`. */
  readonly correlation: readonly (readonly number[])[];
  /** `atm-implied` (snapshot), `history` or `input`. */
  readonly volSource: string;
  /** `default`, `history` or `input`. */
  readonly correlationSource: string;
}

/**
 * ATM implied vol of `underlying` at `tenorDays` from the snapshot's surface. Throws MISSING_VOL
 * if the underlying has no surface (fail closed: no vol, no σ).
 */
export function atmImpliedVol(
  snapshot: MarketSnapshot,
  underlying: string,
  tenorDays = DEFAULT_VOL_TENOR_DAYS,
): number {
  const u = underlyingMarket(snapshot, underlying, `underlyings.${underlying}`);
  if (u.surface.length === 0)
    throw new BallastError(
      'MISSING_VOL',
      `no volatility surface for ${underlying}: give its vol (or a price history) to size its moves`,
      `underlyings.${underlying}.surface`,
    );
  const expiryMs = snapshot.asOfMs + tenorDays * MS_PER_DAY;
  const F = forwardAt(u, expiryMs, snapshot.asOfMs, `underlyings.${underlying}.forwards`);
  const vol = impliedVolAt(u.surface, F, F, tenorDays / 365);
  if (!(Number.isFinite(vol) && vol > 0))
    throw new BallastError(
      'INVALID_VOL',
      `ATM implied vol is ${vol}`,
      `underlyings.${underlying}.surface`,
    );
  return vol;
}

/** A constant-correlation matrix of size n (1 on the diagonal, `rho` elsewhere). */
export function constantCorrelation(n: number, rho = DEFAULT_CRYPTO_CORRELATION): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : rho)),
  );
}

/**
 * The snapshot's risk model for `underlyings` (sorted, de-duplicated): ATM implied vols at
 * `tenorDays` (or `vols` given per underlying) and a correlation matrix (`correlation` given, or
 * the constant default). Validates sizes, the unit diagonal, symmetry and |ρ| ≤ 1.
 */
export function snapshotRiskModel(
  snapshot: MarketSnapshot,
  underlyings: readonly string[],
  options: {
    readonly tenorDays?: number;
    readonly vols?: Readonly<Record<string, number>>;
    readonly correlation?: readonly (readonly number[])[];
  } = {},
): MarketRiskModel {
  const names = [...new Set(underlyings)].sort();
  const given = options.vols ?? {};
  const vols = names.map((n) => {
    const v = given[n];
    if (v === undefined) return atmImpliedVol(snapshot, n, options.tenorDays);
    if (!(Number.isFinite(v) && v > 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be a vol > 0 (decimal, annualised), got ${v}`,
        `vols.${n}`,
      );
    return v;
  });
  const correlation = options.correlation ?? constantCorrelation(names.length);
  validateCorrelation(correlation, names.length, 'correlation');
  const anyGiven = names.some((n) => given[n] !== undefined);
  return {
    underlyings: names,
    vols,
    correlation,
    volSource: anyGiven
      ? names.every((n) => given[n] !== undefined)
        ? 'input'
        : `input + ATM implied vol at ${options.tenorDays ?? DEFAULT_VOL_TENOR_DAYS} days (snapshot)`
      : `ATM implied vol at ${options.tenorDays ?? DEFAULT_VOL_TENOR_DAYS} days (snapshot)`,
    correlationSource: options.correlation ? 'input' : names.length > 1 ? 'default' : 'trivial',
  };
}

/** Checks a correlation matrix: n × n, unit diagonal, symmetric, entries in [−1, 1]. */
export function validateCorrelation(
  c: readonly (readonly number[])[],
  n: number,
  field: string,
): void {
  if (!Array.isArray(c) || c.length !== n)
    throw new BallastError('INVALID_INPUT', `must be a ${n} × ${n} matrix`, field);
  for (let i = 0; i < n; i++) {
    const row = c[i];
    if (!Array.isArray(row) || row.length !== n)
      throw new BallastError('INVALID_INPUT', `must have ${n} entries`, `${field}[${i}]`);
    for (let j = 0; j < n; j++) {
      const x = row[j]!;
      if (!(Number.isFinite(x) && Math.abs(x) <= 1 + 1e-12))
        throw new BallastError(
          'INVALID_INPUT',
          `must be in [−1, 1], got ${x}`,
          `${field}[${i}][${j}]`,
        );
      if (i === j && Math.abs(x - 1) > 1e-12)
        throw new BallastError(
          'INVALID_INPUT',
          `diagonal must be 1, got ${x}`,
          `${field}[${i}][${j}]`,
        );
      if (Math.abs(x - c[j]![i]!) > 1e-12)
        throw new BallastError('INVALID_INPUT', `must be symmetric`, `${field}[${i}][${j}]`);
    }
  }
}

/** Daily covariance of log returns: `Σ_ij = ρ_ij σ_i σ_j · (horizonDays / 365)`. */
export function covarianceOf(m: MarketRiskModel, horizonDays = 1): number[][] {
  const h = horizonDays / 365;
  return m.correlation.map((row, i) => row.map((rho, j) => rho * m.vols[i]! * m.vols[j]! * h));
}
