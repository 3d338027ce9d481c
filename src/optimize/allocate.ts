/**
 * Allocation across accounts, each with its own margin model, positions and collateral:
 *
 * (a) `routeTrades`: put new trades where they need the least total initial margin. Per trade t
 *     (size s_t, coins) and account a, the variable `n[t][a]` (same sign as s_t, or s_t·binary
 *     with `wholeTrades`, making it a MIP) with `Σ_a n[t][a] = s_t` (row `route[<symbol>]`);
 *     account a's IM is its model's LP form (Deribit PM) or scenario surrogate (margin-lp.ts)
 *     of its book plus `n[·][a]`; minimise Σ_a Σ_pool usd·IM. With `respectCollateral` (default)
 *     every pool keeps `IM ≤ maxUtilization·equity` (row `fits[<account>][<pool>]`).
 * (b) `splitBook`: split a whole book across the accounts — the same LP with the book's
 *     positions as the trades.
 * (c) `spreadCollateral`: deposit a fixed USD amount to maximise the smallest headroom
 *     `equity − IM` (USD) over every account's pools: `max h` s.t. `h ≤ H_ap + c_ap`,
 *     `Σ c_ap = amount`, `c ≥ 0` — the water-filling level, unique.
 *
 * The LP split is rounded to lots (the residual of each trade goes to its largest share) and
 * every account is re-margined with its exact model. The result is compared with simple
 * allocations — everything to one account (each in turn) and the greedy one (each trade,
 * largest notional first, to the account where its exact incremental IM is lowest) — and fails
 * closed: if one of those needs less exact IM (and fits the collateral), it is returned instead,
 * saying so.
 */
import { BallastError } from '../core/errors.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import type { MarginModel } from '../margin/margin-model.ts';
import { usdPrice } from '../risk/collateral.ts';
import { instrumentState, type InstrumentState } from '../risk/pnl-matrix.ts';
import { portfolio as makePortfolio, type Portfolio, type Position } from '../risk/portfolio.ts';
import { LpModel, type VarId } from './lp-model.ts';
import { tradeLot, lotCoins } from './lots.ts';
import { addMarginTerms, marginUsdObjective, type MarginVar } from './margin-lp.ts';
import { marginSummary, poolEquity, type MarginSummary } from './outcome.ts';
import { loadSolver, type LpSolver, type SolveOptions } from './solver.ts';

/** One account. */
export interface Account {
  /** Unique name (used in LP names and reports). */
  readonly name: string;
  readonly model: MarginModel<unknown>;
  /** Model parameters (default: the model's defaults). */
  readonly params?: unknown;
  /** Existing positions and collateral balances. */
  readonly portfolio: Portfolio;
  /** Largest IM / equity after allocation (default 1). */
  readonly maxUtilization?: number;
}

/** Options of `routeTrades` / `splitBook`. */
export interface AllocationOptions {
  /** Each trade goes whole to one account (MIP); default false (trades may be split). */
  readonly wholeTrades?: boolean;
  /** Keep IM ≤ maxUtilization·equity in every pool (default true). */
  readonly respectCollateral?: boolean;
  readonly solver?: LpSolver;
  readonly solveOptions?: SolveOptions;
}

/** Where one trade went. */
export interface AllocationLine {
  readonly symbol: string;
  /** Total size, coins. */
  readonly size: number;
  /** Size per account, coins (accounts in input order). */
  readonly shares: readonly {
    readonly account: string;
    readonly size: number;
    readonly lpSize: number;
  }[];
}

/** One account after the allocation. */
export interface AccountOutcome {
  readonly name: string;
  readonly model: string;
  readonly before: MarginSummary;
  readonly after: MarginSummary;
  readonly portfolioAfter: Portfolio;
  /** Largest pool utilization after. */
  readonly utilizationAfter: number;
  /** Σ_pool (equity − IM) after, USD. */
  readonly headroomUsd: number;
  readonly fits: boolean;
}

/** A simple allocation the LP's answer was compared with. */
export interface BaselineAllocation {
  readonly label: string;
  readonly totalInitialMarginUsd: number;
  readonly fits: boolean;
}

