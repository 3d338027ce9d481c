/**
 * Every reproducer of issue 9 ("no input breaks it") through the library boundary: each is
 * now a typed `BallastError` with a code and the path of the field (or, for the valid
 * inputs, the right number). The CLI ones are in test/cli/reproducers-cli.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BallastError } from '../../src/core/errors.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { readJsonFile, readTextFile } from '../../src/io/read-json.ts';
import { snapshotFromJson, snapshotToJson } from '../../src/io/snapshot-json.ts';
import { marginModel } from '../../src/margin/registry.ts';
import { portfolio } from '../../src/risk/portfolio.ts';
import { parseStressScenarios } from '../../src/scenarios/stress.ts';
import { parseSymbol } from '../../src/instruments/symbol.ts';
import { realSnapshot } from '../helpers/real-market.ts';

const snapshot = realSnapshot();
const INDEX = snapshot.underlyings.BTC!.index;

/** `CODE field` of the BallastError `fn` throws (fails on anything else). */
function typed(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof BallastError) return `${e.code} ${e.field ?? ''}`.trim();
    throw e;
  }
  throw new Error('no error thrown: the input was accepted');
}
/** The message of the BallastError `fn` throws. */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof BallastError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

const imp = (text: string, source = 'book.json') =>
  importPortfolio(text, source, snapshot).portfolio;
const ccxt = (row: Record<string, unknown>) =>
  JSON.stringify([
    {
      symbol: 'BTC/USD:BTC',
      side: 'long',
      contracts: 100,
      contractSize: 10,
      markPrice: INDEX,
      info: { instrument_name: 'BTC-PERPETUAL' },
      ...row,
    },
  ]);
const deribit = (row: Record<string, unknown>) =>
  JSON.stringify({ result: [{ instrument_name: 'BTC-25DEC26', size: 1000, ...row }] });
const ballast = (pos: Record<string, unknown>) =>
  JSON.stringify({ positions: [{ instrument: 'BTC-PERPETUAL', size: 1, ...pos }] });

describe('non-finite numbers never reach the input hash', () => {
  it('a ccxt row with entryPrice: 1e999', () => {
    expect(typed(() => imp(ccxt({ entryPrice: 'X' }).replace('"X"', '1e999'), 'c.json'))).toBe(
      'NOT_FINITE c.json[0].entryPrice',
    );
  });
  it('two CSV rows whose merged entry price overflows', () => {
    const csv = 'BTC_USDC-PERPETUAL,1,1.5e308\nBTC_USDC-PERPETUAL,1,1.5e308';
    expect(typed(() => imp(csv, 'b.csv'))).toBe('INVALID_INPUT b.csv:1.entryPrice');
    // Below the entry-price cap, a merged entry that is not finite is still a typed error.
    const usdcPerp = parseSymbol('BTC_USDC-PERPETUAL', 'deribit');
    const leg = { instrument: usdcPerp, size: 1, entryPrice: 1.5e308 };
    expect(typed(() => portfolio([leg, leg]))).toBe(
      'NOT_FINITE positions.BTC_USDC-PERPETUAL.entryPrice',
    );
  });
  it('any --params value of 1e999', () => {
    const tims = marginModel('tims');
    const override = JSON.parse('{"timeShiftDays": 1e999}') as unknown;
    expect(typed(() => mergeParams(tims.defaultParams, override, 'p.json'))).toBe(
      'NOT_FINITE p.json.timeShiftDays',
    );
  });
  it('NaN anywhere in a snapshot object', () => {
    const m = marginModel('deribit-pm');
    const book = imp(ballast({}));
    const s = structuredClone(snapshot);
    (s.underlyings.BTC!.surface[11]!.params as { m: number }).m = NaN;
    expect(typed(() => m.evaluate(book, s, m.defaultParams))).toMatch(/^NOT_FINITE /);
    const json = snapshotToJson(snapshot) as unknown as { underlyings: { BTC: { rate: number } } };
    json.underlyings.BTC.rate = Infinity;
    expect(typed(() => snapshotFromJson(json, 's.json'))).toBe(
      'NOT_FINITE s.json.underlyings.BTC.rate',
    );
  });
});

