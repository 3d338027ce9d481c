/**
 * Issue 9 reproducers through the CLI: each is a one-line `error [CODE] field: …` on stderr,
 * exit 2, no stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ballast-repro-'));
const snapshot = join(dir, 'snapshot.json');

beforeAll(async () => {
  const r = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    snapshot,
  ]);
  expect(r.status, r.stderr).toBe(0);
});

async function expectOneLineError(args: string[], code: string, field: string) {
  const r = await runCli(args);
  expect(r.status, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`error [${code}] ${field}`);
}

describe('CLI reproducers of issue 9: one line, exit 2', () => {
  it('market build -o missing/dir/x.json', async () => {
    await expectOneLineError(
      ['market', 'build', 'data/deribit-quantflow/volsurface_eth.json', '-o', 'missing/dir/x.json'],
      'IO_ERROR',
      'missing/dir/x.json',
    );
  });
  it('/dev/zero as a portfolio', async () => {
    await expectOneLineError(
      ['margin', '/dev/zero', '--market', snapshot, '--allow-stale', '--model', 'deribit-pm'],
      'INVALID_INPUT',
      '/dev/zero',
    );
  });
  it('a corrupt .json.gz market', async () => {
    const f = join(dir, 'bad.json.gz');
    writeFileSync(f, 'not gzip');
    await expectOneLineError(['market', 'build', f], 'MALFORMED_FILE', f);
  });
  it('--budget -1', async () => {
    await expectOneLineError(
      [
        'optimize',
        'examples/short-strangle.json',
        '--market',
        snapshot,
        '--allow-stale',
        '--budget',
        '-1',
      ],
      'INVALID_INPUT',
      '--budget',
    );
  });
  it('--target-utilization 2', async () => {
    await expectOneLineError(
      [
        'cure',
        'examples/short-strangle.json',
        '--market',
        snapshot,
        '--allow-stale',
        '--target-utilization',
        '2',
      ],
      'INVALID_INPUT',
      '--target-utilization',
    );
  });
  it('maxUtilization: 5 in an accounts file', async () => {
    const f = join(dir, 'accounts.json');
    writeFileSync(
      f,
      JSON.stringify({
        accounts: [
          {
            name: 'a',
            model: 'deribit-pm',
            portfolio: join(ROOT, 'examples/short-strangle.json'),
            maxUtilization: 5,
          },
          { name: 'b', model: 'deribit-pm', portfolio: join(ROOT, 'examples/hedged-book.json') },
        ],
        trades: [{ instrument: 'BTC-PERPETUAL', size: 1 }],
      }),
    );
    const r = await runCli(['allocate', f, '--market', snapshot, '--allow-stale']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[INVALID_INPUT\] accounts\[0\]\.maxUtilization: must be a number in \(0, 1\]/,
    );
  });
  it('a constraints file: negative budget, typo with the nearest key', async () => {
    const neg = join(dir, 'c1.json');
    writeFileSync(neg, '{"budgetUsd": -1}');
    const args = ['optimize', 'examples/hedged-book.json', '--market', snapshot, '--allow-stale'];
    await expectOneLineError([...args, '--constraints', neg], 'INVALID_INPUT', `${neg}.budgetUsd`);
    const typo = join(dir, 'c2.json');
    writeFileSync(typo, '{"maxSiz": 3}');
    const r = await runCli([...args, '--constraints', typo]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `error [SCHEMA] ${typo}.maxSiz: unknown key "maxSiz"; did you mean "maxSize"?\n`,
    );
  });
  it('a params file with 1e999', async () => {
    const f = join(dir, 'p.json');
    writeFileSync(f, '{"pointsPerSide": 1e999}');
    await expectOneLineError(
      [
        'margin',
        'examples/hedged-book.json',
        '--market',
        snapshot,
        '--allow-stale',
        '--model',
        'tims',
        '--params',
        f,
      ],
      'NOT_FINITE',
      `${f}.pointsPerSide`,
    );
  });
});
