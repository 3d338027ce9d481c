/**
 * The Deribit portfolio-margin scenario grid (Extended Risk Matrix), generated from the
 * venue's `model_params` (methodology docs/methodology/deribit-pm.md §4 standard table, §6 vol shocks, §7
 * extended table).
 *
 * - Standard table: `2n+1` price moves `m_k = (k − n)·r/n`, k = 0…2n (r = `price_range`,
 *   n = `buckets_count`), each under three vol cells, **bucket-major from the most negative
 *   move**: `index = 3k + v`. 27 scenarios for n = 4, ids `std-0` … `std-26`.
 *   (`(k − n)·r/n` is the form that reproduces Deribit's published futures vectors to the
 *   bit, W-D1/W-D2.)
 * - Vol cells [up, same, down] by default (the order is undocumented [G], configurable):
 *   `IV_up = max(IV·(1 + up·k(DTE)), min_volatility_for_shock_up)`,
 *   `IV_down = max(IV·(1 − down·k(DTE)), 0)`, `k(DTE) = (30/max(DTE, dteFloorDays))^p`,
 *   `p = short_term_vega_power` below 30 days, `long_term_vega_power` from 30 days [T].
 * - Extended table: the fixed moves −66 %, −33 %, +50 %, +100 %, +200 %, +300 %, +400 %,
 *   +500 % under vol up only, ids `ext-0` … `ext-7`, with scenario weight
 *   `extended_table_factor · r/|m|` [V list, R weights]. The coin conversion factor
 *   `(1+m)/(1 + sign(m)·r)` is settlement-dependent and applied by the margin model
 *   (`extendedCoinConversion`).
 *
 * Scenarios move only the grid's own underlying (every other underlying is unmoved): Deribit
 * builds one grid per currency pair.
 */
import { BallastError } from '../core/errors.ts';
import type { Scenario, TermStructure, UnderlyingMove, VolShock } from './scenario.ts';
import gridDefaults from './deribit-grid.json' with { type: 'json' };

/** A vol cell of a bucket: implied vol shocked up, unchanged, or down. */
export type DeribitVolCell = 'up' | 'same' | 'down';

/**
 * Grid parameters, in Deribit's units (fractions, days). The first eight mirror
 * `model_params.currency_pair` / `general` of `private/pme/simulate`; the rest are the
 * constants of `deribit-grid.json`.
 */
export interface DeribitGridParams {
  /** `price_range` r: the largest standard move, fraction (0.16 = ±16 %). */
  readonly priceRange: number;
  /** `buckets_count` n: buckets per side, so 2n+1 moves. */
  readonly bucketsCount: number;
  /** `volatility_range_up`: relative vol-up shock at 30 DTE (0.5 = +50 % of IV). */
  readonly volatilityRangeUp: number;
  /** `volatility_range_down`: relative vol-down shock at 30 DTE (0.25 = −25 % of IV). */
  readonly volatilityRangeDown: number;
  /** `min_volatility_for_shock_up`: floor on the shocked-up IV, decimal (0.5 = 50 %) [T]. */
  readonly minVolatilityForShockUp: number;
  /** `short_term_vega_power`: term-structure power below `pivotDays` DTE. */
  readonly shortTermVegaPower: number;
  /** `long_term_vega_power`: term-structure power from `pivotDays` DTE. */
  readonly longTermVegaPower: number;
  /** `extended_table_factor`: multiplies every extended weight. */
  readonly extendedTableFactor: number;
  /** Extended-table moves, fractions, in Deribit's order (default −0.66 … +5). */
  readonly extendedMoves: readonly number[];
  /** Pivot of the vol term structure, days (30). */
  readonly pivotDays: number;
  /** DTE floor before the term factor is computed, days (default 1) [G]. */
  readonly dteFloorDays: number;
  /** Order of the three vol cells inside a bucket (default up, same, down) [G]. */
  readonly volCellOrder: readonly DeribitVolCell[];
}

/** Defaults of the grid constants that are not venue `model_params` (`deribit-grid.json`). */
export const DERIBIT_GRID_DEFAULTS: Pick<
  DeribitGridParams,
  'extendedMoves' | 'pivotDays' | 'dteFloorDays' | 'volCellOrder'
> = Object.freeze({
  extendedMoves: Object.freeze([...gridDefaults.extendedMoves]),
  pivotDays: gridDefaults.pivotDays,
  dteFloorDays: gridDefaults.dteFloorDays,
  volCellOrder: Object.freeze([...gridDefaults.volCellOrder] as DeribitVolCell[]),
});

/** Which side of the grid a bucket is on (`center` = the 0 % bucket, reported side [G]). */
export type DeribitSide = 'left' | 'center' | 'right';

