/**
 * The part every trade optimization shares: decision variables for the trades and the
 * user's constraints on them, as LP rows.
 *
 * Per candidate j (coins): `buy_j ≥ 0`, `sell_j ≥ 0` (cost at the ask and the bid) and the
 * free net trade `x_j` tied by `x_j − buy_j + sell_j = 0` (row `net[<symbol>]`); every
 * scenario, exposure and margin row reads `x_j` only, so a scenario row has one non-zero per
 * candidate. Constraints (all optional):
 * - exposure bands per underlying and greek, row `<greek>[<underlying>]`:
 *   `min ≤ E0 + Σ_j e_j·x_j ≤ max` (exposures.ts for units); "keep exposures within τ" is
 *   the band `E0 ± τ·G0` with G0 the book's gross exposure Σ|size·e| (a fraction of how much
 *   of that greek the book carries, so a zero exposure stays zero); both given: intersection;
 * - size limits: `buy_j, sell_j ≤ limit_j` (min of `maxSize`, the candidate's `maxSize` and
 *   `instrumentLimits[symbol]`); total traded size `Σ buy + sell ≤ maxTotalSize`
 *   (row `total-size`);
 * - reduce-only: only held instruments, only against the position and never past flat
 *   (`sell_j ≤ q_j` for a long, `buy_j ≤ −q_j` for a short);
 * - allowed instruments: `allow` / `exclude` symbol globs;
 * - premium budget: USD paid (premium at the ask plus fees, minus premium received at the
 *   bid less fees) `≤ budgetUsd` (row `budget`).
 * Trading cost (USD, against the mark, universe.ts) is returned as terms for the caller's
 * objective.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { instrumentState, type InstrumentState } from '../risk/pnl-matrix.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import {
  bookExposureTables,
  GREEKS,
  unitExposures,
  type ExposureTable,
  type Greek,
  type GreekVector,
} from './exposures.ts';
import { LpModel, type VarId } from './lp-model.ts';
import { tradeLot, lotCoins } from './lots.ts';
import {
  costPerCoinUsd,
  premiumPerCoinUsd,
  symbolMatcher,
  type Candidate,
  type Universe,
} from './universe.ts';

/** A band on one exposure; a missing side is unbounded. */
export interface Band {
  readonly min?: number;
  readonly max?: number;
}

/** Bands per greek. */
export type Bands = Partial<Record<Greek, Band>>;

/** The user's constraints on the trades (see module doc). */
export interface TradeConstraints {
  /** Bands applied to every underlying of the book and universe. */
  readonly bands?: Bands;
  /** Bands for one underlying (override `bands` for that greek). */
  readonly bandsByUnderlying?: Readonly<Record<string, Bands>>;
  /** Keep each exposure within this fraction of the book's gross exposure (e.g. 0.1). */
  readonly keepExposures?: number;
  /** Greeks `keepExposures` applies to (default all four). */
  readonly keepGreeks?: readonly Greek[];
  /** Largest |trade| per instrument, coins. */
  readonly maxSize?: number;
  /** Largest total traded size Σ|trade|, coins. */
  readonly maxTotalSize?: number;
  /** Largest net USD paid for premium and fees. */
  readonly budgetUsd?: number;
  /** Only reduce held positions. */
  readonly reduceOnly?: boolean;
  /** Symbol globs the trades may use (default all). */
  readonly allow?: readonly string[];
  /** Symbol globs the trades may not use. */
  readonly exclude?: readonly string[];
  /** Largest |trade| per symbol, coins. */
  readonly instrumentLimits?: Readonly<Record<string, number>>;
}

/** The variables of one candidate. */
export interface TradeVar {
  readonly candidate: Candidate;
  readonly buy: VarId;
  readonly sell: VarId;
  /** Net trade x = buy − sell, coins. */
  readonly net: VarId;
  readonly state: InstrumentState;
  /** Exposures per coin. */
  readonly exposure: GreekVector;
  /** Size held before trading, coins. */
  readonly held: number;
  /** Lot in coins (lots.ts). */
  readonly lot: number;
  readonly buyLimit: number;
  readonly sellLimit: number;
}

/** A band as applied to one underlying. */
export interface EffectiveBand {
  readonly underlying: string;
  readonly greek: Greek;
  readonly min: number;
  readonly max: number;
  /** Exposure of the book before trading. */
  readonly current: number;
  readonly source: 'band' | 'keep' | 'band+keep';
  /** LP row name. */
  readonly row: string;
}

/** The shared problem: model with trade variables and constraint rows. */
export interface TradeProblem {
  readonly model: LpModel;
  readonly trades: readonly TradeVar[];
  readonly exposuresBefore: ExposureTable;
  /** Gross exposures of the book before trading, Σ|size·e| (exposures.ts). */
  readonly grossExposuresBefore: ExposureTable;
  readonly bands: readonly EffectiveBand[];
  /** `[variable, USD cost per coin]` for buys and sells. */
  readonly costTerms: readonly (readonly [VarId, number])[];
  /** Underlyings of the book and the universe, sorted. */
  readonly underlyings: readonly string[];
  /** Candidates dropped and why (expired, not allowed, reduce-only with no position). */
  readonly skipped: readonly string[];
}

