// ballast verify: Ballast against recorded venue answers (W-D1, W-D2, W-O1, W-O2, a synthetic
// Deribit answer produced under a pinned reading) and the typed errors of bad recordings.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFile, type VerifyReport } from '../../src/cli/verify.ts';
import { isBallastError } from '../../src/core/errors.ts';
import { snapshotToJson } from '../../src/io/snapshot-json.ts';
import { loadSnapshotFile } from '../../src/io/load-market.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { deribitPmModel, type DeribitPmDetails } from '../../src/margin/deribit-pm/deribit-pm.ts';
import type { DeribitPmParams } from '../../src/margin/deribit-pm/params.ts';
import { DERIBIT_PM_HYPOTHESES } from '../../src/margin/deribit-pm/hypotheses.ts';
import { pinReadings } from '../../src/margin/hypotheses.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import { runCli } from './run-cli.ts';

const FX = 'test/fixtures/venue-responses';
const noMarket = { allowStale: true, maxAge: '1h' };
let dir = '';
let snap = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ballast-verify-'));
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

const field = (rep: VerifyReport, name: string) => rep.fields.find((f) => f.field === name)!;
const matchesDefault = (rep: VerifyReport) =>
  rep.fields.filter((f) => Math.abs(f.ballast[0]! - f.venue) <= 1e-8 + 1e-8 * Math.abs(f.venue));

describe('verify on the published examples', () => {
  it('W-D1 (pme/simulate, BTC): every margin field and risk-vector cell matches', async () => {
    const rep = verifyFile(`${FX}/W-D1_pme-simulate.json`, noMarket);
    expect(rep.fields.length).toBe(6 + 3 * 35);
    expect(matchesDefault(rep)).toHaveLength(rep.fields.length);
    expect(rep.reproducing).toEqual([0]);
    expect(field(rep, 'margins.btc.initial_margin').venue).toBe(0.122861343);
    const cli = await runCli(['verify', `${FX}/W-D1_pme-simulate.json`]);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/111 of 111 fields match/);
  });

  it('W-D2 (pme/simulate, ETH, live capture): every field matches', () => {
    const rep = verifyFile(`${FX}/W-D2_pme-simulate.json`, noMarket);
    expect(matchesDefault(rep)).toHaveLength(rep.fields.length);
    expect(rep.reproducing).toEqual([0]);
  });

  it('W-O1 (position builder): MR2–MR5, MR7–MR9, eq, borrowMmr match; MR1/MR6 and what follows are above by the unresolved MR1 base (< 2e-4)', async () => {
    const rep = verifyFile(`${FX}/W-O1_position-builder.json`, noMarket);
    const ok = new Set(matchesDefault(rep).map((f) => f.field));
    for (const u of ['BTC', 'LTC'])
      for (const k of ['mr2', 'mr3', 'mr4', 'mr5', 'mr7', 'mr8', 'mr9'])
        expect(ok.has(`${u}.${k}`)).toBe(true);
    expect(ok.has('account.eq')).toBe(true);
    expect(ok.has('account.borrowMmr')).toBe(true);
    for (const f of rep.fields.filter((x) => !ok.has(x.field))) {
      expect(f.field).toMatch(/mr1|mr6|mmr|imr|totalMmr|totalImr|derivMmr/);
      expect(f.ballast[0]!).toBeGreaterThan(f.venue); // above: fails closed
      expect(f.ballast[0]! / f.venue - 1).toBeLessThan(2e-4);
    }
    expect(rep.reproducing).toEqual([]);
    const cli = await runCli(['verify', `${FX}/W-O1_position-builder.json`]);
    expect(cli.stdout).toMatch(/16 of 27 fields match/);
    expect(cli.stdout).toMatch(/BTC\.mr1 .*MISMATCH \(above\)/);
    expect(cli.stdout).toMatch(/no reading reproduces every field/);
  });

  it('W-O2 (2022 short call, --market with the fitted forward and IV): MR3 matches, MR2 and MR5 above', () => {
    // Forward and IV fitted to vega and theta (docs/okx-option-terms.md): F 38,138.31, IV 87.527 %.
    const W = JSON.parse(
      readFileSync(
        'test/fixtures/methodology-examples/W-O2_okx-position-builder-option-2022.json',
        'utf8',
      ),
    ) as {
      expected: { posData: { theta: number; vega: number }[] };
      inputs: { ts: string };
    };
    const asOfMs = Number(W.inputs.ts);
    const expiryMs = Date.UTC(2022, 2, 25, 8);
    const T = (expiryMs - asOfMs) / (365 * 86_400_000);
    const { theta, vega } = W.expected.posData[0]!;
    const sigma = ((theta / -vega) * 2 * T * 365) / 100;
    const phi = ((vega / -0.1) * 100) / Math.sqrt(T);
    const d1 = -Math.sqrt(-2 * Math.log(phi * Math.sqrt(2 * Math.PI)));
    const F = 50_000 * Math.exp(d1 * sigma * Math.sqrt(T) - 0.5 * sigma * sigma * T);
    const s: MarketSnapshot = {
      asOfMs,
      underlyings: {
        BTC: {
          underlying: 'BTC',
          index: 37_829.8,
          rate: 0,
          forwards: [{ expiryMs, forward: F, source: 'input' }],
          surface: [
            {
              expiryMs,
              T,
              forward: F,
              params: { a: sigma * sigma * T, b: 0, rho: 0, m: 0, sigma: 0.1 },
            },
          ],
          perpBasis: 0,
        },
      },
    };
    const file = join(dir, 'wo2-market.json');
    writeFileSync(file, JSON.stringify(snapshotToJson(s)));
    const rep = verifyFile(`${FX}/W-O2_position-builder.json`, {
      market: file,
      allowStale: true,
      maxAge: '1h',
    });
    const mr = (k: string) => field(rep, `BTC-USD.${k} (BTC)`);
    expect(mr('mr3').ballast[0]).toBe(0);
    expect(mr('mr3').venue).toBe(0);
    expect(mr('mr2').ballast[0]!).toBeGreaterThanOrEqual(mr('mr2').venue);
    expect(mr('mr5').ballast[0]!).toBeGreaterThanOrEqual(mr('mr5').venue);
    expect(rep.readings.length).toBe(3); // coin-margined: the three USD conversions
  });
});

