/**
 * The stress use case (`ballast stress`, `POST /v1/stress`): the P&L of a book under stress
 * scenarios by full revaluation (no time decay), per settlement pool in the pool's currency,
 * and in USD at the stressed index (`Σ_pool pnl_pool × index_pool × spotMultiplier`; a
 * currency without an underlying at its USD price), worst first (ties by `equityChangeUsd`).
 * Scenarios: library events
 * measured from price history (scenarios/stress.ts), hypothetical moves of span2's defaults
 * applied to every underlying, or shocks given as JSON; by default every hypothetical plus the
 * library events the history covers (the ones it does not are listed as `uncovered`).
 * `equityChangeUsd` is the change of the book's USD value, collateral included:
 * `Σ_pool (E_pool + pnl_pool)·usd'_pool − E_pool·usd_pool` (usd' the stressed USD price), so a
 * coin balance loses in USD what its coin loses even where its coin P&L is 0.
 */
import { BallastError } from '../core/errors.ts';
import type { PriceSeries } from '../market/history.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { buildBook, positionsIn, settlementPools } from '../margin/book.ts';
import { DEFAULT_HYPOTHETICAL_STRESS } from '../scenarios/hypothetical-stress.ts';
import { segregatedCollateral, usdPrice } from '../risk/collateral.ts';
import { positionsValue } from '../risk/equity.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { moveFor, type Scenario } from '../scenarios/scenario.ts';
import {
  historicalStressScenarios,
  parseStressScenarios,
  STRESS_EVENTS,
} from '../scenarios/stress.ts';

/** A scenario spec: a library or hypothetical id, or a JSON shocks value with its source name. */
export type StressSpec = string | { readonly shocks: unknown; readonly source: string };

/** One row of the answer (P&L by pool currency, and in USD). */
export interface StressRow {
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly pnl: Readonly<Record<string, number>>;
  readonly pnlUsd: number;
  /** Change of the book's USD value with its collateral (see module doc). */
  readonly equityChangeUsd: number;
}

/** `ballast stress --json`'s object. */
export interface StressOutput {
  readonly pools: readonly { currency: string; equity: number }[];
  readonly scenarios: readonly StressRow[];
  readonly uncovered: readonly string[];
  readonly warnings: readonly string[];
}

/** A stress request; `series()` loads the history when a library event needs it. */
export interface StressRequest {
  readonly portfolio: Portfolio;
  readonly snapshot: MarketSnapshot;
  /** Scenario specs; empty or absent: every hypothetical and the covered library. */
  readonly specs?: readonly StressSpec[];
  /** The history of `stressUnderlyings(portfolio, snapshot)`. */
  readonly series: () => PriceSeries[];
  readonly warnings: readonly string[];
  /** Names the specs in errors (`--scenario`, `scenarios`). */
  readonly field: string;
}

function hypothetical(h: (typeof DEFAULT_HYPOTHETICAL_STRESS)[number]): Scenario {
  return {
    id: `hyp-${h.id}`,
    label: `${h.name} (hypothetical, every underlying)`,
    moves: {},
    defaultMove: {
      spotMultiplier: 1 + h.spot,
      vol: h.vol === 0 ? { kind: 'none' } : { kind: 'relative', size: h.vol },
    },
    weight: 1,
    timeShiftDays: 0,
    group: 'hypothetical',
  };
}

/** The scenarios of `specs` (see module doc). */
export function resolveStressScenarios(
  specs: readonly StressSpec[],
  series: () => PriceSeries[],
  field: string,
): Scenario[] {
  const out: Scenario[] = [];
  for (const spec of specs) {
    if (typeof spec !== 'string') {
      out.push(...parseStressScenarios(spec.shocks, spec.source));
      continue;
    }
    const hyp = DEFAULT_HYPOTHETICAL_STRESS.find((h) => h.id === spec);
    const ev = STRESS_EVENTS.find((e) => e.id === spec);
    if (hyp) out.push(hypothetical(hyp));
    else if (ev) out.push(...historicalStressScenarios(series(), { events: [ev] }).scenarios);
    else
      throw new BallastError(
        'INVALID_INPUT',
        `unknown stress scenario "${spec}": give a JSON file, a hypothetical (${DEFAULT_HYPOTHETICAL_STRESS.map((h) => h.id).join(', ')}) or a library event (${STRESS_EVENTS.map((e) => e.id).join(', ')})`,
        field,
      );
  }
  return out;
}

/**
 * The underlyings whose history the library events are measured on: those of the positions
 * and every pool currency the snapshot has an index for (a coin balance moves with its coin).
 */
export function stressUnderlyings(portfolio: Portfolio, snapshot: MarketSnapshot): string[] {
  const unds = new Set(portfolio.positions.map((p) => p.instrument.underlying));
  for (const ccy of settlementPools(portfolio)) if (snapshot.underlyings[ccy]) unds.add(ccy);
  return [...unds].sort();
}

/**
 * Every hypothetical and the library events the history covers, and those it does not; a
 * book with no underlying at all (USD cash) has no history to measure the library on.
 */
function defaultScenarios(
  series: () => PriceSeries[],
  unds: readonly string[],
): {
  scenarios: Scenario[];
  uncovered: string[];
} {
  const hyp = DEFAULT_HYPOTHETICAL_STRESS.map(hypothetical);
  if (unds.length === 0)
    return {
      scenarios: hyp,
      uncovered: STRESS_EVENTS.map((e) => `${e.id}: the book holds no underlying to measure it on`),
    };
  const lib = historicalStressScenarios(series(), { skipUncovered: true });
  return {
    scenarios: [...hyp, ...lib.scenarios],
    uncovered: lib.uncovered.map((u) => `${u.id} (${u.days}d): ${u.reason}`),
  };
}

/** Runs the stress (see module doc). */
export function stressUseCase(req: StressRequest): StressOutput {
  const { portfolio, snapshot } = req;
  const { scenarios, uncovered } =
    req.specs && req.specs.length > 0
      ? { scenarios: resolveStressScenarios(req.specs, req.series, req.field), uncovered: [] }
      : defaultScenarios(req.series, stressUnderlyings(portfolio, snapshot));
  const pools = settlementPools(portfolio).map((ccy) => {
    const book = buildBook(positionsIn(portfolio, ccy), snapshot, scenarios);
    const equity =
      segregatedCollateral(portfolio.balances, ccy) +
      positionsValue(book.positions, book.matrix.states).value;
    return { currency: ccy, equity, pnl: book.pnl };
  });
  const rows: StressRow[] = scenarios.map((s, k) => {
    const pnl: Record<string, number> = {};
    let usd = 0;
    let change = 0;
    for (const p of pools) {
      pnl[p.currency] = p.pnl[k]!;
      const now = usdPrice(p.currency, snapshot);
      const u = snapshot.underlyings[p.currency];
      const stressed = u ? u.index * moveFor(s, p.currency).spotMultiplier : now;
      usd += p.pnl[k]! * stressed;
      change += (p.equity + p.pnl[k]!) * stressed - p.equity * now;
    }
    const row = { id: s.id, label: s.label, group: s.group ?? '', pnl, pnlUsd: usd };
    return { ...row, equityChangeUsd: change };
  });
  rows.sort(
    (a, b) =>
      a.pnlUsd - b.pnlUsd || a.equityChangeUsd - b.equityChangeUsd || (a.id < b.id ? -1 : 1),
  );
  return {
    pools: pools.map((p) => ({ currency: p.currency, equity: p.equity })),
    scenarios: rows,
    uncovered,
    warnings: req.warnings,
  };
}