/** Result of `routeTrades` / `splitBook`. */
export interface AllocationResult {
  readonly mode: 'route' | 'split';
  /** `optimized`: the LP allocation; `baseline`: a simple allocation needed less exact IM. */
  readonly status: 'optimized' | 'baseline';
  readonly chosen: string;
  readonly reason?: string;
  readonly lines: readonly AllocationLine[];
  readonly accounts: readonly AccountOutcome[];
  /** Σ accounts' exact IM after, USD. */
  readonly totalInitialMarginUsd: number;
  /** Σ accounts' exact IM before, USD. */
  readonly totalInitialMarginBeforeUsd: number;
  /** The LP's own prediction of the total, USD. */
  readonly lpTotalInitialMarginUsd: number;
  readonly baselines: readonly BaselineAllocation[];
  readonly lp: {
    readonly variables: number;
    readonly constraints: number;
    readonly nonzeros: number;
    readonly method: string;
    readonly mip: boolean;
  };
}

function checkAccounts(accounts: readonly Account[]): void {
  if (accounts.length === 0)
    throw new BallastError('INVALID_INPUT', 'give at least one account', 'accounts');
  const names = new Set<string>();
  accounts.forEach((a, i) => {
    if (!a.name || names.has(a.name))
      throw new BallastError(
        'INVALID_INPUT',
        `account names must be unique and non-empty, got "${a.name}"`,
        `accounts[${i}].name`,
      );
    names.add(a.name);
    const u = a.maxUtilization ?? 1;
    if (!(Number.isFinite(u) && u > 0 && u <= 1))
      throw new BallastError(
        'INVALID_INPUT',
        `must be a number in (0, 1] (IM may not exceed equity), got ${u}`,
        `accounts[${i}].maxUtilization`,
      );
  });
}

/** Trades merged by symbol (sizes add), zero sizes dropped. */
function mergeTrades(trades: readonly Position[]): Position[] {
  return makePortfolio(trades).positions.filter((p) => p.size !== 0);
}

function outcome(
  a: Account,
  add: readonly Position[],
  snapshot: MarketSnapshot,
  before: MarginSummary,
): AccountOutcome {
  const params = a.params ?? a.model.defaultParams;
  const p =
    add.length === 0
      ? a.portfolio
      : makePortfolio([...a.portfolio.positions, ...add], a.portfolio.balances, a.portfolio.name);
  // Nothing added: the book is the one `before` was computed on.
  const after = add.length === 0 ? before : marginSummary(a.model, params, p, snapshot);
  const util = after.results.reduce((m, r) => Math.max(m, r.utilization), 0);
  // An account without positions has no margin pool: its headroom is its collateral.
  const headroom =
    after.results.length > 0
      ? after.equityUsd - after.initialMarginUsd
      : p.balances.reduce((s, b) => s + b.amount * usdPrice(b.currency, snapshot), 0);
  return {
    name: a.name,
    model: a.model.id,
    before,
    after,
    portfolioAfter: p,
    utilizationAfter: util,
    headroomUsd: headroom,
    fits: util <= (a.maxUtilization ?? 1) * (1 + 1e-12),
  };
}

/**
 * Routing variables n[j][k] (size of trade j to account k, between 0 and the trade's size)
 * with Σₖ n[j][k] = size; with `whole`, binaries force each trade to one account.
 */
function addRoutingVariables(
  lp: LpModel,
  ts: readonly Position[],
  accounts: readonly Account[],
  whole: boolean,
): VarId[][] {
  return ts.map((t) => {
    const s = t.size;
    const vars = accounts.map((a) => {
      const v = lp.addVariable(`n[${t.instrument.symbol}][${a.name}]`, {
        lb: Math.min(0, s),
        ub: Math.max(0, s),
      });
      if (whole) {
        const b = lp.addVariable(`b[${t.instrument.symbol}][${a.name}]`, { ub: 1, integer: true });
        lp.addConstraint(
          `whole[${t.instrument.symbol}][${a.name}]`,
          [
            [v, 1],
            [b, -s],
          ],
          { lb: 0, ub: 0 },
        );
      }
      return v;
    });
    lp.addConstraint(
      `route[${t.instrument.symbol}]`,
      vars.map((v) => [v, 1] as const),
      { lb: s, ub: s },
    );
    return vars;
  });
}

/**
 * Each account's margin as linear terms of its routed sizes: the USD IM in the objective and,
 * with `respect`, IM ≤ maxUtilization × equity per pool.
 */
