/**
 * Portfolio inputs, converted to base units (coins) at this boundary:
 *
 * - **Ballast JSON** (`ballast.portfolio/1`, docs/schema/portfolio.schema.json): positions
 *   `{instrument, size, sizeUnit?, venue?, entryPrice?}` and `balances`. `size` is in coins
 *   unless `sizeUnit` says `usd` (Deribit inverse futures/perps) or `contracts` (OKX).
 * - **CSV**: header `instrument,size[,entryPrice]`, sizes in coins; `#` comments allowed.
 * - **Deribit** `private/get_positions` response (`{result: [...]}` or the bare array): uses
 *   `size_currency` (coins) when present, else converts `size` (USD for futures and perps,
 *   coins for options) at `mark_price`.
 * - **ccxt** `fetchPositions()` result (array of unified positions): `contracts × contractSize`
 *   with the sign from `side`; the venue symbol from `info` (Deribit `instrument_name`, OKX
 *   `instId`) when present, else from the unified symbol.
 *
 * A position whose size in coins is implausibly large (notional above `MAX_PLAUSIBLE_NOTIONAL_USD`
 * at the snapshot index) is rejected as a probable unit mistake (USD or contracts given as
 * coins) rather than margined: understating nothing, guessing nothing.
 */
import Type, { type Static } from 'typebox';
import { BallastError } from '../core/errors.ts';
import type { Instrument, Venue } from '../instruments/instrument.ts';
import { parseSymbol, toBaseUnits } from '../instruments/symbol.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolio, type Balance, type Portfolio, type Position } from '../risk/portfolio.ts';
import { isJsonObject, parseJson } from './read-json.ts';
import { checkSchema } from './schema-check.ts';

/** Format tag of Ballast portfolio files. */
export const PORTFOLIO_FORMAT = 'ballast.portfolio/1';

/** Above this USD notional a coin size is taken for a unit mistake (see module doc). */
export const MAX_PLAUSIBLE_NOTIONAL_USD = 1e9;

const VenueSchema = Type.Union([
  Type.Literal('deribit'),
  Type.Literal('okx'),
  Type.Literal('derive'),
]);

/** JSON Schema of a Ballast portfolio file. */
export const PortfolioSchema = Type.Object(
  {
    schema: Type.Optional(Type.Literal(PORTFOLIO_FORMAT)),
    name: Type.Optional(Type.String()),
    marginPool: Type.Optional(
      Type.String({
        pattern: '^[A-Z0-9]+$',
        description:
          'segregated account: every position must settle in this currency (e.g. BTC for a Deribit BTC sub-account)',
      }),
    ),
    positions: Type.Array(
      Type.Object({
        instrument: Type.String({
          minLength: 1,
          description: 'venue symbol, e.g. BTC-27DEC24-50000-C, BTC-USD-SWAP, ETH-20250228-4000-C',
        }),
        venue: Type.Optional(VenueSchema),
        size: Type.Number({
          description: 'signed size, + = long; in coins unless sizeUnit says otherwise',
        }),
        sizeUnit: Type.Optional(
          Type.Union([Type.Literal('base'), Type.Literal('usd'), Type.Literal('contracts')], {
            description: 'base (coins, default), usd (USD face value), contracts (venue contracts)',
          }),
        ),
        entryPrice: Type.Optional(
          Type.Number({
            description:
              'average entry: USD per coin (futures, perps, spot); premium per coin (options)',
          }),
        ),
      }),
    ),
    balances: Type.Optional(
      Type.Array(
        Type.Object({ currency: Type.String({ pattern: '^[A-Z0-9]+$' }), amount: Type.Number() }),
      ),
    ),
  },
  { $id: 'https://ballast.dev/schema/portfolio.json', title: 'Ballast portfolio' },
);

/** The JSON form of a portfolio. */
export type PortfolioJson = Static<typeof PortfolioSchema>;

/** What an import produced. */
export interface PortfolioImport {
  readonly format: 'ballast' | 'csv' | 'deribit-positions' | 'ccxt-positions';
  readonly portfolio: Portfolio;
}

/** Price used to convert USD or contract sizes: the index of the underlying. */
function conversionPrice(
  inst: Instrument,
  snapshot: MarketSnapshot | undefined,
  field: string,
): number {
  const u = snapshot?.underlyings[inst.underlying];
  if (!u)
    throw new BallastError(
      'INVALID_INPUT',
      `converting a USD/contract size of ${inst.symbol} needs the ${inst.underlying} index: pass --market`,
      field,
    );
  return u.index;
}

/** Rejects coin sizes whose notional is implausible (probable unit mistake). */
export function checkPlausibleSize(
  p: Position,
  snapshot: MarketSnapshot | undefined,
  field: string,
): void {
  const index = snapshot?.underlyings[p.instrument.underlying]?.index;
  if (index === undefined) return;
  const notional = Math.abs(p.size) * index;
  if (notional > MAX_PLAUSIBLE_NOTIONAL_USD) {
    throw new BallastError(
      'INVALID_INPUT',
      `size ${p.size} ${p.instrument.underlying} is ${(notional / 1e9).toFixed(1)} bn USD of notional: this looks like a size in USD or contracts given as coins. Sizes are in coins; for a USD size set "sizeUnit": "usd"`,
      field,
    );
  }
}

