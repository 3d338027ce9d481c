// Price history is market data on the CLI: `ballast margin --history` (and `whatif --history`)
// attaches it to the market (the same ES as `ballast var` on that history), and a params file
// with `history` is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const market = ['--market', 'examples/btc-snapshot.json', '--allow-stale'];
const history = ['--history', 'BTC=data/crypto-ohlc/Coinbase_BTCUSD_d.csv'];
const book = 'examples/short-strangle.json';

const ims = (stdout: string) =>
  (JSON.parse(stdout) as { pools: { initialMargin: number }[] }).pools.map((p) => p.initialMargin);

describe('ballast margin --history (risk-based models)', () => {
  it('es with fhs params on --history: the ES of ballast var --measure es --method fhs --window 365', async () => {
    const m = await runCli([
      'margin',
      book,
      ...market,
      '--model',
      'es',
      '--params',
      'examples/es-fhs-params.json',
      ...history,
      '--json',
    ]);
    expect(m.status, m.stderr).toBe(0);
    const v = await runCli([
      'var',
      book,
      ...market,
      '--measure',
      'es',
      '--method',
      'fhs',
      '--window',
      '365',
      ...history,
      '--json',
    ]);
    expect(v.status, v.stderr).toBe(0);
    expect(ims(m.stdout)).toEqual(ims(v.stdout));
    expect(ims(m.stdout)[0]).toBeGreaterThan(0);
    const none = await runCli([
      'margin',
      book,
      ...market,
      '--model',
      'es',
      '--params',
      'examples/es-fhs-params.json',
    ]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(
      /\[INVALID_INPUT\] market\.history: method fhs needs a price history/,
    );
  }, 120_000);

  it('whatif --history: the margin before the trade is ballast margin --history on the same book', async () => {
    const args = [
      ...market,
      '--model',
      'es',
      '--params',
      'examples/es-fhs-params.json',
      ...history,
    ];
    const w = await runCli(['whatif', book, ...args, '--trade', 'BTC-PERPETUAL:0.5', '--json']);
    expect(w.status, w.stderr).toBe(0);
    const m = await runCli(['margin', book, ...args, '--json']);
    expect(m.status, m.stderr).toBe(0);
    const before = (JSON.parse(w.stdout) as { before: { initialMargin: number }[] }).before;
    expect(before.map((r) => r.initialMargin)).toEqual(ims(m.stdout));
    expect(before[0]!.initialMargin).toBeGreaterThan(0);
  }, 120_000);

  it('a params file that still has history is refused, saying it moved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-history-'));
    const file = join(dir, 'legacy.json');
    writeFileSync(
      file,
      JSON.stringify({
        method: 'hs',
        history: {
          series: [{ symbol: 'BTC', interval: 'daily', timesMs: [0, 1], closes: [1, 2] }],
        },
      }),
    );
    const r = await runCli(['margin', book, ...market, '--model', 'var', '--params', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `error [SCHEMA] ${file}.history: price history is market data, no longer a model parameter: it moved to market.history`,
    );
  }, 120_000);
});
