/**
 * A USD revaluation book for the clearing-house style models (SPAN, TIMS: one USD pool;
 * docs/methodology/span-tims.md, "units: contract currency / USD").
 *
 * Positions are in canonical order (by symbol). The P&L matrix is built once with inverse
 * options valued as `(V1_usd − V0_usd)/F1` coin (OPT-B), and every coin-settled (inverse)
 * P&L is converted to USD at the instrument's scenario price `F1 = F0 × mult` (forward for
 * dated products, perp mark for perpetuals). That makes the USD P&L of an inverse product
 * exactly that of its USD-settled twin: inverse futures `F0·(mult − 1)` per coin, inverse
 * options `V1_usd − V0_usd` (our reading of coin products in a USD pool: the coin P&L is
 * converted at the scenario's price; listed by the models in `unverified`). Linear products
 * settle in a USD-like currency (USD, USDC, USDT at 1); spot P&L is USD by construction.
 *
 * Equity of the pool = collateral in USD at the index less the (initial, i.e. larger) haircuts
 * (`crossCollateralUsd`; collateral does not move in the scenarios: haircuts cover it)
 * + positions marked in their settlement currency (`positionsValue`) converted at the index.
 */
import { BallastError } from '../../core/errors.ts';
import { isUsdLike } from '../../core/currency.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import {
  crossCollateralUsd,
  NO_HAIRCUTS,
  usdPrice,
  type HaircutTable,
} from '../../risk/collateral.ts';
import { positionsValue } from '../../risk/equity.ts';
import { buildPnlMatrix, type PnlMatrix } from '../../risk/pnl-matrix.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { moveFor, type Scenario } from '../../scenarios/scenario.ts';
import { canonicalPositions } from '../book.ts';
import { isOptionLike } from '../../instruments/instrument.ts';

/** Positions with their per-unit USD P&L under a scenario list. */
export interface UsdBook {
  /** Positions in canonical order (by symbol). */
  readonly positions: readonly Position[];
  /** The underlying matrix (settlement-currency P&L, OPT-B for inverse options). */
  readonly matrix: PnlMatrix;
  readonly sizes: Float64Array;
  /** Per-unit USD P&L, row-major `usdPnl[i * nScenarios + s]`, unweighted. */
  readonly usdPnl: Float64Array;
  readonly nScenarios: number;
  /** USD per unit of settlement currency used to mark each position now (1 or the index). */
  readonly markConversion: readonly number[];
  /** True if any position is coin-settled (inverse). */
  readonly hasInverse: boolean;
}

/** True if the USD P&L of `p` needs a conversion from coin (inverse settlement, not spot). */
function isInverse(p: Position): boolean {
  return p.instrument.kind !== 'spot' && p.instrument.settlement === 'inverse';
}

/** Builds the USD book of `positions` under `scenarios` (see module doc). */
export function buildUsdBook(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  scenarios: readonly Scenario[],
): UsdBook {
  const sorted = canonicalPositions(positions);
  sorted.forEach((p, i) => {
    const inst = p.instrument;
    if (
      inst.kind !== 'spot' &&
      inst.settlement === 'linear' &&
      !isUsdLike(inst.settlementCurrency)
    ) {
      throw new BallastError(
        'UNSUPPORTED',
        `linear products settled in ${inst.settlementCurrency} cannot be margined in a USD pool`,
        `positions[${i}].instrument`,
      );
    }
    if (!Number.isFinite(p.size))
      throw new BallastError('NOT_FINITE', 'size must be a finite number', `positions[${i}].size`);
  });
  const matrix = buildPnlMatrix(
    sorted.map((p) => p.instrument),
    snapshot,
    scenarios,
    { inverseOptionPnl: 'usd-at-shocked' },
  );
  const nS = scenarios.length;
  const usdPnl = new Float64Array(matrix.pnl.length);
  const markConversion: number[] = [];
  let hasInverse = false;
  sorted.forEach((p, i) => {
    const inv = isInverse(p);
    hasInverse ||= inv;
    markConversion.push(
      inv
        ? usdPrice(
            p.instrument.settlementCurrency,
            snapshot,
            `${p.instrument.symbol}.settlementCurrency`,
          )
        : 1,
    );
    const F0 = matrix.states[i]!.price;
    for (let s = 0; s < nS; s++) {
      const v = matrix.pnl[i * nS + s]!;
      usdPnl[i * nS + s] = inv
        ? v * F0 * moveFor(scenarios[s]!, p.instrument.underlying).spotMultiplier
        : v;
    }
  });
  return {
    positions: sorted,
    matrix,
    sizes: Float64Array.from(sorted.map((p) => p.size)),
    usdPnl,
    nScenarios: nS,
    markConversion,
    hasInverse,
  };
}

