/**
 * The SPAN scenario grid (methodology notes docs/methodology/span-tims.md §1.2): for each combined commodity a
 * price scan range (PSR) and a volatility scan range (VSR); 14 scenarios move the price by
 * 0, ±1/3, ±2/3, ±1 × PSR with vol up and down by the VSR, and two extreme scenarios move it
 * by ±2 × PSR with vol unchanged, of which only 35 % of the P&L counts (the scenario's
 * `weight`; the P&L matrix itself stays unweighted).
 *
 * The table is data (`span-scenarios.json`, the CME "Risk Scenarios" report form: price
 * numerator/denominator, vol multiplier, weight), not hard-coded: some exchanges choose other
 * extremes (notes §1.2, [I]). Pass another table to `spanScenarios` to change them.
 *
 * PSR is a fraction of each instrument's own price (futures and options move on the
 * expiry's forward × (1 + move), spot and perpetuals on their mark); a CME-style PSR in price
 * points converts as `points / price`. Every scenario advances time by the look-ahead
 * (`lookAheadDays`, SPAN: one trading day; for 24/7 crypto we use one calendar day, ours).
 */
import { BallastError } from '../core/errors.ts';
import type { Scenario, UnderlyingMove, VolShock } from './scenario.ts';
import table from './span-scenarios.json' with { type: 'json' };

/** One row of a SPAN scenario table (CME "Risk Scenarios" report form). */
export interface SpanScenarioRow {
  /** Price move numerator: the move is `priceNumerator / priceDenominator × PSR`. */
  readonly priceNumerator: number;
  /** Price move denominator (> 0). */
  readonly priceDenominator: number;
  /** Vol move as a multiple of the VSR: +1 up, −1 down, 0 unchanged. */
  readonly volMultiplier: number;
  /** Fraction of the scenario's P&L counted (1; 0.35 for the standard extremes). */
  readonly weight: number;
}

/**
 * The 16 standard SPAN scenarios (notes §1.2): rows 1–14 the pairs (0, ±1/3, ±2/3, ±1 PSR) ×
 * (vol up, vol down), rows 15–16 the extremes ±2 PSR, vol unchanged, weight 0.35.
 */
export const SPAN_STANDARD_SCENARIOS: readonly SpanScenarioRow[] = table.rows;

/** Vol scan range of one combined commodity. */
export interface SpanVolScanRange {
  /**
   * `absolute`: σ' = σ ± size (vol points as decimals, 0.08 = 8 points; CME style);
   * `relative`: σ' = σ·(1 ± size) (NSE style, "25 % of annualised vol").
   */
  readonly kind: 'absolute' | 'relative';
  /** VSR size (≥ 0), decimal. */
  readonly size: number;
}

/** Scan ranges of one combined commodity (all futures and options on one underlying coin). */
export interface SpanScanRanges {
  /** PSR as a fraction of the instrument's price (0.15 = ±15 %). Extremes × PSR must stay > −100 %. */
  readonly priceScanRange: number;
  readonly volScanRange: SpanVolScanRange;
  /** Floor on the shocked implied vol (decimal), so a vol-down scenario never prices at σ ≤ 0. */
  readonly volFloor?: number;
}

/** Options of `spanScenarios`. */
export interface SpanGridOptions {
  /** Look-ahead time every scenario applies, calendar days (default 1). */
  readonly lookAheadDays?: number;
  /** Scenario table (default `SPAN_STANDARD_SCENARIOS`). */
  readonly rows?: readonly SpanScenarioRow[];
}

/** Price move of a row as a multiple of the PSR (e.g. 1/3, −2). */
export function spanPriceMove(row: SpanScenarioRow): number {
  return row.priceNumerator / row.priceDenominator;
}

function fraction(row: SpanScenarioRow): string {
  const { priceNumerator: n, priceDenominator: d } = row;
  if (n === 0) return '0';
  const sign = n > 0 ? '+' : '−';
  const a = Math.abs(n);
  return d === 1 ? `${sign}${a}` : `${sign}${a}/${d}`;
}