/** One column of the grid with what it means. */
export interface DeribitGridCell {
  /** `standard` (27 cells) or `extended` (8 cells). */
  readonly source: 'standard' | 'extended';
  /** Index within its table (0–26 standard, 0–7 extended), as in `worst_case_bucket.index`. */
  readonly index: number;
  /** Standard: bucket 1 … 2n+1 (left to right). Extended: 0 (Deribit's value is [G]). */
  readonly bucket: number;
  readonly side: DeribitSide;
  /** Price move m, fraction (−0.16 = −16 %). */
  readonly move: number;
  readonly vol: DeribitVolCell;
  /** Scenario weight: 1 (standard) or `extended_table_factor·r/|m|` (extended). */
  readonly weight: number;
  /** Coin-settlement conversion `(1+m)/(1+sign(m)·r)` for extended cells, 1 for standard. */
  readonly coinConversion: number;
}

/** The grid of one underlying: scenarios (standard then extended) aligned with `cells`. */
export interface DeribitGrid {
  readonly underlying: string;
  readonly params: DeribitGridParams;
  /** 27 standard then 8 extended scenarios (for n = 4). */
  readonly scenarios: readonly Scenario[];
  readonly cells: readonly DeribitGridCell[];
  readonly nStandard: number;
  readonly nExtended: number;
}

function check(cond: boolean, message: string, field: string): void {
  if (!cond) throw new BallastError('INVALID_INPUT', message, field);
}

/** Validates grid parameters (typed INVALID_INPUT naming the field). */
export function validateDeribitGridParams(p: DeribitGridParams, field = 'grid'): void {
  const fin = (x: number) => typeof x === 'number' && Number.isFinite(x);
  check(
    fin(p.priceRange) && p.priceRange > 0 && p.priceRange < 1,
    `must be in (0, 1), got ${p.priceRange}`,
    `${field}.price_range`,
  );
  check(
    Number.isInteger(p.bucketsCount) && p.bucketsCount >= 1,
    `must be an integer ≥ 1, got ${p.bucketsCount}`,
    `${field}.buckets_count`,
  );
  check(
    fin(p.volatilityRangeUp) && p.volatilityRangeUp >= 0,
    `must be ≥ 0, got ${p.volatilityRangeUp}`,
    `${field}.volatility_range_up`,
  );
  check(
    fin(p.volatilityRangeDown) && p.volatilityRangeDown >= 0,
    `must be ≥ 0, got ${p.volatilityRangeDown}`,
    `${field}.volatility_range_down`,
  );
  check(
    fin(p.minVolatilityForShockUp) && p.minVolatilityForShockUp >= 0,
    `must be ≥ 0, got ${p.minVolatilityForShockUp}`,
    `${field}.min_volatility_for_shock_up`,
  );
  check(
    fin(p.shortTermVegaPower),
    `must be finite, got ${p.shortTermVegaPower}`,
    `${field}.short_term_vega_power`,
  );
  check(
    fin(p.longTermVegaPower),
    `must be finite, got ${p.longTermVegaPower}`,
    `${field}.long_term_vega_power`,
  );
  check(
    fin(p.extendedTableFactor) && p.extendedTableFactor >= 0,
    `must be ≥ 0, got ${p.extendedTableFactor}`,
    `${field}.extended_table_factor`,
  );
  check(Array.isArray(p.extendedMoves), 'must be a list of moves', `${field}.extendedMoves`);
  p.extendedMoves.forEach((m, i) =>
    check(
      fin(m) && m > -1 && m !== 0,
      `must be a non-zero fraction > −1, got ${m}`,
      `${field}.extendedMoves[${i}]`,
    ),
  );
  check(
    fin(p.pivotDays) && p.pivotDays > 0,
    `must be > 0, got ${p.pivotDays}`,
    `${field}.pivotDays`,
  );
  check(
    fin(p.dteFloorDays) && p.dteFloorDays > 0,
    `must be > 0, got ${p.dteFloorDays}`,
    `${field}.dteFloorDays`,
  );
  const order = [...p.volCellOrder].sort().join(',');
  check(
    p.volCellOrder.length === 3 && order === 'down,same,up',
    'must list up, same and down once each',
    `${field}.volCellOrder`,
  );
}

/** Standard-table moves `m_k = (k − n)·r/n`, k = 0 … 2n (fractions, most negative first). */
export function deribitStandardMoves(priceRange: number, bucketsCount: number): number[] {
  const out: number[] = [];
  for (let k = 0; k <= 2 * bucketsCount; k++)
    out.push(((k - bucketsCount) * priceRange) / bucketsCount);
  return out;
}

