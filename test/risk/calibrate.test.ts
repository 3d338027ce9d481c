// Calibration of a shock-size parameter to a coverage target on the bundled books and history.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBallastError } from '../../src/core/errors.ts';
import { kupiecPof } from '../../src/risk/kupiec.ts';
import {
  calibrateParameter,
  parameterOverride,
  parameterValue,
  withParameter,
} from '../../src/risk/calibrate.ts';
import type { BacktestReport } from '../../src/risk/backtest.ts';
import { runCli } from '../cli/run-cli.ts';

describe('parameter paths', () => {
  const p = { a: { b: 0.16, s: 'x' } };
  it('sets a copy, reads back, writes an override file', () => {
    const q = withParameter(p, 'a.b', 0.1);
    expect(q.a.b).toBe(0.1);
    expect(p.a.b).toBe(0.16);
    expect(parameterValue(q, 'a.b')).toBe(0.1);
    expect(parameterOverride('a.b', 0.12)).toEqual({ a: { b: 0.12 } });
  });
  it('a missing or non-numeric path is a typed error naming --param', () => {
    for (const path of ['a.c', 'a.s', 'z.b']) {
      try {
        withParameter(p, path, 1);
        expect.unreachable();
      } catch (e) {
        expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
        expect((e as { field?: string }).field).toBe('--param');
      }
    }
  });
});

/** A one-pool report with `breaches` out of 262 days at 99 %. */
function report(breaches: number, margin: number): BacktestReport {
  const kupiec = kupiecPof(breaches, 262, 0.99);
  return {
    pools: [
      {
        currency: 'BTC',
        rows: [],
        observations: 262,
        breaches,
        coverage: 1 - breaches / 262,
        kupiec,
        averageMargin: margin,
        averageExposure: 10,
        costOfMargin: margin / 10,
        maxLoss: 0,
        worstShortfall: 0,
      },
    ],
  } as unknown as BacktestReport;
}

describe('calibrateParameter', () => {
  it('picks the smallest value with breaches ≤ n·(1 − target) and Kupiec not rejected (0 breaches is rejected at 262 days)', () => {
    const breaches: Record<number, number> = { 1: 9, 2: 3, 3: 2, 4: 1, 5: 0 };
    const c = calibrateParameter('x', [1, 2, 3, 4, 5], 1, (v) => report(breaches[v]!, v), {
      target: 0.99,
    });
    expect(c.points.map((p) => p.meetsTarget)).toEqual([false, false, true, true, false]);
    expect(c.chosen).toBe(3);
    expect(c.points[0]!.books[0]!.expectedBreaches).toBeCloseTo(2.62, 12);
  });
  it('rejects values not ascending and a target outside (0, 1)', () => {
    expect(() => calibrateParameter('x', [2, 1], 1, () => report(0, 1), { target: 0.99 })).toThrow(
      /strictly ascending/,
    );
    expect(() => calibrateParameter('x', [1], 1, () => report(0, 1), { target: 1 })).toThrow(
      /\(0, 1\)/,
    );
  });
});

describe('ballast calibrate on the bundled books and history', () => {
  let dir = '';
  let snap = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ballast-cal-'));
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

  it('deribit-pm price range on the perp book and the strangle, 2019-01-01..2019-10-01: 0.12, written as a params file margin accepts', async () => {
    const out = join(dir, 'calibrated.json');
    const args = [
      'calibrate',
      'examples/perp-book.json',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--values',
      '0.08,0.1,0.12,0.14',
      '--from',
      '2019-01-01',
      '--to',
      '2019-10-01',
    ];
    const r = await runCli([...args, '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as {
      chosen: number;
      points: {
        value: number;
        meetsTarget: boolean;
        books: {
          breaches: number;
          expectedBreaches: number;
          averageMargin: number;
          kupiecRejected: boolean;
        }[];
      }[];
    };
    expect(c.points).toHaveLength(4);
    // Larger shocks, larger margin, fewer breaches, on each book.
    for (let b = 0; b < 2; b++)
      for (let i = 1; i < 4; i++) {
        expect(c.points[i]!.books[b]!.averageMargin).toBeGreaterThan(
          c.points[i - 1]!.books[b]!.averageMargin,
        );
        expect(c.points[i]!.books[b]!.breaches).toBeLessThanOrEqual(
          c.points[i - 1]!.books[b]!.breaches,
        );
      }
    const i = c.points.findIndex((p) => p.value === c.chosen);
    expect(c.chosen).toBe(0.12);
    for (const b of c.points[i]!.books) {
      expect(b.breaches).toBeLessThanOrEqual(b.expectedBreaches);
      expect(b.kupiecRejected).toBe(false);
    }
    expect(c.points[i - 1]!.meetsTarget).toBe(false);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      model_params: { currency_pair: { btc_usd: { price_range: 0.12 } } },
    });
    const m = await runCli([
      'margin',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--params',
      out,
    ]);
    expect(m.status, m.stderr).toBe(0);
    const text = await runCli(args);
    expect(text.stdout).toMatch(/smallest value meeting the target on every book: 0\.12/);
  }, 400_000); // 262 days × 4 values × the strangle's 16 hypothesis readings: slow under load

  it('span: the price scan range of BTC by default (perp book: 0.12 over the same window)', async () => {
    const r = await runCli([
      'calibrate',
      'examples/perp-book.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'span',
      '--values',
      '0.1,0.12',
      '--from',
      '2019-01-01',
      '--to',
      '2019-10-01',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as { parameter: string; chosen: number };
    expect(c.parameter).toBe('commodities.BTC.priceScanRange');
    expect(c.chosen).toBe(0.12);
  });

  it('fails closed: an unknown parameter path, a history-driven model', async () => {
    const bad = await runCli([
      'calibrate',
      'examples/perp-book.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--param',
      'model_params.nope',
      '--values',
      '1',
      '--from',
      '2019-01-01',
      '--to',
      '2019-02-01',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--param/);
    const es = await runCli([
      'calibrate',
      'examples/perp-book.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'es',
      '--param',
      'confidence',
      '--values',
      '0.99',
      '--from',
      '2019-01-01',
      '--to',
      '2019-02-01',
    ]);
    expect(es.status).toBe(2);
    expect(es.stderr).toMatch(/UNSUPPORTED/);
  });
});
