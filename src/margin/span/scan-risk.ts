/**
 * SPAN risk arrays and scan risk (docs/methodology/span-tims.md §1.1, §1.3).
 *
 * A risk array is, for one long contract (here one unit = one coin), the value change under
 * each risk scenario over the look-ahead, **losses positive, gains negative** (CME
 * convention), already multiplied by the scenario weight (0.35 for the extremes). The scan
 * risk of a combined commodity is the largest loss of the signed position-weighted sum:
 *
 *     scan_risk = max(0, max_s Σ_j q_j · array_j[s])
 *
 * The floor at zero is [I] (switchable; the conservative reading floors, so a book that gains
 * in every scenario does not earn a negative requirement).
 */
import type { Scenario } from '../../scenarios/scenario.ts';
import type { UsdBook } from '../clearing/usd-book.ts';

/**
 * Loss-positive, weighted risk arrays of every row of a USD book (USD per unit):
 * `array[i, s] = −weight_s · usdPnl[i, s]`, row-major like the book.
 */
export function riskArrays(book: UsdBook, scenarios: readonly Scenario[]): Float64Array {
  const nS = book.nScenarios;
  const out = new Float64Array(book.usdPnl.length);
  for (let i = 0; i < book.positions.length; i++) {
    for (let s = 0; s < nS; s++) {
      const v = -scenarios[s]!.weight * book.usdPnl[i * nS + s]!;
      out[i * nS + s] = v === 0 ? 0 : v;
    }
  }
  return out;
}

/** Scan risk of a set of positions and where it came from. */
export interface ScanRisk {
  /** The scan risk (≥ 0 when floored), in the arrays' currency. */
  readonly risk: number;
  /** Index of the scenario with the largest loss (lowest index on ties). */
  readonly scenarioIndex: number;
  /** Σ_j q_j · array_j[s] per scenario (loss positive, weighted). */
  readonly portfolioArray: number[];
  /** True if the floor at zero raised the result (every scenario a gain). */
  readonly floored: boolean;
}

/**
 * SPAN scan risk (notes §1.3) from loss-positive weighted arrays (one per position, all the
 * same length) and signed position sizes (short negative): the largest value of the
 * position-weighted sum, floored at 0 unless `floorAtZero` is false.
 */
export function scanRisk(
  arrays: readonly ArrayLike<number>[],
  sizes: ArrayLike<number>,
  floorAtZero = true,
): ScanRisk {
  const n = arrays[0]?.length ?? 0;
  const total = new Array<number>(n).fill(0);
  arrays.forEach((a, j) => {
    const q = sizes[j]!;
    for (let s = 0; s < n; s++) total[s] = total[s]! + q * a[s]!;
  });
  let best = -1;
  let worst = -Infinity;
  for (let s = 0; s < n; s++) {
    if (total[s]! > worst) {
      worst = total[s]!;
      best = s;
    }
  }
  if (best < 0) return { risk: 0, scenarioIndex: -1, portfolioArray: total, floored: false };
  const floored = floorAtZero && worst < 0;
  return { risk: floored ? 0 : worst, scenarioIndex: best, portfolioArray: total, floored };
}

/** The standard-SPAN split of a scan risk used by the spread steps (notes §1.3, [I]). */
export interface ScanDecomposition {
  /** Average loss of the unchanged-price scenarios (SPAN scenarios 1 and 2). */
  readonly timeRisk: number;
  /** Half the difference between the worst scenario and its opposite-vol pair (0 if unpaired). */
  readonly volatilityRisk: number;
  /** scan − time − volatility risk. */
  readonly priceRisk: number;
}

/** Rows as the decomposition needs them: price move (× PSR), vol multiplier, weight. */
export interface DecompositionRow {
  readonly priceMove: number;
  readonly volMultiplier: number;
  readonly weight: number;
}

/**
 * Time / volatility / price risk of a scan (notes §1.3, standard SPAN, [I]): time risk =
 * mean loss over the rows with no price move; volatility risk = half the absolute difference
 * between the worst row and the row with the same price move and weight and the opposite vol
 * multiplier (0 for unpaired rows such as the extremes, or a floored scan); price risk = the
 * rest.
 */
export function scanDecomposition(
  scan: ScanRisk,
  rows: readonly DecompositionRow[],
): ScanDecomposition {
  const arr = scan.portfolioArray;
  let sum = 0;
  let count = 0;
  rows.forEach((r, s) => {
    if (r.priceMove === 0) {
      sum += arr[s]!;
      count++;
    }
  });
  const timeRisk = count > 0 ? sum / count : 0;
  let volatilityRisk = 0;
  const w = rows[scan.scenarioIndex];
  if (w && !scan.floored && w.volMultiplier !== 0) {
    const pair = rows.findIndex(
      (r) =>
        r.priceMove === w.priceMove &&
        r.weight === w.weight &&
        r.volMultiplier === -w.volMultiplier,
    );
    if (pair >= 0) volatilityRisk = Math.abs(arr[scan.scenarioIndex]! - arr[pair]!) / 2;
  }
  return { timeRisk, volatilityRisk, priceRisk: scan.risk - timeRisk - volatilityRisk };
}