/** Term structure `k(DTE) = (pivot/max(DTE, floor))^p` of the Deribit vol shocks (§6). */
export function deribitTermStructure(p: DeribitGridParams): TermStructure {
  return {
    pivotDays: p.pivotDays,
    shortPower: p.shortTermVegaPower,
    longPower: p.longTermVegaPower,
    dteFloorDays: p.dteFloorDays,
  };
}

/**
 * The vol shock of a cell (§6): up = relative `+volatility_range_up·k(DTE)` floored at
 * `min_volatility_for_shock_up`; same = none; down = relative `−volatility_range_down·k(DTE)`
 * (floored at 0 by `shockVol`).
 */
export function deribitVolShock(cell: DeribitVolCell, p: DeribitGridParams): VolShock {
  const term = deribitTermStructure(p);
  switch (cell) {
    case 'up':
      return {
        kind: 'relative',
        size: p.volatilityRangeUp,
        term,
        floor: p.minVolatilityForShockUp,
      };
    case 'same':
      return { kind: 'none' };
    case 'down':
      return { kind: 'relative', size: -p.volatilityRangeDown, term };
  }
}

/** Extended weight `extended_table_factor · r/|m|` (§7.1). */
export function extendedWeight(
  move: number,
  priceRange: number,
  extendedTableFactor: number,
): number {
  return (extendedTableFactor * priceRange) / Math.abs(move);
}

/**
 * Coin conversion of an extended P&L, `(1+m)/(1 + sign(m)·r)` (§7.1): re-expresses a coin
 * P&L measured at the shocked price as coin at the range-edge price.
 */
export function extendedCoinConversion(move: number, priceRange: number): number {
  return (1 + move) / (1 + Math.sign(move) * priceRange);
}

/** A move as a percentage label: `−16%`, `+13.5%`, `0%` (Unicode minus). */
export function formatMove(move: number): string {
  const pct = Number((move * 100).toPrecision(12));
  if (pct === 0) return '0%';
  return `${pct < 0 ? '−' : '+'}${Math.abs(pct)}%`;
}

function label(underlying: string, move: number, vol: DeribitVolCell): string {
  return `${underlying} ${formatMove(move)}, vol ${vol}`;
}

/**
 * Builds the Deribit grid of `underlying` (docs/methodology/deribit-pm.md §4, §6, §7): `2n+1` buckets × 3 vol
 * cells bucket-major from the most negative move (`std-*`), then the extended moves under vol
 * up (`ext-*`). Each scenario moves only `underlying` and carries its weight (1 standard,
 * `factor·r/|m|` extended) and group (`standard` / `extended`); `cells` says what each is.
 * Validates `params` first; errors name `field` (the caller's path to the parameters).
 */
export function deribitGrid(
  underlying: string,
  params: DeribitGridParams,
  field = 'grid',
): DeribitGrid {
  validateDeribitGridParams(params, field);
  const n = params.bucketsCount;
  const r = params.priceRange;
  const scenarios: Scenario[] = [];
  const cells: DeribitGridCell[] = [];
  const moveOf = (m: number, vol: DeribitVolCell): UnderlyingMove => ({
    spotMultiplier: 1 + m,
    vol: deribitVolShock(vol, params),
  });
  deribitStandardMoves(r, n).forEach((m, k) => {
    params.volCellOrder.forEach((vol, v) => {
      const index = 3 * k + v;
      const side: DeribitSide = k < n ? 'left' : k > n ? 'right' : 'center';
      cells.push({
        source: 'standard',
        index,
        bucket: k + 1,
        side,
        move: m,
        vol,
        weight: 1,
        coinConversion: 1,
      });
      scenarios.push({
        id: `std-${index}`,
        label: label(underlying, m, vol),
        moves: { [underlying]: moveOf(m, vol) },
        weight: 1,
        timeShiftDays: 0,
        group: 'standard',
      });
    });
  });
  const nStandard = scenarios.length;
  params.extendedMoves.forEach((m, index) => {
    const weight = extendedWeight(m, r, params.extendedTableFactor);
    cells.push({
      source: 'extended',
      index,
      bucket: 0,
      side: m < 0 ? 'left' : 'right',
      move: m,
      vol: 'up',
      weight,
      coinConversion: extendedCoinConversion(m, r),
    });
    scenarios.push({
      id: `ext-${index}`,
      label: label(underlying, m, 'up'),
      moves: { [underlying]: moveOf(m, 'up') },
      weight,
      timeShiftDays: 0,
      group: 'extended',
    });
  });
  return {
    underlying,
    params,
    scenarios,
    cells,
    nStandard,
    nExtended: scenarios.length - nStandard,
  };
}
