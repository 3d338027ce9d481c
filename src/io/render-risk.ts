/**
 * Readable reports of the risk commands: VaR/ES with the tail scenarios, stress P&L, account
 * health with liquidation distances and solvency, and margin backtests with Kupiec's test.
 */
import { toIsoDate } from '../core/time.ts';
import type { AccountHealth } from '../account/health.ts';
import type { ContagionReport } from '../account/contagion.ts';
import type { LiquidationPoint, LiquidationReport } from '../account/liquidation.ts';
import type { SolvencyReport } from '../account/solvency.ts';
import type { MarginResult } from '../margin/margin-result.ts';
import type { RiskBasedDetails } from '../margin/risk-based/risk-based.ts';
import type { BacktestReport } from '../risk/backtest.ts';
import { decimalsFor } from './render-margin.ts';
import { fmt, renderTable, truncate } from './table.ts';
import { confidencePercent, percent, signedPercent } from './render-percent.ts';

/**
 * VaR/ES report of one pool result of `var`/`es` (details: `RiskBasedDetails`). A pool of
 * collateral only has no scenario set and no details (margin/collateral-pool.ts): its equity.
 */
export function renderVarResult(r: MarginResult, topN = 10): string {
  const d = r.details as RiskBasedDetails | undefined;
  const dec = decimalsFor(r.currency);
  if (!d)
    return `${r.model} — pool ${r.currency}: no positions, no scenarios; IM ${fmt(r.initialMargin, dec)}, MM ${fmt(r.maintenanceMargin, dec)}, equity ${fmt(r.equity, dec)}`;
  const conf = confidencePercent(d.confidence);
  const out: string[] = [];
  out.push(`${r.model} — pool ${r.currency}: ${conf} over ${d.horizonDays} day(s)`);
  out.push(`scenarios: ${d.scenarioSource}`);
  out.push(
    renderTable(
      ['', r.currency],
      [
        [`VaR ${conf}`, fmt(d.valueAtRisk, dec)],
        [`ES ${conf}`, fmt(d.expectedShortfall, dec)],
        [
          `initial margin (${d.measure === 'var' ? 'VaR' : 'ES'}, floored at 0)`,
          fmt(r.initialMargin, dec),
        ],
        [`maintenance margin (${d.maintenanceFraction} × IM)`, fmt(r.maintenanceMargin, dec)],
        ['equity', fmt(r.equity, dec)],
        ['scenarios (tail)', `${d.scenarios} (${d.tailCount})`],
      ],
      ['left', 'right'],
    ),
  );
  out.push(
    `VaR scenario: ${truncate(d.varScenario.label, 90)} [${d.varScenario.id}], P&L ${fmt(d.varScenario.pnl, dec)}`,
  );
  out.push(
    renderTable(
      ['tail scenario (worst first)', 'id', `P&L (${r.currency})`],
      d.tail.slice(0, topN).map((t) => [truncate(t.label, 64), t.id, fmt(t.pnl, dec)]),
      ['left', 'left', 'right'],
    ),
  );
  const contrib = [...d.measureContributions].sort((a, b) => b.loss - a.loss).slice(0, topN);
  out.push(
    renderTable(
      [`contribution to ${d.measure === 'var' ? 'VaR' : 'ES'}`, 'size', `loss (${r.currency})`],
      contrib.map((c) => [c.symbol, fmt(c.size, 4), fmt(c.loss, dec)]),
    ),
  );
  for (const u of r.unverified) out.push(`unverified: ${u}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

/** One stress row: scenario and P&L per pool and in USD. */
export interface StressRow {
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly pnl: Readonly<Record<string, number>>;
  readonly pnlUsd: number;
  readonly equityChangeUsd: number;
}

/** Stress table, worst first, with the pools' equity for scale. */
export function renderStress(
  rows: readonly StressRow[],
  pools: readonly { currency: string; equity: number }[],
): string {
  const head = [
    'scenario',
    'group',
    ...pools.map((p) => `P&L ${p.currency}`),
    'P&L USD',
    ...pools.map((p) => `of equity ${p.currency}`),
    'value Δ USD',
  ];
  const table = rows.map((r) => [
    truncate(r.label, 70),
    r.group,
    ...pools.map((p) => fmt(r.pnl[p.currency], decimalsFor(p.currency))),
    fmt(r.pnlUsd, 0),
    ...pools.map((p) =>
      p.equity > 0 ? signedPercent((r.pnl[p.currency] ?? 0) / p.equity, 1) : '—',
    ),
    fmt(r.equityChangeUsd, 0),
  ]);
  return renderTable(
    head,
    table,
    head.map((_, i) => (i < 2 ? 'left' : 'right')),
  );
}

function sideText(p: LiquidationPoint): [string, string, string] {
  if (p.multiplier === undefined)
    return ['none', `beyond ${signedPercent(p.searchedTo - 1, 0)}`, '—'];
  return [
    fmt(p.price, 2),
    signedPercent(p.distancePct),
    p.distanceSigma === undefined
      ? '—'
      : `${p.distanceSigma >= 0 ? '+' : '−'}${Math.abs(p.distanceSigma).toFixed(2)} σ`,
  ];
}

/** Account health, liquidation distances, solvency and (optional) contagion. */
export function renderHealth(
  h: AccountHealth,
  liq: LiquidationReport,
  sol: SolvencyReport,
  contagion?: ContagionReport,
): string {
  const out = [
    ...healthLines(h),
    ...liquidationLines(liq),
    ...solvencyLines(sol),
    ...(contagion ? contagionLines(contagion) : []),
  ];
  for (const u of h.unverified) out.push(`unverified: ${u}`);
  for (const w of [...liq.warnings, ...sol.warnings]) out.push(`warning: ${w}`);
  return out.join('\n');
}

/** The account state, the pools table and the USD totals. */
function healthLines(h: AccountHealth): string[] {
  const out: string[] = [];
  out.push(`${h.model}: account ${h.state.toUpperCase()} (thresholds: ${h.venue})`);
  out.push(
    renderTable(
      [
        'pool',
        'state',
        'equity',
        'IM',
        'MM',
        'IM / equity',
        'MM / equity',
        'free collateral',
        'equity − MM',
      ],
      h.pools.map((p) => {
        const d = decimalsFor(p.currency);
        return [
          p.currency,
          p.state,
          fmt(p.equity, d),
          fmt(p.initialMargin, d),
          fmt(p.maintenanceMargin, d),
          percent(p.imUtilization),
          percent(p.mmUtilization),
          fmt(p.freeCollateral, d),
          fmt(p.excessOverMaintenance, d),
        ];
      }),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  for (const p of h.pools)
    if (p.rule)
      out.push(
        `${p.currency}: ${p.state} because ${p.rule.metric} ${p.rule.op} ${p.rule.value} ${p.rule.source}`,
      );
  out.push(
    `totals (USD): equity ${fmt(h.equityUsd, 2)}, IM ${fmt(h.initialMarginUsd, 2)}, MM ${fmt(h.maintenanceMarginUsd, 2)}, free collateral ${fmt(h.freeCollateralUsd, 2)}`,
  );
  return out;
}

/** Liquidation prices and distances per underlying, the joint move, and notes. */
function liquidationLines(liq: LiquidationReport): string[] {
  const out: string[] = [];
  const sigmaNote = `σ over ${liq.sigmaHorizonDays} day(s) from ${liq.volSource ?? 'no vol source'}`;
  out.push(
    `\nliquidation (equity = MM, re-margined by ${liq.model} at the moved market; ${sigmaNote}; inverse futures/perps held at ${liq.inverseSize === 'usd-notional' ? 'their USD face' : 'constant coin size'}):`,
  );
  const rows: string[][] = [];
  for (const pool of liq.pools) {
    for (const u of pool.underlyings) {
      const up = sideText(u.up);
      const dn = sideText(u.down);
      rows.push([
        pool.currency,
        u.underlying,
        fmt(u.index, 2),
        dn[0],
        dn[1],
        dn[2],
        up[0],
        up[1],
        up[2],
      ]);
    }
  }
  out.push(
    renderTable(
      [
        'pool',
        'underlying',
        'index',
        'liq. price ↓',
        'distance ↓',
        'σ ↓',
        'liq. price ↑',
        'distance ↑',
        'σ ↑',
      ],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  for (const pool of liq.pools) {
    const j = pool.joint;
    if (!j || Object.keys(j.direction).length < 2) continue;
    const side = (p: typeof j.up) =>
      p.sigmas === undefined
        ? 'none in range'
        : `${p.sigmas.toFixed(2)} σ (${Object.entries(p.moves!)
            .map(([u, m]) => `${u} ${signedPercent(m)}`)
            .join(', ')})`;
    out.push(
      `${pool.currency} joint move along the first principal component (${percent(j.explainedVariance, 0)} of variance): down ${side(j.down)}; up ${side(j.up)}`,
    );
  }
  for (const pool of liq.pools)
    for (const u of pool.underlyings)
      for (const s of [u.up, u.down])
        if (s.note) out.push(`note (${pool.currency} ${u.underlying} ${s.direction}): ${s.note}`);
  return out;
}

/** Solvency and its change per 1% move, and the buffer in σ. */
function solvencyLines(sol: SolvencyReport): string[] {
  const out: string[] = [];
  out.push(
    '\nsolvency (equity − MM) and its change per 1% move; USD columns value the pool at the moved index (coin collateral shocked too):',
  );
  const srows: string[][] = [];
  for (const p of sol.pools) {
    const d = decimalsFor(p.currency);
    for (const s of p.sensitivities)
      srows.push([
        p.currency,
        fmt(p.solvency, d),
        s.underlying,
        fmt(s.down, d),
        fmt(s.up, d),
        fmt(s.downUsd, 2),
        fmt(s.upUsd, 2),
      ]);
  }
  out.push(
    renderTable(['pool', 'equity − MM', 'move', '−1%', '+1%', '−1% (USD)', '+1% (USD)'], srows, [
      'left',
      'right',
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
  );
  out.push(
    `buffer ${fmt(sol.solvencyUsd, 2)} USD; 1-day σ of the buffer ${fmt(sol.solvencyVolatilityUsd, 2)} USD${sol.bufferInSigmas === undefined ? '' : ` (${sol.bufferInSigmas.toFixed(1)} σ)`}`,
  );
  return out;
}

/** The contagion shock and the account before and after it. */
function contagionLines(contagion: ContagionReport): string[] {
  const out: string[] = [];
  out.push(
    `\ncontagion: ${contagion.shocked} ${signedPercent(contagion.shock, 1)} carried through correlation (β = ρ·σ_j/σ_i; vols ${contagion.volSource}, correlation ${contagion.correlationSource}): ${contagion.moves.map((m) => `${m.underlying} ${signedPercent(m.move)} (β ${m.beta.toFixed(2)})`).join(', ')}`,
  );
  out.push(
    renderTable(
      ['', 'before', 'after'],
      [
        ['state', contagion.before.state, contagion.after.state],
        ['equity (USD)', fmt(contagion.before.equityUsd, 2), fmt(contagion.after.equityUsd, 2)],
        [
          'IM (USD)',
          fmt(contagion.before.initialMarginUsd, 2),
          fmt(contagion.after.initialMarginUsd, 2),
        ],
        [
          'MM (USD)',
          fmt(contagion.before.maintenanceMarginUsd, 2),
          fmt(contagion.after.maintenanceMarginUsd, 2),
        ],
      ],
      ['left', 'right', 'right'],
    ),
  );
  return out;
}

/** Backtest summary per pool (and the worst breach days). */
export function renderBacktest(model: string, r: BacktestReport, worstN = 5): string {
  const out: string[] = [];
  out.push(
    `${model}: backtest ${toIsoDate(r.fromMs)} → ${toIsoDate(r.toMs)}, ${r.days} days, losses over ${r.horizonDays} day(s) against ${r.against === 'initial' ? 'IM' : 'MM'}, coverage tested at ${confidencePercent(r.confidence)}`,
  );
  out.push(
    renderTable(
      [
        'pool',
        'days',
        'breaches',
        'expected',
        'coverage',
        'Kupiec LR',
        'p-value',
        'verdict',
        'avg margin',
        'avg exposure',
        'cost of margin',
        'max loss',
        'worst shortfall',
      ],
      r.pools.map((p) => {
        const d = decimalsFor(p.currency);
        return [
          p.currency,
          String(p.observations),
          String(p.breaches),
          p.kupiec.expectedBreaches.toFixed(1),
          percent(p.coverage, 2),
          p.kupiec.lr.toFixed(3),
          p.kupiec.pValue.toFixed(4),
          p.kupiec.rejected ? `reject at ${confidencePercent(p.kupiec.significance)}` : 'ok',
          fmt(p.averageMargin, d),
          fmt(p.averageExposure, d),
          percent(p.costOfMargin, 2),
          fmt(p.maxLoss, d),
          fmt(p.worstShortfall, d),
        ];
      }),
      [
        'left',
        'right',
        'right',
        'right',
        'right',
        'right',
        'right',
        'left',
        'right',
        'right',
        'right',
        'right',
        'right',
      ],
    ),
  );
  for (const p of r.pools) {
    const worst = p.rows
      .filter((x) => x.breach)
      .sort((a, b) => b.loss - b.margin - (a.loss - a.margin))
      .slice(0, worstN);
    if (worst.length === 0) continue;
    const d = decimalsFor(p.currency);
    out.push(
      renderTable(
        [`${p.currency} worst breaches`, 'margin', 'loss', 'shortfall'],
        worst.map((x) => [
          toIsoDate(x.timeMs),
          fmt(x.margin, d),
          fmt(x.loss, d),
          fmt(x.loss - x.margin, d),
        ]),
      ),
    );
  }
  for (const a of r.assumptions) out.push(`assumption: ${a}`);
  return out.join('\n');
}