describe('parameter files are validated (types, ranges, documented caps)', () => {
  const evalWith = (id: string, override: unknown) => {
    const m = marginModel(id);
    const book = imp(ballast({}));
    return m.evaluate(book, snapshot, mergeParams(m.defaultParams, override, 'params'));
  };
  it('TIMS pointsPerSide 1e300, 1e7, 1e5 (cap 100)', () => {
    for (const n of [1e300, 1e7, 1e5])
      expect(typed(() => evalWith('tims', { pointsPerSide: n }))).toBe(
        'INVALID_INPUT params.pointsPerSide',
      );
  });
  it('deribit-pm buckets_count 1000000 (cap 100)', () => {
    expect(
      typed(() => evalWith('deribit-pm', { model_params: { general: { buckets_count: 1e6 } } })),
    ).toBe('INVALID_INPUT params.model_params.general.buckets_count');
  });
  it('{"mc":{"correlation":[null]}} under var and es', () => {
    for (const id of ['var', 'es'])
      expect(typed(() => evalWith(id, { mc: { correlation: [null] } }))).toBe(
        'INVALID_INPUT params.mc.correlation',
      );
  });
  it('span2 {"stress":{"hypothetical":[]}} and an object for stress.scenarios', () => {
    expect(typed(() => evalWith('span2', { stress: { hypothetical: [] } }))).toBe(
      'INVALID_INPUT params.stress.hypothetical',
    );
    expect(typed(() => evalWith('span2', { stress: { scenarios: {} } }))).toBe(
      'INVALID_INPUT params.stress.scenarios.description',
    );
  });
  it('an unknown parameter suggests the nearest known name', () => {
    expect(message(() => evalWith('tims', { pointPerSide: 5 }))).toBe(
      'params.pointPerSide: unknown parameter "pointPerSide"; did you mean "pointsPerSide"?',
    );
  });
});

describe('files: regular files only, size cap, typed gzip and I/O errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-io-'));
  it('/dev/zero as a portfolio is refused before reading', () => {
    expect(typed(() => readTextFile('/dev/zero'))).toBe('INVALID_INPUT /dev/zero');
    expect(typed(() => readTextFile(dir))).toBe(`INVALID_INPUT ${dir}`);
  });
  it('a corrupt .json.gz', () => {
    const f = join(dir, 'bad.json.gz');
    writeFileSync(f, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]));
    expect(typed(() => readJsonFile(f))).toBe(`MALFORMED_FILE ${f}`);
  });
});