function checkBand(b: Band | undefined, field: string): void {
  if (!b) return;
  for (const k of ['min', 'max'] as const)
    if (b[k] !== undefined && !Number.isFinite(b[k]))
      throw new BallastError(
        'INVALID_INPUT',
        `must be a finite number, got ${b[k]}`,
        `${field}.${k}`,
      );
  if (b.min !== undefined && b.max !== undefined && b.min > b.max)
    throw new BallastError('INVALID_INPUT', `min ${b.min} is above max ${b.max}`, field);
}

/** Validates constraint values (typed INVALID_INPUT naming the field). */
export function validateConstraints(c: TradeConstraints, field = 'constraints'): void {
  for (const g of GREEKS) checkBand(c.bands?.[g], `${field}.bands.${g}`);
  for (const [u, b] of Object.entries(c.bandsByUnderlying ?? {}))
    for (const g of GREEKS) checkBand(b[g], `${field}.bandsByUnderlying.${u}.${g}`);
  const nonneg = (x: number | undefined, f: string) => {
    if (x !== undefined && !(Number.isFinite(x) && x >= 0))
      throw new BallastError('INVALID_INPUT', `must be a number ≥ 0, got ${x}`, `${field}.${f}`);
  };
  nonneg(c.keepExposures, 'keepExposures');
  nonneg(c.maxSize, 'maxSize');
  nonneg(c.maxTotalSize, 'maxTotalSize');
  if (c.budgetUsd !== undefined && !Number.isFinite(c.budgetUsd))
    throw new BallastError(
      'INVALID_INPUT',
      `must be a finite number, got ${c.budgetUsd}`,
      `${field}.budgetUsd`,
    );
  for (const [s, v] of Object.entries(c.instrumentLimits ?? {})) nonneg(v, `instrumentLimits.${s}`);
  for (const g of c.keepGreeks ?? [])
    if (!GREEKS.includes(g))
      throw new BallastError(
        'INVALID_INPUT',
        `unknown greek "${g}"; one of ${GREEKS.join(', ')}`,
        `${field}.keepGreeks`,
      );
}

/** Buy and sell limits (coins) of one candidate: size limits, reduce-only toward 0. */
function tradeLimits(
  sym: string,
  q: number,
  c: Universe['candidates'][number],
  constraints: TradeConstraints,
): { buyLimit: number; sellLimit: number } {
  let buyLimit = Math.min(
    constraints.maxSize ?? Infinity,
    c.maxSize ?? Infinity,
    constraints.instrumentLimits?.[sym] ?? Infinity,
  );
  let sellLimit = buyLimit;
  if (constraints.reduceOnly) {
    buyLimit = q < 0 ? Math.min(buyLimit, -q) : 0;
    sellLimit = q > 0 ? Math.min(sellLimit, q) : 0;
  }
  return { buyLimit, sellLimit };
}

/**
 * The LP variables of one candidate (buy ≥ 0, sell ≥ 0, net = buy − sell) and its cost
 * terms (appended to `costTerms`).
 */
function tradeVariables(
  model: LpModel,
  c: Universe['candidates'][number],
  state: InstrumentState,
  q: number,
  buyLimit: number,
  sellLimit: number,
  costTerms: [VarId, number][],
): TradeVar {
  const sym = c.instrument.symbol;
  const buy = model.addVariable(`buy[${sym}]`, { ub: buyLimit });
  const sell = model.addVariable(`sell[${sym}]`, { ub: sellLimit });
  const net = model.addVariable(`x[${sym}]`, { lb: -Infinity });
  model.addConstraint(
    `net[${sym}]`,
    [
      [net, 1],
      [buy, -1],
      [sell, 1],
    ],
    { lb: 0, ub: 0 },
  );
  costTerms.push([buy, costPerCoinUsd(c, 1)], [sell, costPerCoinUsd(c, -1)]);
  const markUsd =
    c.instrument.kind === 'future' || c.instrument.kind === 'perpetual'
      ? c.mark * c.usdPerPriceUnit
      : state.spot;
  return {
    candidate: c,
    buy,
    sell,
    net,
    state,
    exposure: unitExposures(c.instrument, state),
    held: q,
    lot: lotCoins(tradeLot(c.instrument), markUsd),
    buyLimit,
    sellLimit,
  };
}

/**
 * The exposure bands (explicit per greek and underlying, and/or "keep exposures" within a
 * fraction of the gross) as LP rows on the net trades; INFEASIBLE for an empty band.
 */
