/**
 * One Deribit PM book's numbers under every reading of the fail-closed default
 * (src/margin/hypotheses.ts), sharing what the readings share: IM and MM per pool and reading,
 * the same bits as `evaluatePrepared` of each reading, without building a report per reading.
 *
 * The readings split into priced tables (the combinations of the row rules:
 * `inverseOptionPnl`, `extendedCoinConversion`, `minVolForShockUp`, `extendedUsdConversion`:
 * they change the per-unit cell values) and views of a table (`rollShockOptions`,
 * `deltaShock`: they change only the shocks). Per key (`<underlying>_<settlement>`) the book
 * keeps:
 *
 * - per priced table, the pre-aggregated vector `pre_t[c] = Σ_i size_i · unit_t,i[c]` (canonical
 *   symbol order, −0 written +0, as `buildKeyVectors`) and its worst case (§7.2 dampener, §8
 *   gain offset and cap, `max(0, −min)`, as `aggregateVectors` and `worstCaseOf`);
 * - the positions' sizes, kinds, roll moves, per-unit coin deltas and option expiry groups,
 *   and from them the roll shock of both `rollShockOptions` readings and the delta shock
 *   under H1 and H2 (§10, §11; the same additions in the same order as `rollShockOf` and
 *   `deltaShockOf`).
 *
 * Per reading k and pool: `IM_k = round(round(Σ_keys wc_t) + Σ roll_v + Σ delta_v + inputs)`,
 * `MM_k = mm_factor · rmm_k` (§12, as `poolRequirements`; `roundDecimalsFast` is
 * `roundDecimals` to the bit). Cost: O(positions × tables × cells) to build, then
 * O(tables × keys × cells + readings × pools) for the numbers; a what-if changes one key's
 * vectors and sums (book-trades.ts) and re-runs only that.
 *
 * `buildBookReadings` returns undefined where this sharing does not apply (a joint
 * multi-pair pool [G], readings that differ in more than their reading rules, missing market
 * data or parameters, non-finite numbers): the caller then evaluates each reading, which
 * throws the typed error if there is one.
 */
import { isUsdLike } from '../../core/currency.ts';
import { isOptionLike, type Instrument } from '../../instruments/instrument.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import type { Portfolio, Position } from '../../risk/portfolio.ts';
import { canonicalPositions, positionsIn, settlementPools } from '../book.ts';
import { withReadings, type PoolCharge, type Readings } from '../hypotheses.ts';
import { dampenerAllowance } from './aggregate.ts';
import { DERIBIT_PM_HYPOTHESES } from './hypotheses.ts';
import {
  accountInputs,
  currencyParams,
  pairParams,
  roundDecimalsFast,
  type DeribitPmCurrency,
  type DeribitPmCurrencyPair,
  type DeribitPmParams,
} from './params.ts';
import { deribitPmMarket, type DeribitPmMarket } from './prepared.ts';
import { deltaShockH1, deltaShockH2, rollMove } from './shocks.ts';

/** Position kinds for the roll shock: futures/perps (|size|), options (delta), spot (none). */
export const KIND_ROLL = 0;
export const KIND_OPTION = 1;
export const KIND_SPOT = 2;

/** Aggregation constants of one key under one priced table (§7.2, §8). */
export interface KeyAggregation {
  /** 1 for an extended cell. */
  readonly extended: Uint8Array;
  /** Dampener allowance per cell, pool currency (0 for standard cells). */
  readonly allowance: Float64Array;
  readonly offset: number;
  readonly cap: number;
  readonly capBeforeOffset: boolean;
  readonly signAware: boolean;
}

/**
 * One vector key of the book: its positions in canonical (symbol) order, their vectors per
 * priced table and the sums the shocks read. A what-if works on a copy (`copyKey`).
 */
