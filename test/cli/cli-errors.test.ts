import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliProcess } from './run-cli.ts';

const bad = 'test/fixtures/bad-input';
let snapshot = '';

beforeAll(async () => {
  snapshot = join(mkdtempSync(join(tmpdir(), 'ballast-')), 'snapshot.json');
  const r = await runCli([
    'market',
    'build',
    'data/deribit-quantflow/deribit_btc.json.gz',
    '-o',
    snapshot,
  ]);
  expect(r.status, r.stderr).toBe(0);
});

/** Every user error: exit 2, a one-line message with the code and the field, no stack trace. */
async function expectUserError(
  args: string[],
  code: string,
  field: string | RegExp,
  input?: string,
) {
  const r = input === undefined ? await runCli(args) : runCliProcess(args, input);
  expect(r.status, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  expect(r.stderr).toContain(`error [${code}]`);
  if (typeof field === 'string') expect(r.stderr).toContain(field);
  else expect(r.stderr).toMatch(field);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

describe('CLI bad input: clear message naming the field, exit 2', () => {
  it('unknown symbol', async () => {
    await expectUserError(
      ['price', '--symbol', 'FOO-BAR', '--market', snapshot],
      'INVALID_SYMBOL',
      'FOO-BAR',
    );
  });
  it('malformed symbol (bad date)', async () => {
    await expectUserError(
      ['price', '--symbol', 'BTC-32DEC26-50000-C', '--market', snapshot],
      'INVALID_SYMBOL',
      'BTC-32DEC26-50000-C',
    );
  });
  it('expired option', async () => {
    await expectUserError(
      ['price', '--symbol', 'BTC-27DEC24-50000-C', '--market', snapshot, '--allow-stale'],
      'EXPIRED',
      '--symbol',
    );
    await expectUserError(
      ['price', '--forward', '65000', '--strike', '60000', '--days', '-1', '--vol', '0.5'],
      'EXPIRED',
      '--days/--years',
    );
  });
  it('time to expiry missing or given twice', async () => {
    await expectUserError(
      ['price', '--forward', '65000', '--strike', '60000', '--vol', '0.5'],
      'INVALID_INPUT',
      '--days: required',
    );
    await expectUserError(
      [
        'price',
        '--forward',
        '65000',
        '--strike',
        '60000',
        '--days',
        '30',
        '--years',
        '0.1',
        '--vol',
        '0.5',
      ],
      'INVALID_INPUT',
      '--years: give the time to expiry once',
    );
  });
  it('negative or zero vol', async () => {
    await expectUserError(
      ['price', '--forward', '65000', '--strike', '60000', '--days', '30', '--vol', '-0.2'],
      'INVALID_VOL',
      '--vol',
    );
    await expectUserError(
      ['price', '--forward', '65000', '--strike', '60000', '--days', '30', '--vol', '0'],
      'INVALID_VOL',
      '--vol',
    );
  });
  it('crossed market', async () => {
    await expectUserError(
      ['market', 'build', `${bad}/crossed-future.json`],
      'CROSSED_MARKET',
      'BTC-28AUG26',
    );
  });
  it('missing forward', async () => {
    await expectUserError(
      ['surface', `${bad}/missing-forward.json`],
      'MISSING_FORWARD',
      'BTC-28AUG26',
    );
    await expectUserError(
      ['price', '--symbol', 'BTC-25DEC30-50000-C', '--market', snapshot, '--allow-stale'],
      'MISSING_FORWARD',
      '--symbol',
    );
  });
  it('malformed JSON (market file, snapshot, JSON lines)', async () => {
    await expectUserError(['surface', `${bad}/malformed.json`], 'MALFORMED_JSON', 'malformed.json');
    await expectUserError(
      ['price', '--symbol', 'BTC-25SEP26-70000-C', '--market', `${bad}/malformed.json`],
      'MALFORMED_JSON',
      'malformed.json',
    );
    const r = await expectUserError(
      ['price', '--jsonl', '-'],
      'MALFORMED_JSON',
      'line 2',
      '{"right":"call","F":1,"K":1,"T":1,"sigma":0.5}\n{"right":\n',
    );
    expect(r.stdout.split('\n')[0]).toContain('"priceUsd"');
  });
  it('a snapshot that violates the schema names the field', async () => {
    await expectUserError(
      ['price', '--symbol', 'BTC-25SEP26-70000-C', '--market', 'package.json'],
      'SCHEMA',
      'package.json',
    );
  });
  it('missing file', async () => {
    await expectUserError(['surface', 'no/such/file.json'], 'FILE_NOT_FOUND', 'no/such/file.json');
  });
  it('bad number flag and unknown option', async () => {
    await expectUserError(
      ['price', '--forward', 'abc', '--strike', '1', '--days', '1', '--vol', '0.5'],
      'INVALID_INPUT',
      '--forward',
    );
    const r = await runCli(['price', '--no-such-flag']);
    expect(r.status).toBe(2);
  });
});
