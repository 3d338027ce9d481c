import { describe, expect, it } from 'vitest';
import { isBallastError } from '../../src/core/errors.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';

const codeAndField = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isBallastError(e)) return `${e.code} ${e.field ?? ''}`;
    throw e;
  }
  return 'no error';
};

describe('importPortfolio', () => {
  it('malformed JSON is MALFORMED_JSON naming the file, also without a parser argument', () => {
    expect(codeAndField(() => importPortfolio('{"positions": [', 'book.json'))).toBe(
      'MALFORMED_JSON book.json',
    );
  });

  it('CSV sizes in coins; a bad size names the line and the column', () => {
    const p = importPortfolio('instrument,size\nBTC-PERPETUAL,0.5\n', 'book.csv').portfolio;
    expect(p.positions.map((x) => [x.instrument.symbol, x.size])).toEqual([['BTC-PERPETUAL', 0.5]]);
    expect(
      codeAndField(() => importPortfolio('instrument,size\nBTC-PERPETUAL,abc\n', 'book.csv')),
    ).toBe('INVALID_INPUT book.csv:2.size');
  });

  it('Deribit and ccxt positions: a size that is not a number names its field', () => {
    const deribit = { result: [{ instrument_name: 'BTC-PERPETUAL', size: 'x', size_currency: 1 }] };
    expect(codeAndField(() => importPortfolio(JSON.stringify(deribit), 'pos.json'))).toBe(
      'INVALID_INPUT pos.json.result[0].size',
    );
    const ccxt = [{ symbol: 'BTC/USD:BTC', contracts: 'x', side: 'long' }];
    expect(codeAndField(() => importPortfolio(JSON.stringify(ccxt), 'ccxt.json'))).toBe(
      'INVALID_INPUT ccxt.json[0].contracts',
    );
  });
});
