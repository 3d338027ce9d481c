import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

// A book of collateral and no positions: `ballast margin` and `health` print its pools (they
// printed nothing, or "no margin results", when pools came from positions only).
const market = ['--market', 'examples/btc-eth-snapshot.json', '--allow-stale'];
let book = '';

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-cash-'));
  book = join(dir, 'cash.json');
  writeFileSync(
    book,
    JSON.stringify({
      schema: 'ballast.portfolio/1',
      name: 'cash only',
      positions: [],
      balances: [
        { currency: 'BTC', amount: 4 },
        { currency: 'USDC', amount: 1000 },
      ],
    }),
  );
});

describe('ballast margin / health on a book of collateral only', () => {
  it.each(['deribit-pm', 'var', 'deribit-xpm'])(
    'margin --model %s prints a result, exit 0',
    async (m) => {
      const r = await runCli(['margin', book, ...market, '--model', m]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/equity/);
      const j = await runCli(['margin', book, ...market, '--model', m, '--json']);
      expect(j.status, j.stderr).toBe(0);
      const out = JSON.parse(j.stdout) as { equity: number; currency: string };
      expect(out.equity).toBeGreaterThan(4 * 70000);
    },
  );

  it('margin --json: the pools BTC and USDC with their balances, IM 0', async () => {
    const r = await runCli(['margin', book, ...market, '--model', 'deribit-pm', '--json']);
    const out = JSON.parse(r.stdout) as {
      initialMargin: number;
      pools: { currency: string; equity: number; initialMargin: number }[];
    };
    expect(out.initialMargin).toBe(0);
    expect(out.pools.map((p) => [p.currency, p.equity, p.initialMargin])).toEqual([
      ['BTC', 4, 0],
      ['USDC', 1000, 0],
    ]);
  });

  it('health: healthy, both pools listed, exit 0', async () => {
    const r = await runCli(['health', book, ...market, '--model', 'deribit-pm']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/account HEALTHY/);
    expect(r.stdout).toMatch(/│ BTC\s+│ healthy/);
    expect(r.stdout).toMatch(/│ USDC\s+│ healthy/);
    // no liquidation search for pools nothing moves (no positions, no requirement)
    const liq = r.stdout.slice(r.stdout.indexOf('liquidation ('), r.stdout.indexOf('solvency'));
    expect(liq).not.toMatch(/│ BTC\s+│ BTC/);
  });
});
