/**
 * The book page (`#/account/<id>` for a stored account, `#/book/<data>` for a shared link):
 * headline numbers, heatmap, P&L today and at expiry, greeks, margin attribution, the
 * every-model comparison, what-if, the optimizer's trades, and the sliders for spot, vol and
 * date. A slider move re-asks the API with `overrides` (index = today's index × (1 + spot %),
 * volScale, days); the page never recomputes a number itself.
 */
import { get, post } from './api.ts';
import { drawHeatmap, drawPnl, type Grid } from './charts.ts';
import { esc, money, pct } from './format.ts';
import { attributionTable, compareTable, greeksTable, optimizerList } from './panels.ts';
import { download, shareHash, toCsv, type SharedView } from './share.ts';
import type {
  Account,
  Book,
  CompareResponse,
  GreeksResponse,
  HealthResponse,
  MarginResponse,
  OptimizeResponse,
  PnlResponse,
  WhatIfResponse,
} from './types.ts';

/** The state of one book page. */
export interface View {
  name: string;
  book: Book;
  account: Account | null;
  marketId: string;
  asOfMs: number;
  model: string;
  underlying: string;
  index0: number;
  moves: SharedView['moves'];
  /** The API responses on the page (what the exports write). */
  shown: Record<string, unknown>;
  seq: number;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

export const underlyingOf = (symbol: string): string => symbol.split(/[-_]/)[0]!.toUpperCase();

/** The market moves of the sliders as the API's `overrides` (undefined when none). */
export function overridesOf(v: View): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {};
  if (v.moves.spotPct !== 0) o.index = { [v.underlying]: v.index0 * (1 + v.moves.spotPct / 100) };
  if (v.moves.volScale !== 1) o.volScale = v.moves.volScale;
  if (v.moves.days !== 0) o.days = v.moves.days;
  return Object.keys(o).length === 0 ? undefined : o;
}

function base(v: View): Record<string, unknown> {
  const o = overridesOf(v);
  return {
    portfolio: v.book,
    marketId: v.marketId,
    allowStale: true,
    ...(o ? { overrides: o } : {}),
  };
}

function card(label: string, value: string, testid: string, raw?: number): string {
  return `<div class="card"><div class="label">${label}</div><div class="value" data-testid="${testid}"${raw === undefined ? '' : ` data-value="${raw}"`}>${value}</div></div>`;
}

const layout = (v: View): string => `
  <h1 id="title">${esc(v.name)}${v.account ? ` · version ${v.account.version}` : ' · shared book'}</h1>
  <div class="panel toolbar" id="toolbar">
    <label>model <select id="model"></select></label>
    <label>spot <input type="range" id="sl-spot" min="-50" max="50" step="1" value="${v.moves.spotPct}" /><span id="sl-spot-v"></span></label>
    <label>vol × <input type="range" id="sl-vol" min="0.5" max="2" step="0.05" value="${v.moves.volScale}" /><span id="sl-vol-v"></span></label>
    <label>date <input type="range" id="sl-days" min="0" max="30" step="1" value="${v.moves.days}" /><span id="sl-days-v"></span></label>
    <button id="reset">reset market</button>
    <span class="spacer"></span>
    ${v.account ? '' : '<input id="save-id" placeholder="new account id" size="12" />'}
    <button id="save">${v.account ? 'save book' : 'save as account'}</button>
    <button id="share">share link</button>
    <button id="export-csv">CSV</button><button id="export-json">JSON</button>
    <input id="share-link" data-testid="share-link" readonly size="18" placeholder="link" />
    <span id="status" data-testid="status"></span>
  </div>
  <div class="cards" id="cards"></div>
  <div class="grid">
    <div class="panel"><h2>Spot × vol scenarios (deribit-pm risk matrix, pool currency)</h2><div id="heatmap" class="chart"></div></div>
    <div class="panel"><h2>P&amp;L against spot (USD): today and at expiry</h2><div id="pnl" class="chart"></div><div id="breakevens" class="muted"></div></div>
    <div class="panel"><h2>Greeks</h2><div id="greeks"></div></div>
    <div class="panel"><h2>Margin attribution (<span class="model-name"></span>)</h2><div id="attribution"></div></div>
    <div class="panel"><h2>Every model (USD)</h2><div id="compare"></div></div>
    <div class="panel whatif"><h2>What-if (<span class="model-name"></span>)</h2>
      <input class="symbol" id="wi-symbol" placeholder="BTC-PERPETUAL" value="" />
      <input class="size" id="wi-size" placeholder="size (coins)" value="" />
      <button id="wi-add">add to book</button>
      <div class="out" id="wi-out">type a trade: symbol and signed size in coins</div></div>
    <div class="panel"><h2>Optimizer (<span class="model-name"></span>) <button id="opt-run">suggest trades</button></h2><div id="optimizer" class="muted">cheapest trades that lower the margin</div></div>
    <div class="panel"><h2>Pools</h2><table id="pools"></table><div id="notes"></div></div>
    ${v.account ? '<div class="panel"><h2>Margin over time (stored results) <button id="record">record now</button></h2><div id="history" class="chart"></div><div id="history-count" data-testid="history-count"></div></div>' : ''}
  </div>`;

