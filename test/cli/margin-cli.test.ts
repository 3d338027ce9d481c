import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';

let dir = '';
let snapshot = '';
const stale = ['--allow-stale'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballast-margin-'));
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

const within = (a: number, e: number) => Math.abs(a - e) <= Math.max(1e-9, 1e-8 * Math.abs(e));

describe('ballast margin <case> --model derive-pm2 --json: every Derive PM2 case', () => {
  const folder = 'test/fixtures/derive-pm2';
  const cases = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
  it('finds the 104 cases', () => expect(cases.length).toBe(104));
  it.each(cases)(
    '%s: equity − IM = Result.IM and equity − MM = Result.MM (rel 1e-8)',
    async (file) => {
      const r = await runCli(['margin', `${folder}/${file}`, '--model', 'derive-pm2', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        equity: number;
        initialMargin: number;
        maintenanceMargin: number;
      };
      const expected = (
        JSON.parse(readFileSync(`${folder}/${file}`, 'utf8')) as {
          Result: { IM: number | string; MM: number | string };
        }
      ).Result;
      expect(
        within(out.equity - out.initialMargin, Number(expected.IM)),
        `IM ${out.equity - out.initialMargin} vs ${expected.IM}`,
      ).toBe(true);
      expect(
        within(out.equity - out.maintenanceMargin, Number(expected.MM)),
        `MM ${out.equity - out.maintenanceMargin} vs ${expected.MM}`,
      ).toBe(true);
      expect(out.initialMargin).toBeGreaterThanOrEqual(0);
      expect(out.maintenanceMargin).toBeGreaterThanOrEqual(0);
    },
  );
});

describe('ballast margin --json contract on the example books', () => {
  const books = [
    'examples/hedged-book.json',
    'examples/short-strangle.json',
    'examples/short-strangle.csv',
    'test/fixtures/portfolios/deribit-positions.json',
    'test/fixtures/portfolios/ccxt-positions.json',
  ];
  for (const book of books) {
    it(`${book}: every applicable model gives the contract fields`, async () => {
      let applicable = 0;
      for (const m of MARGIN_MODELS) {
        const r = await runCli([
          'margin',
          book,
          '--market',
          snapshot,
          ...stale,
          '--model',
          m.id,
          '--json',
        ]);
        // Not applicable: the model does not cover the book, or needs venue tables we do not bundle.
        if (r.status === 2 && /UNSUPPORTED|no maintenance bracket table/.test(r.stderr)) continue;
        expect(r.status, `${m.id}: ${r.stderr}`).toBe(0);
        applicable++;
        const j = JSON.parse(r.stdout) as Record<string, unknown>;
        for (const k of [
          'model',
          'currency',
          'equity',
          'initialMargin',
          'maintenanceMargin',
          'worstScenario',
          'addOns',
          'contributions',
          'unverified',
          'inputsHash',
        ]) {
          expect(j, `${m.id} lacks ${k}`).toHaveProperty(k);
        }
        expect(j.model).toBe(m.id);
        for (const k of ['initialMargin', 'maintenanceMargin'] as const) {
          expect(
            Number.isFinite(j[k]) && (j[k] as number) >= 0,
            `${m.id}.${k} = ${String(j[k])}`,
          ).toBe(true);
        }
        expect(String(j.inputsHash)).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(applicable).toBeGreaterThanOrEqual(6);
    });
  }

  it('the same inputs give the same bits and the same hash', async () => {
    const a = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
      '--json',
    ]);
    const b = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
      '--json',
    ]);
    expect(a.stdout).toBe(b.stdout);
  });

  it('a readable breakdown with worst scenario, contributors and add-ons', async () => {
    const r = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const s of [
      'initial margin (IM)',
      'maintenance margin (MM)',
      'IM utilization',
      'worst scenario:',
      'top contributors',
      'roll_shock',
    ])
      expect(r.stdout).toContain(s);
  });

  it('the Deribit positions import equals the same book in coins', async () => {
    const r = await runCli([
      'margin',
      'test/fixtures/portfolios/deribit-positions.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
      '--json',
    ]);
    const j = JSON.parse(r.stdout) as { contributions: { symbol: string; size: number }[] };
    const sizes = Object.fromEntries(j.contributions.map((c) => [c.symbol, c.size]));
    expect(sizes['BTC-PERPETUAL']).toBe(1.994);
    expect(sizes['BTC-25SEP26']).toBe(-0.9988);
    expect(sizes['BTC-25SEP26-70000-C']).toBe(-8);
  });
});

