/**
 * The dashboard: `#/` lists the accounts with their health state and IM utilization;
 * `#/account/<id>` shows one account: headline numbers per pool, the spot × vol heatmap with
 * the worst cell, P&L against spot with the liquidation prices, and a what-if panel that asks
 * the API for IM and MM after a trade as you type. Every number is the API's.
 */
import { ApiError, get, post } from './api.ts';
import { drawHeatmap, drawHistory, drawPnl, type Grid } from './charts.ts';
import { esc, money, pct } from './format.ts';

interface Account {
  id: string;
  name: string;
  version: number;
  book: {
    positions: { instrument: string; size: number }[];
    balances: { currency: string; amount: number }[];
  };
}
interface PoolHealth {
  currency: string;
  equity: number;
  initialMargin: number;
  maintenanceMargin: number;
  freeCollateral: number;
  imUtilization: number;
  mmUtilization: number;
  state: string;
}
interface HealthResponse {
  health: {
    state: string;
    equityUsd: number;
    initialMarginUsd: number;
    maintenanceMarginUsd: number;
    freeCollateralUsd: number;
    pools: PoolHealth[];
  };
  liquidation: {
    pools: {
      underlyings: {
        underlying: string;
        up: { price: number | null };
        down: { price: number | null };
      }[];
    }[];
  };
  warnings: string[];
}
interface WhatIfResponse {
  beforeUsd: { initialMargin: number; maintenanceMargin: number };
  afterUsd: { initialMargin: number; maintenanceMargin: number; equity: number };
  trades: { incrementalInitialMarginUsd: number }[];
}

const MODEL = 'deribit-pm';
const app = document.getElementById('app')!;

const underlyingOf = (symbol: string): string => symbol.split(/[-_]/)[0]!.toUpperCase();

/** The newest stored market for the book's first underlying. */
async function marketFor(a: Account): Promise<string> {
  const u = underlyingOf(a.book.positions[0]?.instrument ?? a.book.balances[0]?.currency ?? 'BTC');
  return (await get<{ id: string }>(`/v1/markets/latest/${u}`)).id;
}

function fail(e: unknown): void {
  app.insertAdjacentHTML(
    'beforeend',
    `<p class="error">${esc(e instanceof ApiError || e instanceof Error ? e.message : String(e))}</p>`,
  );
}

async function accountsPage(): Promise<void> {
  app.innerHTML =
    '<h1>Accounts</h1><div class="panel"><table id="accounts"><thead><tr><th>account</th><th>positions</th><th>state</th><th>IM utilization</th><th>MM utilization</th><th>IM (USD)</th><th>equity (USD)</th></tr></thead><tbody></tbody></table></div>';
  const body = app.querySelector('#accounts tbody')!;
  const accounts = await get<Account[]>('/v1/accounts');
  for (const a of accounts) {
    const tr = document.createElement('tr');
    tr.dataset.account = a.id;
    tr.innerHTML = `<td><a href="#/account/${encodeURIComponent(a.id)}">${esc(a.name)}</a></td><td>${a.book.positions.length}</td><td colspan="5">…</td>`;
    body.append(tr);
    try {
      const marketId = await marketFor(a);
      const h = await post<HealthResponse>('/v1/health', {
        portfolio: a.book,
        marketId,
        model: MODEL,
        allowStale: true,
        joint: false,
      });
      const p = h.health.pools[0];
      tr.innerHTML = `<td><a href="#/account/${encodeURIComponent(a.id)}">${esc(a.name)}</a></td><td>${a.book.positions.length}</td>
        <td class="state-${h.health.state}">${h.health.state}</td><td>${pct(p?.imUtilization)}</td><td>${pct(p?.mmUtilization)}</td>
        <td>${money(h.health.initialMarginUsd)}</td><td>${money(h.health.equityUsd)}</td>`;
    } catch (e) {
      tr.lastElementChild!.textContent = e instanceof Error ? e.message : String(e);
    }
  }
}

