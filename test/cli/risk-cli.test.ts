import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

let dir = '';
let snapshot = '';
let perpBook = '';
let shortHistory = '';
let shocks = '';
const stale = ['--allow-stale'];
const coinbase = 'data/crypto-ohlc/Coinbase_BTCUSD_d.csv';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballast-risk-'));
  snapshot = join(dir, 'snapshot.json');
  const r = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    snapshot,
  ]);
  expect(r.status, r.stderr).toBe(0);
  perpBook = join(dir, 'perp.json');
  writeFileSync(
    perpBook,
    JSON.stringify({
      schema: 'ballast.portfolio/1',
      name: 'long perp',
      positions: [{ instrument: 'BTC-PERPETUAL', size: 5, entryPrice: 62000 }],
      balances: [{ currency: 'BTC', amount: 2 }],
    }),
  );
  shortHistory = join(dir, 'short.csv');
  const rows = Array.from(
    { length: 40 },
    (_, i) =>
      `${new Date(Date.UTC(2019, 0, 1 + i)).toISOString().slice(0, 10)},${(3800 * (1 + 0.01 * Math.sin(i))).toFixed(2)}`,
  );
  writeFileSync(shortHistory, `date,close\n${rows.join('\n')}\n`);
  shocks = join(dir, 'shocks.json');
  writeFileSync(
    shocks,
    JSON.stringify([
      { name: 'BTC −40 %, vol ×2', moves: { BTC: { spot: -0.4, vol: 1 } } },
      { name: 'flat', moves: {}, default: { spot: 0 } },
    ]),
  );
});

const market = () => ['--market', snapshot, ...stale];