function liquidationPrices(h: HealthResponse, u: string): number[] {
  return h.liquidation.pools
    .flatMap((p) => p.underlyings)
    .filter((x) => x.underlying === u)
    .flatMap((x) => [x.down.price, x.up.price])
    .filter((x): x is number => x !== null);
}

function headline(v: View, h: HealthResponse): void {
  const hh = h.health;
  const p0 = hh.pools.length === 1 ? hh.pools[0] : undefined;
  $('cards').innerHTML = [
    card('state', `<span class="state-${hh.state}">${hh.state}</span>`, 'state'),
    card('equity (USD)', money(hh.equityUsd), 'equity', hh.equityUsd),
    card(
      `initial margin (USD, ${esc(v.model)})`,
      money(hh.initialMarginUsd),
      'im',
      hh.initialMarginUsd,
    ),
    card('maintenance margin (USD)', money(hh.maintenanceMarginUsd), 'mm', hh.maintenanceMarginUsd),
    card('free collateral (USD)', money(hh.freeCollateralUsd), 'free', hh.freeCollateralUsd),
    ...(p0 ? [card('IM utilization', pct(p0.imUtilization), 'utilization', p0.imUtilization)] : []),
  ].join('');
  $('pools').innerHTML =
    '<tr><th>pool</th><th>equity</th><th>IM</th><th>MM</th><th>IM util.</th><th>state</th></tr>' +
    hh.pools
      .map(
        (p) =>
          `<tr><td>${p.currency}</td><td>${money(p.equity, 4)}</td><td>${money(p.initialMargin, 4)}</td><td>${money(p.maintenanceMargin, 4)}</td><td>${pct(p.imUtilization)}</td><td class="state-${p.state}">${p.state}</td></tr>`,
      )
      .join('');
  $('notes').innerHTML = h.warnings.map((w) => `<p class="warn">${esc(w)}</p>`).join('');
}

function pnlChart(v: View, c: PnlResponse, liq: number[]): void {
  const e = c.expiry;
  const label = e ? `P&L at expiry ${new Date(e.expiryMs).toISOString().slice(0, 10)}` : '';
  drawPnl($('pnl'), c.underlying, c.index, c.points, liq, e ? { label, ...e } : null);
  $('breakevens').innerHTML = e
    ? `breakevens at expiry: ${e.breakevens.map((b) => `<span data-testid="breakeven" data-value="${b}">${money(b)}</span>`).join(', ') || 'none in range'}`
    : 'no dated position: no expiry curve';
}

/** The P&L range: ±50 %, wider to show the liquidation prices. */
const spanFor = (index: number, liq: number[]): number =>
  Math.min(0.95, Math.max(0.5, ...liq.map((x) => Math.abs(x / index - 1) * 1.15)));

/** Re-asks the API for every panel with the current book, model and sliders. */
export async function refresh(v: View): Promise<void> {
  const seq = ++v.seq;
  document.body.dataset.ready = 'false';
  $('status').textContent = 'updating…';
  const b = base(v);
  try {
    const [h, rm, g, m, c] = await Promise.all([
      post<HealthResponse>('/v1/health', { ...b, model: v.model }),
      post<{ grids: Grid[] }>('/v1/risk-matrix', b),
      post<GreeksResponse>('/v1/greeks', b),
      post<MarginResponse>('/v1/margin', { ...b, model: v.model }),
      post<CompareResponse>('/v1/compare', b),
    ]);
    const liq = liquidationPrices(h, v.underlying);
    const index = v.index0 * (1 + v.moves.spotPct / 100);
    const curve = await post<PnlResponse>('/v1/pnl-curve', {
      ...b,
      underlying: v.underlying,
      points: 121,
      span: spanFor(index, liq),
    });
    if (seq !== v.seq) return;
    v.shown = { health: h, margin: m, greeks: g, compare: c, riskMatrix: rm, pnlCurve: curve };
    headline(v, h);
    if (rm.grids[0]) drawHeatmap($('heatmap'), rm.grids[0]);
    pnlChart(v, curve, liq);
    $('greeks').innerHTML = greeksTable(g);
    $('attribution').innerHTML = attributionTable(m);
    $('compare').innerHTML = compareTable(c, v.model);
    $('status').textContent = overridesOf(v) ? 'market moved by the sliders' : '';
    $('status').dataset.overrides = JSON.stringify(overridesOf(v) ?? null);
    document.body.dataset.refreshed = String(seq);
    document.body.dataset.ready = 'true';
  } catch (e) {
    if (seq !== v.seq) return;
    $('status').innerHTML =
      `<span class="error" data-testid="status-error">${esc((e as Error).message)}</span>`;
    document.body.dataset.refreshed = String(seq);
    document.body.dataset.ready = 'true';
  }
}

