/**
 * Readable reports and `--json` projections of the optimizer's results: the hedge (and the
 * tracking QP), the ES hedge, the margin-call cure, the allocation across accounts, the
 * collateral spread and the robustness comparison. Amounts in USD unless a column says
 * otherwise; sizes in coins; option prices per coin in the premium currency.
 */
import type { AllocationResult, CollateralResult } from '../optimize/allocate.ts';
import type { CureResult, PoolUtilization } from '../optimize/cure.ts';
import type { EsHedgeResult } from '../optimize/cvar.ts';
import type { ExecutedTrade } from '../optimize/execution.ts';
import { GREEK_UNITS, GREEKS, type ExposureTable } from '../optimize/exposures.ts';
import type { BindingReport, MarginSummary, TradeOutcome } from '../optimize/outcome.ts';
import type { RobustnessReport } from '../optimize/robustness.ts';
import type { TrackingResult } from '../optimize/tracking.ts';
import type { EffectiveBand } from '../optimize/trade-problem.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { fmt, renderTable } from './table.ts';
import { percent } from './render-percent.ts';

/** Thousands-separated fixed decimals (`12,345.67`), a dash for non-finite values. */
export function money(x: number, decimals = 0): string {
  if (!Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(decimals);
  const [int, frac] = s.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 && Number(s) !== 0 ? '−' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

const signed = (x: number, d = 0) => `${x > 0 ? '+' : ''}${money(x, d)}`;
const num = (x: number) =>
  Number.isFinite(x) ? String(Number(x.toPrecision(6))) : x > 0 ? '+∞' : '−∞';
const priceDecimals = (t: ExecutedTrade) =>
  t.instrument.kind === 'option' && t.instrument.settlement === 'inverse' ? 4 : 2;

/** The trades table. */
export function renderTrades(trades: readonly ExecutedTrade[]): string {
  if (trades.length === 0) return 'no trades';
  const rows = trades.map((t) => [
    t.symbol,
    t.side,
    fmt(Math.abs(t.size), 4),
    fmt(t.lpSize, 4),
    fmt(t.price, priceDecimals(t)),
    fmt(t.mark, priceDecimals(t)),
    money(t.costUsd, 2),
    money(t.cashUsd, 2),
  ]);
  const cost = trades.reduce((s, t) => s + t.costUsd, 0);
  const cash = trades.reduce((s, t) => s + t.cashUsd, 0);
  rows.push(['total', '', '', '', '', '', money(cost, 2), money(cash, 2)]);
  return renderTable(
    ['instrument', 'side', 'size', 'LP size', 'price', 'mark', 'cost (USD)', 'cash paid (USD)'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Exposures before/after with the bands that applied. */
export function renderExposures(
  before: ExposureTable,
  after: ExposureTable,
  bands: readonly EffectiveBand[],
): string {
  const unds = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const rows = unds.flatMap((u) =>
    GREEKS.map((g) => {
      const b = bands.find((x) => x.underlying === u && x.greek === g);
      return [
        `${u} ${g}`,
        GREEK_UNITS[g],
        fmt(before[u]?.[g] ?? 0, 4),
        fmt(after[u]?.[g] ?? 0, 4),
        b ? `[${num(b.min)}, ${num(b.max)}]${b.source === 'band' ? '' : ' keep'}` : '—',
      ];
    }),
  );
  return renderTable(['exposure', 'unit', 'before', 'after', 'band'], rows, [
    'left',
    'left',
    'right',
    'right',
    'left',
  ]);
}

/** Binding user constraints with their shadow prices. */
export function renderBinding(binding: readonly BindingReport[], top = 8): string {
  if (binding.length === 0) return 'binding constraints: none of the user constraints binds';
  const rows = binding
    .slice(0, top)
    .map((b) => [b.description, b.name, money(b.shadowPriceUsd, 2)]);
  const more = binding.length > top ? `\n(${binding.length - top} more)` : '';
  return `binding constraints (shadow price: objective USD per unit the bound is relaxed)\n${renderTable(['constraint', 'LP row', 'shadow price'], rows, ['left', 'left', 'right'])}${more}`;
}

function marginTable(before: MarginSummary, after: MarginSummary): string {
  const row = (label: string, b: number, a: number) => [
    label,
    money(b, 0),
    money(a, 0),
    `${signed(a - b, 0)}${b !== 0 ? ` (${signed((100 * (a - b)) / b, 1)}%)` : ''}`,
  ];
  return renderTable(
    ['exact margin (USD)', 'before', 'after', 'change'],
    [
      row('initial margin', before.initialMarginUsd, after.initialMarginUsd),
      row('maintenance margin', before.maintenanceMarginUsd, after.maintenanceMarginUsd),
      row('equity', before.equityUsd, after.equityUsd),
    ],
    ['left', 'right', 'right', 'right'],
  );
}

/** The robustness table (Monte Carlo ES and worst loss of both books). */
export function renderRobustness(r: RobustnessReport): string {
  const t = renderTable(
    ['', 'original', 'optimized'],
    [
      [
        `ES ${percent(r.beta, 0)} (USD)`,
        money(r.original.expectedShortfallUsd),
        money(r.optimized.expectedShortfallUsd),
      ],
      [
        `VaR ${percent(r.beta, 0)} (USD)`,
        money(r.original.valueAtRiskUsd),
        money(r.optimized.valueAtRiskUsd),
      ],
      ['worst loss (USD)', money(r.original.worstLossUsd), money(r.optimized.worstLossUsd)],
      ['mean P&L (USD)', money(r.original.meanPnlUsd), money(r.optimized.meanPnlUsd)],
    ],
  );
  const note = r.fatterTail
    ? '\nwarning: the optimized book has a fatter tail than the original on these scenarios (the grid rewards it, Monte Carlo does not)'
    : '';
  return `robustness: ${r.scenarios} independent Monte Carlo scenarios (seed ${r.seed}, ${r.horizonDays}-day moves, Student-t, vol of vol)\n${t}${note}`;
}

/** The hedge report (also used for the tracking QP). */
export function renderTradeOutcome(
  r: TradeOutcome,
  title: string,
  robustness?: RobustnessReport,
): string {
  const out: string[] = [];
  out.push(`${title} — model ${r.model}, universe ${r.universe}, λ = ${r.lambda}`);
  if (r.status === 'improved')
    out.push(
      `result: IM ${money(r.before.initialMarginUsd)} → ${money(r.after.initialMarginUsd)} USD, saving ${money(r.savingUsd)} USD (${percent(r.savingFraction)}) for ${money(r.costUsd, 2)} USD of spread and fees (${r.rounding})`,
    );
  else out.push(`result: no improvement — ${r.reason ?? 'the book is returned unchanged'}`);
  out.push(marginTable(r.before, r.after));
  out.push(renderTrades(r.trades));
  out.push(renderExposures(r.exposuresBefore, r.exposuresAfter, r.bands));
  out.push(renderBinding(r.binding));
  if (robustness) out.push(renderRobustness(robustness));
  const rep =
    r.lp.representation === 'exact'
      ? "the model's own formula (delta shock and rounding checked exactly afterwards)"
      : r.lp.representation === 'surrogate'
        ? 'a scenario surrogate of the model, checked exactly afterwards'
        : 'no margin terms';
  out.push(
    `LP: ${r.lp.variables} variables × ${r.lp.constraints} constraints (${r.lp.nonzeros} non-zeros), margin as ${rep}; predicted IM ${money(r.lp.predictedInitialMarginUsd)} USD; HiGHS ${r.lp.method}, ${r.lp.iterations} iterations`,
  );
  if (r.tried.length > 1)
    out.push(
      `roundings tried: ${r.tried.map((t) => `${t.label} → IM ${money(t.initialMarginUsd)}${t.accepted ? '' : ' (rejected)'}`).join('; ')}`,
    );
  for (const w of r.warnings) out.push(`note: ${w}`);
  return out.join('\n');
}

/** The tracking QP report: the hedge report plus the tracked exposures. */
export function renderTracking(r: TrackingResult, robustness?: RobustnessReport): string {
  const tracked = renderTable(
    ['tracked exposure', 'target', 'before', 'after', 'scale'],
    r.tracked.map((t) => [
      `${t.underlying} ${t.greek} (${GREEK_UNITS[t.greek]})`,
      num(t.target),
      fmt(t.before, 4),
      fmt(t.after, 4),
      num(t.scale),
    ]),
    ['left', 'right', 'right', 'right', 'right'],
  );
  return `${renderTradeOutcome(r, 'exposure tracking (QP: margin + λ·cost + μ·Σ((E − target)/scale)²)', robustness)}\n${tracked}\nμ = ${money(r.mu)} USD; tracking penalty ${money(r.penaltyBeforeUsd)} → ${money(r.penaltyAfterUsd)} USD`;
}

/** The ES hedge report. */
export function renderEsHedge(r: EsHedgeResult): string {
  const out: string[] = [];
  out.push(`ES hedge — ${r.scenarios} scenarios, β = ${r.beta}`);
  out.push(
    r.status === 'improved'
      ? `result: ES ${money(r.before.expectedShortfall)} → ${money(r.after.expectedShortfall)} USD for ${money(r.costUsd, 2)} USD of spread and fees`
      : `result: no improvement — ${r.reason}`,
  );
  out.push(
    renderTable(
      ['on the scenarios (USD)', 'before', 'after'],
      [
        [
          `ES ${percent(r.beta, 0)}`,
          money(r.before.expectedShortfall),
          money(r.after.expectedShortfall),
        ],
        [`VaR ${percent(r.beta, 0)}`, money(r.before.valueAtRisk), money(r.after.valueAtRisk)],
        ['worst loss', money(r.before.worstLoss), money(r.after.worstLoss)],
      ],
    ),
  );
  out.push(renderTrades(r.trades));
  out.push(renderExposures(r.exposuresBefore, r.exposuresAfter, r.bands));
  out.push(renderBinding(r.binding));
  out.push(
    `LP: ${r.lp.variables} variables × ${r.lp.constraints} constraints (${r.lp.nonzeros} non-zeros), ES of the continuous optimum ${money(r.lpExpectedShortfall)} USD; HiGHS ${r.lp.method}`,
  );
  return out.join('\n');
}

function utilTable(rows: readonly PoolUtilization[], label: string): string {
  return renderTable(
    [label, 'equity', 'IM', 'utilization'],
    rows.map((p) => [
      p.currency,
      fmt(p.equity, 6),
      fmt(p.initialMargin, 6),
      percent(p.utilization),
    ]),
  );
}

/** The cure report: trades and top-up, compared. */
export function renderCure(r: CureResult): string {
  const out: string[] = [];
  out.push(
    `margin-call cure under ${r.model}: target IM utilization ≤ ${percent(r.targetUtilization)}`,
  );
  out.push(utilTable(r.before, 'before (pool)'));
  if (!r.needed) {
    out.push('no cure needed: every pool is at or below the target');
    return out.join('\n');
  }
  out.push(
    `1. collateral top-up: ${r.topUp.pools.map((t) => `${fmt(t.amount, 6)} ${t.currency} (${money(t.usd)} USD)`).join(' + ')} = ${money(r.topUp.totalUsd)} USD deposited`,
  );
  if (r.trades.status === 'cured') {
    out.push(`2. trades: cured for ${money(r.trades.costUsd, 2)} USD of spread and fees`);
    out.push(renderTrades(r.trades.trades));
    out.push(utilTable(r.trades.after, 'after the trades (pool)'));
    out.push(renderBinding(r.trades.binding));
  } else out.push(`2. trades: not possible — ${r.trades.reason}`);
  out.push(
    r.cheaper === 'trades'
      ? `cheaper now: the trades (${money(r.trades.costUsd, 2)} USD lost to spread and fees vs ${money(r.topUp.totalUsd)} USD to deposit)`
      : `cheaper now: the collateral top-up (${money(r.topUp.totalUsd)} USD deposited, still yours)`,
  );
  return out.join('\n');
}

/** The allocation report. */
export function renderAllocation(r: AllocationResult): string {
  const out: string[] = [];
  out.push(
    `${r.mode === 'route' ? 'routing new trades' : 'splitting a book'} across ${r.accounts.length} accounts — chosen: ${r.chosen}${r.status === 'baseline' ? ' (the LP allocation did not beat it under the exact models)' : ''}`,
  );
  if (r.reason) out.push(`note: ${r.reason}`);
  const names = r.accounts.map((a) => a.name);
  out.push(
    renderTable(
      ['instrument', 'size', ...names],
      r.lines.map((l) => [
        l.symbol,
        fmt(l.size, 4),
        ...l.shares.map((s) => (s.size === 0 ? '·' : fmt(s.size, 4))),
      ]),
      ['left', 'right', ...names.map(() => 'right' as const)],
    ),
  );
  out.push(
    renderTable(
      [
        'account',
        'model',
        'IM before (USD)',
        'IM after (USD)',
        'utilization after',
        'headroom (USD)',
      ],
      r.accounts.map((a) => [
        a.name,
        a.model,
        money(a.before.initialMarginUsd),
        money(a.after.initialMarginUsd),
        percent(a.utilizationAfter),
        money(a.headroomUsd),
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right'],
    ),
  );
  out.push(
    `total IM: ${money(r.totalInitialMarginBeforeUsd)} → ${money(r.totalInitialMarginUsd)} USD (LP predicted ${money(r.lpTotalInitialMarginUsd)})`,
  );
  out.push(
    renderTable(
      ['allocation compared (exact)', 'total IM (USD)', 'fits collateral'],
      r.baselines.map((b) => [b.label, money(b.totalInitialMarginUsd), b.fits ? 'yes' : 'no']),
      ['left', 'right', 'left'],
    ),
  );
  out.push(
    `LP: ${r.lp.variables} variables × ${r.lp.constraints} constraints (${r.lp.nonzeros} non-zeros)${r.lp.mip ? ', whole trades (MIP)' : ''}; HiGHS ${r.lp.method}`,
  );
  return out.join('\n');
}

/** The collateral-spreading report. */
export function renderCollateral(r: CollateralResult): string {
  const t = renderTable(
    [
      'account',
      'pool',
      'deposit',
      'deposit (USD)',
      'headroom before',
      'headroom after',
      'utilization',
    ],
    r.shares.map((s) => [
      s.account,
      s.currency,
      fmt(s.amount, 6),
      money(s.usd),
      money(s.headroomBeforeUsd),
      money(s.headroomAfterUsd),
      `${percent(s.utilizationBefore)} → ${percent(s.utilizationAfter)}`,
    ]),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
  );
  return `spreading ${money(r.amountUsd)} USD of collateral to maximise the smallest headroom (equity − IM)\n${t}\nsmallest headroom: ${money(r.minHeadroomBeforeUsd)} → ${money(r.minHeadroomAfterUsd)} USD (LP level ${money(r.minHeadroomLpUsd)})${r.skipped.map((x) => `\nnote: ${x}`).join('')}`;
}

const positionsJson = (p: Portfolio) => ({
  positions: p.positions.map((x) => ({
    instrument: x.instrument.symbol,
    size: x.size,
    ...(x.entryPrice === undefined ? {} : { entryPrice: x.entryPrice }),
  })),
  balances: p.balances,
});
const tradesJson = (ts: readonly ExecutedTrade[]) =>
  ts.map((t) => ({
    instrument: t.symbol,
    side: t.side,
    size: t.size,
    lpSize: t.lpSize,
    price: t.price,
    mark: t.mark,
    fee: t.fee,
    costUsd: t.costUsd,
    cashUsd: t.cashUsd,
  }));
const summaryJson = (s: MarginSummary) => ({
  initialMarginUsd: s.initialMarginUsd,
  maintenanceMarginUsd: s.maintenanceMarginUsd,
  equityUsd: s.equityUsd,
  pools: s.results.map((r) => ({
    currency: r.currency,
    initialMargin: r.initialMargin,
    maintenanceMargin: r.maintenanceMargin,
    equity: r.equity,
    utilization: r.utilization,
  })),
});

/** `--json` form of a hedge / tracking outcome (compact: no model internals). */
export function tradeOutcomeJson(r: TradeOutcome, robustness?: RobustnessReport): unknown {
  const { lpText: _lp, ...lp } = r.lp;
  const tracking = 'tracked' in r ? (r as TrackingResult) : undefined;
  return {
    status: r.status,
    reason: r.reason,
    model: r.model,
    universe: r.universe,
    lambda: r.lambda,
    before: summaryJson(r.before),
    after: summaryJson(r.after),
    savingUsd: r.savingUsd,
    savingFraction: r.savingFraction,
    costUsd: r.costUsd,
    cashUsd: r.cashUsd,
    trades: tradesJson(r.trades),
    exposuresBefore: r.exposuresBefore,
    exposuresAfter: r.exposuresAfter,
    bands: r.bands,
    binding: r.binding,
    rounding: r.rounding,
    tried: r.tried,
    lp,
    ...(tracking
      ? {
          tracked: tracking.tracked,
          mu: tracking.mu,
          penaltyBeforeUsd: tracking.penaltyBeforeUsd,
          penaltyAfterUsd: tracking.penaltyAfterUsd,
        }
      : {}),
    robustness,
    portfolioAfter: positionsJson(r.portfolioAfter),
    warnings: r.warnings,
  };
}

/** `--json` form of an ES hedge. */
export function esHedgeJson(r: EsHedgeResult): unknown {
  return { ...r, trades: tradesJson(r.trades), portfolioAfter: positionsJson(r.portfolioAfter) };
}

/** `--json` form of a cure. */
export function cureJson(r: CureResult): unknown {
  const { afterSummary, portfolioAfter, trades, ...rest } = r.trades;
  return {
    ...r,
    trades: {
      ...rest,
      trades: tradesJson(trades),
      afterSummary: summaryJson(afterSummary),
      portfolioAfter: positionsJson(portfolioAfter),
    },
  };
}

/** `--json` form of an allocation. */
export function allocationJson(r: AllocationResult): unknown {
  return {
    ...r,
    accounts: r.accounts.map((a) => ({
      name: a.name,
      model: a.model,
      before: summaryJson(a.before),
      after: summaryJson(a.after),
      utilizationAfter: a.utilizationAfter,
      headroomUsd: a.headroomUsd,
      fits: a.fits,
      portfolioAfter: positionsJson(a.portfolioAfter),
    })),
  };
}
