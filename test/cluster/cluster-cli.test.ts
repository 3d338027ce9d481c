/**
 * `ballast worker` and `ballast cluster`: bad input and an unreachable server are one-line
 * typed errors (exit 2); publish, status, watch and reset against the real server (skipped
 * with the reason printed when there is none, failed in CI).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { NATS_URL, natsProblem, uniquePrefix } from './nats-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'ballast-cluster-cli-'));
const MARKET = ['--market', 'data/deribit-quantflow/deribit_btc.json.gz', '--allow-stale'];
const problem = await natsProblem();
const inCi = process.env.CI === 'true';
if (problem) console.log(`cluster CLI server tests ${inCi ? 'FAIL' : 'skipped'}: ${problem}`);
const itNats = problem && !inCi ? it.skip : it;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function expectUserError(
  r: { status: number | null; stderr: string },
  code: string,
  field: string,
) {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toContain(`error [${code}] ${field}`);
  // One line (besides the --allow-stale note on the market's age).
  expect(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('note:')),
  ).toHaveLength(1);
}

describe('cluster CLI', () => {
  it('an unreachable server is a one-line error naming --nats', async () => {
    const r = await runCli(['cluster', 'status', '--nats', 'nats://127.0.0.1:1']);
    expectUserError(r, 'INVALID_INPUT', '--nats');
    expect(r.stderr).toContain('cannot reach');
    expectUserError(
      await runCli(['worker', '--nats', NATS_URL, '--name', 'a b']),
      'INVALID_INPUT',
      '--name',
    );
  });

  it('a malformed account line or tick line is named before anything is published', async () => {
    const accounts = file('bad.jsonl', '{"id":"a","positions":[]}\n{"id":"b","positions":\n');
    const r1 = await runCli([
      'cluster',
      'publish',
      '--nats',
      'nats://127.0.0.1:1',
      '--accounts',
      accounts,
      ...MARKET,
    ]);
    expectUserError(r1, 'MALFORMED_JSON', `${accounts}:2`);
    const good = file(
      'good.jsonl',
      '{"id":"a","positions":[],"balances":[{"currency":"BTC","amount":1}]}\n',
    );
    const ticks = file('ticks.jsonl', '{"underlying":"BTC","index":1}\n{"underlying":\n');
    const r2 = await runCli([
      'cluster',
      'publish',
      '--nats',
      'nats://127.0.0.1:1',
      '--accounts',
      good,
      '--ticks',
      ticks,
      ...MARKET,
    ]);
    expectUserError(r2, 'MALFORMED_JSON', `${ticks}:2`);
    const r3 = await runCli([
      'cluster',
      'publish',
      '--nats',
      'nats://127.0.0.1:1',
      '--accounts',
      good,
      '--partitions',
      '0',
      ...MARKET,
    ]);
    expectUserError(r3, 'INVALID_INPUT', '--partitions');
  });

  itNats(
    'publish is idempotent; status, watch and reset run against the server',
    async () => {
      if (problem) throw new Error(problem);
      const prefix = uniquePrefix('cli');
      const accounts = file(
        'two.jsonl',
        '{"id":"a","positions":[{"instrument":"BTC-PERPETUAL","size":0.5}],"balances":[{"currency":"BTC","amount":1}]}\n{"id":"b","positions":[],"balances":[{"currency":"BTC","amount":1}]}\n',
      );
      const ticks = file('one-tick.jsonl', '{"underlying":"BTC","index":60000}\n');
      const args = [
        'cluster',
        'publish',
        '--nats',
        NATS_URL,
        '--prefix',
        prefix,
        '--accounts',
        accounts,
        '--ticks',
        ticks,
        '--json',
        ...MARKET,
      ];
      try {
        const first = await runCli(args);
        expect(first.status, first.stderr).toBe(0);
        expect(JSON.parse(first.stdout)).toMatchObject({
          changes: 2,
          duplicateChanges: 0,
          ticks: 1,
          duplicateTicks: 0,
        });
        const again = await runCli(args);
        expect(JSON.parse(again.stdout)).toMatchObject({
          changes: 2,
          duplicateChanges: 2,
          ticks: 1,
          duplicateTicks: 1,
        });
        const status = await runCli(['cluster', 'status', '--nats', NATS_URL, '--prefix', prefix]);
        expect(status.status, status.stderr).toBe(0);
        expect(status.stdout).toMatch(/accounts\s*│\s*\S+_ACCOUNTS\s*│\s*2\s*│/);
        expect(status.stdout).toMatch(/ticks\s*│\s*\S+_TICKS\s*│\s*1\s*│/);
        const watch = await runCli([
          'cluster',
          'watch',
          '--nats',
          NATS_URL,
          '--prefix',
          prefix,
          '--from-start',
          '--timeout',
          '1s',
        ]);
        expect(watch.status, watch.stderr).toBe(0);
      } finally {
        const reset = await runCli(['cluster', 'reset', '--nats', NATS_URL, '--prefix', prefix]);
        expect(reset.status, reset.stderr).toBe(0);
      }
    },
    120_000,
  );
});