export interface BookKey {
  readonly pool: number;
  readonly underlying: string;
  /** S0, USD. */
  readonly index: number;
  /** 1 for a coin pool, S0 for a USD pool (roll and delta shock amounts). */
  readonly usdScale: number;
  readonly pair: DeribitPmCurrencyPair;
  readonly instruments: Instrument[];
  readonly sizes: number[];
  /** KIND_* per position. */
  readonly kind: number[];
  /** Roll move of the position's own item (futures T, perps 0, options T). */
  readonly move: number[];
  readonly deltaRoll: number[];
  readonly deltaCoin: number[];
  /** Options: index of the expiry group (groups sorted by expiry); −1 otherwise. */
  readonly group: number[];
  readonly groupExpiry: number[];
  readonly groupMove: number[];
  /** Per priced table: the pre-aggregated vector. */
  readonly pre: number[][];
  /** Per priced table: the key's worst case. */
  readonly worst: number[];
  readonly agg: readonly KeyAggregation[];
  /** Roll shock per expiry / per instrument, delta shock H1 / H2 (pool currency). */
  readonly shocks: number[];
}

/** One reading: its priced table, view and pool constants. */
export interface ReadingView {
  readonly table: number;
  readonly perExpiry: boolean;
  /** 0 off, 1 H1, 2 H2. */
  readonly delta: number;
  readonly decimals: number;
  readonly mmFactor: number;
  /** Per pool: open orders, MMP and spot margin (three numbers per pool). */
  readonly inputs: Float64Array;
}

/** A book under every reading (module doc). */
export interface BookReadings {
  readonly readings: readonly Readings[];
  /** Per reading: its params. */
  readonly params: readonly DeribitPmParams[];
  /** Per priced table: its market (the first of its readings' params). */
  readonly markets: readonly DeribitPmMarket[];
  readonly views: readonly ReadingView[];
  readonly pools: readonly string[];
  /** Per pool: its currency parameters. */
  readonly currencies: readonly DeribitPmCurrency[];
  /** Keys by pool, then underlying (sorted), as `buildPoolKeys`. */
  readonly keys: readonly BookKey[];
  readonly rollShockTime: DeribitPmParams['rules']['rollShockTime'];
}

const VIEW_RULES = new Set(['rollShockOptions', 'deltaShock']);

/**
 * `n` zeros in a plain array: the per-trade vectors are small, and V8 allocates and copies a
 * plain array of doubles several times faster than a `Float64Array`.
 */
function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/**
 * The reading whose prepared market prices reading `r`'s rows: `r` with its view rules at
 * their first enumerated reading (`rollShockOptions` per-expiry, `deltaShock` H1), the first
 * reading of its priced table in `combinations` order. A view reading's own market would price
 * the same rows again (the rows do not read the view rules).
 */
export function pricedReading(r: Readings): Readings {
  const out: Record<string, string> = { ...r };
  for (const rule of DERIBIT_PM_HYPOTHESES.rules)
    if (VIEW_RULES.has(rule.name) && rule.name in out) out[rule.name] = rule.enumerated[0]!;
  return out;
}

/** The priced tables of the readings: reading → table, and each table's first reading. */
function pricedTables(readings: readonly Readings[]): { tableOf: number[]; first: number[] } {
  const byKey = new Map<string, number>();
  const first: number[] = [];
  const tableOf = readings.map((r, k) => {
    const key = JSON.stringify(Object.entries(r).filter(([name]) => !VIEW_RULES.has(name)));
    let t = byKey.get(key);
    if (t === undefined) {
      byKey.set(key, (t = first.length));
      first.push(k);
    }
    return t;
  });
  return { tableOf, first };
}

/** Each reading's params and priced table (`pricedTables`). */
interface ReadingLayout {
  readonly params: readonly DeribitPmParams[];
  readonly tableOf: readonly number[];
  readonly first: readonly number[];
}

/** Layouts per charged params object and readings (by content), see `readingLayout`. */
const layouts = new WeakMap<DeribitPmParams, Map<string, ReadingLayout>>();

/**
 * The readings' params (`withReadings` of `charged`, which returns the same object for the
 * same readings) and priced tables, computed once per `charged` object and list of readings
 * (by content): a book evaluated again at the same params reuses them instead of deriving 32
 * params and table keys again. Params objects are immutable, so the memo cannot go stale.
 */
function readingLayout(charged: DeribitPmParams, readings: readonly Readings[]): ReadingLayout {
  let byReadings = layouts.get(charged);
  if (!byReadings) layouts.set(charged, (byReadings = new Map()));
  const key = JSON.stringify(readings);
  let layout = byReadings.get(key);
  if (layout === undefined) {
    const params = readings.map((r) => withReadings(DERIBIT_PM_HYPOTHESES, charged, r));
    byReadings.set(key, (layout = { params, ...pricedTables(readings) }));
  }
  return layout;
}

