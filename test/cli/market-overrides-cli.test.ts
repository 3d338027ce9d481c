/**
 * `--index`, `--mark`, `--vol` on the commands that take `--market` (shared path:
 * src/cli/context.ts loadMarketChecked): each changes the number the way it should, is said
 * in the result and changes the input hash; a bad value is a one-line error, exit 2.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

const market = ['--market', 'examples/btc-snapshot.json', '--allow-stale'];
let linearPerp = '';
let oneCall = '';

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-overrides-'));
  linearPerp = join(dir, 'linear-perp.json');
  writeFileSync(
    linearPerp,
    JSON.stringify({
      schema: 'ballast.portfolio/1',
      positions: [{ instrument: 'BTC_USDC-PERPETUAL', size: 2, entryPrice: 60000 }],
      balances: [{ currency: 'USDC', amount: 50000 }],
    }),
  );
  oneCall = join(dir, 'one-call.json');
  writeFileSync(
    oneCall,
    JSON.stringify({
      schema: 'ballast.portfolio/1',
      positions: [{ instrument: 'BTC-25SEP26-70000-C', size: 3, entryPrice: 0.01 }],
      balances: [{ currency: 'BTC', amount: 1 }],
    }),
  );
});

interface MarginJson {
  equity: number;
  inputsHash: string;
  warnings: string[];
}

async function marginJson(file: string, extra: string[]): Promise<MarginJson> {
  const r = await runCli([
    'margin',
    file,
    '--model',
    'deribit-standard',
    ...market,
    '--json',
    ...extra,
  ]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as MarginJson;
}

describe('ballast margin with overrides', () => {
  it('--index moves a linear perp’s equity by size × Δindex (1e-6 USD), noted, new hash', async () => {
    const before = await marginJson(linearPerp, []);
    const moved = await marginJson(linearPerp, ['--index', 'BTC=70000']);
    const again = await marginJson(linearPerp, ['--index', 'BTC=71000']);
    expect(Math.abs(again.equity - moved.equity - 2 * 1000)).toBeLessThan(1e-6);
    expect(moved.equity).not.toBe(before.equity);
    expect(moved.inputsHash).not.toBe(before.inputsHash);
    expect(moved.warnings.some((w) => w.startsWith('--index BTC=70000'))).toBe(true);
    expect(before.warnings.some((w) => w.includes('overridden'))).toBe(false);
  });

  it('--mark on the perp sets its mark: equity = balance + size × (mark − entry)', async () => {
    const r = await marginJson(linearPerp, ['--mark', 'BTC_USDC-PERPETUAL=61000']);
    expect(Math.abs(r.equity - (50000 + 2 * (61000 - 60000)))).toBeLessThan(1e-6);
  });

  it('--mark on an option moves equity by size × Δmark; --vol equals --mark at its price', async () => {
    const m1 = await marginJson(oneCall, ['--mark', 'BTC-25SEP26-70000-C=0.02']);
    const m2 = await marginJson(oneCall, ['--mark', 'BTC-25SEP26-70000-C=0.03']);
    expect(Math.abs(m2.equity - m1.equity - 3 * 0.01)).toBeLessThan(1e-9);
    const vol = await marginJson(oneCall, ['--vol', 'BTC-25SEP26-70000-C=0.8']);
    const markAtVol = 0.02 + (vol.equity - m1.equity) / 3;
    expect(markAtVol).toBeGreaterThan(0.03);
    const viaMark = await marginJson(oneCall, ['--mark', `BTC-25SEP26-70000-C=${markAtVol}`]);
    expect(Math.abs(viaMark.equity - vol.equity)).toBeLessThan(1e-9);
    expect(vol.warnings.some((w) => w.includes('→ 0.8000'))).toBe(true);
  });
});

describe('every market command takes the overrides and says so', () => {
  it.each([
    ['compare', 'examples/perp-book.json', '--json'],
    ['health', 'examples/perp-book.json', '--json', '--model', 'deribit-standard'],
    ['var', 'examples/perp-book.json', '--json'],
    ['stress', 'examples/perp-book.json', '--json'],
  ])('%s', async (command, file, ...rest) => {
    const r = await runCli([command, file, ...market, ...rest, '--index', 'BTC=65000']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('--index BTC=65000: index');
  });
});

describe('bad values: one line, exit 2, naming the flag', () => {
  it.each([
    ['--index', 'BTC=-5'],
    ['--index', 'DOGE=1'],
    ['--index', 'BTC=1e999'],
    ['--mark', 'BTC-PERPETUAL=abc'],
    ['--mark', 'BTC-25SEP26-70000-C=2'],
    ['--mark', 'ETH-PERPETUAL=3000'],
    ['--vol', 'BTC-25SEP26-70000-C=80'],
    ['--vol', 'BTC-PERPETUAL=0.5'],
  ])('%s %s', async (flag, value) => {
    const r = await runCli([
      'margin',
      'examples/perp-book.json',
      '--model',
      'deribit-standard',
      ...market,
      flag,
      value,
    ]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toContain(flag);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