describe('importers: plausibility, no silent acceptance', () => {
  it('Deribit and ccxt sizes of 1e15 contracts, −1e300', () => {
    expect(typed(() => imp(ccxt({ contracts: 1e15 }), 'c.json'))).toBe(
      'INVALID_INPUT c.json[0].size',
    );
    expect(typed(() => imp(deribit({ size: -1e300 }), 'd.json'))).toBe(
      'INVALID_INPUT d.json.result[0].size',
    );
  });
  it('contractSize −10 and 0 are refused (no flipped or dropped position)', () => {
    for (const cs of [-10, 0])
      expect(typed(() => imp(ccxt({ contractSize: cs }), 'c.json'))).toBe(
        'INVALID_INPUT c.json[0].contractSize',
      );
  });
  it('a negative or absurd markPrice is refused (no flipped or zeroed size)', () => {
    for (const mark of [-INDEX, 0, INDEX * 100, INDEX / 100])
      expect(typed(() => imp(ccxt({ markPrice: mark }), 'c.json'))).toBe(
        'INVALID_INPUT c.json[0].markPrice',
      );
    expect(typed(() => imp(deribit({ mark_price: -5 }), 'd.json'))).toBe(
      'INVALID_INPUT d.json.result[0].mark_price',
    );
  });
  it('"size": true, null, [1] are not numbers', () => {
    for (const v of ['true', 'null', '[1]']) {
      expect(typed(() => imp(deribit({ size: 'X' }).replace('"X"', v), 'd.json'))).toBe(
        'INVALID_INPUT d.json.result[0].size',
      );
      expect(typed(() => imp(ballast({ size: 'X' }).replace('"X"', v), 'b.json'))).toMatch(
        /^SCHEMA b\.json\.positions\.0\.size$/,
      );
    }
  });
  it('negative entry prices', () => {
    expect(typed(() => imp(ballast({ entryPrice: -60000 }), 'b.json'))).toBe(
      'INVALID_INPUT b.json.positions[0].entryPrice',
    );
    expect(typed(() => imp(ccxt({ entryPrice: -1 }), 'c.json'))).toBe(
      'INVALID_INPUT c.json[0].entryPrice',
    );
  });
  it('a typo "sizeUnits": "usd" is an error suggesting "sizeUnit"', () => {
    expect(message(() => imp(ballast({ size: 10000, sizeUnits: 'usd' }), 'b.json'))).toBe(
      'b.json.positions[0].sizeUnits: unknown field "sizeUnits"; did you mean "sizeUnit"?',
    );
  });
  it('sizeUnit "usd" passes the plausibility check too', () => {
    expect(typed(() => imp(ballast({ size: 5e9, sizeUnit: 'usd' }), 'b.json'))).toBe(
      'INVALID_INPUT b.json.positions[0].size',
    );
  });
  it('valid inputs give the right numbers: USD sizes at the index, CSV balances', () => {
    const p = imp(ballast({ size: 10000, sizeUnit: 'usd' }));
    expect(p.positions[0]!.size).toBe(10000 / INDEX);
    const c = imp('BTC-PERPETUAL,0.5,61000\nbalance,BTC,1.25\nbalance,USDC,300', 'b.csv');
    expect(c.balances).toEqual([
      { currency: 'BTC', amount: 1.25 },
      { currency: 'USDC', amount: 300 },
    ]);
    expect(c.positions).toHaveLength(1);
  });
});

describe('snapshots: bounds at load', () => {
  const json = () =>
    snapshotToJson(snapshot) as unknown as {
      underlyings: {
        BTC: {
          perpBasis: number;
          forwards: { forward: number }[];
          surface: { params: { a: number } }[];
        };
      };
    };
  it('a forward 10⁶× the index', () => {
    const j = json();
    j.underlyings.BTC.forwards[3]!.forward = INDEX * 1e6;
    expect(typed(() => snapshotFromJson(j, 's.json'))).toBe(
      'INVALID_INPUT s.json.underlyings.BTC.forwards[3].forward',
    );
  });
  it('perpBasis −100000', () => {
    const j = json();
    j.underlyings.BTC.perpBasis = -100000;
    expect(typed(() => snapshotFromJson(j, 's.json'))).toBe(
      'INVALID_INPUT s.json.underlyings.BTC.perpBasis',
    );
  });
  it('a negative-variance SVI slice fails at load, not when a position uses it', () => {
    const j = json();
    j.underlyings.BTC.surface[12]!.params.a = -5;
    expect(typed(() => snapshotFromJson(j, 's.json'))).toBe(
      'INVALID_INPUT s.json.underlyings.BTC.surface[12].params',
    );
  });
});

describe('stress files', () => {
  it('"btc" (lower case) is an error, not ignored', () => {
    expect(
      message(() =>
        parseStressScenarios([{ name: 'x', moves: { btc: { spot: -0.3 } } }], 's.json'),
      ),
    ).toBe(
      's.json[0].moves.btc: an underlying is an upper-case coin such as BTC (did you mean "BTC"?), got "btc"',
    );
  });
});