describe('verify names the reading of a synthetic Deribit answer', () => {
  it('an answer produced by Ballast with inverseOptionPnl = usd-at-shocked is reproduced only by readings with that rule', () => {
    const snapshot = loadSnapshotFile(snap);
    const book = importPortfolio(
      readFileSync('examples/short-strangle.json', 'utf8'),
      'examples/short-strangle.json',
      snapshot,
    ).portfolio;
    // One reading, pinned (the default would charge the highest over the 16).
    const pinned = pinReadings(
      DERIBIT_PM_HYPOTHESES,
      deribitPmModel.defaultParams as DeribitPmParams,
      {
        inverseOptionPnl: 'usd-at-shocked',
        extendedCoinConversion: 'range-edge',
        rollShockOptions: 'per-expiry',
        minVolForShockUp: 'floor-shocked',
      },
      'test',
    );
    const [r] = deribitPmModel.evaluate(book, snapshot, pinned);
    const mirror = (r!.details as DeribitPmDetails).simulate;
    const file = join(dir, 'synthetic.json');
    writeFileSync(
      file,
      JSON.stringify({
        request: { jsonrpc: '2.0', method: 'private/pme/simulate', params: { currency: 'BTC' } },
        response: { jsonrpc: '2.0', result: mirror },
      }),
    );
    const rep = verifyFile(file, { market: snap, allowStale: true, maxAge: '1h' });
    expect(rep.readings).toHaveLength(16);
    expect(rep.reproducing.length).toBeGreaterThan(0);
    expect(rep.reproducing).not.toContain(0); // the default reading (coin-value) does not
    for (const k of rep.reproducing)
      expect(rep.readings[k]!.inverseOptionPnl).toBe('usd-at-shocked');
  });

  it('--save writes the reading as a params file that margin --params accepts', async () => {
    const file = join(dir, 'synthetic.json');
    const saved = join(dir, 'params.json');
    const v = await runCli(['verify', file, '--market', snap, '--allow-stale', '--save', saved]);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/readings reproducing every field: inverseOptionPnl=usd-at-shocked/);
    const p = JSON.parse(readFileSync(saved, 'utf8')) as {
      rules: Record<string, string>;
      hypotheses: {
        pinned: string[];
        verified: { rule: string; reading: string; source: string }[];
      };
    };
    expect(p.rules.inverseOptionPnl).toBe('usd-at-shocked');
    expect(p.hypotheses.pinned).toContain('inverseOptionPnl');
    expect(p.hypotheses.verified).toContainEqual(
      expect.objectContaining({ rule: 'inverseOptionPnl', reading: 'usd-at-shocked' }),
    );
    const m = await runCli([
      'margin',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--params',
      saved,
    ]);
    expect(m.status, m.stderr).toBe(0);
    // The saved readings are reported as verified, not unverified, and nothing is enumerated.
    expect(m.stdout).toMatch(
      /verified: inverseOptionPnl=usd-at-shocked: reproduced synthetic\.json/,
    );
    expect(m.stdout).not.toMatch(/hypothesis pinned: inverseOptionPnl/);
    expect(m.stdout).not.toMatch(/hypotheses: \d+ readings/);
    // The same reading pinned by hand is charged the same but listed as unverified.
    const h = await runCli([
      'margin',
      'examples/short-strangle.json',
      '--market',
      snap,
      '--allow-stale',
      '--model',
      'deribit-pm',
      '--json',
      ...['inverseOptionPnl=usd-at-shocked', 'extendedCoinConversion=range-edge'].flatMap((x) => [
        '--hypothesis',
        x,
      ]),
      ...['rollShockOptions=per-expiry', 'minVolForShockUp=floor-shocked'].flatMap((x) => [
        '--hypothesis',
        x,
      ]),
    ]);
    expect(h.status, h.stderr).toBe(0);
    const pool = (
      JSON.parse(h.stdout) as { pools: { unverified: string[]; initialMargin: number }[] }
    ).pools[0]!;
    expect(pool.unverified).toContainEqual(
      expect.stringMatching(/hypothesis pinned: inverseOptionPnl=usd-at-shocked/),
    );
    expect(m.stdout).toMatch(
      new RegExp(
        `initial margin \\(IM\\) +│ +${pool.initialMargin.toFixed(6).replace('.', '\\.')} │`,
      ),
    );
  });
});