/** Human label of a row, e.g. `+1/3 PSR, vol up` or `−2 PSR, vol unch (35 %)`. */
export function spanRowLabel(row: SpanScenarioRow): string {
  const vol = row.volMultiplier > 0 ? 'vol up' : row.volMultiplier < 0 ? 'vol down' : 'vol unch';
  const w = row.weight === 1 ? '' : ` (${+(row.weight * 100).toFixed(6)} %)`;
  return `${fraction(row)} PSR, ${vol}${w}`;
}

function validateRow(row: SpanScenarioRow, i: number): void {
  const f = `rows[${i}]`;
  for (const k of ['priceNumerator', 'priceDenominator', 'volMultiplier', 'weight'] as const) {
    if (!Number.isFinite(row[k]))
      throw new BallastError(
        'NOT_FINITE',
        `must be a finite number, got ${String(row[k])}`,
        `${f}.${k}`,
      );
  }
  if (!(row.priceDenominator > 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be > 0, got ${row.priceDenominator}`,
      `${f}.priceDenominator`,
    );
  if (!(row.weight >= 0))
    throw new BallastError('INVALID_INPUT', `must be >= 0, got ${row.weight}`, `${f}.weight`);
}

/** The vol shock of `ranges` for a vol multiplier (−1, 0, +1, ...). */
export function spanVolShock(ranges: SpanScanRanges, volMultiplier: number): VolShock {
  if (volMultiplier === 0 || ranges.volScanRange.size === 0) return { kind: 'none' };
  const size = volMultiplier * ranges.volScanRange.size;
  return ranges.volFloor === undefined
    ? { kind: ranges.volScanRange.kind, size }
    : { kind: ranges.volScanRange.kind, size, floor: ranges.volFloor };
}

/**
 * The SPAN scenarios for a set of combined commodities (keyed by underlying coin), one
 * `Scenario` per table row, in table order (ids `span-1` … `span-16`). Each scenario moves
 * every listed underlying by its own PSR/VSR; unlisted underlyings do not move (callers must
 * list every underlying they revalue). Throws INVALID_INPUT for a non-positive price
 * multiplier, a negative VSR or a malformed row.
 */
export function spanScenarios(
  commodities: Readonly<Record<string, SpanScanRanges>>,
  options: SpanGridOptions = {},
): Scenario[] {
  const rows = options.rows ?? SPAN_STANDARD_SCENARIOS;
  const lookAhead = options.lookAheadDays ?? 1;
  if (!(Number.isFinite(lookAhead) && lookAhead >= 0))
    throw new BallastError(
      'INVALID_INPUT',
      `must be finite and >= 0, got ${lookAhead}`,
      'lookAheadDays',
    );
  rows.forEach(validateRow);
  for (const [u, r] of Object.entries(commodities)) {
    if (!(Number.isFinite(r.priceScanRange) && r.priceScanRange >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${r.priceScanRange}`,
        `${u}.priceScanRange`,
      );
    if (!(Number.isFinite(r.volScanRange.size) && r.volScanRange.size >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be finite and >= 0, got ${r.volScanRange.size}`,
        `${u}.volScanRange.size`,
      );
    if (r.volScanRange.kind !== 'absolute' && r.volScanRange.kind !== 'relative')
      throw new BallastError(
        'INVALID_INPUT',
        `must be 'absolute' or 'relative', got ${String(r.volScanRange.kind)}`,
        `${u}.volScanRange.kind`,
      );
  }
  return rows.map((row, k) => {
    const moves: Record<string, UnderlyingMove> = {};
    for (const [u, r] of Object.entries(commodities)) {
      const spotMultiplier = 1 + spanPriceMove(row) * r.priceScanRange;
      if (!(spotMultiplier > 0)) {
        throw new BallastError(
          'INVALID_INPUT',
          `a ${fraction(row)} PSR move with PSR ${r.priceScanRange} takes the price to or below zero`,
          `${u}.priceScanRange`,
        );
      }
      moves[u] = { spotMultiplier, vol: spanVolShock(r, row.volMultiplier) };
    }
    const extreme = row.volMultiplier === 0 && Math.abs(spanPriceMove(row)) > 1;
    return {
      id: `span-${k + 1}`,
      label: spanRowLabel(row),
      moves,
      weight: row.weight,
      timeShiftDays: lookAhead,
      group: extreme ? 'extreme' : 'standard',
    };
  });
}
