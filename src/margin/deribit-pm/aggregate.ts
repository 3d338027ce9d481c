/**
 * Deribit PM aggregation and worst case (docs/methodology/deribit-pm.md §7.2, §8, §9):
 * pre-aggregated vectors → gain offset (`pnl_offset`, `max_offsetable_pnl` cap) and the
 * extended-table dampener → `aggregated_risk_vectors` → worst case with Deribit's tie-break.
 */
import type { DeribitGridCell, DeribitSide } from '../../scenarios/deribit-grid.ts';
import type { DeribitPmCurrency, DeribitPmRules } from './params.ts';

/**
 * Dampener allowance of an extended cell in the pool currency (§7.2):
 * `allowance_usd = (max(|m|/r, 1) − 1) · extended_dampener`; coin pools convert it at the
 * range-edge price `(1 + sign(m)·r)·S0` (S0 = index, [I]); USD pools use it as is [I].
 */
export function dampenerAllowance(
  move: number,
  priceRange: number,
  extendedDampenerUsd: number,
  indexUsd: number,
  coinSettled: boolean,
): number {
  const usd = (Math.max(Math.abs(move) / priceRange, 1) - 1) * extendedDampenerUsd;
  return coinSettled ? usd / ((1 + Math.sign(move) * priceRange) * indexUsd) : usd;
}

/** Inputs of `aggregateVectors`. */
export interface AggregationInput {
  readonly pre: Float64Array;
  readonly cells: readonly DeribitGridCell[];
  readonly currency: DeribitPmCurrency;
  readonly rules: DeribitPmRules;
  /** S0 of the key's underlying, USD. */
  readonly index: number;
  readonly priceRange: number;
  readonly coinSettled: boolean;
}

/** Aggregated vector and which hypotheses changed it. */
export interface AggregationResult {
  readonly aggregated: Float64Array;
  /** Allowance per cell in the pool currency (0 for standard cells). */
  readonly allowances: Float64Array;
  /** The credited-gain cap, pool currency, under the chosen unit reading. */
  readonly gainCap: number;
  /** The `max_offsetable_pnl` cap changed a credited gain under some reading (§8) [I]. */
  readonly gainCapMatters: boolean;
  /** An extended gain exceeded its allowance, so rules (a) and (b) of §7.2 differ [I]. */
  readonly extendedGainBeyondAllowance: boolean;
}

/** `pnl_offset · min(gain, cap)` or `min(pnl_offset · gain, cap)` (§8, `gainCapOrder`). */
function credit(
  gain: number,
  offset: number,
  cap: number,
  order: DeribitPmRules['gainCapOrder'],
): number {
  return order === 'before-offset' ? offset * Math.min(gain, cap) : Math.min(offset * gain, cap);
}

/**
 * Aggregates one key's pre-aggregated vector (§7.2, §8): losses unchanged; gains credited at
 * `pnl_offset` with the `max_offsetable_pnl` cap; extended entries first dampened
 * (`min(0, x + a)` for losses; gains `max(0, x − a)` or 0 per `dampenerGains`) then credited.
 */
export function aggregateVectors(inp: AggregationInput): AggregationResult {
  const { pre, cells, currency, rules } = inp;
  const n = pre.length;
  const out = new Float64Array(n);
  const allowances = new Float64Array(n);
  const off = currency.pnl_offset;
  const capSettlement = currency.max_offsetable_pnl;
  const capUsd = inp.coinSettled
    ? currency.max_offsetable_pnl / inp.index
    : currency.max_offsetable_pnl;
  const cap = rules.gainCapUnit === 'usd' ? capUsd : capSettlement;
  let gainCapMatters = false;
  let extendedGainBeyondAllowance = false;
  const creditChecked = (g: number): number => {
    const v = credit(g, off, cap, rules.gainCapOrder);
    const readings = [
      credit(g, off, capUsd, 'before-offset'),
      credit(g, off, capUsd, 'after-offset'),
      credit(g, off, capSettlement, 'before-offset'),
      credit(g, off, capSettlement, 'after-offset'),
    ];
    if (readings.some((x) => x !== off * g)) gainCapMatters = true;
    return v;
  };
  for (let c = 0; c < n; c++) {
    const cell = cells[c]!;
    let x = pre[c]!;
    if (cell.source === 'extended') {
      const a = dampenerAllowance(
        cell.move,
        inp.priceRange,
        currency.extended_dampener,
        inp.index,
        inp.coinSettled,
      );
      allowances[c] = a;
      if (x < 0) x = Math.min(0, x + a);
      else if (x > 0) {
        if (x > a) extendedGainBeyondAllowance = true;
        x = rules.dampenerGains === 'sign-aware' ? Math.max(0, x - a) : 0;
      }
    }
    out[c] = x > 0 ? creditChecked(x) + 0 : x + 0;
  }
  return { aggregated: out, allowances, gainCap: cap, gainCapMatters, extendedGainBeyondAllowance };
}

/** `worst_case_bucket` of `pme/simulate` (§9). */
export interface WorstCaseBucket {
  /** Index within its table (0–26 standard, 0–7 extended). */
  readonly index: number;
  readonly source: 'standard' | 'extended';
  /** Standard bucket 1 … 2n+1; extended 0 (Deribit's value [G]). */
  readonly bucket: number;
  /** `center` for the 0 % bucket (Deribit's value [G]). */
  readonly side: DeribitSide;
}

/** The worst case of an aggregated vector and where it is. */
export interface WorstCase {
  /** `max(0, −min(aggregated))`, pool currency. */
  readonly worstCase: number;
  /** The reported cell's position in the full (standard then extended) vector. */
  readonly cell: number;
  readonly bucket: WorstCaseBucket;
  /**
   * True if the minimum is attained by several cells other than exactly the three vol cells of
   * one bucket (the one tie pattern the samples pin down), while the worst case is > 0.
   */
  readonly ambiguousTie: boolean;
}

/**
 * Worst case with Deribit's tie-break (§9, [I] reproducing both samples): the minimum over
 * standard then extended entries; if the middle vol cell of the first minimising standard
 * bucket attains it, that cell is reported, else the lowest index.
 */
export function worstCaseOf(
  aggregated: Float64Array,
  cells: readonly DeribitGridCell[],
): WorstCase {
  let min = Infinity;
  let first = -1;
  for (let c = 0; c < aggregated.length; c++) {
    if (aggregated[c]! < min) {
      min = aggregated[c]!;
      first = c;
    }
  }
  if (first < 0) throw new RangeError('empty risk vector');
  let chosen = first;
  const cell = cells[first]!;
  if (cell.source === 'standard') {
    const middle = first - (cell.index % 3) + 1;
    if (aggregated[middle] === min && cells[middle]?.source === 'standard') chosen = middle;
  }
  const attaining: number[] = [];
  for (let c = 0; c < aggregated.length; c++) if (aggregated[c] === min) attaining.push(c);
  const c0 = cells[attaining[0]!]!;
  const oneBucket =
    attaining.length === 3 &&
    attaining.every(
      (c) =>
        cells[c]!.source === 'standard' &&
        cells[c]!.bucket === c0.bucket &&
        c0.source === 'standard',
    );
  const worstCase = Math.max(0, -min) + 0;
  const ch = cells[chosen]!;
  return {
    worstCase,
    cell: chosen,
    bucket: { index: ch.index, source: ch.source, bucket: ch.bucket, side: ch.side },
    ambiguousTie: worstCase > 0 && attaining.length > 1 && !oneBucket,
  };
}
