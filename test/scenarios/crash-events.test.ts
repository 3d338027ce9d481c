// Crashes that happened (published daily moves) and their replay on a book with the full model.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBallastError } from '../../src/core/errors.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { replayCrash } from '../../src/account/crash-replay.ts';
import {
  CRASH_EVENTS,
  crashEvent,
  crashPath,
  crashVolFactor,
  type CrashDayPrices,
} from '../../src/scenarios/crash-events.ts';
import { runCli } from '../cli/run-cli.ts';

const prices = (d: Record<string, unknown>, u: string) => d[u] as CrashDayPrices | undefined;

describe('the crash library', () => {
  it('has the five events of issue 12, each with a source, BTC and ETH every day', () => {
    expect(CRASH_EVENTS.map((e) => e.id)).toEqual([
      'covid-2020',
      'may-2021',
      'luna-2022',
      'ftx-2022',
      'yen-carry-2024',
    ]);
    for (const e of CRASH_EVENTS) {
      expect(e.source.url).toMatch(/^https:\/\//);
      expect(e.days.length).toBeGreaterThan(0);
      for (const d of e.days) {
        expect(d.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        for (const u of ['BTC', 'ETH']) {
          const p = prices(d, u)!;
          expect(p.low).toBeLessThanOrEqual(Math.min(p.close, p.prevClose) * (1 + 1e-12));
        }
      }
      for (const iv of Object.values(e.impliedVol ?? {})) expect(iv.source.url).toMatch(/^https/);
    }
  });

  it('multi-day events chain: each day starts from the previous close', () => {
    for (const e of CRASH_EVENTS)
      for (let k = 1; k < e.days.length; k++)
        for (const u of ['BTC', 'ETH', 'SOL']) {
          const a = prices(e.days[k - 1]!, u);
          const b = prices(e.days[k]!, u);
          if (a && b) expect(b.prevClose, `${e.id} ${u} day ${k}`).toBe(a.close);
        }
  });

  it('the path is cumulative from the pre-event close: FTX BTC 20,602.82 → 15,880.78 (−22.92 %)', () => {
    const p = crashPath(crashEvent('ftx-2022'), 'BTC');
    expect(p).toHaveLength(2);
    expect(p[1]!.closeMultiplier).toBeCloseTo(15880.78 / 20602.82, 12);
    // the second day's low is reached from the first day's close
    expect(p[1]!.lowMultiplier).toBeCloseTo((18541.27 / 20602.82) * (15682.69 / 18541.27), 12);
    expect(p[0]!.lowMove).toBeCloseTo(17603.54 / 20602.82 - 1, 12);
    // published: BTC fell about 37 % close to close on 12 March 2020
    const covid = crashPath(crashEvent('covid-2020'), 'BTC')[0]!;
    expect(covid.closeMove).toBeGreaterThan(-0.4);
    expect(covid.closeMove).toBeLessThan(-0.35);
  });

  it('implied vol: LUNA 70 → 130 vols is a factor 130/70; a peak alone gives no jump', () => {
    expect(crashVolFactor(crashEvent('luna-2022'), 'BTC')).toBeCloseTo(130 / 70, 12);
    expect(crashVolFactor(crashEvent('may-2021'), 'BTC')).toBe(1);
    expect(crashVolFactor(crashEvent('ftx-2022'), 'BTC')).toBe(1);
  });

  it('fails closed: SOL before it traded, an unknown event', () => {
    try {
      crashPath(crashEvent('covid-2020'), 'SOL');
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'UNSUPPORTED')).toBe(true);
      expect(String(e)).toMatch(/SOL traded from 2020-04-10/);
    }
    expect(() => crashEvent('nope')).toThrow(/covid-2020, may-2021/);
  });
});

