/**
 * The dashboard's trader panels in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; never a browser download) against a real `buildServer` on loopback. Each
 * panel must show the API's numbers: greeks totals = POST /v1/greeks, attribution =
 * POST /v1/margin's contributions and add-ons, the compare table's IM per model = POST
 * /v1/compare (cheapest highlighted), the expiry breakevens = POST /v1/pnl-curve; a slider move
 * shows the IM of the API for the overridden market; the model switcher; the optimizer's
 * "apply as what-if"; a shared link restores the book and saves it as an account; the JSON
 * export holds the API's numbers. Screenshots go to test-output/dashboard-panels/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { ROOT } from '../cli/run-cli.ts';
import { browserSkipped, CHROMIUM, describeBrowser, requireChromium } from '../helpers/chromium.ts';
import { bundledSnapshot, post, repoJson, testServer } from '../server/api-fixture.ts';
import type { Store } from '../../src/store/store.ts';

/** Where the screenshots go. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'dashboard-panels');
const WAIT = { timeout: 120_000 };

let app: FastifyInstance;
let store: Store;
let browser: Browser;
let page: Page;
let url = '';
let marketId = '';
const strangle = repoJson('examples/short-strangle.json') as {
  positions: { instrument: string; size: number }[];
};

/** The stored strangle's book (the page margins exactly this). */
async function storedBook(id = 'strangle'): Promise<unknown> {
  return (
    (await app.inject({ method: 'GET', url: `/v1/accounts/${id}` })).json() as { book: unknown }
  ).book;
}

const val = async (sel: string): Promise<number> =>
  Number(await page.getAttribute(sel, 'data-value'));

/** Waits until the page has re-asked the API and shows the answers. */
async function settled(p: Page = page): Promise<void> {
  await p.waitForSelector('body[data-ready="true"]', WAIT);
}

/** The number of page refreshes done so far (body[data-refreshed]). */
const refreshes = async (): Promise<number> =>
  Number((await page.getAttribute('body', 'data-refreshed')) ?? 0);

/** Runs `act`, then waits until the page has finished a refresh started after it. */
async function after(act: () => Promise<unknown>): Promise<void> {
  const n = await refreshes();
  await act();
  await page.waitForFunction(`Number(document.body.dataset.refreshed) > ${n}`, null, WAIT);
  await settled();
}

/** Moves a range input to `value` as a user drag does (an `input` event). */
async function slide(id: string, value: string): Promise<void> {
  await after(() =>
    page.$eval(
      `#${id}`,
      (el, v) => {
        (el as unknown as { value: string }).value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      value,
    ),
  );
}

beforeAll(async () => {
  if (browserSkipped) return;
  requireChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const market = (await bundledSnapshot()).doc;
  ({ app, store } = await testServer());
  marketId = String((await post(app, '/v1/markets', { market })).body.id);
  await post(app, '/v1/accounts', { id: 'strangle', name: 'Short strangle', portfolio: strangle });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 2000 } });
  await page.goto(`${url}/#/account/strangle`);
  await settled();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await store?.close();
});

