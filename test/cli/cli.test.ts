import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliProcess } from './run-cli.ts';
import { black76Greeks } from '../../src/pricing/black76.ts';
import { inverseOptionPrice } from '../../src/pricing/inverse.ts';
import { snapshotFromJson } from '../../src/io/snapshot-json.ts';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballast-cli-'));
});

describe('ballast price', () => {
  it('prints a table for one option', async () => {
    const r = await runCli([
      'price',
      '--forward',
      '65000',
      '--strike',
      '70000',
      '--days',
      '30',
      '--vol',
      '0.55',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('CALL linear Black-76');
    const price = black76Greeks('call', 65000, 70000, 30 / 365, 0.55, 1).price;
    expect(r.stdout).toContain(price.toFixed(6));
  });

  it('--json gives the same numbers as the library; --premium inverts to the vol', async () => {
    const a = await runCli([
      'price',
      '--forward',
      '65000',
      '--strike',
      '60000',
      '--days',
      '45',
      '--vol',
      '0.62',
      '--right',
      'put',
      '--inverse',
      '--json',
    ]);
    expect(a.status, a.stderr).toBe(0);
    const ra = JSON.parse(a.stdout) as { priceCoin: number; sigma: number };
    expect(ra.priceCoin).toBe(inverseOptionPrice('put', 65000, 60000, 45 / 365, 0.62, 1));
    const b = await runCli([
      'price',
      '--forward',
      '65000',
      '--strike',
      '60000',
      '--days',
      '45',
      '--premium',
      String(ra.priceCoin),
      '--right',
      'put',
      '--inverse',
      '--json',
    ]);
    expect(b.status, b.stderr).toBe(0);
    const rb = JSON.parse(b.stdout) as { sigma: number; impliedFromPrice: boolean };
    expect(rb.impliedFromPrice).toBe(true);
    expect(Math.abs(rb.sigma - 0.62)).toBeLessThan(1e-10);
  });

  it('--jsonl prices a stream line by line', async () => {
    const lines = [
      { id: 'a', right: 'call', F: 100, K: 100, T: 1, sigma: 0.2 },
      { id: 'b', right: 'put', F: 100, K: 90, T: 0.5, price: 2.5, r: 0.01 },
    ];
    const r = runCliProcess(
      ['price', '--jsonl', '-'],
      lines.map((l) => JSON.stringify(l)).join('\n'),
    );
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; priceUsd: number; sigma: number });
    expect(out.map((o) => o.id)).toEqual(['a', 'b']);
    expect(out[0]!.priceUsd).toBeCloseTo(7.965567455405804, 12);
    expect(out[1]!.priceUsd).toBeCloseTo(2.5, 12);
  });
});

describe('ballast surface and market build on the real Deribit data', () => {
  it('surface prints per-expiry RMSE and arbitrage flags (BTC quantflow inputs)', async () => {
    const r = await runCli(['surface', 'data/deribit-quantflow/volsurface_btc.json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('BTC volatility surface');
    expect(r.stdout).toContain('RMSE vp');
    expect(r.stdout).toMatch(/2026-06-26/);
  });

  it('surface --json has a slice per expiry with params and flags (ETH)', async () => {
    const r = await runCli(['surface', 'data/deribit-quantflow/volsurface_eth.json', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      slices: { ETH: { rmseVolPoints?: number; butterfly?: { arbitrageFree: boolean } }[] };
    };
    const fitted = j.slices.ETH.filter((s) => s.rmseVolPoints !== undefined);
    expect(fitted.length).toBeGreaterThanOrEqual(8);
    for (const s of fitted) expect(typeof s.butterfly?.arbitrageFree).toBe('boolean');
  });

  it('market build writes a snapshot that validates against the schema', async () => {
    const out = join(dir, 's.json');
    const r = await runCli([
      'market',
      'build',
      'data/deribit-quantflow/deribit_btc.json.gz',
      '-o',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const snap = snapshotFromJson(JSON.parse(readFileSync(out, 'utf8')), out);
    const btc = snap.underlyings.BTC!;
    expect(btc.forwards.length).toBeGreaterThanOrEqual(12);
    expect(btc.surface.length).toBeGreaterThanOrEqual(8);
    const stale = await runCli(['price', '--symbol', 'BTC-25SEP26-70000-C', '--market', out]);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toMatch(/^error \[STALE_MARKET\] --market: the snapshot is \d+ d old/);
    const p = await runCli([
      'price',
      '--symbol',
      'BTC-25SEP26-70000-C',
      '--market',
      out,
      '--allow-stale',
      '--json',
    ]);
    expect(p.stderr).toMatch(/^note: the snapshot is \d+ d old/);
    expect(p.status, p.stderr).toBe(0);
    expect((JSON.parse(p.stdout) as { priceCoin: number }).priceCoin).toBeGreaterThan(0);
    const both = await runCli([
      'price',
      '--symbol',
      'BTC-25SEP26-70000-C',
      '--market',
      out,
      '--allow-stale',
      '--vol',
      '0.5',
      '--premium',
      '0.01',
    ]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--vol: give either a vol or a premium, not both');
  });

  it('every command has --help with examples', async () => {
    for (const cmd of [[], ['price'], ['surface'], ['market', 'build'], ['demo']]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.status, cmd.join(' ')).toBe(0);
      if (cmd[0] !== 'demo') expect(r.stdout, cmd.join(' ')).toContain('Examples:');
    }
  });

  it('demo runs on the bundled data', async () => {
    const r = await runCli(['demo']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Fair-price marks');
  });
});