describe('replayCrash re-margins each day with the full model', () => {
  const now = Date.UTC(2025, 0, 15, 8);
  const snapshot: MarketSnapshot = {
    asOfMs: now,
    underlyings: {
      BTC: { underlying: 'BTC', index: 100_000, rate: 0, forwards: [], surface: [], perpBasis: 0 },
    },
  };
  const perp = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
  const model = marginModel('deribit-standard');

  it('equity follows the published path exactly (linear perp: C + X·(m·F0 − E)); liquidation at the first point equity ≤ MM', () => {
    const X = 1;
    const C = 20_000;
    const book = portfolio(
      [{ instrument: perp, size: X, entryPrice: 100_000 }],
      [{ currency: 'USDC', amount: C }],
    );
    const r = replayCrash(book, snapshot, model, model.defaultParams, crashEvent('ftx-2022'));
    expect(r.points.map((p) => `${p.date} ${p.point}`)).toEqual([
      '2022-11-08 low',
      '2022-11-08 close',
      '2022-11-09 low',
      '2022-11-09 close',
    ]);
    const path = crashPath(crashEvent('ftx-2022'), 'BTC');
    r.points.forEach((pt, i) => {
      const m = i % 2 === 0 ? path[i >> 1]!.lowMultiplier : path[i >> 1]!.closeMultiplier;
      expect(pt.multipliers.BTC).toBe(m);
      expect(pt.pools[0]!.equity).toBeCloseTo(C + X * (m * 100_000 - 100_000), 6);
      expect(pt.pools[0]!.liquidated).toBe(pt.pools[0]!.equity <= pt.pools[0]!.maintenanceMargin);
    });
    // −23.9 % at the second low: 20,000 − 23,880 < 0 ≤ MM; the first low (−14.6 %) leaves 5,440.
    expect(r.firstLiquidation).toEqual({ date: '2022-11-09', point: 'low' });
    expect(r.points[0]!.pools[0]!.liquidated).toBe(false);
  });

  it('a well-collateralised book is not liquidated', () => {
    const book = portfolio(
      [{ instrument: perp, size: 1, entryPrice: 100_000 }],
      [{ currency: 'USDC', amount: 1e6 }],
    );
    const r = replayCrash(book, snapshot, model, model.defaultParams, crashEvent('covid-2020'));
    expect(r.firstLiquidation).toBeUndefined();
    expect(r.volFactors).toEqual({ BTC: 1 });
  });
});

describe('ballast stress --event', () => {
  let snap = '';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-crash-'));
    snap = join(dir, 'snapshot.json');
    const r = await runCli([
      'market',
      'build',
      'data/deribit-quantflow/deribit_btc.json.gz',
      '-o',
      snap,
    ]);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000); // builds the snapshot: slow on a loaded machine

  it('replays FTX on the short strangle with deribit-pm, printing the source and the outcome', async () => {
    const r = await runCli([
      'stress',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--event',
      'ftx-2022',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ftx-2022 — FTX collapse/);
    expect(r.stdout).toMatch(/prices: Yahoo Finance daily OHLC/);
    expect(r.stdout).toMatch(/2022-11-09 │ low/);
    expect(r.stdout).toMatch(/first liquidation|not liquidated on this path/);
  });

  it('--event all prints every event with its sources (LUNA with its vol jump); --json', async () => {
    const r = await runCli([
      'stress',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--event',
      'all',
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const e of CRASH_EVENTS) expect(r.stdout).toContain(`${e.id} — `);
    expect(r.stdout).toMatch(/implied vol BTC: × 1\.8571 .*insights\.deribit\.com/);
    const j = await runCli([
      'stress',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--event',
      'luna-2022',
      '--json',
    ]);
    expect(j.status, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout) as { eventId: string; points: unknown[] }[];
    expect(out[0]!.eventId).toBe('luna-2022');
    expect(out[0]!.points).toHaveLength(8);
  });

  it('an unknown event is a one-line error, exit 2', async () => {
    const r = await runCli([
      'stress',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--event',
      'nope',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--event: unknown crash "nope"/);
  });
});