describe('verify fails closed on bad recordings', () => {
  const write = (name: string, value: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(value));
    return f;
  };
  const wd1 = () =>
    JSON.parse(readFileSync(`${FX}/W-D1_pme-simulate.json`, 'utf8')) as Record<string, unknown> & {
      response: { result: { portfolio: { position: Record<string, number> } } };
    };

  it('a response without its request', async () => {
    const f = write('no-request.json', { response: wd1().response });
    try {
      verifyFile(f, noMarket);
      expect.unreachable();
    } catch (e) {
      expect(isBallastError(e, 'INVALID_INPUT')).toBe(true);
      expect((e as { field?: string }).field).toBe(`${f}.request`);
    }
    const cli = await runCli(['verify', f]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/has no request/);
  });

  it('an error response from the venue (Deribit JSON-RPC error, OKX code ≠ 0)', async () => {
    const d = write('error.json', {
      request: { method: 'private/pme/simulate', params: { currency: 'BTC' } },
      response: { jsonrpc: '2.0', error: { code: 13009, message: 'unauthorized' } },
    });
    const o = write('okx-error.json', {
      request: { endpoint: '/api/v5/account/position-builder', body: {} },
      response: { code: '51000', msg: 'Parameter simPos error', data: [] },
    });
    for (const f of [d, o]) {
      const cli = await runCli(['verify', f]);
      expect(cli.status).toBe(2);
      expect(cli.stderr).toMatch(/VENUE_ERROR.*the venue answered with an error/);
    }
  });

  it('a response for an instrument the market lacks', async () => {
    const x = wd1();
    x.response.result.portfolio.position = { 'BTC-PERPETUAL': 0.3, 'ETH-PERPETUAL': 1 };
    const f = write('eth.json', x);
    const cli = await runCli(['verify', f]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/ETH-PERPETUAL/);
    const withMarket = await runCli(['verify', f, '--market', snap, '--allow-stale']);
    expect(withMarket.status).toBe(2);
    expect(withMarket.stderr).toMatch(/the market has no data for ETH, needed by ETH-PERPETUAL/);
  });
});