function addAccountMargins(
  lp: LpModel,
  ts: readonly Position[],
  states: readonly InstrumentState[],
  accounts: readonly Account[],
  n: readonly VarId[][],
  befores: readonly MarginSummary[],
  snapshot: MarketSnapshot,
  respect: boolean,
): void {
  accounts.forEach((a, k) => {
    const vars: MarginVar[] = ts.map((t, j) => ({
      candidate: { instrument: t.instrument },
      net: n[j]![k]!,
      state: states[j]!,
    }));
    const params = a.params ?? a.model.defaultParams;
    const pools = addMarginTerms(lp, vars, a.portfolio, snapshot, a.model, params, {
      prefix: `${a.name}:`,
      resultsBefore: befores[k]!.results,
    });
    const obj = marginUsdObjective(pools);
    for (const [v, c] of obj.terms) lp.addCost(v, c);
    lp.addOffset(obj.offset);
    if (respect) {
      for (const p of pools) {
        const equity = poolEquity(befores[k]!.results, a.portfolio.balances, p.currency);
        lp.addConstraint(`fits[${a.name}][${p.currency}]`, p.terms, {
          ub: (a.maxUtilization ?? 1) * equity - p.constant,
        });
      }
    }
  });
}

/** The LP shares rounded to lots; the residual of each trade goes to its largest share. */
function roundedShares(
  ts: readonly Position[],
  states: readonly InstrumentState[],
  accounts: readonly Account[],
  n: readonly VarId[][],
  values: ArrayLike<number>,
): { raw: number[]; rounded: number[] }[] {
  return ts.map((t, j) => {
    const lot = lotCoins(
      tradeLot(t.instrument),
      t.instrument.kind === 'future' || t.instrument.kind === 'perpetual'
        ? states[j]!.price
        : states[j]!.spot,
    );
    const raw = accounts.map((_, k) => values[n[j]![k]!]!);
    const rounded = raw.map((v) => Math.round(v / lot) * lot);
    const big = raw.reduce((b, v, k) => (Math.abs(v) > Math.abs(raw[b]!) ? k : b), 0);
    rounded[big] = t.size - rounded.reduce((s, v, k) => (k === big ? s : s + v), 0);
    return { raw, rounded: rounded.map((v) => Number(v.toPrecision(12))) };
  });
}

/** Greedy baseline: largest notional first, each to the account with the lowest exact incremental IM. */
function greedyAllocation(
  ts: readonly Position[],
  states: readonly InstrumentState[],
  accounts: readonly Account[],
  snapshot: MarketSnapshot,
): number[][] {
  const order = ts
    .map((t, j) => ({ j, notional: Math.abs(t.size) * states[j]!.spot }))
    .sort((x, y) => y.notional - x.notional);
  const greedy = ts.map(() => accounts.map(() => 0));
  const current = accounts.map((a) => [...a.portfolio.positions]);
  const imOf = (k: number, positions: readonly Position[]): number => {
    const a = accounts[k]!;
    const book = makePortfolio(positions, a.portfolio.balances);
    return marginSummary(a.model, a.params ?? a.model.defaultParams, book, snapshot)
      .initialMarginUsd;
  };
  // IM of each account's current greedy book, kept from the step that last changed it.
  const currentIm: (number | undefined)[] = accounts.map(() => undefined);
  for (const { j } of order) {
    let best = 0;
    let bestDelta = Infinity;
    const withIm = accounts.map((_, k) => {
      const base = (currentIm[k] ??= imOf(k, current[k]!));
      let with_: number;
      try {
        with_ = imOf(k, [...current[k]!, ts[j]!]);
      } catch (e) {
        if (!(e instanceof BallastError)) throw e;
        with_ = Infinity;
      }
      if (with_ - base < bestDelta) {
        bestDelta = with_ - base;
        best = k;
      }
      return with_;
    });
    greedy[j]![best] = ts[j]!.size;
    current[best]!.push(ts[j]!);
    currentIm[best] = Number.isFinite(withIm[best]) ? withIm[best] : undefined;
  }
  return greedy;
}

/** An allocation tried against the LP's: its label, per-account outcomes and sizes [trade][account]. */
interface Baseline {
  readonly label: string;
  readonly outcome: AccountOutcome[];
  readonly alloc: number[][];
}

/** The baselines: every trade to one account (each account in turn), and the greedy allocation. */
function allocationBaselines(
  ts: readonly Position[],
  states: readonly InstrumentState[],
  accounts: readonly Account[],
  snapshot: MarketSnapshot,
  evaluate: (alloc: readonly (readonly number[])[]) => AccountOutcome[],
): Baseline[] {
  const baselines: Baseline[] = accounts.map((a, k) => {
    const alloc = ts.map((t) => accounts.map((_, i) => (i === k ? t.size : 0)));
    return { label: `everything to ${a.name}`, outcome: evaluate(alloc), alloc };
  });
  const greedy = greedyAllocation(ts, states, accounts, snapshot);
  baselines.push({
    label: 'greedy (largest first, lowest incremental IM)',
    outcome: evaluate(greedy),
    alloc: greedy,
  });
  return baselines;
}

