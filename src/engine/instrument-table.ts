/**
 * The instrument table of the batch engine: the Deribit PM prepared market (per-unit risk
 * rows, deltas, marks; margin/deribit-pm/prepared.ts) laid out as flat typed arrays, plus per
 * vector key (`<underlying>_<settlement>`) and per pool (settlement currency) everything the
 * model needs that does not depend on an account (docs/methodology/deribit-pm.md §7.2 allowances, §8 gain cap,
 * §10 roll moves, §11 delta-shock parameters, §12 account inputs). Plain data: the arrays can
 * live in SharedArrayBuffers and be read by worker threads without copying.
 *
 * A row that cannot be priced (expired, no market, non-finite) is kept with its typed error;
 * accounts holding it are margined as `error`, never as healthy.
 */
import { BallastError, type ErrorCode } from '../core/errors.ts';
import { isUsdLike } from '../core/currency.ts';
import type { Instrument } from '../instruments/instrument.ts';
import { dampenerAllowance } from '../margin/deribit-pm/aggregate.ts';
import {
  accountInputs,
  currencyParams,
  pairParams,
  validateRules,
  vectorKey,
} from '../margin/deribit-pm/params.ts';
import type { DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import { rollMove } from '../margin/deribit-pm/shocks.ts';
import { usdPrice } from '../risk/collateral.ts';

/** Row kinds (roll shock and equity differ by kind). */
export const ROW_SPOT = 0;
export const ROW_LINEAR_D1 = 1;
export const ROW_INVERSE_D1 = 2;
export const ROW_OPTION = 3;

/** A typed error kept for a row or an account. */
export interface RowError {
  readonly code: ErrorCode | 'INTERNAL';
  readonly field: string;
  readonly message: string;
}

/** Allocates a Float64Array, in shared memory when asked (for worker threads). */
export function float64(n: number, shared: boolean): Float64Array {
  return shared
    ? new Float64Array(new SharedArrayBuffer(8 * Math.max(n, 1)), 0, n)
    : new Float64Array(n);
}

function int32(n: number, shared: boolean): Int32Array {
  return shared
    ? new Int32Array(new SharedArrayBuffer(4 * Math.max(n, 1)), 0, n)
    : new Int32Array(n);
}

/** Per-row arrays (row r ↔ `symbols[r]`). */
export interface TableRows {
  readonly nRows: number;
  readonly nCells: number;
  readonly symbols: readonly string[];
  /** Per-unit cell values `unit[r·nCells + c]` (pool currency, extended cells weighted). */
  readonly unit: Float64Array;
  /** Vector key of the row (−1 for a row in error). */
  readonly key: Int32Array;
  /** ROW_SPOT, ROW_LINEAR_D1, ROW_INVERSE_D1 or ROW_OPTION. */
  readonly kind: Int32Array;
  /** Roll move of the row's own T (`max(min, f(rate·T))`, §10; perps T = 0), 0 for spot. */
  readonly rollMove: Float64Array;
  /** Option expiry group within its key (ascending expiry), −1 otherwise. */
  readonly group: Int32Array;
  /** Coin delta per unit, `delta_total` convention (§11) and roll convention (§10). */
  readonly deltaCoin: Float64Array;
  readonly deltaRoll: Float64Array;
  /** Instrument price (forward, perp mark, index) and option value per unit (equity). */
  readonly price: Float64Array;
  readonly value: Float64Array;
  /** Index of the underlying, USD (size plausibility). */
  readonly indexUsd: Float64Array;
  /** Typed error of a row that could not be priced (by row). */
  readonly errors: ReadonlyMap<number, RowError>;
}

/** Per vector key. */
export interface TableKeys {
  readonly names: readonly string[];
  readonly pool: Int32Array;
  /** Index S0, USD. */
  readonly index: Float64Array;
  /** 1 in coin pools, S0 in USD pools (roll and delta shock scale). */
  readonly usdScale: Float64Array;
  /** Dampener allowance per cell (0 for standard cells), `allowance[k·nCells + c]`. */
  readonly allowance: Float64Array;
  readonly pnlOffset: Float64Array;
  readonly gainCap: Float64Array;
  readonly deltaThreshold: Float64Array;
  readonly maxDeltaShock: Float64Array;
  readonly mInc: Float64Array;
  /** Roll move per option expiry group, `groupMove[groupStart[k] + g]`. */
  readonly groupStart: Int32Array;
  readonly groupMove: Float64Array;
  /** Scenario ids and labels per key (for events). */
  readonly cellIds: readonly (readonly string[])[];
  readonly cellLabels: readonly (readonly string[])[];
}

/** Per pool (settlement currency), pools sorted by currency. */
export interface TablePools {
  readonly currencies: readonly string[];
  readonly openOrders: Float64Array;
  readonly mmp: Float64Array;
  readonly spot: Float64Array;
  /** USD price of the pool currency (combining pools, as `combinePools`). */
  readonly usdPrice: Float64Array;
}

/** The model-wide rules the kernel switches on. */
export interface TableRules {
  readonly nStandard: number;
  /** 1 for an extended cell. */
  readonly extended: Int32Array;
  /** The middle vol cell of a standard cell's bucket (§9 tie-break), −1 for extended. */
  readonly middle: Int32Array;
  readonly joint: boolean;
  readonly perExpiry: boolean;
  readonly deltaShock: 'H1' | 'H2' | 'off';
  readonly dampenerGainsSignAware: boolean;
  readonly capBeforeOffset: boolean;
  readonly roundingDecimals: number;
  readonly mmFactor: number;
}

/** The whole table. */
export interface InstrumentTable {
  readonly rows: TableRows;
  readonly keys: TableKeys;
  readonly pools: TablePools;
  readonly rules: TableRules;
  /** Row of each symbol. */
  readonly rowOf: ReadonlyMap<string, number>;
  /** Option expiry group of `<key>:<expiryMs>` (ticks re-price rows with it). */
  readonly groupOf: ReadonlyMap<string, number>;
  /** The keys' underlying and settlement currency. */
  readonly keySpecs: readonly KeySpec[];
  /** Instrument of each row (rows are in symbol order). */
  readonly instruments: readonly Instrument[];
}

/** The typed error of anything thrown while pricing or reading parameters. */
export function errorOf(e: unknown, field: string): RowError {
  if (e instanceof BallastError)
    return { code: e.code, field: e.field ?? field, message: e.reason };
  return { code: 'INTERNAL', field, message: e instanceof Error ? e.message : String(e) };
}

/**
 * Builds the table for `instruments` (duplicates by symbol kept once, rows sorted by symbol)
 * on a prepared market. Its pools are the instruments' settlement currencies and the
 * `collateral` currencies (pools that hold only balances in some account: account-book.ts
 * `collateralPools`), sorted; each must have a USD price in the market.
 * `shared`: put the arrays in SharedArrayBuffers. Throws only for bad model parameters or a
 * collateral currency without a price.
 */
export function buildInstrumentTable(
  market: DeribitPmMarket,
  instruments: readonly Instrument[],
  shared = false,
  collateral: readonly string[] = [],
): InstrumentTable {
  validateRules(market.params);
  // Rows in symbol order: an account's positions sorted by row are in canonical order.
  const unique = [...new Map(instruments.map((i) => [i.symbol, i])).values()].sort((a, b) =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
  );
  const keyNames = new Set<string>();
  const priced = unique.map((inst) => {
    try {
      const r = market.row(inst);
      keyNames.add(vectorKey(inst.underlying, inst.settlementCurrency));
      return r;
    } catch (e) {
      return errorOf(e, inst.symbol);
    }
  });
  const keyList = [...keyNames].map((name) => {
    const inst = unique[priced.findIndex((r, i) => keyOf(unique[i]!) === name && 'unit' in r)]!;
    return { name, underlying: inst.underlying, settlement: inst.settlementCurrency };
  });
  // Keys grouped by pool (sorted), underlyings sorted within a pool (the model's order).
  keyList.sort((a, b) =>
    a.settlement !== b.settlement
      ? a.settlement < b.settlement
        ? -1
        : 1
      : a.underlying < b.underlying
        ? -1
        : a.underlying > b.underlying
          ? 1
          : 0,
  );
  const poolNames = [...new Set([...keyList.map((k) => k.settlement), ...collateral])].sort();
  const rules = tableRules(market, keyList);
  const keys = tableKeys(market, keyList, poolNames, unique, priced, rules.nStandard);
  const rows = tableRows(unique, priced, keys, keyList, rules, market, shared);
  return {
    rows,
    keys: keys.table,
    pools: tablePools(market, poolNames),
    rules,
    rowOf: new Map(unique.map((inst, r) => [inst.symbol, r])),
    groupOf: keys.groupOf,
    keySpecs: keyList,
    instruments: unique,
  };
}

function keyOf(inst: Instrument): string {
  return vectorKey(inst.underlying, inst.settlementCurrency);
}

type Priced = ReturnType<DeribitPmMarket['row']> | RowError;
/** A vector key's underlying and settlement currency. */
export interface KeySpec {
  readonly name: string;
  readonly underlying: string;
  readonly settlement: string;
}

function tableRules(market: DeribitPmMarket, keyList: readonly KeySpec[]): TableRules {
  const p = market.params;
  const grid = market.grid(keyList[0]?.underlying ?? 'BTC');
  for (const k of keyList) {
    const g = market.grid(k.underlying);
    if (g.cells.length !== grid.cells.length || g.nStandard !== grid.nStandard)
      throw new BallastError(
        'INVALID_INPUT',
        'every pair must have the same grid shape in one batch',
        `params.model_params.currency_pair.${k.underlying.toLowerCase()}_usd`,
      );
  }
  const nC = grid.cells.length;
  const extended = new Int32Array(nC);
  const middle = new Int32Array(nC);
  grid.cells.forEach((cell, c) => {
    extended[c] = cell.source === 'extended' ? 1 : 0;
    middle[c] = cell.source === 'standard' ? c - (cell.index % 3) + 1 : -1;
  });
  return {
    nStandard: grid.nStandard,
    extended,
    middle,
    joint: p.rules.multiPairAggregation === 'joint',
    perExpiry: p.rules.rollShockOptions === 'per-expiry',
    deltaShock: p.rules.deltaShock,
    dampenerGainsSignAware: p.rules.dampenerGains === 'sign-aware',
    capBeforeOffset: p.rules.gainCapOrder === 'before-offset',
    roundingDecimals: p.rules.roundingDecimals,
    mmFactor: p.model_params.general.mm_factor,
  };
}

function tableKeys(
  market: DeribitPmMarket,
  keyList: readonly KeySpec[],
  poolNames: readonly string[],
  unique: readonly Instrument[],
  priced: readonly Priced[],
  nStandard: number,
): { table: TableKeys; groupOf: Map<string, number> } {
  const p = market.params;
  const n = keyList.length;
  const nC = market.grid(keyList[0]?.underlying ?? 'BTC').cells.length;
  const f = (): Float64Array => new Float64Array(n);
  const t = {
    pool: new Int32Array(n),
    index: f(),
    usdScale: f(),
    allowance: new Float64Array(n * nC),
    pnlOffset: f(),
    gainCap: f(),
    deltaThreshold: f(),
    maxDeltaShock: f(),
    mInc: f(),
    groupStart: new Int32Array(n + 1),
  };
  const groupOf = new Map<string, number>();
  const groupMoves: number[] = [];
  keyList.forEach((k, i) => {
    const ccy = currencyParams(p, k.settlement);
    const pair = pairParams(p, k.underlying);
    t.pool[i] = poolNames.indexOf(k.settlement);
    keyMarket(t, i, k, market, nC, nStandard);
    t.deltaThreshold[i] = pair.delta_total_liq_shock_threshold;
    t.maxDeltaShock[i] = pair.max_delta_shock;
    t.mInc[i] = pair.m_inc;
    // Option expiry groups of this key, ascending expiry.
    const expiries = new Map<number, number>();
    unique.forEach((inst, r) => {
      const row = priced[r]!;
      if ('unit' in row && row.isOption && keyOf(inst) === k.name && 'expiryMs' in inst)
        expiries.set(inst.expiryMs, row.state.T);
    });
    t.groupStart[i] = groupMoves.length;
    [...expiries.entries()]
      .sort((a, b) => a[0] - b[0])
      .forEach(([ms, T], g) => {
        groupOf.set(`${k.name}:${ms}`, g);
        groupMoves.push(rollMove(T, ccy, p.rules.rollShockTime).move);
      });
  });
  t.groupStart[n] = groupMoves.length;
  const grids = keyList.map((k) => market.grid(k.underlying));
  return {
    table: {
      names: keyList.map((k) => k.name),
      ...t,
      groupMove: Float64Array.from(groupMoves),
      cellIds: grids.map((g) => g.scenarios.map((s) => s.id)),
      cellLabels: grids.map((g) => g.scenarios.map((s) => s.label)),
    },
    groupOf,
  };
}

/** The parts of key `i` that move with the market: S0, USD scale, allowances, gain cap. */
function keyMarket(
  t: {
    index: Float64Array;
    usdScale: Float64Array;
    allowance: Float64Array;
    pnlOffset: Float64Array;
    gainCap: Float64Array;
  },
  i: number,
  k: KeySpec,
  market: DeribitPmMarket,
  nC: number,
  nStandard: number,
): void {
  const p = market.params;
  const ccy = currencyParams(p, k.settlement);
  const grid = market.grid(k.underlying);
  const S0 = market.snapshot.underlyings[k.underlying]!.index;
  const coin = !isUsdLike(k.settlement);
  t.index[i] = S0;
  t.usdScale[i] = coin ? 1 : S0;
  grid.cells.forEach((cell, c) => {
    if (c >= nStandard)
      t.allowance[i * nC + c] = dampenerAllowance(
        cell.move,
        grid.params.priceRange,
        ccy.extended_dampener,
        S0,
        coin,
      );
  });
  t.pnlOffset[i] = ccy.pnl_offset;
  const capUsd = coin ? ccy.max_offsetable_pnl / S0 : ccy.max_offsetable_pnl;
  t.gainCap[i] = p.rules.gainCapUnit === 'usd' ? capUsd : ccy.max_offsetable_pnl;
}

/**
 * Refreshes what moves with the market in the key and pool tables (after a tick): index,
 * USD scale, dampener allowances, gain caps, pool USD prices.
 */
export function refreshKeys(table: InstrumentTable, market: DeribitPmMarket): void {
  const nC = table.rows.nCells;
  table.keySpecs.forEach((k, i) => keyMarket(table.keys, i, k, market, nC, table.rules.nStandard));
  table.pools.currencies.forEach((ccy, i) => {
    table.pools.usdPrice[i] = usdPrice(ccy, market.snapshot, `deribit-pm.${ccy}`);
  });
}

function tableRows(
  unique: readonly Instrument[],
  priced: readonly Priced[],
  keys: { table: TableKeys; groupOf: Map<string, number> },
  keyList: readonly KeySpec[],
  rules: TableRules,
  market: DeribitPmMarket,
  shared: boolean,
): TableRows {
  const n = unique.length;
  const nC = rules.extended.length;
  const keyIndex = new Map(keyList.map((k, i) => [k.name, i]));
  const rows = {
    nRows: n,
    nCells: nC,
    symbols: unique.map((i) => i.symbol),
    unit: float64(n * nC, shared),
    key: int32(n, shared),
    kind: int32(n, shared),
    rollMove: float64(n, shared),
    group: int32(n, shared),
    deltaCoin: float64(n, shared),
    deltaRoll: float64(n, shared),
    price: float64(n, shared),
    value: float64(n, shared),
    indexUsd: float64(n, shared),
    errors: new Map<number, RowError>(),
  };
  unique.forEach((inst, r) => {
    const row = priced[r]!;
    if (!('unit' in row)) {
      rows.errors.set(r, row);
      rows.key[r] = -1;
      rows.group[r] = -1;
      return;
    }
    writeRow(rows, r, inst, row, keyIndex.get(keyOf(inst))!, keys.groupOf, market);
  });
  return rows;
}

/** Fills row `r` of the table from a priced row (also used by ticks to re-price a row). */
export function writeRow(
  rows: TableRows,
  r: number,
  inst: Instrument,
  row: ReturnType<DeribitPmMarket['row']>,
  key: number,
  groupOf: ReadonlyMap<string, number>,
  market: DeribitPmMarket,
): void {
  const nC = rows.nCells;
  rows.unit.set(row.unit, r * nC);
  rows.key[r] = key;
  const st = row.state;
  rows.kind[r] = row.isOption
    ? ROW_OPTION
    : inst.kind === 'spot'
      ? ROW_SPOT
      : inst.settlement === 'inverse'
        ? ROW_INVERSE_D1
        : ROW_LINEAR_D1;
  const ccy = currencyParams(market.params, inst.settlementCurrency);
  // Futures at their T, perpetuals at 0, options at theirs (per-instrument reading), spot none.
  const T = inst.kind === 'future' || row.isOption ? st.T : 0;
  rows.rollMove[r] =
    inst.kind === 'spot' ? 0 : rollMove(T, ccy, market.params.rules.rollShockTime).move;
  rows.group[r] =
    row.isOption && 'expiryMs' in inst ? groupOf.get(`${keyOf(inst)}:${inst.expiryMs}`)! : -1;
  rows.deltaCoin[r] = row.deltaCoin;
  rows.deltaRoll[r] = row.deltaRoll;
  rows.price[r] = st.price;
  rows.value[r] = st.value;
  rows.indexUsd[r] = market.snapshot.underlyings[inst.underlying]!.index;
}

function tablePools(market: DeribitPmMarket, poolNames: readonly string[]): TablePools {
  const n = poolNames.length;
  const t = {
    currencies: poolNames,
    openOrders: new Float64Array(n),
    mmp: new Float64Array(n),
    spot: new Float64Array(n),
    usdPrice: new Float64Array(n),
  };
  poolNames.forEach((ccy, i) => {
    const a = accountInputs(market.params, ccy);
    t.openOrders[i] = a.open_orders_margin;
    t.mmp[i] = a.mmp_margin;
    t.spot[i] = a.spot_margin;
    t.usdPrice[i] = usdPrice(ccy, market.snapshot, `deribit-pm.${ccy}`);
  });
  return t;
}