describeBrowser('dashboard trader panels in headless Chromium', () => {
  it("greeks per position and total, and margin attribution, are the API's numbers", async () => {
    const base = { portfolio: await storedBook(), marketId, allowStale: true };
    const g = (await post(app, '/v1/greeks', base)).body as {
      totals: Record<string, Record<string, number>>;
      positions: unknown[];
    };
    for (const k of ['delta', 'gamma', 'vega', 'theta'])
      expect(await val(`[data-testid="greeks-total-BTC-${k}"]`)).toBe(g.totals.BTC![k]);
    expect(await page.$$eval('#greeks tr', (r) => r.length)).toBe(1 + g.positions.length + 1);
    const m = (await post(app, '/v1/margin', { ...base, model: 'deribit-pm' })).body as {
      contributions: { pnl: number }[];
      addOns: { amount: number }[];
    };
    const shownContrib = await page.$$eval('[data-testid="contributions"] td[data-value]', (t) =>
      t.map((x) => Number(x.getAttribute('data-value'))),
    );
    const shownAdds = await page.$$eval('[data-testid="addons"] td[data-value]', (t) =>
      t.map((x) => Number(x.getAttribute('data-value'))),
    );
    expect(shownContrib).toEqual(m.contributions.map((c) => c.pnl));
    expect(shownAdds).toEqual(m.addOns.map((a) => a.amount));
    expect(shownContrib.length).toBe(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'book.png'), fullPage: true });
  }, 180_000);

  it("the compare table's IM per model is /v1/compare's, with the cheapest highlighted", async () => {
    const c = (
      await post(app, '/v1/compare', { portfolio: await storedBook(), marketId, allowStale: true })
    ).body as { models: { model: string; initialMarginUsd: number | null }[] };
    const pm = c.models.find((x) => x.model === 'deribit-pm')!;
    expect(await val('[data-testid="compare-im-deribit-pm"]')).toBe(pm.initialMarginUsd);
    const cheapest = c.models
      .filter((x) => x.initialMarginUsd !== null)
      .reduce((a, b) => (b.initialMarginUsd! < a.initialMarginUsd! ? b : a));
    const highlighted = await page.$$eval('#compare tr.cheapest', (r) =>
      r.map((x) => x.getAttribute('data-model')),
    );
    expect(highlighted).toContain(cheapest.model);
    console.log(
      `compare: deribit-pm IM ${pm.initialMarginUsd}; cheapest ${cheapest.model} ${cheapest.initialMarginUsd}`,
    );
  }, 180_000);

  it("P&L at expiry: the breakevens shown are the API's (and drawn on the chart)", async () => {
    const r = (
      await post(app, '/v1/pnl-curve', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        points: 401,
        span: 0.95,
      })
    ).body as { expiry: { breakevens: number[] } };
    const shown = await page.$$eval('[data-testid="breakeven"]', (t) =>
      t.map((x) => Number(x.getAttribute('data-value'))),
    );
    expect(shown).toHaveLength(r.expiry.breakevens.length);
    shown.forEach((b, i) => expect(Math.abs(b / r.expiry.breakevens[i]! - 1)).toBeLessThan(1e-8));
    const texts = (await page.$$eval('#pnl svg text', (t) => t.map((x) => x.textContent))).join(
      '\n',
    );
    expect(texts).toMatch(/P&L at expiry 2026-08-28/);
    expect(texts).toMatch(/breakeven \d/);
  }, 180_000);

  it("a slider move (spot +10 %, vol × 1.2, date +5 d) shows the API's IM for the overridden market", async () => {
    const before = await val('[data-testid="im"]');
    await slide('sl-spot', '10');
    await slide('sl-vol', '1.2');
    await slide('sl-days', '5');
    const sent = JSON.parse((await page.getAttribute('#status', 'data-overrides'))!) as {
      index: { BTC: number };
      volScale: number;
      days: number;
    };
    const h0 = (
      await post(app, '/v1/pnl-curve', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        points: 3,
        span: 0.01,
      })
    ).body as { index: number };
    expect(sent.index.BTC).toBeCloseTo(h0.index * 1.1, 6);
    expect(sent.volScale).toBe(1.2);
    expect(sent.days).toBe(5);
    const h = (
      await post(app, '/v1/health', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        model: 'deribit-pm',
        overrides: sent,
      })
    ).body as { health: { initialMarginUsd: number } };
    const shown = await val('[data-testid="im"]');
    expect(shown).toBe(h.health.initialMarginUsd);
    expect(shown).not.toBe(before);
    console.log(`slider: IM ${before} → ${shown} USD (spot +10 %, vol × 1.2, +5 d)`);
    await page.screenshot({ path: join(SCREENSHOTS, 'sliders.png'), fullPage: true });
    await after(() => page.click('#reset'));
    expect(await page.getAttribute('#status', 'data-overrides')).toBe('null');
    expect(await val('[data-testid="im"]')).toBe(before);
  }, 180_000);

  it("the model switcher shows the chosen model's IM", async () => {
    await after(() => page.selectOption('#model', 'deribit-standard'));
    const h = (
      await post(app, '/v1/health', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        model: 'deribit-standard',
      })
    ).body as { health: { initialMarginUsd: number } };
    expect(await val('[data-testid="im"]')).toBe(h.health.initialMarginUsd);
    expect(await val('[data-testid="compare-im-deribit-standard"]')).toBe(
      h.health.initialMarginUsd,
    );
    await after(() => page.selectOption('#model', 'deribit-pm'));
  }, 180_000);

  it("optimizer: suggested trades, and 'apply as what-if' shows the API's IM after them", async () => {
    await page.click('#opt-run');
    await page.waitForSelector('#optimizer[data-done="true"]', { timeout: 170_000 });
    const o = (
      await post(app, '/v1/optimize', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        model: 'deribit-pm',
      })
    ).body as {
      trades: { instrument: string; side: string; size: number }[];
      after: { initialMarginUsd: number };
    };
    expect(o.trades.length).toBeGreaterThan(0);
    expect(await val('[data-testid="opt-after"]')).toBe(o.after.initialMarginUsd);
    await page.click('#opt-apply');
    await page.waitForSelector('[data-testid="whatif-im"]', WAIT);
    const w = (
      await post(app, '/v1/whatif', {
        portfolio: await storedBook(),
        marketId,
        allowStale: true,
        model: 'deribit-pm',
        trades: o.trades.map((t) => ({
          instrument: t.instrument,
          size: t.side === 'buy' ? t.size : -t.size,
        })),
      })
    ).body as { afterUsd: { initialMargin: number } };
    await page.waitForFunction(
      `document.querySelector('[data-testid="whatif-im"]')?.getAttribute('data-value') === '${String(w.afterUsd.initialMargin)}'`,
      null,
      WAIT,
    );
    console.log(
      `optimizer: ${o.trades.length} trades; what-if IM after ${w.afterUsd.initialMargin} USD`,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'optimizer.png'), fullPage: true });
  }, 180_000);

  it('JSON export holds the API numbers on the page; CSV has the same greeks total', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    const doc = JSON.parse(readFileSync((await dl.path())!, 'utf8')) as {
      greeks: { totals: { BTC: { delta: number } } };
      health: { health: { initialMarginUsd: number } };
    };
    expect(doc.greeks.totals.BTC.delta).toBe(await val('[data-testid="greeks-total-BTC-delta"]'));
    expect(doc.health.health.initialMarginUsd).toBe(await val('[data-testid="im"]'));
    const [dc] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const csv = readFileSync((await dc.path())!, 'utf8');
    expect(csv).toContain(`greeks,totals.BTC.delta,${doc.greeks.totals.BTC.delta}`);
  }, 180_000);

  it('a shared link restores the book in a fresh page, and saves it as a new account', async () => {
    await page.fill('#wi-symbol', 'BTC-PERPETUAL');
    await page.fill('#wi-size', '-0.5');
    await after(() => page.click('#wi-add'));
    await page.click('#share');
    const link = await page.inputValue('[data-testid="share-link"]');
    expect(link).toMatch(/#\/book\//);
    const imHere = await val('[data-testid="im"]');
    const p2 = await browser.newPage({ viewport: { width: 1400, height: 2000 } });
    await p2.goto(link);
    await settled(p2);
    const title = await p2.textContent('#title');
    expect(title).toMatch(/shared book/);
    const expected = {
      positions: [...strangle.positions, { instrument: 'BTC-PERPETUAL', size: -0.5 }],
    };
    const h = (
      await post(app, '/v1/health', {
        portfolio: { ...(strangle as object), ...expected },
        marketId,
        allowStale: true,
        model: 'deribit-pm',
      })
    ).body as { health: { initialMarginUsd: number } };
    const shown = Number(await p2.getAttribute('[data-testid="im"]', 'data-value'));
    expect(shown).toBe(h.health.initialMarginUsd);
    expect(shown).toBe(imHere);
    await p2.fill('#save-id', 'shared-copy');
    await p2.click('#save');
    await p2.waitForSelector('[data-testid="saved"]', WAIT);
    const saved = (await app.inject({ method: 'GET', url: '/v1/accounts/shared-copy' })).json() as {
      book: { positions: { instrument: string; size: number }[] };
    };
    expect(saved.book.positions.map((p) => [p.instrument, p.size]).sort()).toEqual(
      expected.positions.map((p) => [p.instrument, p.size]).sort(),
    );
    await p2.screenshot({ path: join(SCREENSHOTS, 'shared.png'), fullPage: true });
    await p2.close();
    // the account page saves its changed book as a new version
    await page.click('#save');
    await page.waitForSelector('[data-testid="saved"][data-version="2"]', WAIT);
    const acc = (await app.inject({ method: 'GET', url: '/v1/accounts/strangle' })).json() as {
      version: number;
      book: { positions: unknown[] };
    };
    expect(acc.version).toBe(2);
    expect(acc.book.positions).toHaveLength(3);
  }, 180_000);
});