function card(label: string, value: string, testid: string, raw?: number): string {
  return `<div class="card"><div class="label">${label}</div><div class="value" data-testid="${testid}"${raw === undefined ? '' : ` data-value="${raw}"`}>${value}</div></div>`;
}

async function accountPage(id: string): Promise<void> {
  app.innerHTML = `<h1 id="title">Account ${esc(id)}</h1><div class="cards" id="cards"></div>
    <div class="grid">
      <div class="panel"><h2>Spot × vol scenarios (deribit-pm risk matrix, pool currency)</h2><div id="heatmap" class="chart"></div></div>
      <div class="panel"><h2>P&amp;L against spot (USD, today)</h2><div id="pnl" class="chart"></div></div>
      <div class="panel whatif"><h2>What-if (deribit-pm)</h2>
        <input class="symbol" id="wi-symbol" placeholder="BTC-PERPETUAL" value="" />
        <input class="size" id="wi-size" placeholder="size (coins)" value="" />
        <div class="out" id="wi-out">type a trade: symbol and signed size in coins</div></div>
      <div class="panel"><h2>Pools</h2><table id="pools"></table><div id="notes"></div></div>
      <div class="panel"><h2>Margin over time (stored results) <button id="record">record now</button></h2>
        <div id="history" class="chart"></div><div id="history-count" data-testid="history-count"></div></div>
    </div>`;
  const a = await get<Account>(`/v1/accounts/${encodeURIComponent(id)}`);
  document.getElementById('title')!.textContent = `${a.name} · version ${a.version}`;
  const marketId = await marketFor(a);
  const base = { portfolio: a.book, marketId, allowStale: true };
  const [h, rm] = await Promise.all([
    post<HealthResponse>('/v1/health', { ...base, model: MODEL }),
    post<{ grids: Grid[] }>('/v1/risk-matrix', base),
  ]);
  const hh = h.health;
  const p0 = hh.pools.length === 1 ? hh.pools[0] : undefined;
  document.getElementById('cards')!.innerHTML = [
    card('state', `<span class="state-${hh.state}">${hh.state}</span>`, 'state'),
    card('equity (USD)', money(hh.equityUsd), 'equity', hh.equityUsd),
    card('initial margin (USD)', money(hh.initialMarginUsd), 'im', hh.initialMarginUsd),
    card('maintenance margin (USD)', money(hh.maintenanceMarginUsd), 'mm', hh.maintenanceMarginUsd),
    card('free collateral (USD)', money(hh.freeCollateralUsd), 'free', hh.freeCollateralUsd),
    ...(p0 ? [card('IM utilization', pct(p0.imUtilization), 'utilization', p0.imUtilization)] : []),
  ].join('');
  document.getElementById('pools')!.innerHTML =
    '<tr><th>pool</th><th>equity</th><th>IM</th><th>MM</th><th>IM util.</th><th>state</th></tr>' +
    hh.pools
      .map(
        (p) =>
          `<tr><td>${p.currency}</td><td>${money(p.equity, 4)}</td><td>${money(p.initialMargin, 4)}</td><td>${money(p.maintenanceMargin, 4)}</td><td>${pct(p.imUtilization)}</td><td class="state-${p.state}">${p.state}</td></tr>`,
      )
      .join('');
  document.getElementById('notes')!.innerHTML = h.warnings
    .map((w) => `<p class="warn">${esc(w)}</p>`)
    .join('');
  if (rm.grids[0]) drawHeatmap(document.getElementById('heatmap')!, rm.grids[0]);

  const u = underlyingOf(a.book.positions[0]?.instrument ?? 'BTC');
  const liq = h.liquidation.pools
    .flatMap((p) => p.underlyings)
    .filter((x) => x.underlying === u)
    .flatMap((x) => [x.down.price, x.up.price])
    .filter((x): x is number => x !== null);
  const curve0 = await post<{ index: number; points: { spot: number; pnlUsd: number }[] }>(
    '/v1/pnl-curve',
    { ...base, underlying: u, points: 3, span: 0.01 },
  );
  const reach = Math.max(0.5, ...liq.map((x) => Math.abs(x / curve0.index - 1) * 1.15));
  const curve = await post<{ index: number; points: { spot: number; pnlUsd: number }[] }>(
    '/v1/pnl-curve',
    { ...base, underlying: u, points: 121, span: Math.min(0.95, reach) },
  );
  drawPnl(document.getElementById('pnl')!, u, curve.index, curve.points, liq);
  whatIfPanel(a, marketId, hh.initialMarginUsd);
  await historyPanel(a, marketId);
}

