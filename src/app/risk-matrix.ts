/**
 * The spot × vol scenario grid of a Deribit PM result, for the dashboard's heatmap: the
 * standard risk matrix (docs/methodology/deribit-pm.md §5: 9 spot moves × 3 vol states) of each vector key,
 * the aggregated P&L of each cell in the pool currency (`pme/simulate`
 * `aggregated_risk_vectors[key].standard`) and the cell that set the margin
 * (`worst_case_bucket`). Models without such a grid: UNSUPPORTED.
 */
import { BallastError } from '../core/errors.ts';
import type { MarginResult } from '../margin/margin-result.ts';

/** One key's grid: `pnl[v][m]` is the P&L at vol state `volStates[v]` and spot move `spotMoves[m]`. */
export interface RiskMatrixGrid {
  readonly key: string;
  readonly underlying: string;
  readonly currency: string;
  /** Spot moves as fractions (−0.16 = −16 %), ascending. */
  readonly spotMoves: number[];
  readonly volStates: string[];
  readonly pnl: (number | null)[][];
  /** The cell that set the scenario margin (null when it is in the extended table). */
  readonly worst: { move: number; vol: string; pnl: number; id: string } | null;
}

interface Cell {
  source: string;
  index: number;
  move: number;
  vol: string;
  id: string;
}
interface KeyDetail {
  key: string;
  underlying: string;
  cells: Cell[];
  worstCaseBucket: { index: number; source: string };
}
interface PmDetails {
  keys?: KeyDetail[];
  simulate?: { aggregated_risk_vectors?: Record<string, { standard: number[] }> };
}

const VOL_ORDER = ['up', 'same', 'down'];

/** The grids of every pool and key of a Deribit PM result (see module doc). */
export function riskMatrixGrids(pools: readonly MarginResult[]): RiskMatrixGrid[] {
  const out: RiskMatrixGrid[] = [];
  for (const pool of pools) {
    const d = pool.details as PmDetails | undefined;
    const vectors = d?.simulate?.aggregated_risk_vectors;
    if (!d?.keys || !vectors)
      throw new BallastError(
        'UNSUPPORTED',
        `the ${pool.model} model has no spot × vol risk matrix (use deribit-pm)`,
        'model',
      );
    for (const k of d.keys) {
      const std = k.cells.filter((c) => c.source === 'standard');
      const spotMoves = [...new Set(std.map((c) => c.move))].sort((a, b) => a - b);
      const volStates = VOL_ORDER.filter((v) => std.some((c) => c.vol === v));
      const values = vectors[k.key]?.standard ?? [];
      const pnl = volStates.map(() => spotMoves.map((): number | null => null));
      for (const c of std)
        pnl[volStates.indexOf(c.vol)]![spotMoves.indexOf(c.move)] = values[c.index] ?? null;
      const w = k.worstCaseBucket;
      const wc = w.source === 'standard' ? std.find((c) => c.index === w.index) : undefined;
      out.push({
        key: k.key,
        underlying: k.underlying,
        currency: pool.currency,
        spotMoves,
        volStates,
        pnl,
        worst: wc ? { move: wc.move, vol: wc.vol, pnl: values[wc.index] ?? NaN, id: wc.id } : null,
      });
    }
  }
  return out;
}