describe('ballast compare and whatif', () => {
  it('compare lists every model with the saving against isolated', async () => {
    const r = await runCli([
      'compare',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      baselineUsd: number;
      models: { model: string; initialMarginUsd: number | null; savingVsIsolated: number | null }[];
    };
    expect(j.models.map((m) => m.model)).toEqual(MARGIN_MODELS.map((m) => m.id));
    expect(j.baselineUsd).toBeGreaterThan(0);
    const pm = j.models.find((m) => m.model === 'deribit-pm')!;
    expect(pm.savingVsIsolated!).toBeGreaterThan(0);
  });

  it('whatif prints before, each trade alone and after', async () => {
    const r = await runCli([
      'whatif',
      'examples/short-strangle.json',
      '--market',
      snapshot,
      ...stale,
      '--trade',
      'BTC-28AUG26-60000-P:5',
      '--trade',
      'BTC-PERPETUAL:0.5',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      beforeUsd: { initialMargin: number };
      afterUsd: { initialMargin: number };
      trades: { incrementalInitialMarginUsd: number }[];
    };
    expect(j.trades).toHaveLength(2);
    expect(j.afterUsd.initialMargin).not.toBe(j.beforeUsd.initialMargin);
  });
});

describe('margin bad input: a clear error naming the field (exit 2), never a silent understatement', () => {
  async function expectError(args: string[], code: string, text: string | RegExp) {
    const r = await runCli(args);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`error [${code}]`);
    if (typeof text === 'string') expect(r.stderr).toContain(text);
    else expect(r.stderr).toMatch(text);
  }
  const fx = 'test/fixtures/portfolios';
  it('unknown instrument', () =>
    expectError(
      [
        'margin',
        `${fx}/unknown-instrument.json`,
        '--market',
        snapshot,
        ...stale,
        '--model',
        'deribit-pm',
      ],
      'INVALID_SYMBOL',
      'positions[0].instrument',
    ));
  it('a size that looks like USD given as coins', () =>
    expectError(
      [
        'margin',
        `${fx}/usd-as-coins.json`,
        '--market',
        snapshot,
        ...stale,
        '--model',
        'deribit-pm',
      ],
      'INVALID_INPUT',
      /positions\[0\]\.size: .*looks like a size in USD/,
    ));
  it('an option without vol', async () => {
    const snap = JSON.parse(readFileSync(snapshot, 'utf8')) as {
      underlyings: { BTC: { surface: unknown[] } };
    };
    snap.underlyings.BTC.surface = [];
    const noVol = join(dir, 'no-vol.json');
    writeFileSync(noVol, JSON.stringify(snap));
    await expectError(
      [
        'margin',
        'examples/short-strangle.json',
        '--market',
        noVol,
        ...stale,
        '--model',
        'deribit-pm',
      ],
      'MISSING_VOL',
      'BTC-28AUG26-55000-P',
    );
  });
  it('an option on an underlying the market does not have', () =>
    expectError(
      ['margin', `${fx}/no-vol.csv`, '--market', snapshot, ...stale, '--model', 'deribit-pm'],
      'INVALID_INPUT',
      'no data for ETH',
    ));
  it('an expired position', () =>
    expectError(
      ['margin', `${fx}/expired.json`, '--market', snapshot, ...stale, '--model', 'deribit-pm'],
      'EXPIRED',
      'BTC-26JUN26-60000-C',
    ));
  it('an instrument of another settlement currency in a segregated pool', () =>
    expectError(
      ['margin', `${fx}/wrong-pool.json`, '--market', snapshot, ...stale, '--model', 'deribit-pm'],
      'WRONG_POOL',
      'positions[1].instrument',
    ));
  it('a stale snapshot without --allow-stale', () =>
    expectError(
      ['margin', 'examples/hedged-book.json', '--market', snapshot, '--model', 'deribit-pm'],
      'STALE_MARKET',
      /--market: the snapshot is \d+ d old/,
    ));
  it('with --allow-stale the staleness is stated in the result', async () => {
    const r = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
      '--json',
    ]);
    expect((JSON.parse(r.stdout) as { warnings: string[] }).warnings.join('\n')).toMatch(
      /old .*--allow-stale/,
    );
  });
  it('an unknown model and a mistyped parameter', async () => {
    const r = await runCli([
      'margin',
      'examples/hedged-book.json',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'nope',
    ]);
    expect(r.status).toBe(2);
    const params = join(dir, 'params.json');
    writeFileSync(params, JSON.stringify({ model_params: { general: { mm_factr: 0.5 } } }));
    await expectError(
      [
        'margin',
        'examples/hedged-book.json',
        '--market',
        snapshot,
        ...stale,
        '--model',
        'deribit-pm',
        '--params',
        params,
      ],
      'SCHEMA',
      'mm_factr',
    );
  });
  it('a malformed trade', () =>
    expectError(
      [
        'whatif',
        'examples/hedged-book.json',
        '--market',
        snapshot,
        ...stale,
        '--trade',
        'BTC-PERPETUAL',
      ],
      'INVALID_INPUT',
      'SYMBOL:SIZE',
    ));
});