/** One line per trade: its size per account as chosen, and the LP's unrounded share. */
function allocationLines(
  ts: readonly Position[],
  accounts: readonly Account[],
  chosenAlloc: readonly (readonly number[])[],
  shares: readonly { readonly raw: readonly number[] }[],
): AllocationLine[] {
  return ts.map((t, j) => ({
    symbol: t.instrument.symbol,
    size: t.size,
    shares: accounts.map((a, k) => ({
      account: a.name,
      size: chosenAlloc[j]![k]!,
      lpSize: shares[j]!.raw[k]!,
    })),
  }));
}

/** Routes `trades` across `accounts` (see module doc). */
export async function routeTrades(
  trades: readonly Position[],
  accounts: readonly Account[],
  snapshot: MarketSnapshot,
  options: AllocationOptions = {},
  mode: 'route' | 'split' = 'route',
): Promise<AllocationResult> {
  checkAccounts(accounts);
  const ts = mergeTrades(trades);
  if (ts.length === 0) throw new BallastError('INVALID_INPUT', 'no trades to allocate', 'trades');
  const respect = options.respectCollateral ?? true;
  const whole = options.wholeTrades ?? false;
  const lp = new LpModel(`${mode} ${ts.length} trades across ${accounts.length} accounts`);
  const states = ts.map((t) => instrumentState(t.instrument, snapshot));
  const n = addRoutingVariables(lp, ts, accounts, whole);
  const befores = accounts.map((a) =>
    marginSummary(a.model, a.params ?? a.model.defaultParams, a.portfolio, snapshot),
  );
  addAccountMargins(lp, ts, states, accounts, n, befores, snapshot, respect);
  const sol = (options.solver ?? (await loadSolver())).solve(lp, options.solveOptions);

  const shares = roundedShares(ts, states, accounts, n, sol.values);
  const evaluate = (alloc: readonly (readonly number[])[]) =>
    accounts.map((a, k) =>
      outcome(
        a,
        ts.flatMap((t, j) => (alloc[j]![k]! !== 0 ? [{ ...t, size: alloc[j]![k]! }] : [])),
        snapshot,
        befores[k]!,
      ),
    );
  const total = (o: readonly AccountOutcome[]) =>
    o.reduce((s, x) => s + x.after.initialMarginUsd, 0);
  const lpOutcome = evaluate(shares.map((s) => s.rounded));
  const baselines = allocationBaselines(ts, states, accounts, snapshot, evaluate);
  const fits = (o: readonly AccountOutcome[]) => !respect || o.every((x) => x.fits);
  const lpTotal = total(lpOutcome);
  const bestBase = baselines
    .filter((b) => fits(b.outcome))
    .sort((x, y) => total(x.outcome) - total(y.outcome))[0];
  const useBaseline =
    bestBase !== undefined && (!fits(lpOutcome) || total(bestBase.outcome) < lpTotal - 1e-9);
  const chosenAlloc = useBaseline ? bestBase.alloc : shares.map((s) => s.rounded);
  const chosen = useBaseline ? bestBase.outcome : lpOutcome;
  return {
    mode,
    status: useBaseline ? 'baseline' : 'optimized',
    chosen: useBaseline ? bestBase.label : 'LP allocation',
    ...(useBaseline
      ? {
          reason: `${bestBase.label} needs ${total(bestBase.outcome).toFixed(2)} USD of exact IM against the LP allocation's ${lpTotal.toFixed(2)}${fits(lpOutcome) ? '' : ' (which does not fit the collateral)'}`,
        }
      : !fits(lpOutcome)
        ? { reason: "no allocation tried fits every account's collateral" }
        : {}),
    lines: allocationLines(ts, accounts, chosenAlloc, shares),
    accounts: chosen,
    totalInitialMarginUsd: total(chosen),
    totalInitialMarginBeforeUsd: befores.reduce((s, b) => s + b.initialMarginUsd, 0),
    lpTotalInitialMarginUsd: sol.objective,
    baselines: [
      { label: 'LP allocation', totalInitialMarginUsd: lpTotal, fits: fits(lpOutcome) },
      ...baselines.map((b) => ({
        label: b.label,
        totalInitialMarginUsd: total(b.outcome),
        fits: fits(b.outcome),
      })),
    ],
    lp: {
      variables: lp.numVariables,
      constraints: lp.numConstraints,
      nonzeros: lp.numNonzeros,
      method: sol.method,
      mip: whole,
    },
  };
}

