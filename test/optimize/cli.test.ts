/**
 * The optimizer commands as a user runs them: `ballast optimize`, `ballast cure`,
 * `ballast allocate`, with readable and --json output, and every bad-input path exiting 2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.ts';

let dir = '';
let snapshot = '';
const stale = ['--allow-stale'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballast-optimize-'));
  snapshot = join(dir, 'snapshot.json');
  const r = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    snapshot,
  ]);
  expect(r.status, r.stderr).toBe(0);
});

interface OutcomeJson {
  status: string;
  before: { initialMarginUsd: number };
  after: { initialMarginUsd: number };
  savingUsd: number;
  trades: { instrument: string; size: number }[];
  bands: {
    underlying: string;
    greek: 'delta' | 'gamma' | 'vega' | 'theta';
    min: number;
    max: number;
  }[];
  exposuresAfter: Record<string, Record<string, number>>;
  robustness: {
    original: { expectedShortfallUsd: number };
    optimized: { expectedShortfallUsd: number };
  } | null;
  binding: { name: string }[];
}

describe('ballast optimize', () => {
  it('--help shows usage and examples', async () => {
    const r = await runCli(['optimize', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--delta-band <lo:hi>/);
    expect(r.stdout).toMatch(/--keep-exposures <tol>/);
    expect(r.stdout).toMatch(/Examples:/);
  });

  it('prints the saving, trades, exposures, binding constraints and the robustness check', async () => {
    const r = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--keep-exposures',
      '0.1',
      '--scenarios',
      '500',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/result: IM 57,900 → [\d,]+ USD, saving [\d,]+ USD \(\d+\.\d%\)/);
    expect(r.stdout).toMatch(/instrument +│ side/);
    expect(r.stdout).toMatch(/BTC delta/);
    expect(r.stdout).toMatch(/binding constraints/);
    expect(r.stdout).toMatch(/robustness: 500 independent Monte Carlo scenarios/);
    expect(r.stdout).toMatch(/LP: \d+ variables × \d+ constraints/);
  });

  it('--json: lower exact IM, exposures inside the bands', async () => {
    const r = await runCli([
      'optimize',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--delta-band=-1:1',
      '--keep-exposures',
      '0.2',
      '--max-size',
      '20',
      '--json',
      '--scenarios',
      '300',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as OutcomeJson;
    expect(out.status).toBe('improved');
    expect(out.after.initialMarginUsd).toBeLessThan(out.before.initialMarginUsd);
    expect(out.savingUsd).toBeCloseTo(out.before.initialMarginUsd - out.after.initialMarginUsd, 6);
    const delta = out.bands.find((b) => b.greek === 'delta')!;
    expect(delta.max).toBeLessThanOrEqual(1);
    for (const b of out.bands) {
      const v = out.exposuresAfter[b.underlying]![b.greek]!;
      expect(v).toBeGreaterThanOrEqual(b.min - 1e-9 * Math.max(1, Math.abs(v)));
      expect(v).toBeLessThanOrEqual(b.max + 1e-9 * Math.max(1, Math.abs(v)));
    }
    for (const t of out.trades) expect(Math.abs(t.size)).toBeLessThanOrEqual(20);
    expect(out.robustness).not.toBeNull();
  });

  it('a universe file, a constraints file and the LP export', async () => {
    const lp = join(dir, 'hedge.lp');
    const r = await runCli([
      'optimize',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--universe',
      'examples/universe.json',
      '--constraints',
      'examples/hedge-constraints.json',
      '--export-lp',
      lp,
      '--no-robustness',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/universe examples\/universe\.json/);
    expect(r.stdout).toMatch(/LP written to/);
    const text = readFileSync(lp, 'utf8');
    expect(text).toMatch(/^\\ hedge /);
    expect(text).toMatch(/Subject To/);
    expect(text).toMatch(/delta_BTC_/);
  });

  it('--objective es and --objective track', async () => {
    const es = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--objective',
      'es',
      '--scenarios',
      '400',
      '--keep-exposures',
      '0.25',
    ]);
    expect(es.status, es.stderr).toBe(0);
    expect(es.stdout).toMatch(/ES hedge — 400 scenarios, β = 0\.99/);
    expect(es.stdout).toMatch(/result: ES [\d,]+ → [\d,]+ USD/);
    const tr = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--objective',
      'track',
      '--target',
      'delta=0,vega=0',
      '--no-robustness',
    ]);
    expect(tr.status, tr.stderr).toBe(0);
    expect(tr.stdout).toMatch(/exposure tracking \(QP/);
    expect(tr.stdout).toMatch(/tracking penalty [\d,]+ → [\d,]+ USD/);
  });

  it('a delta band no universe can reach: exit 2 with the binding constraint named, no stack trace', async () => {
    const r = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--max-size',
      '0.2',
      '--delta-band',
      '50:60',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[INFEASIBLE\] constraints: delta\[BTC\]: the BTC delta band \[50, 60\] is out of reach/,
    );
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.stdout).toBe('');
  });

  it('bad inputs exit 2 naming the field', async () => {
    const cases: [string[], RegExp][] = [
      [['--delta-band', 'abc'], /\[INVALID_INPUT\] --delta-band: expected lo:hi/],
      [
        ['--delta-band', '2:1'],
        /\[INVALID_INPUT\] --delta-band: lower side 2 is above the upper side 1/,
      ],
      [['--lambda', '-1'], /\[INVALID_INPUT\] --lambda: must be a number ≥ 0, got -1/],
      [['--universe', join(dir, 'missing.json')], /\[FILE_NOT_FOUND\]/],
      [['--objective', 'track'], /\[INVALID_INPUT\] targets: give at least one target/],
      [
        ['--objective', 'track', '--target', 'rho=1'],
        /\[INVALID_INPUT\] --target: expected greek=value/,
      ],
      [
        ['--scenarios', '0'],
        /\[INVALID_INPUT\] --scenarios: must be a whole number in \[1, 1000000\], got 0/,
      ],
      [['--seed', '1.5'], /\[INVALID_INPUT\] --seed: must be a whole number, got 1\.5/],
      [['--beta', '1.5'], /\[INVALID_INPUT\] --beta: must be in \(0, 1\)/],
      [
        ['--objective', 'es', '--horizon', '0'],
        /\[INVALID_INPUT\] --horizon: must be a number of days > 0/,
      ],
    ];
    for (const [flags, re] of cases) {
      const r = await runCli([
        'optimize',
        'examples/short-strangle.json',
        '--market',
        snapshot,
        ...stale,
        '--no-robustness',
        ...flags,
      ]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(re);
    }
    const bad = join(dir, 'bad-constraints.json');
    writeFileSync(bad, JSON.stringify({ bands: { delta: [-1, 1] }, maxsize: 3 }));
    const r = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--constraints',
      bad,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\[SCHEMA\] .*bad-constraints\.json\.maxsize: unknown key "maxsize"/);
    const crossed = join(dir, 'crossed-universe.json');
    writeFileSync(
      crossed,
      JSON.stringify({ candidates: [{ instrument: 'BTC-PERPETUAL', bid: 63000, ask: 62000 }] }),
    );
    const c = await runCli([
      'optimize',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--universe',
      crossed,
    ]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/\[CROSSED_MARKET\] .*candidates\[0\]: bid 63000 is above ask 62000/);
  });
});

describe('ballast cure', () => {
  it('compares the trades with the collateral top-up', async () => {
    const r = await runCli([
      'cure',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--target-utilization',
      '0.2',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/target IM utilization ≤ 20\.0%/);
    expect(r.stdout).toMatch(/1\. collateral top-up: [\d.]+ BTC/);
    expect(r.stdout).toMatch(/2\. trades: cured for [\d.,]+ USD/);
    expect(r.stdout).toMatch(/cheaper now: /);
  });

  it('--json, and no cure needed below the target', async () => {
    const r = await runCli([
      'cure',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      needed: boolean;
      cheaper: string;
      trades: { status: string };
    };
    expect(out.needed).toBe(false);
    expect(out.trades.status).toBe('not-needed');
    const bad = await runCli([
      'cure',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--target-utilization',
      '0',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--target-utilization: must be in \(0, 1\], got 0/);
  });
});

describe('ballast allocate', () => {
  it('routes the example trades, never worse than the simple allocations', async () => {
    const r = await runCli([
      'allocate',
      'examples/accounts.json',
      '--market',
      snapshot,
      ...stale,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      mode: string;
      totalInitialMarginUsd: number;
      baselines: { totalInitialMarginUsd: number; fits: boolean }[];
      lines: { size: number; shares: { size: number }[] }[];
    };
    expect(out.mode).toBe('route');
    for (const b of out.baselines)
      if (b.fits)
        expect(out.totalInitialMarginUsd).toBeLessThanOrEqual(b.totalInitialMarginUsd + 1e-6);
    for (const l of out.lines)
      expect(l.shares.reduce((s, x) => s + x.size, 0)).toBeCloseTo(l.size, 9);
  });

  it('split (whole trades) and collateral modes print their reports', async () => {
    const s = await runCli([
      'allocate',
      'examples/accounts.json',
      '--market',
      snapshot,
      ...stale,
      '--mode',
      'split',
      '--whole-trades',
    ]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/splitting a book across 3 accounts/);
    expect(s.stdout).toMatch(/whole trades \(MIP\)/);
    const c = await runCli([
      'allocate',
      'examples/accounts.json',
      '--market',
      snapshot,
      ...stale,
      '--mode',
      'collateral',
      '--amount',
      '50000',
    ]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/spreading 50,000 USD of collateral/);
    expect(c.stdout).toMatch(/smallest headroom: [\d,]+ → [\d,]+ USD/);
  });

  it('bad accounts files exit 2 naming the field', async () => {
    const bad = join(dir, 'accounts-bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ accounts: [{ name: 'a', model: 'no-such-model', portfolio: {} }] }),
    );
    const r = await runCli(['allocate', bad, '--market', snapshot, ...stale]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/accounts\[0\]\.model: unknown margin model "no-such-model"/);
    const noTrades = join(dir, 'accounts-none.json');
    writeFileSync(
      noTrades,
      JSON.stringify({ accounts: [{ name: 'a', model: 'deribit-pm', portfolio: {} }] }),
    );
    const n = await runCli([
      'allocate',
      noTrades,
      '--market',
      snapshot,
      ...stale,
      '--mode',
      'route',
    ]);
    expect(n.status).toBe(2);
    expect(n.stderr).toMatch(/route needs "trades"/);
  });
});
