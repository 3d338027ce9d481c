import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.ts';

// `ballast engine gen | run` end to end: results equal `ballast margin --json` (1e-9
// relative), bad lines are errors and never healthy, a tick moving one expiry re-margins
// exactly the accounts holding it, stale/unknown/malformed ticks are counted and ignored.
const dir = mkdtempSync(join(tmpdir(), 'ballast-engine-'));
const snapshot = join(dir, 'snapshot.json');
const accounts = join(dir, 'accounts.jsonl');
const stale = ['--allow-stale'];
const rel = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

interface Line {
  id: string;
  state: string;
  tick: number;
  equity?: number;
  initialMargin?: number;
  maintenanceMargin?: number;
  currency?: string;
  error?: { code: string; field: string; message: string };
}
const readLines = (f: string): Line[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

const bad = [
  'not json at all',
  JSON.stringify({ id: 'unknown', positions: [{ instrument: 'BTC-27DEC24-50000-C', size: 1 }] }),
  JSON.stringify({ id: 'absurd', positions: [{ instrument: 'BTC-PERPETUAL', size: 1e9 }] }),
  JSON.stringify({ id: 'nan', positions: [{ instrument: 'BTC-PERPETUAL', size: 'NaN' }] }),
  JSON.stringify({
    id: 'doge',
    positions: [{ instrument: 'BTC-PERPETUAL', size: 1 }],
    balances: [{ currency: 'DOGE', amount: 5 }],
  }),
  JSON.stringify({ positions: [] }),
  JSON.stringify({ id: 'badsym', positions: [{ instrument: 'BTC-NOPE', size: 1 }] }),
];

beforeAll(async () => {
  const b = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    snapshot,
  ]);
  expect(b.status).toBe(0);
  const g = await runCli([
    'engine',
    'gen',
    '--accounts',
    '40',
    '--positions',
    '6',
    '--seed',
    '7',
    '--market',
    snapshot,
    ...stale,
    '-o',
    accounts,
  ]);
  expect(g.status, g.stderr).toBe(0);
  const lines = readFileSync(accounts, 'utf8').trim().split('\n');
  // a duplicate id, then the bad lines
  writeFileSync(accounts, [...lines, lines[0]!, ...bad].join('\n') + '\n');
}, 120_000);