/** Splits a whole book across the accounts (see module doc, (b)). */
export function splitBook(
  book: Portfolio,
  accounts: readonly Account[],
  snapshot: MarketSnapshot,
  options: AllocationOptions = {},
): Promise<AllocationResult> {
  return routeTrades(book.positions, accounts, snapshot, options, 'split');
}

/** One pool's share of the collateral. */
export interface CollateralShare {
  readonly account: string;
  readonly currency: string;
  /** Deposit in the pool currency. */
  readonly amount: number;
  readonly usd: number;
  readonly headroomBeforeUsd: number;
  /** Exact headroom after re-margining, USD. */
  readonly headroomAfterUsd: number;
  readonly utilizationBefore: number;
  readonly utilizationAfter: number;
}

/** Result of `spreadCollateral`. */
export interface CollateralResult {
  readonly amountUsd: number;
  readonly shares: readonly CollateralShare[];
  /** min headroom before, after (LP level) and after (exact), USD. */
  readonly minHeadroomBeforeUsd: number;
  readonly minHeadroomLpUsd: number;
  readonly minHeadroomAfterUsd: number;
  /** Accounts left out (no positions, so no margin pool to top up). */
  readonly skipped: readonly string[];
}

/** Spreads `amountUsd` of new collateral to maximise the smallest headroom (see module doc, (c)). */
export async function spreadCollateral(
  accounts: readonly Account[],
  amountUsd: number,
  snapshot: MarketSnapshot,
  options: { solver?: LpSolver } = {},
): Promise<CollateralResult> {
  checkAccounts(accounts);
  if (!(Number.isFinite(amountUsd) && amountUsd >= 0))
    throw new BallastError('INVALID_INPUT', `must be a number ≥ 0, got ${amountUsd}`, 'amount');
  const skipped: string[] = [];
  const pools = accounts.flatMap((a) => {
    const s = marginSummary(a.model, a.params ?? a.model.defaultParams, a.portfolio, snapshot);
    if (s.results.length === 0) skipped.push(`${a.name}: no positions, no margin pool to top up`);
    return s.results.map((r) => ({ account: a, result: r, px: usdPrice(r.currency, snapshot) }));
  });
  if (pools.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      'no account has a margin pool (positions) to top up',
      'accounts',
    );
  const lp = new LpModel('spread collateral');
  const h = lp.addVariable('min-headroom', { lb: -Infinity, cost: -1 });
  const c = pools.map((p) => lp.addVariable(`deposit[${p.account.name}][${p.result.currency}]`));
  pools.forEach((p, i) =>
    lp.addConstraint(
      `headroom[${p.account.name}][${p.result.currency}]`,
      [
        [h, 1],
        [c[i]!, -1],
      ],
      { ub: (p.result.equity - p.result.initialMargin) * p.px },
    ),
  );
  lp.addConstraint(
    'amount',
    c.map((v) => [v, 1] as const),
    { lb: amountUsd, ub: amountUsd },
  );
  const sol = (options.solver ?? (await loadSolver())).solve(lp);
  const shares: CollateralShare[] = pools.map((p, i) => {
    const usd = Math.max(0, sol.values[c[i]!]!);
    const amount = usd / p.px;
    const balances = [...p.account.portfolio.balances];
    const k = balances.findIndex((b) => b.currency === p.result.currency);
    if (k >= 0) balances[k] = { currency: p.result.currency, amount: balances[k]!.amount + amount };
    else balances.push({ currency: p.result.currency, amount });
    const after = p.account.model
      .evaluate(
        { ...p.account.portfolio, balances },
        snapshot,
        p.account.params ?? p.account.model.defaultParams,
      )
      .find((r) => r.currency === p.result.currency)!;
    return {
      account: p.account.name,
      currency: p.result.currency,
      amount,
      usd,
      headroomBeforeUsd: (p.result.equity - p.result.initialMargin) * p.px,
      headroomAfterUsd: (after.equity - after.initialMargin) * p.px,
      utilizationBefore: p.result.utilization,
      utilizationAfter: after.utilization,
    };
  });
  return {
    amountUsd,
    shares,
    minHeadroomBeforeUsd: Math.min(...shares.map((s) => s.headroomBeforeUsd)),
    minHeadroomLpUsd: sol.values[h]!,
    minHeadroomAfterUsd: Math.min(...shares.map((s) => s.headroomAfterUsd)),
    skipped,
  };
}
