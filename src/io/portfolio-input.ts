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
 * Every format passes the same position rules (`checkedPosition`), whatever the unit the size
 * came in: a finite size whose notional at the snapshot index is at most
 * `MAX_PLAUSIBLE_NOTIONAL_USD` (without a snapshot, at most `MAX_PLAUSIBLE_COINS` coins), else
 * a probable unit mistake (USD or contracts given as coins) rather than margined; a finite
 * entry price, > 0 (≥ 0 for option premia) and at most `MAX_ENTRY_PRICE`; venue marks used for conversion finite, > 0 and
 * within `MARK_BAND` of the index; contract sizes finite and > 0; numbers given as JSON
 * numbers (not `true`, `null`, `[1]`). Ballast JSON refuses unknown fields, suggesting the
 * nearest known name. Understating nothing, guessing nothing.
 */
import Type, { type Static } from 'typebox';
import { BallastError } from '../core/errors.ts';
import type { Instrument, Venue } from '../instruments/instrument.ts';
import { parseSymbol, toBaseUnits } from '../instruments/symbol.ts';
import type { MarketSnapshot } from '../market/snapshot.ts';
import { portfolio, type Balance, type Portfolio, type Position } from '../risk/portfolio.ts';
import { isJsonObject, parseJson } from './read-json.ts';
import { checkSchema } from './schema-check.ts';
import { rejectUnknownFields } from './unknown-fields.ts';

/** Format tag of Ballast portfolio files. */
export const PORTFOLIO_FORMAT = 'ballast.portfolio/1';

/** Above this USD notional a coin size is taken for a unit mistake (see module doc). */
export const MAX_PLAUSIBLE_NOTIONAL_USD = 1e9;

/** Without a snapshot (no index), the largest plausible |size| in coins. */
export const MAX_PLAUSIBLE_COINS = 1e8;

/** A venue mark of a delta-one product used to convert sizes must lie in [index/k, index·k]. */
export const MARK_BAND = 2;

/** Largest accepted entry price (USD per coin, or a premium per coin). */
export const MAX_ENTRY_PRICE = 1e12;