function symbol(text: string, venue: Venue | undefined, field: string): Instrument {
  return parseSymbol(text, venue === 'generic' ? undefined : venue, field);
}

/** Converts a validated Ballast portfolio JSON. */
export function portfolioFromJson(
  value: unknown,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  const json = checkSchema<PortfolioJson>(PortfolioSchema, value, source);
  const positions = json.positions.map((p, i) => {
    const field = `${source}.positions[${i}]`;
    const instrument = symbol(p.instrument, p.venue, `${field}.instrument`);
    const unit = p.sizeUnit ?? 'base';
    let size = p.size;
    if (unit === 'usd') size = p.size / conversionPrice(instrument, snapshot, `${field}.size`);
    if (unit === 'contracts')
      size =
        instrument.contract.unit === 'base'
          ? p.size * instrument.contract.size
          : (p.size * instrument.contract.size) /
            conversionPrice(instrument, snapshot, `${field}.size`);
    const pos: Position = {
      instrument,
      size,
      ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }),
    };
    if (unit === 'base') checkPlausibleSize(pos, snapshot, `${field}.size`);
    return pos;
  });
  if (json.marginPool !== undefined) {
    positions.forEach((p, i) => {
      if (p.instrument.settlementCurrency !== json.marginPool) {
        throw new BallastError(
          'WRONG_POOL',
          `${p.instrument.symbol} settles in ${p.instrument.settlementCurrency}, but this account is a segregated ${json.marginPool} pool: move it to a ${p.instrument.settlementCurrency} account or drop "marginPool"`,
          `${source}.positions[${i}].instrument`,
        );
      }
    });
  }
  const balances: Balance[] = (json.balances ?? []).map((b) => ({
    currency: b.currency,
    amount: b.amount,
  }));
  return portfolio(positions, balances, json.name);
}

/** Parses the CSV form `instrument,size[,entryPrice]` (sizes in coins). */
export function portfolioFromCsv(
  text: string,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  const positions: Position[] = [];
  const lines = text.split(/\r?\n/);
  let header = true;
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    const field = `${source}:${n + 1}`;
    if (header) {
      header = false;
      if (cells[0]?.toLowerCase() === 'instrument') {
        if (cells[1]?.toLowerCase() !== 'size')
          throw new BallastError(
            'SCHEMA',
            'the header must be instrument,size[,entryPrice]',
            field,
          );
        return;
      }
    }
    if (cells.length < 2 || cells.length > 3)
      throw new BallastError(
        'SCHEMA',
        `expected instrument,size[,entryPrice], got ${cells.length} columns`,
        field,
      );
    const instrument = symbol(cells[0]!, undefined, `${field}.instrument`);
    const size = Number(cells[1]);
    if (cells[1] === '' || !Number.isFinite(size))
      throw new BallastError(
        'INVALID_INPUT',
        `size is not a number: "${cells[1]}"`,
        `${field}.size`,
      );
    const entry = cells[2] === undefined || cells[2] === '' ? undefined : Number(cells[2]);
    if (entry !== undefined && !Number.isFinite(entry))
      throw new BallastError(
        'INVALID_INPUT',
        `entryPrice is not a number: "${cells[2]}"`,
        `${field}.entryPrice`,
      );
    const pos: Position = {
      instrument,
      size,
      ...(entry === undefined ? {} : { entryPrice: entry }),
    };
    checkPlausibleSize(pos, snapshot, `${field}.size`);
    positions.push(pos);
  });
  return portfolio(positions, [], source);
}

/** Converts a Deribit `private/get_positions` response. */
export function portfolioFromDeribitPositions(
  value: unknown,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  const rows = Array.isArray(value)
    ? value
    : isJsonObject(value) && Array.isArray(value.result)
      ? value.result
      : undefined;
  if (!rows)
    throw new BallastError(
      'SCHEMA',
      'expected a Deribit get_positions response {result: [...]}',
      source,
    );
  const positions = rows.map((row: unknown, i: number) => {
    const field = `${source}.result[${i}]`;
    if (!isJsonObject(row) || typeof row.instrument_name !== 'string')
      throw new BallastError('SCHEMA', 'expected a position with instrument_name', field);
    const instrument = parseSymbol(row.instrument_name, 'deribit', `${field}.instrument_name`);
    const size = Number(row.size);
    if (!Number.isFinite(size))
      throw new BallastError(
        'INVALID_INPUT',
        `expected a number, got ${JSON.stringify(row.size)}`,
        `${field}.size`,
      );
    let base: number;
    if (typeof row.size_currency === 'number' && instrument.kind !== 'option')
      base = row.size_currency;
    else {
      const mark =
        typeof row.mark_price === 'number' && instrument.kind !== 'option'
          ? row.mark_price
          : conversionPrice(instrument, snapshot, `${field}.size`);
      base = toBaseUnits(instrument, size, mark);
    }
    const entry = typeof row.average_price === 'number' ? row.average_price : undefined;
    return { instrument, size: base, ...(entry === undefined ? {} : { entryPrice: entry }) };
  });
  return portfolio(positions, [], source);
}