/** Whether the readings' params differ only in what the priced tables and views capture. */
function shareable(params: readonly DeribitPmParams[]): boolean {
  const p0 = params[0]!;
  return params.every(
    (p) =>
      p.model_params === p0.model_params &&
      p.account === p0.account &&
      p.rules.rollShockTime === p0.rules.rollShockTime &&
      p.rules.rollShockOptionDelta === p0.rules.rollShockOptionDelta &&
      p.rules.roundingDecimals === p0.rules.roundingDecimals &&
      p.rules.multiPairAggregation !== 'joint',
  );
}

/**
 * The book of `portfolio` under `readings` (derived from `charged`, as `readingsToCharge`
 * gives them), or undefined where the sharing does not apply (module doc). May throw the
 * typed errors of the prepared markets (missing data, a non-finite row).
 */
export function buildBookReadings(
  portfolio: Portfolio,
  snapshot: MarketSnapshot,
  charged: DeribitPmParams,
  readings: readonly Readings[],
): BookReadings | undefined {
  const { params, tableOf, first } = readingLayout(charged, readings);
  if (params.length === 0 || !shareable(params)) return undefined;
  const markets = first.map((k) => deribitPmMarket(snapshot, params[k]!));
  const p0 = params[0]!;
  const pools = settlementPools(portfolio);
  const currencies = pools.map((ccy) => currencyParams(p0, ccy));
  const keys: BookKey[] = [];
  for (let i = 0; i < pools.length; i++) {
    const byUnderlying = new Map<string, Position[]>();
    for (const p of positionsIn(portfolio, pools[i]!)) {
      const list = byUnderlying.get(p.instrument.underlying) ?? [];
      list.push(p);
      byUnderlying.set(p.instrument.underlying, list);
    }
    for (const und of [...byUnderlying.keys()].sort()) {
      const k = buildKey(i, pools[i]!, und, byUnderlying.get(und)!, snapshot, params, first);
      if (!k) return undefined;
      keys.push(k);
    }
  }
  const book = {
    readings,
    params,
    markets,
    views: readingViews(params, tableOf, pools),
    pools,
    currencies,
    keys,
    rollShockTime: p0.rules.rollShockTime,
  };
  for (const k of keys) keySums(k);
  return book;
}

function readingViews(
  params: readonly DeribitPmParams[],
  tableOf: readonly number[],
  pools: readonly string[],
): ReadingView[] {
  return params.map((p, k) => {
    const inputs = new Float64Array(3 * pools.length);
    pools.forEach((ccy, i) => {
      const a = accountInputs(p, ccy);
      inputs[3 * i] = a.open_orders_margin;
      inputs[3 * i + 1] = a.mmp_margin;
      inputs[3 * i + 2] = a.spot_margin;
    });
    return {
      table: tableOf[k]!,
      perExpiry: p.rules.rollShockOptions === 'per-expiry',
      delta: p.rules.deltaShock === 'H1' ? 1 : p.rules.deltaShock === 'H2' ? 2 : 0,
      decimals: p.rules.roundingDecimals,
      mmFactor: p.model_params.general.mm_factor,
      inputs,
    };
  });
}

/** Aggregation constants of a key under a table's params and grid (as `aggregateVectors`). */
function keyAggregation(
  market: DeribitPmMarket,
  underlying: string,
  settlement: string,
  index: number,
): KeyAggregation {
  const grid = market.grid(underlying);
  const rules = market.params.rules;
  const ccy = currencyParams(market.params, settlement);
  const coinSettled = !isUsdLike(settlement);
  const n = grid.cells.length;
  const extended = new Uint8Array(n);
  const allowance = new Float64Array(n);
  grid.cells.forEach((cell, c) => {
    if (cell.source !== 'extended') return;
    extended[c] = 1;
    allowance[c] = dampenerAllowance(
      cell.move,
      grid.params.priceRange,
      ccy.extended_dampener,
      index,
      coinSettled,
    );
  });
  const capUsd = coinSettled ? ccy.max_offsetable_pnl / index : ccy.max_offsetable_pnl;
  return {
    extended,
    allowance,
    offset: ccy.pnl_offset,
    cap: rules.gainCapUnit === 'usd' ? capUsd : ccy.max_offsetable_pnl,
    capBeforeOffset: rules.gainCapOrder === 'before-offset',
    signAware: rules.dampenerGains === 'sign-aware',
  };
}