function addExposureBands(
  model: LpModel,
  trades: readonly TradeVar[],
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  constraints: TradeConstraints,
) {
  const { net: exposuresBefore, gross } = bookExposureTables(portfolio.positions, snapshot);
  const underlyings = [
    ...new Set([
      ...portfolio.positions.map((p) => p.instrument.underlying),
      ...trades.map((t) => t.candidate.instrument.underlying),
    ]),
  ].sort();
  const bands: EffectiveBand[] = [];
  const keepGreeks = new Set(constraints.keepGreeks ?? GREEKS);
  for (const u of underlyings) {
    for (const g of GREEKS) {
      const explicit = constraints.bandsByUnderlying?.[u]?.[g] ?? constraints.bands?.[g];
      const E0 = exposuresBefore[u]?.[g] ?? 0;
      let min = -Infinity;
      let max = Infinity;
      let source: EffectiveBand['source'] | undefined;
      if (explicit && (explicit.min !== undefined || explicit.max !== undefined)) {
        min = explicit.min ?? -Infinity;
        max = explicit.max ?? Infinity;
        source = 'band';
      }
      if (constraints.keepExposures !== undefined && keepGreeks.has(g)) {
        const tol = constraints.keepExposures * (gross[u]?.[g] ?? 0);
        min = Math.max(min, E0 - tol);
        max = Math.min(max, E0 + tol);
        source = source ? 'band+keep' : 'keep';
      }
      if (!source) continue;
      const row = `${g}[${u}]`;
      const terms = trades
        .filter((t) => t.candidate.instrument.underlying === u && t.exposure[g] !== 0)
        .map((t) => [t.net, t.exposure[g]] as const);
      if (min > max)
        throw new BallastError(
          'INFEASIBLE',
          `the ${g} band of ${u} is empty: [${min}, ${max}] (the explicit band and "keep exposures" do not overlap)`,
          row,
          { constraints: [row], bounds: [] },
        );
      model.addConstraint(row, terms, { lb: min - E0, ub: max - E0 });
      bands.push({ underlying: u, greek: g, min, max, current: E0, source, row });
    }
  }
  return { exposuresBefore, gross, bands, underlyings };
}

/** The total-size and premium-budget rows, when asked. */
function addSizeAndBudget(
  model: LpModel,
  trades: readonly TradeVar[],
  constraints: TradeConstraints,
): void {
  if (constraints.maxTotalSize !== undefined) {
    model.addConstraint(
      'total-size',
      trades.flatMap(
        (t) =>
          [
            [t.buy, 1],
            [t.sell, 1],
          ] as const,
      ),
      { ub: constraints.maxTotalSize },
    );
  }
  if (constraints.budgetUsd !== undefined) {
    model.addConstraint(
      'budget',
      trades.flatMap(
        (t) =>
          [
            [t.buy, premiumPerCoinUsd(t.candidate, 1)],
            [t.sell, premiumPerCoinUsd(t.candidate, -1)],
          ] as const,
      ),
      { ub: constraints.budgetUsd },
    );
  }
}

/** Builds the shared problem (see module doc). `name` names the model in errors and exports. */
export function buildTradeProblem(
  name: string,
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  universe: Universe,
  constraints: TradeConstraints,
): TradeProblem {
  validateConstraints(constraints);
  const model = new LpModel(name);
  const held = new Map(portfolio.positions.map((p) => [p.instrument.symbol, p.size]));
  const allow =
    constraints.allow && constraints.allow.length > 0
      ? symbolMatcher(constraints.allow)
      : () => true;
  const exclude =
    constraints.exclude && constraints.exclude.length > 0
      ? symbolMatcher(constraints.exclude)
      : () => false;
  const skipped: string[] = [];
  const trades: TradeVar[] = [];
  const costTerms: [VarId, number][] = [];
  const seen = new Set<string>();
  for (const c of universe.candidates) {
    const sym = c.instrument.symbol;
    if (seen.has(sym))
      throw new BallastError('INVALID_INPUT', `${sym} appears twice in the universe`, 'universe');
    seen.add(sym);
    if (!allow(sym) || exclude(sym)) {
      skipped.push(`${sym}: not allowed`);
      continue;
    }
    const q = held.get(sym) ?? 0;
    const { buyLimit, sellLimit } = tradeLimits(sym, q, c, constraints);
    if (buyLimit === 0 && sellLimit === 0) {
      skipped.push(
        `${sym}: ${constraints.reduceOnly ? 'reduce-only and not held' : 'size limit 0'}`,
      );
      continue;
    }
    let state: InstrumentState;
    try {
      state = instrumentState(c.instrument, snapshot);
    } catch (e) {
      if (e instanceof BallastError) {
        skipped.push(`${sym}: ${e.code} ${e.message}`);
        continue;
      }
      throw e;
    }
    trades.push(tradeVariables(model, c, state, q, buyLimit, sellLimit, costTerms));
  }
  const ex = addExposureBands(model, trades, portfolio, snapshot, constraints);
  addSizeAndBudget(model, trades, constraints);
  return {
    model,
    trades,
    exposuresBefore: ex.exposuresBefore,
    grossExposuresBefore: ex.gross,
    bands: ex.bands,
    costTerms,
    underlyings: ex.underlyings,
    skipped,
  };
}

/** True if a row or variable name is one of the user's constraints (for binding reports). */
export function isUserConstraint(name: string): boolean {
  return (
    /^(delta|gamma|vega|theta)\[/.test(name) ||
    name === 'total-size' ||
    name === 'budget' ||
    /^(buy|sell)\[/.test(name) ||
    /^utilization\[/.test(name)
  );
}
