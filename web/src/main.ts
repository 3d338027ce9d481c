/**
 * The dashboard: `#/` lists the accounts with their health state and IM utilization;
 * `#/account/<id>` shows one stored account and `#/book/<data>` a shared book (book-page.ts:
 * headline numbers, heatmap, P&L today and at expiry, greeks, attribution, every model,
 * what-if, optimizer, sliders), plus the account's stored margin history. Every number is the
 * API's.
 */
import { ApiError, get, post } from './api.ts';
import { bookPage, underlyingOf } from './book-page.ts';
import { drawHistory } from './charts.ts';
import { esc, money, pct } from './format.ts';
import { readShared } from './share.ts';
import type { Account, HealthResponse } from './types.ts';

const MODEL = 'deribit-pm';
const app = document.getElementById('app')!;

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

async function accountPage(id: string): Promise<void> {
  const a = await get<Account>(`/v1/accounts/${encodeURIComponent(id)}`);
  const v = await bookPage(app, {
    name: a.name,
    book: a.book,
    account: a,
    model: MODEL,
    moves: { spotPct: 0, volScale: 1, days: 0 },
  });
  await historyPanel(a, v.marketId);
}

async function sharedPage(data: string): Promise<void> {
  const s = readShared(data);
  await bookPage(app, {
    name: s.name,
    book: s.book,
    account: null,
    model: s.model,
    moves: s.moves,
  });
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

async function route(): Promise<void> {
  const m = /^#\/account\/(.+)$/.exec(location.hash);
  const b = /^#\/book\/(.+)$/.exec(location.hash);
  try {
    if (m) await accountPage(decodeURIComponent(m[1]!));
    else if (b) await sharedPage(b[1]!);
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