/** Asks the API for the margin after `trades` (sizes in coins, signed) and shows it. */
export async function whatIf(
  v: View,
  trades: { instrument: string; size: number }[],
  signal?: AbortSignal,
): Promise<void> {
  const out = $('wi-out');
  try {
    const r = await post<WhatIfResponse>(
      '/v1/whatif',
      { ...base(v), model: v.model, trades, detail: 'summary' },
      signal,
    );
    out.innerHTML = `<table><tr><th></th><th>IM (USD)</th><th>MM (USD)</th></tr>
      <tr><td>now</td><td>${money(r.beforeUsd.initialMargin)}</td><td>${money(r.beforeUsd.maintenanceMargin)}</td></tr>
      <tr><td>after ${trades.length} trade${trades.length > 1 ? 's' : ''}</td><td data-testid="whatif-im" data-value="${r.afterUsd.initialMargin}">${money(r.afterUsd.initialMargin)}</td><td data-testid="whatif-mm" data-value="${r.afterUsd.maintenanceMargin}">${money(r.afterUsd.maintenanceMargin)}</td></tr>
      <tr><td>change</td><td>${money(r.afterUsd.initialMargin - r.beforeUsd.initialMargin)}</td><td></td></tr></table>`;
    v.shown.whatIf = r;
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    out.innerHTML = `<span class="error" data-testid="whatif-error">${esc((e as Error).message)}</span>`;
  }
}

/** The optimizer panel: POST /v1/optimize on demand; "apply as what-if" runs its trades. */
export function optimizerPanel(v: View): void {
  $('opt-run').addEventListener('click', () => {
    const el = $('optimizer');
    el.textContent = 'optimizing…';
    void post<OptimizeResponse>('/v1/optimize', { ...base(v), model: v.model })
      .then((o) => {
        v.shown.optimize = o;
        el.className = '';
        el.innerHTML = optimizerList(o);
        el.dataset.done = 'true';
        document.getElementById('opt-apply')?.addEventListener('click', () => {
          const trades = o.trades.map((t) => ({
            instrument: t.instrument,
            size: t.side === 'buy' ? t.size : -t.size,
          }));
          void whatIf(v, trades);
        });
      })
      .catch((e: Error) => {
        el.innerHTML = `<span class="error">${esc(e.message)}</span>`;
      });
  });
}

/** The what-if inputs: a typed trade is re-asked as you type; "add to book" keeps it. */
export function whatIfPanel(v: View): void {
  const sym = $<HTMLInputElement>('wi-symbol');
  const size = $<HTMLInputElement>('wi-size');
  let timer: number | undefined;
  let inflight: AbortController | undefined;
  const trade = () => {
    const n = Number(size.value);
    if (sym.value.trim() === '' || size.value.trim() === '' || !Number.isFinite(n) || n === 0)
      return null;
    return { instrument: sym.value.trim(), size: n };
  };
  const run = () => {
    const t = trade();
    if (!t) return;
    inflight?.abort();
    inflight = new AbortController();
    void whatIf(v, [t], inflight.signal);
  };
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 150);
  };
  sym.addEventListener('input', schedule);
  size.addEventListener('input', schedule);
  $('wi-add').addEventListener('click', () => {
    const t = trade();
    if (!t) return;
    v.book = { ...v.book, positions: [...v.book.positions, t] };
    void refresh(v);
  });
}

