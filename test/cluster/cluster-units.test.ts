/**
 * The cluster's pieces that need no server: partitioning (FNV-1a against its published test
 * vectors), message validation (typed errors naming the field), per-account sequence order,
 * health events, and the input files of `cluster publish`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledBtc } from '../../bench/harness.ts';
import { applyChange, earlyCount, emptyBook } from '../../src/cluster/account-book.ts';
import { changesFromJsonl, ticksFromJsonl } from '../../src/cluster/coordinator.ts';
import {
  baseMarket,
  healthEvent,
  holdAccount,
  marginAccount,
  marketAt,
} from '../../src/cluster/marginer.ts';
import { changeFromJson, decodeTick, tickFromJson } from '../../src/cluster/messages.ts';
import { fnv1a32, partitionOf } from '../../src/cluster/partition.ts';
import { fairShare } from '../../src/cluster/leases.ts';
import { topology } from '../../src/cluster/topology.ts';
import { BallastError } from '../../src/core/errors.ts';
import { marginModel } from '../../src/margin/registry.ts';

const { snapshot, options } = bundledBtc();
const model = marginModel('deribit-pm');
const setup = { model, params: model.defaultParams };

function expectError(fn: () => unknown, code: string, field: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BallastError);
    expect((e as BallastError).code).toBe(code);
    expect((e as BallastError).field).toBe(field);
    return;
  }
  throw new Error('expected an error');
}

describe('partitions', () => {
  it('FNV-1a 32 matches the published test vectors', () => {
    // Vectors from the FNV reference (Fowler, Noll, Vo; draft-eastlake-fnv test suite).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
  it('spreads ids over every partition and the fair share covers them', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 4000; i++) counts[partitionOf(`acct-${i}`, 16)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(fairShare(16, 3) * 3).toBeGreaterThanOrEqual(16);
    expect(fairShare(16, 0)).toBe(16);
  });
});

describe('messages', () => {
  it('reject bad ticks and account changes naming the field', () => {
    expectError(
      () => tickFromJson({ tick: 0, underlying: 'BTC', index: 1 }),
      'INVALID_INPUT',
      'tick.tick',
    );
    expectError(
      () => tickFromJson({ tick: 1, underlying: 'btc', index: 1 }),
      'INVALID_INPUT',
      'tick.underlying',
    );
    expectError(
      () => tickFromJson({ tick: 1, underlying: 'BTC', index: NaN }),
      'INVALID_INPUT',
      'tick.index',
    );
    expectError(() => decodeTick('{'), 'MALFORMED_JSON', 'tick');
    expectError(
      () => changeFromJson({ id: 'a b', seq: 1, account: { positions: [] } }),
      'INVALID_INPUT',
      'account.id',
    );
    expectError(
      () => changeFromJson({ id: 'a', seq: 0, account: { positions: [] } }),
      'INVALID_INPUT',
      'account.seq',
    );
    expectError(() => changeFromJson({ id: 'a', seq: 1 }), 'INVALID_INPUT', 'account.account');
  });
  it('reads publish files: seq numbered per account, ticks numbered by line', () => {
    const changes = changesFromJsonl(
      '{"id":"x","positions":[]}\n# note\n{"id":"y","positions":[]}\n{"id":"x","closed":true}\n',
      'a.jsonl',
    );
    expect(changes.map((c) => [c.id, c.seq, c.closed ?? false])).toEqual([
      ['x', 1, false],
      ['y', 1, false],
      ['x', 2, true],
    ]);
    expect(
      ticksFromJsonl(
        '{"underlying":"BTC","index":60000}\n{"underlying":"BTC","index":61000}\n',
        't',
      ).map((t) => t.tick),
    ).toEqual([1, 2]);
    expectError(
      () => changesFromJsonl('{"id":"x"}\n', 'a.jsonl'),
      'INVALID_INPUT',
      'a.jsonl:1.account',
    );
    expectError(() => changesFromJsonl('not json\n', 'a.jsonl'), 'MALFORMED_JSON', 'a.jsonl:1');
    expectError(() => topology('1bad'), 'INVALID_INPUT', '--prefix');
  });
  it('reads the engine tick format (examples/ticks.jsonl) and names its bad fields', () => {
    const ticks = ticksFromJsonl(readFileSync('examples/ticks.jsonl', 'utf8'), 'x.jsonl');
    expect(ticks.map((t) => t.tick)).toEqual([1, 2, 3, 4, 5]);
    expect(ticks[0]).toEqual({
      tick: 1,
      underlying: 'BTC',
      time: '2026-08-01T18:00:00Z',
      forwards: { '2026-09-25': 61000 },
      atmVolShift: { '2026-09-25': 0.05 },
    });
    expectError(
      () => tickFromJson({ tick: 1, underlying: 'BTC', forwards: { '2026-09-25': -1 } }, 'f:1'),
      'INVALID_INPUT',
      'f:1.forwards.2026-09-25',
    );
    expectError(
      () => tickFromJson({ tick: 1, underlying: 'BTC', atmVolShift: { '25SEP26': 0.01 } }, 'f:2'),
      'INVALID_INPUT',
      'f:2.atmVolShift.25SEP26',
    );
    expectError(
      () => tickFromJson({ tick: 1, underlying: 'BTC', time: 'yesterday', index: 1 }, 'f:3'),
      'INVALID_INPUT',
      'f:3.time',
    );
    // A tick must move something.
    expectError(() => tickFromJson({ tick: 1, underlying: 'BTC' }), 'INVALID_INPUT', 'tick.index');
  });
});

describe('account book', () => {
  const pos = (size: number) => ({
    positions: [{ instrument: options[0]!.symbol, size }],
    balances: [{ currency: 'BTC', amount: 1 }],
  });
  it('applies changes in sequence order whatever the arrival order; duplicates are ignored', () => {
    const book = emptyBook();
    expect(applyChange(book, { id: 'a', seq: 3, account: pos(3) }, snapshot)).toEqual([]);
    expect(applyChange(book, { id: 'a', seq: 2, account: pos(2) }, snapshot)).toEqual([]);
    expect(earlyCount(book)).toBe(2);
    const applied = applyChange(book, { id: 'a', seq: 1, account: pos(1) }, snapshot);
    expect(applied.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(earlyCount(book)).toBe(0);
    const held = book.accounts.get('a')!;
    expect(held.seq).toBe(3);
    expect(held.portfolio).not.toBeInstanceOf(BallastError);
    expect(
      (held.portfolio as unknown as { positions: { size: number }[] }).positions[0]!.size,
    ).toBe(3);
    expect(applyChange(book, { id: 'a', seq: 2, account: pos(9) }, snapshot)).toEqual([]);
    expect(
      applyChange(book, { id: 'a', seq: 4, closed: true }, snapshot).map((c) => c.account),
    ).toEqual([undefined]);
    expect(book.accounts.has('a')).toBe(false);
  });
});

describe('margin port', () => {
  it('a bad account is margined as state "error" with the typed error, never healthy', () => {
    const held = holdAccount(
      'bad',
      1,
      { positions: [{ instrument: 'BTC-1JAN20-1000-C', size: 1 }] },
      snapshot,
    );
    const r = marginAccount(held, baseMarket(snapshot), setup).result;
    expect(r.state).toBe('error');
    expect(r.error?.code).toBe('EXPIRED');
    expect(r.error?.field).toBe('BTC-1JAN20-1000-C');
  });
  it('a tick moves the market and a state change gives one event with the shortfall', () => {
    const u = snapshot.underlyings.BTC!;
    const m = marketAt(snapshot, 1, { BTC: u.index * 1.05 });
    expect(m.snapshot.underlyings.BTC!.index).toBeCloseTo(u.index * 1.05, 6);
    // A short call sized so the +5 % move breaks it.
    const call = options.find(
      (o) => o.kind === 'option' && o.right === 'call' && o.strike > u.index,
    )!;
    const held = holdAccount(
      'c',
      1,
      {
        positions: [{ instrument: call.symbol, size: -5 }],
        balances: [{ currency: 'BTC', amount: 0.05 }],
      },
      snapshot,
    );
    const before = marginAccount(held, baseMarket(snapshot), setup);
    const after = marginAccount(held, m, setup);
    expect(after.result.initialMargin).toBeGreaterThan(before.result.initialMargin);
    const e = healthEvent('healthy', after);
    if (after.result.state === 'healthy') expect(e).toBeUndefined();
    else {
      expect(e?.to).toBe(after.result.state);
      expect(e?.shortfall).toBe(Math.max(0, after.result.initialMargin - after.result.equity));
    }
    expect(healthEvent(after.result.state, after)).toBeUndefined();
  });
});
