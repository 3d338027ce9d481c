/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core;
 * never a browser download) against a real `buildServer` on loopback: the account page of a
 * short strangle renders the spot × vol heatmap with the worst cell marked, the P&L curve with
 * the liquidation lines, and a what-if typed into the panel shows the API's IM. Screenshots go
 * to test-output/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { ROOT } from '../cli/run-cli.ts';
import { browserSkipped, CHROMIUM, describeBrowser, requireChromium } from '../helpers/chromium.ts';
import { bundledSnapshot, post, repoJson, testServer } from '../server/api-fixture.ts';
import type { Store } from '../../src/store/store.ts';

/** Where the screenshots go (the README's one comes from test/web/dashboard-panels.test.ts). */
export const SCREENSHOTS = join(ROOT, 'test-output', 'dashboard');

let app: FastifyInstance;
let store: Store;
let browser: Browser;
let page: Page;
let url = '';
let marketId = '';

beforeAll(async () => {
  if (browserSkipped) return;
  requireChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const market = (await bundledSnapshot()).doc;
  ({ app, store } = await testServer());
  marketId = String((await post(app, '/v1/markets', { market })).body.id);
  await post(app, '/v1/accounts', {
    id: 'strangle',
    name: 'Short strangle',
    portfolio: repoJson('examples/short-strangle.json'),
  });
  await post(app, '/v1/accounts', {
    id: 'hedged',
    name: 'Hedged book',
    portfolio: repoJson('examples/hedged-book.json'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await store?.close();
});

describeBrowser('dashboard in headless Chromium', () => {
  it('accounts page lists each account with its health state and utilization', async () => {
    await page.goto(`${url}/#/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    await page.waitForFunction(
      `document.querySelectorAll('#accounts td[class^="state-"]').length >= 2`,
      null,
      { timeout: 120_000 },
    );
    const rows = await page.$$eval('#accounts tbody tr', (trs) =>
      trs.map((t) => t.textContent ?? ''),
    );
    expect(rows).toHaveLength(2);
    expect(rows.join('\n')).toMatch(/Short strangle/);
    expect(rows.join('\n')).toMatch(/healthy|margin-call|reduce-only|liquidation/);
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts.png') });
  }, 180_000);

  it("account page: headline numbers are the API's, heatmap marks the worst cell, P&L shows the liquidation lines", async () => {
    await page.goto(`${url}/#/account/strangle`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const account = (await app.inject({ method: 'GET', url: '/v1/accounts/strangle' })).json() as {
      book: unknown;
    };
    const h = await post(app, '/v1/health', {
      portfolio: account.book,
      marketId,
      model: 'deribit-pm',
      allowStale: true,
    });
    const api = (h.body as { health: { initialMarginUsd: number; equityUsd: number } }).health;
    const shownIm = Number(await page.getAttribute('[data-testid="im"]', 'data-value'));
    const shownEq = Number(await page.getAttribute('[data-testid="equity"]', 'data-value'));
    expect(shownIm).toBe(api.initialMarginUsd);
    expect(shownEq).toBe(api.equityUsd);
    // heatmap: 27 cells drawn, and the worst-cell marker labelled "worst"
    const heatTexts = await page.$$eval('#heatmap svg text', (ts) =>
      ts.map((t) => t.textContent ?? ''),
    );
    expect(heatTexts).toContain('worst');
    expect(heatTexts.filter((t) => /^-?\d+\.\d{4}$/.test(t)).length).toBe(27);
    // P&L: the line and the two liquidation prices of the API as labelled vertical lines
    const liq = (
      h.body as {
        liquidation: {
          pools: {
            underlyings: { up: { price: number | null }; down: { price: number | null } }[];
          }[];
        };
      }
    ).liquidation.pools[0]!.underlyings[0]!;
    expect(liq.up.price).not.toBeNull();
    expect(liq.down.price).not.toBeNull();
    const pnlTexts = (
      await page.$$eval('#pnl svg text', (ts) => ts.map((t) => t.textContent ?? ''))
    ).join('\n');
    const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
    expect(pnlTexts).toContain(`liquidation ${fmt(liq.down.price!)}`);
    expect(pnlTexts).toContain(`liquidation ${fmt(liq.up.price!)}`);
    expect(await page.$$eval('#pnl svg path', (ps) => ps.length)).toBeGreaterThan(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'account.png') });
  }, 180_000);

  it("a what-if typed into the panel shows the API's IM after the trade", async () => {
    await page.fill('#wi-symbol', 'BTC-PERPETUAL');
    await page.type('#wi-size', '-1.5', { delay: 40 });
    await page.waitForSelector('[data-testid="whatif-im"]', { timeout: 60_000 });
    const account = (await app.inject({ method: 'GET', url: '/v1/accounts/strangle' })).json() as {
      book: unknown;
    };
    const r = await post(app, '/v1/whatif', {
      portfolio: account.book,
      marketId,
      allowStale: true,
      model: 'deribit-pm',
      trades: [{ instrument: 'BTC-PERPETUAL', size: -1.5 }],
    });
    const apiIm = (r.body as { afterUsd: { initialMargin: number } }).afterUsd.initialMargin;
    await page.waitForFunction(
      `document.querySelector('[data-testid="whatif-im"]')?.getAttribute('data-value') === '${String(apiIm)}'`,
      null,
      { timeout: 60_000 },
    );
    const shown = Number(await page.getAttribute('[data-testid="whatif-im"]', 'data-value'));
    const before = Number(await page.getAttribute('[data-testid="im"]', 'data-value'));
    expect(shown).toBe(apiIm);
    expect(shown).not.toBe(before);
    await page.screenshot({ path: join(SCREENSHOTS, 'account-whatif.png') });
  }, 180_000);

  it('"record now" stores a margin result and the history chart shows the stored number', async () => {
    expect(await page.getAttribute('[data-testid="history-count"]', 'data-count')).toBe('0');
    await page.click('#record');
    await page.waitForSelector('[data-testid="history-count"][data-count="1"]', {
      timeout: 60_000,
    });
    const stored = (
      await app.inject({ method: 'GET', url: '/v1/accounts/strangle/margin-history' })
    ).json() as { initialMarginUsd: number }[];
    expect(stored).toHaveLength(1);
    const shown = Number(await page.getAttribute('[data-testid="history-count"]', 'data-last-im'));
    expect(shown).toBe(stored[0]!.initialMarginUsd);
    expect(await page.$$eval('#history svg path', (ps) => ps.length)).toBeGreaterThan(2);
  }, 180_000);
});
