/**
 * The tables of the book page: greeks per position and total, margin attribution per position
 * (P&L in the worst scenario) and per add-on, the every-model comparison with the cheapest
 * highlighted, and the optimizer's suggested trades. Each cell shows an API number; the raw
 * value is in `data-value` so tests (and exports) read exactly what the API answered.
 */
import { esc, money, pct } from './format.ts';
import type {
  CompareResponse,
  Greeks,
  GreeksResponse,
  MarginResponse,
  OptimizeResponse,
} from './types.ts';

const KEYS = ['delta', 'gamma', 'vega', 'theta'] as const;

const num = (x: number, d: number, testid?: string): string =>
  `<td class="num"${testid ? ` data-testid="${testid}"` : ''} data-value="${x}">${money(x, d)}</td>`;

const greekCells = (g: Greeks, prefix?: string): string =>
  KEYS.map((k) =>
    num(g[k], k === 'delta' || k === 'gamma' ? 4 : 2, prefix && `${prefix}-${k}`),
  ).join('');

/** Greeks per position and the total per underlying. */
export function greeksTable(g: GreeksResponse): string {
  const head = `<tr><th>position</th><th>size</th>${KEYS.map((k) => `<th title="${esc(g.units[k] ?? '')}">${k}<br><span class="unit">${esc(g.units[k] ?? '')}</span></th>`).join('')}</tr>`;
  const rows = g.positions
    .map(
      (p) => `<tr><td>${esc(p.instrument)}</td><td class="num">${p.size}</td>${greekCells(p)}</tr>`,
    )
    .join('');
  const totals = Object.entries(g.totals)
    .map(
      ([u, t]) =>
        `<tr class="total"><td>total ${esc(u)}</td><td></td>${greekCells(t, `greeks-total-${u}`)}</tr>`,
    )
    .join('');
  return `<table>${head}${rows}${totals}</table><p class="muted">positions only: a coin balance adds its amount to the delta of its coin</p>`;
}

/** Attribution of the margin: each position's P&L in the worst scenario, and each add-on. */
export function attributionTable(m: MarginResponse): string {
  const ccy = esc(m.currency);
  const worst = m.worstScenario
    ? `<p class="muted">worst scenario: ${esc(m.worstScenario.label)} (P&amp;L ${money(m.worstScenario.pnl, 4)} ${ccy})</p>`
    : '<p class="muted">this model has no scenario part</p>';
  const pos = m.contributions
    .map((c) => `<tr><td>${esc(c.symbol)}</td><td class="num">${c.size}</td>${num(c.pnl, 4)}</tr>`)
    .join('');
  const adds = m.addOns
    .map(
      (a) =>
        `<tr><td title="${esc(a.description ?? '')}">${esc(a.name)}</td><td>${esc(a.appliesTo)}</td>${num(a.amount, 4)}</tr>`,
    )
    .join('');
  return `${worst}
    <table data-testid="contributions"><tr><th>position</th><th>size</th><th>P&amp;L in worst scenario (${ccy})</th></tr>${pos || '<tr><td colspan="3">—</td></tr>'}</table>
    <table data-testid="addons"><tr><th>add-on</th><th>applies to</th><th>amount (${ccy})</th></tr>${adds || '<tr><td colspan="3">none</td></tr>'}</table>
    <p class="muted">IM ${money(m.initialMargin, 4)} ${ccy} · MM ${money(m.maintenanceMargin, 4)} ${ccy}</p>`;
}

/** Every model side by side; the cheapest IM highlighted; a row click selects the model. */
export function compareTable(c: CompareResponse, current: string): string {
  const ims = c.models.map((m) => m.initialMarginUsd).filter((x): x is number => x !== null);
  const cheapest = Math.min(...ims);
  const rows = c.models
    .map((m) => {
      const cls = [
        m.initialMarginUsd === cheapest ? 'cheapest' : '',
        m.model === current ? 'current' : '',
      ].join(' ');
      const im =
        m.initialMarginUsd === null
          ? `<td class="muted" title="${esc(m.error ?? '')}">n/a</td>`
          : `<td class="num" data-testid="compare-im-${esc(m.model)}" data-value="${m.initialMarginUsd}">${money(m.initialMarginUsd)}</td>`;
      return `<tr class="${cls.trim()}" data-model="${esc(m.model)}"><td>${esc(m.model)}${m.initialMarginUsd === cheapest ? ' <span class="badge">cheapest</span>' : ''}</td>${im}<td class="num">${money(m.maintenanceMarginUsd)}</td><td class="num">${pct(m.savingVsIsolated, 1)}</td></tr>`;
    })
    .join('');
  return `<table id="compare-table"><tr><th>model</th><th>IM (USD)</th><th>MM (USD)</th><th>saving vs isolated</th></tr>${rows}</table>`;
}

/** The optimizer's suggested trades, with "apply as what-if". */
export function optimizerList(o: OptimizeResponse): string {
  if (o.trades.length === 0)
    return `<p class="muted">${esc(o.status)}: ${esc(o.reason ?? 'no trade lowers the margin')}</p>`;
  const rows = o.trades
    .map(
      (t) =>
        `<tr><td>${t.side}</td><td>${esc(t.instrument)}</td><td class="num">${t.size}</td><td class="num">${money(t.costUsd, 2)}</td></tr>`,
    )
    .join('');
  return `<p>IM ${money(o.before.initialMarginUsd)} → <b data-testid="opt-after" data-value="${o.after.initialMarginUsd}">${money(o.after.initialMarginUsd)}</b> USD for ${money(o.costUsd, 2)} USD of cost</p>
    <table><tr><th>side</th><th>instrument</th><th>size (coins)</th><th>cost (USD)</th></tr>${rows}</table>
    <button id="opt-apply">apply as what-if</button>`;
}