/** One key of the book (positions of one underlying in pool `pool`). */
function buildKey(
  pool: number,
  settlement: string,
  underlying: string,
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  params: readonly DeribitPmParams[],
  first: readonly number[],
): BookKey | undefined {
  const u = snapshot.underlyings[underlying];
  if (!u) return undefined;
  const p0 = params[0]!;
  const markets = first.map((k) => deribitPmMarket(snapshot, params[k]!));
  const sorted = canonicalPositions(positions);
  const key: BookKey = {
    pool,
    underlying,
    index: u.index,
    usdScale: isUsdLike(settlement) ? u.index : 1,
    pair: pairParams(p0, underlying),
    instruments: [],
    sizes: [],
    kind: [],
    move: [],
    deltaRoll: [],
    deltaCoin: [],
    group: [],
    groupExpiry: [],
    groupMove: [],
    pre: markets.map((m) => zeros(m.grid(underlying).cells.length)),
    worst: zeros(markets.length),
    agg: markets.map((m) => keyAggregation(m, underlying, settlement, u.index)),
    shocks: zeros(4),
  };
  const ccy = currencyParams(p0, settlement);
  for (const p of sorted) insertPosition(key, key.instruments.length, p, markets, ccy, p0);
  for (let t = 0; t < markets.length; t++)
    key.pre[t] = preAggregated(markets[t]!, sorted, key.pre[t]!.length);
  return key;
}

/**
 * `Σ_i size_i · unit_i[c]` over `sorted` (each product and sum −0 written +0, as
 * `buildKeyVectors`) over the `nCells` cells of the key's grid, summed in a typed array and
 * returned as the plain array the book keeps.
 */
function preAggregated(
  market: DeribitPmMarket,
  sorted: readonly Position[],
  nCells: number,
): number[] {
  const acc = new Float64Array(nCells);
  for (const p of sorted) {
    const unit = market.row(p.instrument).unit;
    const size = p.size;
    for (let c = 0; c < nCells; c++) acc[c] = acc[c]! + (size * unit[c]! + 0) + 0;
  }
  return Array.from(acc);
}

/**
 * A position's fields in a key (not its vectors): kind, roll move, deltas (from the first
 * table's row: the deltas do not depend on the readings) and expiry group, the index its
 * expiry has among the key's groups (`newGroup`: a new expiry inserted there, moving the
 * later groups one place, with roll move `groupMove`).
 */
export interface PositionFields {
  readonly kind: number;
  readonly move: number;
  readonly deltaRoll: number;
  readonly deltaCoin: number;
  readonly group: number;
  readonly newGroup: boolean;
  readonly groupMove: number;
}

/** `PositionFields` of position `p` for `key` (the key is not changed). */
export function positionFields(
  key: BookKey,
  p: Position,
  markets: readonly DeribitPmMarket[],
  ccy: DeribitPmCurrency,
  params: DeribitPmParams,
): PositionFields {
  const inst = p.instrument;
  const row = markets[0]!.row(inst);
  const st = row.state;
  const time = params.rules.rollShockTime;
  const option = isOptionLike(inst);
  const kind = inst.kind === 'spot' ? KIND_SPOT : option ? KIND_OPTION : KIND_ROLL;
  const T = option || inst.kind === 'future' ? st.T : 0;
  let group = -1;
  let newGroup = false;
  let groupMove = 0;
  if (isOptionLike(inst)) {
    const e = inst.expiryMs;
    group = key.groupExpiry.findIndex((x) => x >= e);
    if (group < 0) group = key.groupExpiry.length;
    if (key.groupExpiry[group] !== e) {
      newGroup = true;
      groupMove = rollMove(st.T, ccy, time).move;
    }
  }
  return {
    kind,
    move: kind === KIND_SPOT ? 0 : rollMove(T, ccy, time).move,
    deltaRoll: row.deltaRoll,
    deltaCoin: row.deltaCoin,
    group,
    newGroup,
    groupMove,
  };
}

