/**
 * The account line and ticks-file schema shared by `ballast engine run` and `ballast cluster
 * publish` (io/account-line.ts), and how publish reads a ticks file with it
 * (cluster/coordinator.ts `tickFileFromJsonl`): steps numbered by line, change lines placed
 * after the tick before them, unknown underlyings and accounts counted and left out.
 */
import { describe, expect, it } from 'vitest';
import { tickFileFromJsonl } from '../../src/cluster/coordinator.ts';
import { BallastError } from '../../src/core/errors.ts';
import { accountLineFromJson, tickFileSteps } from '../../src/io/account-line.ts';

function errorOf(fn: () => unknown): BallastError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BallastError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('account line', () => {
  it('reads id (string or number), seq and closed, and leaves the portfolio', () => {
    const a = accountLineFromJson({ id: 7, seq: 2, positions: [], balances: [] }, 'f:1');
    expect(a).toEqual({
      id: '7',
      seq: 2,
      closed: false,
      portfolio: { positions: [], balances: [] },
    });
    expect(accountLineFromJson({ id: 'x', closed: true }, 'f:1').closed).toBe(true);
  });

  it('names the field of a bad id, seq or closed', () => {
    expect(errorOf(() => accountLineFromJson({ positions: [] }, 'f:3')).field).toBe('f:3.id');
    expect(errorOf(() => accountLineFromJson({ id: 'a', seq: 0 }, 'f:3')).field).toBe('f:3.seq');
    expect(errorOf(() => accountLineFromJson({ id: 'a', closed: 1 }, 'f:3')).field).toBe(
      'f:3.closed',
    );
    expect(errorOf(() => accountLineFromJson([1], 'f:3')).field).toBe('f:3');
  });
});

describe('ticks file', () => {
  const text = [
    '{"underlying":"BTC","index":60000}',
    '',
    '# a comment',
    '{"account":{"id":"a","positions":[]}}',
    '{"underlying":"DOGE","index":0.1}',
    'not json',
    '{"account":{"id":"ghost","positions":[]}}',
    '{"underlying":"BTC","index":61000}',
  ].join('\n');

  it('numbers the steps by line, skipping blank and # lines', () => {
    const steps = tickFileSteps(text, 't.jsonl');
    expect(steps.map((s) => `${s.step}:${s.kind}:${s.field}`)).toEqual([
      '1:tick:t.jsonl:1',
      '2:change:t.jsonl:4',
      '3:tick:t.jsonl:5',
      '4:malformed:t.jsonl:6',
      '5:change:t.jsonl:7',
      '6:tick:t.jsonl:8',
    ]);
  });

  it('publish rejects a malformed line, naming it', () => {
    const e = errorOf(() => tickFileFromJsonl(text, 't.jsonl', new Set(['BTC']), new Map()));
    expect([e.code, e.field]).toEqual(['MALFORMED_JSON', 't.jsonl:6']);
  });

  it('publish skips and counts unknown underlyings and accounts; a change follows its tick', () => {
    const ok = text.replace('not json\n', '');
    const f = tickFileFromJsonl(ok, 't.jsonl', new Set(['BTC']), new Map([['a', 1]]));
    expect(f.ignored).toEqual({ 'unknown-underlying': 1, 'unknown-account': 1 });
    expect(f.steps).toEqual([
      { tick: 1, underlying: 'BTC', index: 60000 },
      { id: 'a', seq: 2, account: { positions: [] }, afterTick: 1 },
      { tick: 5, underlying: 'BTC', index: 61000 },
    ]);
  });
});