/** USD equity of the pool and its parts. */
export interface UsdPoolEquity {
  readonly equity: number;
  readonly collateralUsd: number;
  readonly positionsValueUsd: number;
  /** Marked value of each position of the book (row order), USD. */
  readonly positionValuesUsd: readonly number[];
  /** Net option value (long option values − short option values), USD. */
  readonly netOptionValueUsd: number;
  readonly warnings: string[];
}

/**
 * Equity of a USD pool: `crossCollateralUsd(balances, haircuts)` + Σ positions' marked value
 * (`positionsValue`, settlement currency) × the index of that currency (1 for USD-like).
 * Also the net option value (NOV) of the book, USD.
 */
export function usdPoolEquity(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  book: UsdBook,
  haircuts: HaircutTable = NO_HAIRCUTS,
): UsdPoolEquity {
  const collateralUsd = crossCollateralUsd(portfolio.balances, snapshot, haircuts, 'initial');
  let positionsValueUsd = 0;
  let nov = 0;
  const positionValuesUsd = book.positions.map((p, i) => {
    const usd = positionsValue([p], [book.matrix.states[i]!]).value * book.markConversion[i]!;
    positionsValueUsd += usd;
    if (isOptionLike(p.instrument)) nov += usd;
    return usd;
  });
  const warnings = [...positionsValue(book.positions, book.matrix.states).warnings];
  const uncutCoins = portfolio.balances.filter(
    (b) =>
      b.amount > 0 &&
      !isUsdLike(b.currency) &&
      (haircuts.byCurrency[b.currency] ?? haircuts.default).initial === 0,
  );
  if (uncutCoins.length > 0)
    warnings.push(
      `coin collateral (${[...new Set(uncutCoins.map((b) => b.currency))].join(', ')}) counted at the index without a haircut`,
    );
  return {
    equity: collateralUsd + positionsValueUsd,
    collateralUsd,
    positionsValueUsd,
    positionValuesUsd,
    netOptionValueUsd: nov,
    warnings,
  };
}

/** Σ_i sizes[i] · usdPnl[i, s] over the rows in `rows` (all rows if omitted), per scenario. */
export function usdPnlOf(book: UsdBook, rows?: readonly number[]): Float64Array {
  const nS = book.nScenarios;
  const out = new Float64Array(nS);
  const idx = rows ?? book.positions.map((_, i) => i);
  for (const i of idx) {
    const q = book.sizes[i]!;
    if (q === 0) continue;
    for (let s = 0; s < nS; s++) out[s] = out[s]! + q * book.usdPnl[i * nS + s]!;
  }
  return out;
}

/** Row indices of the book grouped by underlying coin (sorted keys). */
export function rowsByUnderlying(book: UsdBook): Map<string, number[]> {
  const m = new Map<string, number[]>();
  book.positions.forEach((p, i) => {
    const u = p.instrument.underlying;
    const rows = m.get(u);
    if (rows) rows.push(i);
    else m.set(u, [i]);
  });
  return new Map([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