/**
 * Inserts position `p` at `at` into the key's position arrays (not its vectors): its
 * `positionFields`, a new expiry group inserted in order (later groups renumbered).
 */
export function insertPosition(
  key: BookKey,
  at: number,
  p: Position,
  markets: readonly DeribitPmMarket[],
  ccy: DeribitPmCurrency,
  params: DeribitPmParams,
): void {
  const f = positionFields(key, p, markets, ccy, params);
  if (f.newGroup && isOptionLike(p.instrument)) {
    for (let i = 0; i < key.group.length; i++) if (key.group[i]! >= f.group) key.group[i]!++;
    key.groupExpiry.splice(f.group, 0, p.instrument.expiryMs);
    key.groupMove.splice(f.group, 0, f.groupMove);
  }
  key.instruments.splice(at, 0, p.instrument);
  key.sizes.splice(at, 0, p.size);
  key.kind.splice(at, 0, f.kind);
  key.move.splice(at, 0, f.move);
  key.deltaRoll.splice(at, 0, f.deltaRoll);
  key.deltaCoin.splice(at, 0, f.deltaCoin);
  key.group.splice(at, 0, f.group);
}

/**
 * The key's shocks (`rollShockOf`, `deltaShockOf`: the same additions in the same order) and
 * its worst case per priced table, from its positions and vectors.
 */
export function keySums(key: BookKey): void {
  keyShocks(key, key.shocks);
  for (let t = 0; t < key.pre.length; t++) key.worst[t] = worstOf(key.pre[t]!, key.agg[t]!);
}

/**
 * One position of a key changed without changing the key (a one-trade what-if): the position
 * at `at` takes size `size`, or, with `added`, a new position with those fields is inserted
 * at `at` (the key's positions from `at` on, and its groups from `added.group` on if
 * `added.newGroup`, one place later).
 */
export interface KeyEdit {
  readonly at: number;
  readonly size: number;
  readonly added?: PositionFields;
}

/**
 * The shocks of the key, or of the key with `edit` made, into `out`: roll shock per expiry,
 * per instrument, delta shock H1, H2 (pool currency). The positions are read in the edited
 * key's order, so the additions are those `keySums` makes on the edited key, in its order.
 */
export function keyShocks(key: BookKey, out: number[], edit?: KeyEdit): void {
  const scale = key.usdScale;
  const at = edit ? edit.at : -1;
  const add = edit?.added;
  const shift = add ? 1 : 0;
  // groups from gNew on move one place (a new expiry group at gNew)
  const gNew = add && add.newGroup ? add.group : key.groupExpiry.length + 1;
  const nG = key.groupExpiry.length + (add && add.newGroup ? 1 : 0);
  const gDelta = zeros(nG);
  let perInstrument = 0;
  let futures = 0;
  let total = 0;
  let oneAndShort = 0;
  let longOptions = 0;
  const n = key.sizes.length + shift;
  for (let v = 0; v < n; v++) {
    let size: number, kind: number, move: number, deltaRoll: number, deltaCoin: number;
    let group: number;
    if (v === at && add) {
      ({ kind, move, deltaRoll, deltaCoin, group } = add);
      size = edit!.size;
    } else {
      const i = v > at ? v - shift : v;
      size = v === at ? edit!.size : key.sizes[i]!;
      kind = key.kind[i]!;
      move = key.move[i]!;
      deltaRoll = key.deltaRoll[i]!;
      deltaCoin = key.deltaCoin[i]!;
      group = key.group[i]!;
      if (group >= gNew) group++;
    }
    if (kind === KIND_ROLL) {
      const a = Math.abs(size) * move * scale;
      perInstrument += a;
      futures += a;
    } else if (kind === KIND_OPTION) {
      const d = size * deltaRoll;
      perInstrument += Math.abs(d) * move * scale;
      gDelta[group] = gDelta[group]! + d;
    }
    const dc = size * deltaCoin;
    total += dc;
    if (kind === KIND_OPTION && size > 0) longOptions += dc;
    else oneAndShort += dc;
  }
  let perExpiry = futures;
  for (let g = 0; g < nG; g++) {
    const move = g < gNew ? key.groupMove[g]! : g === gNew ? add!.groupMove : key.groupMove[g - 1]!;
    perExpiry += Math.abs(gDelta[g]!) * move * scale;
  }
  out[0] = perExpiry;
  out[1] = perInstrument;
  out[2] = deltaShockH1(total, key.index, key.pair).amountCoin * scale;
  out[3] = deltaShockH2(oneAndShort, longOptions, key.index, key.pair).amountCoin * scale;
}

