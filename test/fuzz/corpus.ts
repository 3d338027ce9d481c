/**
 * Valid base inputs the fuzz classes start from: the bundled real BTC snapshot (and its JSON
 * form), books of real symbols in every portfolio format, and each model's parameters with a
 * book it accepts. Monte Carlo models start from 200 paths so a case takes milliseconds.
 */
import { fileURLToPath } from 'node:url';
import { isBallastError } from '../../src/core/errors.ts';
import { importPortfolio } from '../../src/io/portfolio-input.ts';
import { readJsonFile } from '../../src/io/read-json.ts';
import { mergeParams } from '../../src/io/params-file.ts';
import { snapshotToJson } from '../../src/io/snapshot-json.ts';
import type { MarginModel } from '../../src/margin/margin-model.ts';
import { MARGIN_MODELS } from '../../src/margin/registry.ts';
import type { MarketSnapshot } from '../../src/market/snapshot.ts';
import type { Portfolio } from '../../src/risk/portfolio.ts';
import { realSnapshot } from '../helpers/real-market.ts';

export const snapshot: MarketSnapshot = realSnapshot();
/** The snapshot as its JSON file form (plain data, safe to clone and mutate). */
export const snapshotJson = (): Record<string, unknown> =>
  structuredClone(snapshotToJson(snapshot)) as unknown as Record<string, unknown>;

/** A Ballast JSON book: inverse and USDC options, perps and a future, with balances. */
export const ballastBook = () => ({
  name: 'fuzz',
  positions: [
    { instrument: 'BTC-25SEP26-60000-P', size: -2, entryPrice: 0.02 },
    { instrument: 'BTC-25SEP26-70000-C', size: -1 },
    { instrument: 'BTC_USDC-25SEP26-65000-C', size: 1.5, entryPrice: 2500 },
    { instrument: 'BTC-PERPETUAL', size: 25000, sizeUnit: 'usd', entryPrice: 61000 },
    { instrument: 'BTC-25DEC26', size: 0.4, entryPrice: 64000 },
  ] as Record<string, unknown>[],
  balances: [
    { currency: 'BTC', amount: 3 },
    { currency: 'USDC', amount: 20000 },
  ] as Record<string, unknown>[],
});

/** A Deribit `get_positions` response. */
export const deribitPositions = () => ({
  result: [
    {
      instrument_name: 'BTC-PERPETUAL',
      size: 10000,
      size_currency: 0.16,
      mark_price: 62690,
      average_price: 61000,
    },
    { instrument_name: 'BTC-25SEP26-70000-C', size: -3, mark_price: 0.015, average_price: 0.02 },
    { instrument_name: 'BTC-25DEC26', size: 5000, mark_price: 64500, average_price: 63000 },
  ] as Record<string, unknown>[],
});

/** A ccxt `fetchPositions()` result. */
export const ccxtPositions = (): Record<string, unknown>[] => [
  {
    symbol: 'BTC/USD:BTC',
    side: 'long',
    contracts: 1250,
    contractSize: 10,
    entryPrice: 61800,
    markPrice: 62690.1,
    info: { instrument_name: 'BTC-PERPETUAL' },
  },
  {
    symbol: 'BTC/USD:BTC-260925-70000-C',
    side: 'short',
    contracts: 8,
    contractSize: 1,
    entryPrice: 0.018,
    markPrice: 0.0157,
    info: { instrument_name: 'BTC-25SEP26-70000-C' },
  },
];

/** A CSV book with a balance row. */
export const csvBook = (): string =>
  [
    'instrument,size,entryPrice',
    'BTC-25SEP26-60000-P,-2,0.02',
    'BTC-PERPETUAL,0.5,61000',
    'BTC_USDC-25SEP26-65000-C,1,2500',
    'balance,BTC,2',
  ].join('\n');

const imported = (json: unknown): Portfolio =>
  importPortfolio(JSON.stringify(json), 'book.json', snapshot).portfolio;

/** Small books a model may accept, tried in order. */
const BOOKS: Portfolio[] = [
  imported({
    positions: [
      { instrument: 'BTC-25SEP26-60000-P', size: -1 },
      { instrument: 'BTC-PERPETUAL', size: 0.5 },
    ],
    balances: [{ currency: 'BTC', amount: 2 }],
  }),
  imported({
    positions: [
      { instrument: 'BTC_USDC-25SEP26-65000-C', size: -1 },
      { instrument: 'BTC_USDC-PERPETUAL', size: 0.5 },
    ],
    balances: [{ currency: 'USDC', amount: 50000 }],
  }),
  imported({
    positions: [
      { instrument: 'BTC-PERPETUAL', size: 0.5 },
      { instrument: 'BTC-25DEC26', size: -0.3 },
    ],
    balances: [{ currency: 'BTC', amount: 2 }],
  }),
];

const BINANCE_BRACKETS = readJsonFile(
  fileURLToPath(new URL('../../examples/binance-pm-brackets.json', import.meta.url)),
);

/** A model's base parameters for fuzzing (defaults; 200 Monte Carlo paths; Binance brackets). */
export function baseParams(model: MarginModel<unknown>): unknown {
  const p = model.defaultParams as Record<string, unknown>;
  if (model.id === 'binance-pm') return mergeParams(p, BINANCE_BRACKETS, 'brackets');
  if ('mc' in p) return mergeParams(p, { mc: { paths: 200 } }, 'paths');
  if ('var' in p) return mergeParams(p, { var: { mc: { paths: 200 } } }, 'paths');
  return p;
}

/** Each model with its base parameters and the first book it accepts. */
export const MODEL_CASES = MARGIN_MODELS.map((model) => {
  const params = baseParams(model);
  const book = BOOKS.find((b) => {
    try {
      model.evaluate(b, snapshot, params);
      return true;
    } catch (e) {
      if (!isBallastError(e)) throw e;
      return false;
    }
  });
  if (!book) throw new Error(`fuzz corpus: ${model.id} accepts no base book`);
  return { model, params, book };
});