describe('ballast var', () => {
  it('historical simulation: VaR, ES, tail scenarios and the scenario source', async () => {
    const r = await runCli([
      'var',
      'examples/short-strangle.json',
      ...market(),
      '--method',
      'hs',
      '--confidence',
      '0.99',
      '--horizon',
      '1d',
      '--history',
      coinbase,
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const s of [
      'VaR 99%',
      'ES 99%',
      'tail scenario (worst first)',
      'contribution to VaR',
      // 1769 closes-to-close windows less the 2015-01-14 bad print (excluded by default)
      'historical: 1768 overlapping 1-day windows of BTC daily closes 2014-12-01 → 2019-10-17',
      'bad prints excluded: 2015-01-14 close 120 between 260 and 211.91; --keep-outliers keeps them',
    ])
      expect(r.stdout).toContain(s);
  });

  it('--keep-outliers keeps the 2015-01-14 print: 1769 windows, its −53.9 % day in the tail', async () => {
    const r = await runCli([
      'var',
      'examples/short-strangle.json',
      ...market(),
      '--method',
      'hs',
      '--history',
      coinbase,
      '--keep-outliers',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('historical: 1769 overlapping 1-day windows');
    expect(r.stdout).toContain('bad prints kept by --keep-outliers: 2015-01-14 close 120');
    expect(r.stdout).toContain('2015-01-13 → 2015-01-14: BTC −53.85%');
  });

  it('README: the bundled history’s bad print moves the short strangle’s HS ES 99% from 1.117516 to 0.532550 BTC', async () => {
    const es = async (extra: string[]) => {
      const r = await runCli([
        'var',
        'examples/short-strangle.json',
        ...market(),
        '--method',
        'hs',
        ...extra,
      ]);
      expect(r.status, r.stderr).toBe(0);
      return /ES 99%\s*│\s*([0-9.]+)/.exec(r.stdout)?.[1];
    };
    expect(await es([])).toBe('0.532550');
    expect(await es(['--keep-outliers'])).toBe('1.117516');
  });

  it('--json: one result per pool with details (tail ids, labels, P&L) and the worst scenario', async () => {
    const r = await runCli([
      'var',
      'examples/hedged-book.json',
      ...market(),
      '--method',
      'fhs',
      '--measure',
      'es',
      '--horizon',
      '2d',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      method: string;
      measure: string;
      pools: {
        model: string;
        currency: string;
        initialMargin: number;
        worstScenario: { id: string };
        details: {
          tail: { id: string; label: string; pnl: number }[];
          expectedShortfall: number;
          horizonDays: number;
        };
      }[];
    };
    expect(j.method).toBe('fhs');
    const p = j.pools[0]!;
    expect(p.model).toBe('es');
    expect(p.currency).toBe('BTC');
    expect(p.details.horizonDays).toBe(2);
    expect(p.initialMargin).toBeCloseTo(Math.max(0, p.details.expectedShortfall), 12);
    expect(p.details.tail[0]!.id).toBe(p.worstScenario.id);
    expect(p.details.tail[0]!.id).toMatch(/^fhs-\d{4}-\d{2}-\d{2}$/);
  });

  it('Monte Carlo: the same seed prints the same bits; another seed does not', async () => {
    const args = [
      'var',
      'examples/hedged-book.json',
      ...market(),
      '--method',
      'mc',
      '--paths',
      '2000',
      '--seed',
      '3',
      '--json',
    ];
    const a = await runCli(args);
    const b = await runCli(args);
    expect(a.status, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const c = await runCli([...args.slice(0, -3), '4', '--json']);
    expect(c.stdout).not.toBe(a.stdout);
    expect(JSON.parse(a.stdout).pools[0].details.scenarioSource).toMatch(
      /Monte Carlo student-t .*2000 pseudo paths, seed 3/,
    );
  });
});

describe('ballast stress', () => {
  it('the whole library: hypothetical moves and the crashes the history covers, worst first', async () => {
    const r = await runCli(['stress', 'examples/hedged-book.json', ...market()]);
    expect(r.status, r.stderr).toBe(0);
    for (const s of [
      'crash −30 %, vol +50 %',
      'China exchange ban (September 2017), 3d: BTC −22.81%',
      'not covered by the history: covid-2020-03-12',
    ])
      expect(r.stdout).toContain(s);
  });

  it('named scenarios and a JSON shock file', async () => {
    const r = await runCli([
      'stress',
      'examples/short-strangle.json',
      ...market(),
      '--scenario',
      'feb-2018-02-05',
      '--scenario',
      'crash-30',
      '--scenario',
      shocks,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      scenarios: { id: string; pnl: { BTC: number }; pnlUsd: number }[];
    };
    expect(j.scenarios.map((s) => s.id).sort()).toEqual([
      'hyp-crash-30',
      'stress-feb-2018-02-05-1d',
      'stress-feb-2018-02-05-3d',
      'user-0',
      'user-1',
    ]);
    expect(j.scenarios.find((s) => s.id === 'user-1')!.pnl.BTC).toBe(0);
    for (let i = 1; i < j.scenarios.length; i++)
      expect(j.scenarios[i]!.pnlUsd).toBeGreaterThanOrEqual(j.scenarios[i - 1]!.pnlUsd);
  });

  it('a cash-only coin book: no coin P&L, its USD value moves with the coin, library measured on it', async () => {
    const book = join(dir, 'cash-btc.json');
    writeFileSync(
      book,
      JSON.stringify({ positions: [], balances: [{ currency: 'BTC', amount: 2 }] }),
    );
    const r = await runCli(['stress', book, ...market(), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      pools: { currency: string; equity: number }[];
      scenarios: { id: string; pnl: { BTC: number }; pnlUsd: number; equityChangeUsd: number }[];
    };
    const index = (
      JSON.parse(readFileSync(snapshot, 'utf8')) as {
        underlyings: { BTC: { index: number } };
      }
    ).underlyings.BTC.index;
    expect(j.pools).toEqual([{ currency: 'BTC', equity: 2 }]);
    const crash = j.scenarios.find((s) => s.id === 'hyp-crash-30')!;
    // 2 BTC at −30 %: 2 · index · (0.7 − 1) USD; the coin P&L is 0
    expect(crash.equityChangeUsd).toBeCloseTo(2 * index * -0.3, 6);
    expect(j.scenarios.every((s) => s.pnl.BTC === 0 && s.pnlUsd === 0)).toBe(true);
    expect(j.scenarios.some((s) => s.id.startsWith('stress-feb-2018'))).toBe(true);
    // worst first: the coin P&L ties at 0, so by the USD value change
    for (let i = 1; i < j.scenarios.length; i++)
      expect(j.scenarios[i]!.equityChangeUsd).toBeGreaterThanOrEqual(
        j.scenarios[i - 1]!.equityChangeUsd,
      );
  });

  it('a USD cash book: hypotheticals only, the library listed as not measurable', async () => {
    const book = join(dir, 'cash-usd.json');
    writeFileSync(
      book,
      JSON.stringify({ positions: [], balances: [{ currency: 'USD', amount: 1000 }] }),
    );
    const r = await runCli(['stress', book, ...market(), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      scenarios: { id: string; equityChangeUsd: number }[];
      uncovered: string[];
    };
    expect(j.scenarios.length).toBeGreaterThan(0);
    expect(j.scenarios.every((s) => s.id.startsWith('hyp-') && s.equityChangeUsd === 0)).toBe(true);
    expect(j.uncovered).toContain('ftx-2022-11-09: the book holds no underlying to measure it on');
  });
});

describe('ballast health', () => {
  it('state, utilization, liquidation prices and distances, solvency (--json)', async () => {
    const r = await runCli([
      'health',
      'examples/short-strangle.json',
      ...market(),
      '--model',
      'deribit-pm',
      '--shock',
      'BTC:-20%',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      health: { state: string; pools: { imUtilization: number; freeCollateral: number }[] };
      liquidation: {
        pools: {
          underlyings: {
            up: { multiplier: number; distanceSigma: number };
            down: { multiplier: number; price: number };
          }[];
        }[];
      };
      solvency: { solvencyUsd: number };
      contagion: { after: { state: string } };
    };
    expect(j.health.state).toBe('healthy');
    const u = j.liquidation.pools[0]!.underlyings[0]!;
    expect(u.up.multiplier).toBeGreaterThan(1);
    expect(u.down.multiplier).toBeLessThan(1);
    expect(u.up.distanceSigma).toBeGreaterThan(0);
    expect(j.solvency.solvencyUsd).toBeGreaterThan(0);
    expect(['healthy', 'margin-call', 'reduce-only', 'liquidation']).toContain(
      j.contagion.after.state,
    );
  });

  it('readable report with σ from the history', async () => {
    const r = await runCli([
      'health',
      perpBook,
      ...market(),
      '--model',
      'deribit-standard',
      '--history',
      coinbase,
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const s of [
      'deribit-standard: account',
      'liq. price ↓',
      'σ over 1 day(s) from EWMA of BTC: data/crypto-ohlc/Coinbase_BTCUSD_d.csv',
      'solvency (equity − MM)',
    ])
      expect(r.stdout).toContain(s);
  });
});

describe('ballast backtest on real BTC history (Coinbase daily, 2019-01 → 2019-09)', () => {
  const table: string[] = [];
  const cases: [string, string, string[]][] = [];
  for (const book of ['perp', 'examples/short-strangle.json']) {
    for (const model of ['deribit-standard', 'deribit-pm', 'es'])
      cases.push([book, model, model === 'es' ? ['--method', 'hs', '--window', '365'] : []]);
  }
  it.each(cases)('%s under %s', async (book, model, extra) => {
    const file = book === 'perp' ? perpBook : book;
    const r = await runCli([
      'backtest',
      file,
      ...market(),
      '--model',
      model,
      '--from',
      '2019-01-01',
      '--to',
      '2019-09-30',
      '--history',
      coinbase,
      ...extra,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar outside a terminal
    const j = JSON.parse(r.stdout) as {
      days: number;
      pools: {
        breaches: number;
        observations: number;
        kupiec: { lr: number; pValue: number; expectedBreaches: number };
        costOfMargin: number;
        averageMargin: number;
      }[];
    };
    const p = j.pools[0]!;
    expect(p.observations).toBe(j.days);
    expect(p.breaches).toBeLessThanOrEqual(j.days);
    expect(p.kupiec.pValue).toBeGreaterThanOrEqual(0);
    expect(p.kupiec.pValue).toBeLessThanOrEqual(1);
    expect(Number.isFinite(p.kupiec.lr)).toBe(true);
    table.push(
      `${(book === 'perp' ? 'long 5 BTC perp' : 'short strangle').padEnd(16)} ${model.padEnd(17)} days ${j.days}  breaches ${String(p.breaches).padStart(3)} (exp. ${p.kupiec.expectedBreaches.toFixed(2)})  LR ${p.kupiec.lr.toFixed(3).padStart(7)}  p ${p.kupiec.pValue.toFixed(4)}  avg margin ${p.averageMargin.toFixed(4)} BTC  cost of margin ${(100 * p.costOfMargin).toFixed(2)} %`,
    );
  });
  it('prints the table and a readable report', async () => {
    console.log(`\n${table.join('\n')}`);
    const r = await runCli([
      'backtest',
      'examples/short-strangle.json',
      ...market(),
      '--model',
      'es',
      '--method',
      'hs',
      '--window',
      '365',
      '--from',
      '2019-01-01',
      '--to',
      '2019-09-30',
      '--history',
      coinbase,
    ]);
    expect(r.status, r.stderr).toBe(0);
    for (const s of ['Kupiec LR', 'p-value', 'cost of margin', 'assumption: the vol surface'])
      expect(r.stdout).toContain(s);
    console.log(r.stdout);
  });
});

describe('risk commands: bad input is a clear error (exit 2)', () => {
  async function expectError(args: string[], text: string | RegExp) {
    const r = await runCli(args);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    if (typeof text === 'string') expect(r.stderr).toContain(text);
    else expect(r.stderr).toMatch(text);
  }
  const book = 'examples/short-strangle.json';
  it('unknown method', () =>
    expectError(
      ['var', book, ...market(), '--method', 'garch'],
      /argument 'garch' is invalid.*hs, fhs, mc/,
    ));
  it('confidence outside (0, 1)', async () => {
    await expectError(
      ['var', book, ...market(), '--confidence', '1.5'],
      'error [INVALID_INPUT] --confidence: must be in (0, 1)',
    );
    await expectError(
      ['var', book, ...market(), '--confidence', '0'],
      'error [INVALID_INPUT] --confidence',
    );
    await expectError(
      [
        'backtest',
        book,
        ...market(),
        '--model',
        'deribit-pm',
        '--from',
        '2019-01-01',
        '--to',
        '2019-02-01',
        '--confidence',
        '-0.1',
      ],
      'error [INVALID_INPUT] --confidence',
    );
  });
  it('dates outside the history', async () => {
    await expectError(
      [
        'backtest',
        book,
        ...market(),
        '--model',
        'deribit-pm',
        '--from',
        '2010-01-01',
        '--to',
        '2010-06-01',
        '--history',
        coinbase,
      ],
      /error \[INVALID_INPUT\] from: 2010-01-01 is outside the history: a backtest day must lie in 2014-12-01 … 2019-10-16/,
    );
    await expectError(
      [
        'backtest',
        book,
        ...market(),
        '--model',
        'deribit-pm',
        '--from',
        '2019-01-01',
        '--to',
        '2024-01-01',
        '--history',
        coinbase,
      ],
      /to: 2024-01-01 is outside the history/,
    );
    await expectError(
      [
        'backtest',
        book,
        ...market(),
        '--model',
        'deribit-pm',
        '--from',
        '2019-13-01',
        '--to',
        '2019-12-31',
      ],
      'error [INVALID_INPUT] --from: expected a date YYYY-MM-DD',
    );
  });
  it('too-short history', async () => {
    await expectError(
      ['var', book, ...market(), '--method', 'hs', '--history', `BTC=${shortHistory}`],
      /market\.history: the history is too short: 39 scenario\(s\) cannot resolve a 99% quantile \(need at least 100\)/,
    );
    await expectError(
      [
        'backtest',
        book,
        ...market(),
        '--model',
        'es',
        '--method',
        'hs',
        '--from',
        '2019-01-05',
        '--to',
        '2019-01-20',
        '--history',
        `BTC=${shortHistory}`,
      ],
      /the history is too short/,
    );
  });
  it('other bad flags and files', async () => {
    await expectError(
      ['var', book, ...market(), '--horizon', '1x'],
      'error [INVALID_INPUT] --horizon',
    );
    await expectError(
      ['stress', book, ...market(), '--scenario', 'moon-landing'],
      /--scenario: unknown stress scenario "moon-landing"/,
    );
    await expectError(['health', book, ...market()], /required option '--model <id>'/);
    await expectError(
      ['health', book, ...market(), '--model', 'deribit-pm', '--shock', 'BTC-20'],
      'error [INVALID_INPUT] --shock',
    );
    await expectError(
      ['var', book, ...market(), '--method', 'hs', '--history', 'no/such/file.csv'],
      'error [FILE_NOT_FOUND] no/such/file.csv',
    );
    await expectError(
      ['var', book, ...market(), '--method', 'hs', '--history', `ETH=${coinbase}`],
      /--history: no price history for BTC/,
    );
  });
  it('--help shows examples for every risk command', async () => {
    for (const c of ['var', 'stress', 'health', 'backtest']) {
      const r = await runCli([c, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`$ ballast ${c}`);
    }
  });
});

describe('the snapshot file is left as built', () => {
  it('is valid JSON', () =>
    expect(() => JSON.parse(readFileSync(snapshot, 'utf8')) as unknown).not.toThrow());
});