/** The toolbar: model switcher, sliders, save, share, exports. */
export async function toolbar(v: View, expiryMs: number | null): Promise<void> {
  const models = await get<{ id: string; title: string }[]>('/v1/models');
  const sel = $<HTMLSelectElement>('model');
  sel.innerHTML = models
    .map(
      (m) =>
        `<option value="${esc(m.id)}"${m.id === v.model ? ' selected' : ''}>${esc(m.id)}</option>`,
    )
    .join('');
  const names = () =>
    document.querySelectorAll('.model-name').forEach((e) => (e.textContent = v.model));
  names();
  sel.addEventListener('change', () => {
    v.model = sel.value;
    names();
    void refresh(v);
  });
  const days = $<HTMLInputElement>('sl-days');
  if (expiryMs !== null)
    days.max = String(Math.max(0, Math.ceil((expiryMs - v.asOfMs) / 86_400_000) - 1));
  sliders(v);
  $('save').addEventListener('click', () => void save(v));
  $('share').addEventListener('click', () => {
    const link = `${location.origin}${location.pathname}${shareHash({ name: v.name, book: v.book, model: v.model, moves: v.moves })}`;
    $<HTMLInputElement>('share-link').value = link;
    void navigator.clipboard?.writeText(link).catch(() => undefined);
  });
  $('export-json').addEventListener('click', () =>
    download(
      `${v.name}.json`,
      'application/json',
      `${JSON.stringify({ book: v.book, model: v.model, overrides: overridesOf(v) ?? null, ...v.shown }, null, 2)}\n`,
    ),
  );
  $('export-csv').addEventListener('click', () =>
    download(`${v.name}.csv`, 'text/csv', toCsv({ book: v.book, ...v.shown })),
  );
}

function sliders(v: View): void {
  const spot = $<HTMLInputElement>('sl-spot');
  const vol = $<HTMLInputElement>('sl-vol');
  const days = $<HTMLInputElement>('sl-days');
  let timer: number | undefined;
  const show = () => {
    $('sl-spot-v').textContent =
      `${v.moves.spotPct > 0 ? '+' : ''}${v.moves.spotPct} % (${money(v.index0 * (1 + v.moves.spotPct / 100))})`;
    $('sl-vol-v').textContent = `${v.moves.volScale.toFixed(2)}`;
    $('sl-days-v').textContent = `+${v.moves.days} d`;
  };
  const changed = () => {
    v.moves = {
      spotPct: Number(spot.value),
      volScale: Number(vol.value),
      days: Number(days.value),
    };
    show();
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void refresh(v), 200);
  };
  for (const el of [spot, vol, days]) el.addEventListener('input', changed);
  $('reset').addEventListener('click', () => {
    spot.value = '0';
    vol.value = '1';
    days.value = '0';
    changed();
  });
  show();
}

async function save(v: View): Promise<void> {
  const status = $('status');
  try {
    if (v.account) {
      const a = await post<Account>(
        `/v1/accounts/${encodeURIComponent(v.account.id)}/book`,
        { portfolio: v.book, expectedVersion: v.account.version },
        undefined,
        'PUT',
      );
      v.account = a;
      $('title').textContent = `${a.name} · version ${a.version}`;
      status.innerHTML = `<span data-testid="saved" data-version="${a.version}">saved as version ${a.version}</span>`;
    } else {
      const id = $<HTMLInputElement>('save-id').value.trim();
      const a = await post<Account>('/v1/accounts', { id, name: v.name, portfolio: v.book });
      status.innerHTML = `<span data-testid="saved" data-version="${a.version}">saved as <a href="#/account/${encodeURIComponent(a.id)}">${esc(a.id)}</a></span>`;
    }
  } catch (e) {
    status.innerHTML = `<span class="error" data-testid="status-error">${esc((e as Error).message)}</span>`;
  }
}

/** Builds the page for `v`; resolves once every panel shows the API's numbers. */
export async function bookPage(
  app: HTMLElement,
  v: Omit<View, 'underlying' | 'index0' | 'shown' | 'seq' | 'asOfMs' | 'marketId'>,
): Promise<View> {
  const u = underlyingOf(v.book.positions[0]?.instrument ?? v.book.balances[0]?.currency ?? 'BTC');
  const meta = await get<{ id: string; asOf: string }>(`/v1/markets/latest/${u}`);
  const view: View = {
    ...v,
    underlying: u,
    marketId: meta.id,
    asOfMs: Date.parse(meta.asOf),
    index0: NaN,
    shown: {},
    seq: 0,
  };
  app.innerHTML = layout(view);
  const c0 = await post<PnlResponse>('/v1/pnl-curve', {
    portfolio: view.book,
    marketId: view.marketId,
    allowStale: true,
    underlying: u,
    points: 3,
    span: 0.01,
  });
  view.index0 = c0.index;
  await toolbar(view, c0.expiry?.expiryMs ?? null);
  whatIfPanel(view);
  optimizerPanel(view);
  await refresh(view);
  return view;
}