/** Converts a ccxt `fetchPositions()` result. */
export function portfolioFromCcxt(
  value: unknown,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  if (!Array.isArray(value))
    throw new BallastError('SCHEMA', 'expected a ccxt fetchPositions array', source);
  const positions = value.map((row: unknown, i: number) => {
    const field = `${source}[${i}]`;
    if (!isJsonObject(row)) throw new BallastError('SCHEMA', 'expected a position object', field);
    const info = isJsonObject(row.info) ? row.info : {};
    let instrument: Instrument;
    if (typeof info.instrument_name === 'string')
      instrument = parseSymbol(info.instrument_name, 'deribit', `${field}.info.instrument_name`);
    else if (typeof info.instId === 'string')
      instrument = parseSymbol(info.instId, 'okx', `${field}.info.instId`);
    else if (typeof row.symbol === 'string')
      instrument = fromCcxtSymbol(row.symbol, `${field}.symbol`);
    else
      throw new BallastError(
        'SCHEMA',
        'position has no symbol: expected info.instrument_name (Deribit), info.instId (OKX) or a unified symbol',
        `${field}.symbol`,
      );
    const contracts = Number(row.contracts);
    if (!Number.isFinite(contracts))
      throw new BallastError(
        'INVALID_INPUT',
        `expected a number, got ${JSON.stringify(row.contracts)}`,
        `${field}.contracts`,
      );
    const side = row.side;
    if (side !== 'long' && side !== 'short')
      throw new BallastError(
        'SCHEMA',
        `side must be long or short, got ${JSON.stringify(side)}`,
        `${field}.side`,
      );
    const cs = typeof row.contractSize === 'number' ? row.contractSize : instrument.contract.size;
    const inverse = instrument.settlement === 'inverse' && instrument.kind !== 'option';
    const mark =
      typeof row.markPrice === 'number'
        ? row.markPrice
        : inverse
          ? conversionPrice(instrument, snapshot, `${field}.markPrice`)
          : 1;
    const base = (Math.abs(contracts) * cs) / (inverse ? mark : 1);
    const entry = typeof row.entryPrice === 'number' ? row.entryPrice : undefined;
    return {
      instrument,
      size: side === 'long' ? base : -base,
      ...(entry === undefined ? {} : { entryPrice: entry }),
    };
  });
  return portfolio(positions, [], source);
}

const CCXT = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)(?:-(\d{6}))?(?:-([0-9.]+)-([CP]))?$/;

/** Maps a ccxt unified symbol (`BTC/USD:BTC-241227-50000-C`, `BTC/USDT:USDT`) to an OKX-style instrument. */
function fromCcxtSymbol(text: string, field: string): Instrument {
  const m = CCXT.exec(text);
  if (!m)
    throw new BallastError(
      'INVALID_SYMBOL',
      `not a ccxt derivative symbol (e.g. BTC/USD:BTC, BTC/USDT:USDT-241227, BTC/USD:BTC-241227-50000-C): "${text}"`,
      field,
    );
  const [, base, quote, settle, date, strike, right] = m;
  const okxQuote = settle === base ? 'USD' : quote!;
  const okx =
    date === undefined
      ? `${base}-${okxQuote}-SWAP`
      : strike === undefined
        ? `${base}-${okxQuote}-${date}`
        : `${base}-${okxQuote}-${date}-${strike}-${right}`;
  return parseSymbol(okx, 'okx', field);
}

/**
 * Detects the portfolio format (by extension and shape) and imports it. JSON text goes through
 * `parseJsonText` (default `parseJson`: a syntax error is MALFORMED_JSON naming `source`).
 */
export function importPortfolio(
  text: string,
  source: string,
  snapshot?: MarketSnapshot,
  parseJsonText: (text: string, source: string) => unknown = parseJson,
): PortfolioImport {
  if (source.toLowerCase().endsWith('.csv'))
    return { format: 'csv', portfolio: portfolioFromCsv(text, source, snapshot) };
  const value = parseJsonText(text, source);
  if (isJsonObject(value) && Array.isArray(value.positions))
    return { format: 'ballast', portfolio: portfolioFromJson(value, source, snapshot) };
  if (isJsonObject(value) && Array.isArray(value.result))
    return {
      format: 'deribit-positions',
      portfolio: portfolioFromDeribitPositions(value, source, snapshot),
    };
  if (Array.isArray(value) && value.every((r) => isJsonObject(r) && 'contracts' in r))
    return { format: 'ccxt-positions', portfolio: portfolioFromCcxt(value, source, snapshot) };
  throw new BallastError(
    'UNSUPPORTED',
    'unrecognised portfolio: expected Ballast JSON {positions: [...]}, CSV (instrument,size[,entryPrice]), a Deribit get_positions response or a ccxt fetchPositions array',
    source,
  );
}