/** Largest accepted balance, in units of its currency. */
export const MAX_BALANCE = 1e12;

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
      Type.Object(
        {
          instrument: Type.String({
            minLength: 1,
            description:
              'venue symbol, e.g. BTC-27DEC24-50000-C, BTC-USD-SWAP, ETH-20250228-4000-C',
          }),
          venue: Type.Optional(VenueSchema),
          size: Type.Number({
            description: 'signed size, + = long; in coins unless sizeUnit says otherwise',
          }),
          sizeUnit: Type.Optional(
            Type.Union([Type.Literal('base'), Type.Literal('usd'), Type.Literal('contracts')], {
              description:
                'base (coins, default), usd (USD face value), contracts (venue contracts)',
            }),
          ),
          entryPrice: Type.Optional(
            Type.Number({
              description:
                'average entry: USD per coin (futures, perps, spot); premium per coin (options)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    balances: Type.Optional(
      Type.Array(
        Type.Object(
          { currency: Type.String({ pattern: '^[A-Z0-9]+$' }), amount: Type.Number() },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  {
    additionalProperties: false,
    $id: 'https://ballast.dev/schema/portfolio.json',
    title: 'Ballast portfolio',
  },
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

/**
 * Rejects coin sizes whose notional is implausible (probable unit mistake): above
 * `MAX_PLAUSIBLE_NOTIONAL_USD` at the index, or above `MAX_PLAUSIBLE_COINS` without one.
 */
export function checkPlausibleSize(
  p: Position,
  snapshot: MarketSnapshot | undefined,
  field: string,
): void {
  if (!Number.isFinite(p.size))
    throw new BallastError('NOT_FINITE', `size must be a finite number, got ${p.size}`, field);
  const index = snapshot?.underlyings[p.instrument.underlying]?.index;
  if (index === undefined) {
    if (Math.abs(p.size) > MAX_PLAUSIBLE_COINS)
      throw new BallastError(
        'INVALID_INPUT',
        `size ${p.size} ${p.instrument.underlying} is more than ${MAX_PLAUSIBLE_COINS} coins: this looks like a size in USD or contracts given as coins`,
        field,
      );
    return;
  }
  const notional = Math.abs(p.size) * index;
  if (notional > MAX_PLAUSIBLE_NOTIONAL_USD) {
    throw new BallastError(
      'INVALID_INPUT',
      `size ${p.size} ${p.instrument.underlying} is ${(notional / 1e9).toPrecision(3)} bn USD of notional: this looks like a size in USD or contracts given as coins. Sizes are in coins; for a USD size set "sizeUnit": "usd"`,
      field,
    );
  }
}

/** An entry price: finite, > 0 (an option premium may be 0). */
function checkEntryPrice(inst: Instrument, entry: number | undefined, field: string): void {
  if (entry === undefined) return;
  if (!Number.isFinite(entry))
    throw new BallastError(
      'NOT_FINITE',
      `entry price must be a finite number, got ${entry}`,
      field,
    );
  if (entry > MAX_ENTRY_PRICE)
    throw new BallastError(
      'INVALID_INPUT',
      `entry price ${entry} is implausible (limit ${MAX_ENTRY_PRICE})`,
      field,
    );
  if (inst.kind === 'option' ? entry < 0 : entry <= 0)
    throw new BallastError(
      'INVALID_INPUT',
      `entry price must be ${inst.kind === 'option' ? '≥ 0 (a premium)' : '> 0 (USD per coin)'}, got ${entry}`,
      field,
    );
}

/** A position after the shared rules of the module doc (size in coins, entry price). */
function checkedPosition(
  instrument: Instrument,
  size: number,
  entryPrice: number | undefined,
  snapshot: MarketSnapshot | undefined,
  field: string,
): Position {
  checkEntryPrice(instrument, entryPrice, `${field}.entryPrice`);
  const pos: Position = {
    instrument,
    size: size === 0 ? 0 : size,
    ...(entryPrice === undefined ? {} : { entryPrice }),
  };
  checkPlausibleSize(pos, snapshot, `${field}.size`);
  return pos;
}

/** A JSON number field (not a string, boolean, null or array); `optional` allows absence. */
function jsonNumber(row: Record<string, unknown>, key: string, field: string): number;
function jsonNumber(
  row: Record<string, unknown>,
  key: string,
  field: string,
  optional: true,
): number | undefined;
function jsonNumber(
  row: Record<string, unknown>,
  key: string,
  field: string,
  optional = false,
): number | undefined {
  const v = row[key];
  if (v === undefined || (optional && v === null)) {
    if (optional) return undefined;
    throw new BallastError('SCHEMA', 'required number is missing', `${field}.${key}`);
  }
  if (typeof v !== 'number')
    throw new BallastError(
      'INVALID_INPUT',
      `expected a number, got ${JSON.stringify(v)}`,
      `${field}.${key}`,
    );
  if (!Number.isFinite(v))
    throw new BallastError('NOT_FINITE', `must be a finite number, got ${v}`, `${field}.${key}`);
  return v;
}

/** A venue mark used to convert a delta-one size: > 0 and within `MARK_BAND` of the index. */
function checkedMark(
  mark: number,
  inst: Instrument,
  snapshot: MarketSnapshot | undefined,
  field: string,
): number {
  if (!(mark > 0)) throw new BallastError('INVALID_INPUT', `must be > 0, got ${mark}`, field);
  const index = snapshot?.underlyings[inst.underlying]?.index;
  if (index !== undefined && (mark > index * MARK_BAND || mark < index / MARK_BAND))
    throw new BallastError(
      'INVALID_INPUT',
      `mark ${mark} is implausible against the ${inst.underlying} index ${index} (allowed: within a factor ${MARK_BAND})`,
      field,
    );
  return mark;
}

/**
 * Instruments parsed so far, by venue and symbol (successes only; instruments are immutable
 * values, so positions may share one). Parsing tries each venue's grammar and builds a typed
 * error per miss, ~0.1 ms a symbol: a book of a million accounts repeats a few thousand
 * symbols. Cleared when it reaches `SYMBOL_MEMO_MAX` entries.
 */
const symbolMemo = new Map<string, Instrument>();
const SYMBOL_MEMO_MAX = 100_000;

function symbol(text: string, venue: Venue | undefined, field: string): Instrument {
  const v = venue === 'generic' ? undefined : venue;
  const key = typeof text === 'string' ? `${v ?? ''}\u0000${text}` : undefined;
  const known = key === undefined ? undefined : symbolMemo.get(key);
  if (known) return known;
  const inst = parseSymbol(text, v, field);
  if (key !== undefined) {
    if (symbolMemo.size >= SYMBOL_MEMO_MAX) symbolMemo.clear();
    symbolMemo.set(key, inst);
  }
  return inst;
}

const PORTFOLIO_FIELDS = ['schema', 'name', 'marginPool', 'positions', 'balances'];
const POSITION_FIELDS = ['instrument', 'venue', 'size', 'sizeUnit', 'entryPrice'];
const BALANCE_FIELDS = ['currency', 'amount'];

/** Unknown fields anywhere in a Ballast portfolio JSON, with the nearest known name. */
function rejectUnknownPortfolioFields(value: unknown, source: string): void {
  if (!isJsonObject(value)) return;
  rejectUnknownFields(value, PORTFOLIO_FIELDS, source);
  const lists: [string, string[]][] = [
    ['positions', POSITION_FIELDS],
    ['balances', BALANCE_FIELDS],
  ];
  for (const [key, known] of lists) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    list.forEach((row, i) => {
      if (isJsonObject(row)) rejectUnknownFields(row, known, `${source}.${key}[${i}]`);
    });
  }
}

/** Size in coins of a Ballast JSON position given in `unit`. */
function coinSize(
  size: number,
  unit: 'base' | 'usd' | 'contracts',
  instrument: Instrument,
  snapshot: MarketSnapshot | undefined,
  field: string,
): number {
  if (unit === 'usd') return size / conversionPrice(instrument, snapshot, field);
  if (unit === 'base') return size;
  return instrument.contract.unit === 'base'
    ? size * instrument.contract.size
    : (size * instrument.contract.size) / conversionPrice(instrument, snapshot, field);
}

/** A balance: a finite amount of at most `MAX_BALANCE` in absolute value. */
function checkedBalance(currency: string, amount: number, field: string): Balance {
  if (!Number.isFinite(amount))
    throw new BallastError('NOT_FINITE', `must be a finite number, got ${amount}`, field);
  if (Math.abs(amount) > MAX_BALANCE)
    throw new BallastError(
      'INVALID_INPUT',
      `balance ${amount} ${currency} is implausible (limit ${MAX_BALANCE})`,
      field,
    );
  return { currency, amount: amount === 0 ? 0 : amount };
}

/** Converts a validated Ballast portfolio JSON. */
export function portfolioFromJson(
  value: unknown,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  rejectUnknownPortfolioFields(value, source);
  const json = checkSchema<PortfolioJson>(PortfolioSchema, value, source);
  const positions = json.positions.map((p, i) => {
    const field = `${source}.positions[${i}]`;
    const instrument = symbol(p.instrument, p.venue, `${field}.instrument`);
    if (!Number.isFinite(p.size))
      throw new BallastError(
        'NOT_FINITE',
        `must be a finite number, got ${p.size}`,
        `${field}.size`,
      );
    const size = coinSize(p.size, p.sizeUnit ?? 'base', instrument, snapshot, `${field}.size`);
    return checkedPosition(instrument, size, p.entryPrice, snapshot, field);
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
  const balances = (json.balances ?? []).map((b, i) =>
    checkedBalance(b.currency, b.amount, `${source}.balances[${i}].amount`),
  );
  return portfolio(positions, balances, json.name);
}

/** A CSV number cell: finite, or INVALID_INPUT/NOT_FINITE naming the column. */
function csvNumber(cell: string | undefined, what: string, field: string): number {
  const x = Number(cell);
  if (cell === undefined || cell === '' || Number.isNaN(x))
    throw new BallastError('INVALID_INPUT', `${what} is not a number: "${cell ?? ''}"`, field);
  if (!Number.isFinite(x))
    throw new BallastError('NOT_FINITE', `${what} must be a finite number, got "${cell}"`, field);
  return x;
}

/**
 * Parses the CSV form: rows `instrument,size[,entryPrice]` (sizes in coins) and balance rows
 * `balance,CURRENCY,amount`; an optional header `instrument,size[,entryPrice]`; `#` comments.
 */
export function portfolioFromCsv(
  text: string,
  source: string,
  snapshot?: MarketSnapshot,
): Portfolio {
  const positions: Position[] = [];
  const balances: Balance[] = [];
  let header = true;
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    const field = `${source}:${n + 1}`;
    if (header) {
      header = false;
      if (cells[0]?.toLowerCase() === 'instrument') {
        if (cells[1]?.toLowerCase() !== 'size' || cells.length > 3)
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
        `expected instrument,size[,entryPrice] or balance,CURRENCY,amount, got ${cells.length} columns`,
        field,
      );
    if (cells[0]!.toLowerCase() === 'balance') {
      const currency = cells[1]!;
      if (!/^[A-Z0-9]+$/.test(currency))
        throw new BallastError(
          'SCHEMA',
          `expected a currency such as BTC or USDC, got "${currency}"`,
          `${field}.currency`,
        );
      const amount = csvNumber(cells[2], 'amount', `${field}.amount`);
      balances.push(checkedBalance(currency, amount, `${field}.amount`));
      return;
    }
    const instrument = symbol(cells[0]!, undefined, `${field}.instrument`);
    const size = csvNumber(cells[1], 'size', `${field}.size`);
    const entry =
      cells[2] === undefined || cells[2] === ''
        ? undefined
        : csvNumber(cells[2], 'entryPrice', `${field}.entryPrice`);
    positions.push(checkedPosition(instrument, size, entry, snapshot, field));
  });
  return portfolio(positions, balances, source);
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
    const size = jsonNumber(row, 'size', field);
    const sizeCurrency = jsonNumber(row, 'size_currency', field, true);
    const markPrice = jsonNumber(row, 'mark_price', field, true);
    let base: number;
    if (sizeCurrency !== undefined && instrument.kind !== 'option') {
      base = sizeCurrency;
      if (size !== 0 && Math.sign(base) !== Math.sign(size))
        throw new BallastError(
          'INVALID_INPUT',
          `size_currency ${base} and size ${size} have opposite signs`,
          `${field}.size_currency`,
        );
    } else {
      const mark =
        markPrice !== undefined && instrument.kind !== 'option'
          ? checkedMark(markPrice, instrument, snapshot, `${field}.mark_price`)
          : conversionPrice(instrument, snapshot, `${field}.size`);
      base = toBaseUnits(instrument, size, mark);
    }
    const average = jsonNumber(row, 'average_price', field, true);
    // Deribit lists closed positions with size 0 and average_price 0: no entry then.
    const entry = base === 0 && average === 0 ? undefined : average;
    return checkedPosition(instrument, base, entry, snapshot, field);
  });
  return portfolio(positions, [], source);
}

/** The instrument of a ccxt position: venue symbol from `info`, else the unified symbol. */
function ccxtInstrument(row: Record<string, unknown>, field: string): Instrument {
  const info = isJsonObject(row.info) ? row.info : {};
  if (typeof info.instrument_name === 'string')
    return parseSymbol(info.instrument_name, 'deribit', `${field}.info.instrument_name`);
  if (typeof info.instId === 'string')
    return parseSymbol(info.instId, 'okx', `${field}.info.instId`);
  if (typeof row.symbol === 'string') return fromCcxtSymbol(row.symbol, `${field}.symbol`);
  throw new BallastError(
    'SCHEMA',
    'position has no symbol: expected info.instrument_name (Deribit), info.instId (OKX) or a unified symbol',
    `${field}.symbol`,
  );
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
    const instrument = ccxtInstrument(row, field);
    const contracts = jsonNumber(row, 'contracts', field);
    if (contracts < 0)
      throw new BallastError(
        'INVALID_INPUT',
        `contracts must be ≥ 0 (the sign is in "side"), got ${contracts}`,
        `${field}.contracts`,
      );
    const side = row.side;
    if (side !== 'long' && side !== 'short')
      throw new BallastError(
        'SCHEMA',
        `side must be long or short, got ${JSON.stringify(side)}`,
        `${field}.side`,
      );
    const cs = jsonNumber(row, 'contractSize', field, true) ?? instrument.contract.size;
    if (!(cs > 0))
      throw new BallastError('INVALID_INPUT', `must be > 0, got ${cs}`, `${field}.contractSize`);
    const inverse = instrument.settlement === 'inverse' && instrument.kind !== 'option';
    const markPrice = jsonNumber(row, 'markPrice', field, true);
    if (markPrice !== undefined && !(markPrice >= 0))
      throw new BallastError(
        'INVALID_INPUT',
        `must be ≥ 0, got ${markPrice}`,
        `${field}.markPrice`,
      );
    const mark = !inverse
      ? 1
      : markPrice !== undefined
        ? checkedMark(markPrice, instrument, snapshot, `${field}.markPrice`)
        : conversionPrice(instrument, snapshot, `${field}.markPrice`);
    const base = (contracts * cs) / mark;
    const entry = jsonNumber(row, 'entryPrice', field, true);
    return checkedPosition(instrument, side === 'long' ? base : -base, entry, snapshot, field);
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