interface HistoryRow {
  computed: string;
  initialMarginUsd: number;
  maintenanceMarginUsd: number;
}

/** Stored margin results over time; "record now" margins the stored book and stores it. */
async function historyPanel(a: Account, marketId: string): Promise<void> {
  const el = document.getElementById('history')!;
  const count = document.getElementById('history-count')!;
  const refresh = async () => {
    const rows = await get<HistoryRow[]>(`/v1/accounts/${encodeURIComponent(a.id)}/margin-history`);
    drawHistory(el, rows);
    const last = rows[rows.length - 1];
    count.dataset.count = String(rows.length);
    count.dataset.lastIm = last ? String(last.initialMarginUsd) : '';
    count.textContent = `${rows.length} stored results${last ? `; last IM ${money(last.initialMarginUsd)} USD` : ''}`;
  };
  document.getElementById('record')!.addEventListener('click', () => {
    void post(`/v1/accounts/${encodeURIComponent(a.id)}/margin`, {
      marketId,
      model: MODEL,
      allowStale: true,
    })
      .then(refresh)
      .catch(fail);
  });
  await refresh();
}

function whatIfPanel(a: Account, marketId: string, imNow: number): void {
  const sym = document.getElementById('wi-symbol') as HTMLInputElement;
  const size = document.getElementById('wi-size') as HTMLInputElement;
  const out = document.getElementById('wi-out')!;
  let timer: number | undefined;
  let inflight: AbortController | undefined;
  const run = async () => {
    const n = Number(size.value);
    if (sym.value.trim() === '' || size.value.trim() === '' || !Number.isFinite(n) || n === 0)
      return;
    inflight?.abort();
    inflight = new AbortController();
    try {
      const r = await post<WhatIfResponse>(
        '/v1/whatif',
        {
          portfolio: a.book,
          marketId,
          allowStale: true,
          model: MODEL,
          trades: [{ instrument: sym.value.trim(), size: n }],
        },
        inflight.signal,
      );
      out.innerHTML = `<table><tr><th></th><th>IM (USD)</th><th>MM (USD)</th></tr>
        <tr><td>now</td><td>${money(r.beforeUsd.initialMargin)}</td><td>${money(r.beforeUsd.maintenanceMargin)}</td></tr>
        <tr><td>after</td><td data-testid="whatif-im" data-value="${r.afterUsd.initialMargin}">${money(r.afterUsd.initialMargin)}</td><td data-testid="whatif-mm" data-value="${r.afterUsd.maintenanceMargin}">${money(r.afterUsd.maintenanceMargin)}</td></tr>
        <tr><td>change</td><td>${money(r.trades[0]!.incrementalInitialMarginUsd)}</td><td></td></tr></table>`;
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      out.innerHTML = `<span class="error" data-testid="whatif-error">${esc((e as Error).message)}</span>`;
    }
  };
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 150);
  };
  sym.addEventListener('input', schedule);
  size.addEventListener('input', schedule);
  out.dataset.imNow = String(imNow);
}

async function route(): Promise<void> {
  const m = /^#\/account\/(.+)$/.exec(location.hash);
  try {
    if (m) await accountPage(decodeURIComponent(m[1]!));
    else await accountsPage();
    document.body.dataset.ready = 'true';
  } catch (e) {
    fail(e);
    document.body.dataset.ready = 'error';
  }
}

window.addEventListener('hashchange', () => {
  document.body.dataset.ready = 'false';
  void route();
});
void route();