describe('ballast engine run', () => {
  it('margins every account as ballast margin does; bad lines are typed errors', async () => {
    const out = join(dir, 'results.jsonl');
    const r = await runCli([
      'engine',
      'run',
      '--accounts',
      accounts,
      '--market',
      snapshot,
      ...stale,
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const res = readLines(out);
    expect(res.length).toBe(40 + 1 + bad.length);
    const good = res.slice(0, 40);
    expect(good.every((x) => x.state !== 'error')).toBe(true);
    const errors = res.slice(40);
    expect(errors.map((x) => x.state)).toEqual(Array(errors.length).fill('error'));
    expect(errors.map((x) => x.error!.code)).toEqual([
      'INVALID_INPUT', // duplicate id
      'MALFORMED_JSON',
      'EXPIRED', // an instrument expired at the market time
      'INVALID_INPUT', // absurd size
      'SCHEMA', // NaN is not a number
      'INVALID_INPUT', // DOGE has no price
      'INVALID_INPUT', // no id
      'INVALID_SYMBOL', // not an instrument
    ]);
    expect(errors[0]!.error!.field).toBe('id');
    expect(errors[5]!.error!.field).toBe('balances[0].currency');
    // Five accounts against `ballast margin --json`, 1e-9 relative.
    const src = readFileSync(accounts, 'utf8').trim().split('\n');
    for (const a of [0, 7, 19, 28, 39]) {
      const { id: _id, ...pf } = JSON.parse(src[a]!) as Record<string, unknown>;
      const file = join(dir, `acct-${a}.json`);
      writeFileSync(file, JSON.stringify(pf));
      const m = await runCli([
        'margin',
        file,
        '--market',
        snapshot,
        ...stale,
        '--model',
        'deribit-pm',
        '--json',
      ]);
      expect(m.status, m.stderr).toBe(0);
      const want = JSON.parse(m.stdout) as Required<Line>;
      const got = good[a]!;
      expect(got.currency).toBe(want.currency);
      for (const k of ['equity', 'initialMargin', 'maintenanceMargin'] as const)
        expect(rel(got[k]!, want[k]), `${got.id} ${k}`).toBeLessThanOrEqual(1e-9);
    }
  }, 120_000);

  it('ticks: one expiry re-margins its holders only; bad ticks are counted and ignored', async () => {
    const src = readFileSync(accounts, 'utf8').trim().split('\n').slice(0, 40);
    const holders = src.filter((l) => l.includes('-25SEP26')).length;
    expect(holders).toBeGreaterThan(0);
    expect(holders).toBeLessThan(40);
    const ticks = join(dir, 'ticks.jsonl');
    writeFileSync(
      ticks,
      [
        '{"time":"2026-08-01T18:00:00Z","underlying":"BTC","forwards":{"2026-09-25":58000},"atmVolShift":{"2026-09-25":0.1}}',
        '{"time":"2026-08-01T17:00:00Z","underlying":"BTC","index":50000}',
        '{"time":"2026-08-01T18:00:02Z","underlying":"DOGE","index":0.1}',
        '{"time": oops',
        '{"time":"2026-08-01T18:00:03Z","underlying":"BTC","index":52000}',
      ].join('\n'),
    );
    const out = join(dir, 'tick-results.jsonl');
    const events = join(dir, 'events.jsonl');
    const r = await runCli([
      'engine',
      'run',
      '--accounts',
      accounts,
      '--market',
      snapshot,
      ...stale,
      '--ticks',
      ticks,
      '--out',
      out,
      '--events',
      events,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`tick 1: `);
    expect(r.stderr).toContain(`${holders} of ${40 + 1 + bad.length} accounts re-margined`);
    expect(r.stderr).toMatch(/ignored: 1 malformed, 1 unknown-underlying, 1 stale/);
    const res = readLines(out);
    // One line per account per applied tick; the accounts tick 1 did not touch keep their
    // tick-0 result exactly, the holders of the moved expiry changed.
    const n = 40 + 1 + bad.length;
    const at = (t: number) => res.filter((x) => x.tick === t);
    expect(at(0).length).toBe(n);
    expect(at(1).length).toBe(n);
    expect(at(5).length).toBe(n);
    expect(res.length).toBe(3 * n); // ticks 2, 3, 4 were ignored: no lines
    let same = 0;
    let moved = 0;
    at(1).forEach((x, a) => {
      const y = at(0)[a]!;
      expect(x.id).toBe(y.id);
      const held = a < 40 && src[a]!.includes('-25SEP26');
      if (held) moved += JSON.stringify({ ...x, tick: 0 }) !== JSON.stringify(y) ? 1 : 0;
      else {
        expect({ ...x, tick: 0 }).toEqual(y);
        same++;
      }
    });
    expect(same).toBe(n - holders);
    expect(moved).toBeGreaterThan(holders / 2); // re-margined; most results moved
    // A 17 % fall re-margins everyone (the whole underlying) and calls some accounts.
    const ev = readLines(events) as unknown as { tick: number; to: string; from: string }[];
    expect(ev.filter((e) => e.tick === 5).length).toBeGreaterThan(0);
    expect(ev.every((e) => e.to !== 'error')).toBe(true);
  }, 120_000);

  it('account changes in the ticks file re-margin that account alone, as ballast margin does', async () => {
    const src = readFileSync(accounts, 'utf8').trim().split('\n');
    const first = JSON.parse(src[3]!) as { id: string; positions: unknown[] };
    const other = JSON.parse(src[11]!) as { positions: unknown[] };
    // account 3 takes account 11's positions plus its own, and new collateral
    const changed = {
      positions: [...first.positions, ...other.positions],
      balances: [{ currency: 'BTC', amount: 0.5 }],
    };
    const ticks = join(dir, 'changes.jsonl');
    writeFileSync(
      ticks,
      [
        JSON.stringify({ account: { id: first.id, ...changed } }),
        JSON.stringify({ account: { id: 'nobody', positions: [] } }),
        JSON.stringify({
          account: { id: first.id, ...changed, balances: [{ currency: 'DOGE', amount: 1 }] },
        }),
      ].join('\n'),
    );
    const out = join(dir, 'change-results.jsonl');
    const r = await runCli([
      'engine',
      'run',
      '--accounts',
      accounts,
      '--market',
      snapshot,
      ...stale,
      '--ticks',
      ticks,
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const n = 40 + 1 + bad.length;
    expect(r.stderr).toContain(
      `step 1: account ${first.id} changed, 1 of ${n} accounts re-margined`,
    );
    expect(r.stderr).toContain(`2 accounts re-margined; account changes: 2 applied, 1 ignored`);
    const res = readLines(out);
    expect(res.length).toBe(n + 2);
    const step1 = res.filter((x) => x.tick === 1);
    expect(step1.map((x) => x.id)).toEqual([first.id]);
    const file = join(dir, 'changed.json');
    writeFileSync(file, JSON.stringify(changed));
    const m = await runCli([
      'margin',
      file,
      '--market',
      snapshot,
      ...stale,
      '--model',
      'deribit-pm',
      '--json',
    ]);
    expect(m.status, m.stderr).toBe(0);
    const want = JSON.parse(m.stdout) as Required<Line>;
    for (const k of ['equity', 'initialMargin', 'maintenanceMargin'] as const)
      expect(rel(step1[0]![k]!, want[k]), k).toBeLessThanOrEqual(1e-9);
    expect(step1[0]!.initialMargin).not.toBe(res[3]!.initialMargin);
    // an unpriced collateral currency: the account is in error (never kept at its old margin)
    const step3 = res.filter((x) => x.tick === 3);
    expect(step3.map((x) => [x.id, x.state, x.error?.field])).toEqual([
      [first.id, 'error', 'step 3.account.balances[0].currency'],
    ]);
    // and that state change is an event
    expect(r.stderr).toContain(`"event":"health","tick":3,"id":"${first.id}"`);
    expect(r.stderr).toMatch(
      new RegExp(`"tick":3,"id":"${first.id}","from":"[a-z-]+","to":"error"`),
    );
  }, 120_000);

  it('bench --json prints the documented fields; a model without a kernel is a usage error', async () => {
    const r = await runCli([
      'engine',
      'bench',
      '--market',
      snapshot,
      ...stale,
      '--accounts',
      '500',
      '--positions',
      '10',
      '--rounds',
      '1',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of [
      'model',
      'accounts',
      'positionsPerAccount',
      'workers',
      'prepareMs',
      'seconds',
      'accountsPerSecond',
    ])
      expect(o).toHaveProperty(k);
    expect(o.accounts).toBe(500);
    expect(o.accountsPerSecond as number).toBeGreaterThan(0);
    // The index tick re-prices every row of the underlying, so every account holding one is
    // re-margined (all 500: synthetic books hold only BTC rows).
    const tick = o.tick as Record<string, number>;
    expect(tick.indexMove).toBeCloseTo(-0.08, 12);
    expect(tick.rowsRepriced).toBe(o.instruments);
    expect(tick.accountsRemargined).toBe(500);
    expect(tick.stateChanges).toBeGreaterThanOrEqual(0);
    expect(tick.latencyMs).toBeGreaterThan(0);
    const bad = await runCli([
      'engine',
      'bench',
      '--market',
      snapshot,
      ...stale,
      '--model',
      'okx-pm',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/UNSUPPORTED.*--model/);
  }, 120_000);
});