/**
 * `worstCaseOf(aggregateVectors(pre)).worstCase` (NaN if no cell is below +∞); with `unit`,
 * of the vector `pre[c] + q · unit[c] + 0` (a trade of size `q` added as `addTrade` adds it),
 * without writing it.
 */
export function worstOf(
  pre: readonly number[],
  a: KeyAggregation,
  unit?: Float64Array,
  q = 0,
): number {
  const { extended, allowance, offset, cap, capBeforeOffset, signAware } = a;
  let min = Infinity;
  for (let c = 0; c < pre.length; c++) {
    let x = unit ? pre[c]! + q * unit[c]! + 0 : pre[c]!;
    if (extended[c] === 1) {
      if (x < 0) x = Math.min(0, x + allowance[c]!);
      else if (x > 0) x = signAware ? Math.max(0, x - allowance[c]!) : 0;
    }
    const v =
      x > 0 ? (capBeforeOffset ? offset * Math.min(x, cap) : Math.min(offset * x, cap)) + 0 : x + 0;
    if (v < min) min = v;
  }
  return min === Infinity ? NaN : Math.max(0, -min) + 0;
}

/** What `readingRuns` reads of a key: its pool, worst case per priced table and shocks. */
export type KeyTotals = Pick<BookKey, 'pool' | 'worst' | 'shocks'>;

/** IM and MM per reading and pool: `im[k·pools + i]`, `mm[k·pools + i]` (pool currency). */
export interface ReadingRuns {
  readonly im: number[];
  readonly mm: number[];
}

/**
 * IM and MM per reading and pool from the keys (the book's, or a what-if's copies), or
 * undefined if an amount is not finite (the per-reading evaluation then throws). The worst
 * case is summed and rounded once per priced table and pool, the shocks once per pool.
 */
export function readingRuns(
  book: BookReadings,
  keys: readonly KeyTotals[] = book.keys,
): ReadingRuns | undefined {
  const nT = book.markets.length;
  const nP = book.pools.length;
  const wc = zeros(nT * nP);
  const shocks = zeros(4 * nP);
  for (const k of keys) {
    for (let t = 0; t < nT; t++) wc[t * nP + k.pool] = wc[t * nP + k.pool]! + k.worst[t]!;
    for (let s = 0; s < 4; s++) shocks[4 * k.pool + s] = shocks[4 * k.pool + s]! + k.shocks[s]!;
  }
  for (let x = 0; x < wc.length; x++) {
    if (!Number.isFinite(wc[x]!)) return undefined;
    wc[x] = roundDecimalsFast(wc[x]!, book.views[0]!.decimals);
  }
  const nR = book.views.length;
  const im = zeros(nR * nP);
  const mm = zeros(nR * nP);
  for (let k = 0; k < nR; k++) {
    const v = book.views[k]!;
    for (let i = 0; i < nP; i++) {
      const roll = shocks[4 * i + (v.perExpiry ? 0 : 1)]!;
      const delta = v.delta === 0 ? 0 : shocks[4 * i + 1 + v.delta]!;
      const rmm = wc[v.table * nP + i]! + roll + delta + 0;
      const x = rmm + v.inputs[3 * i]! + v.inputs[3 * i + 1]! + v.inputs[3 * i + 2]!;
      if (!Number.isFinite(x)) return undefined;
      im[k * nP + i] = roundDecimalsFast(x, v.decimals);
      mm[k * nP + i] = v.mmFactor * rmm;
      if (!Number.isFinite(mm[k * nP + i]!)) return undefined;
    }
  }
  return { im, mm };
}

/** The runs as `chargeOverReadings` takes them (`runs[k][pool]`). */
export function poolCharges(book: BookReadings, runs: ReadingRuns): PoolCharge[][] {
  const nP = book.pools.length;
  return book.views.map((_, k) =>
    book.pools.map((currency, i) => ({
      currency,
      initialMargin: runs.im[k * nP + i]!,
      maintenanceMargin: runs.mm[k * nP + i]!,
    })),
  );
}
