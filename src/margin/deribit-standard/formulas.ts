/**
 * Deribit standard-margin per-position formulas (docs/methodology/deribit-standard.md §2, §3),
 * shared by `deribitStandardModel` and the `isolated` / `cross` baselines.
 *
 * Every amount is in the position's settlement currency: coin for inverse products, USD(C)
 * for linear ones. Sizes are base units (coins), signed.
 *
 * - Futures and perpetuals (§2.1): `rate = base + perCoin · s` with `s` the size the rate is
 *   read at (the position's |size|, or an aggregate, see `SizeAggregation`), margin
 *   `rate · |size|` coin; linear products convert at the index: `× S0` USDC [V].
 * - Short options (§3.1 inverse [T], §3.2 linear [I]), per unit, with `U = 1` (inverse) or
 *   `U = S` (linear), OTM amounts in USD and `mark` the option mark in the settlement currency:
 *   call `IM = max(a·U − OTM·U/S, b·U) + mark`, `MM = c·U + mark`;
 *   put `MM = max(c·U, c'·mark) + mark`, `IM = max(max(a·U − OTM·U/S, b·U) + mark, MM)`;
 *   a = 0.15, b = 0.10, c = c' = 0.075 by default; `S` the option's forward (default) or the index [I].
 * - Long options: no requirement beyond the premium (default) or IM = MM = mark (legacy) [I].
 * - Spot: long holdings need nothing; short spot has no formula (error).
 */
import { BallastError } from '../../core/errors.ts';
import type { Currency } from '../../core/currency.ts';
import { isOptionLike } from '../../instruments/instrument.ts';
import { underlyingMarket } from '../../market/marks.ts';
import type { MarketSnapshot } from '../../market/snapshot.ts';
import { instrumentState, type InstrumentState } from '../../risk/pnl-matrix.ts';
import type { Position } from '../../risk/portfolio.ts';
import { canonicalPositions } from '../book.ts';
import defaultJson from './default-params.json' with { type: 'json' };

/** A rate line `base + perCoin · size` (fractions; perCoin per coin of size). */
export interface RateLine {
  readonly base: number;
  readonly perCoin: number;
}

/** One futures/perpetual rate row (docs/methodology/deribit-standard.md §2.1). */
export interface FuturesRateRow {
  readonly id: string;
  /** Base coin the row applies to (`BTC`). */
  readonly underlying: string;
  readonly settlement: 'inverse' | 'linear';
  readonly kinds: readonly ('future' | 'perpetual')[];
  readonly im: RateLine;
  readonly mm: RateLine;
  /** Set when the rate is not published for this product: the conservative reading, listed in `unverified`. */
  readonly unverified?: string;
}

/** Short-option fractions (§3): a = imFraction, b = imMinFraction, c = mmFraction, c' = putMmMarkFraction. */
export interface ShortOptionFractions {
  readonly imFraction: number;
  readonly imMinFraction: number;
  readonly mmFraction: number;
  readonly putMmMarkFraction: number;
}

/** How the size term of the futures rate is read across positions of one row. */
export type SizeAggregation = 'per-position' | 'gross' | 'net';

/** How long options are margined. */
export type LongOptionMargin = 'none' | 'mark';

/** The parameters of the per-position formulas. */
export interface StandardFormulaParams {
  readonly futures: readonly FuturesRateRow[];
  readonly options: ShortOptionFractions;
  /** `S` in the option formulas: the option's forward (default) or the index [I]. */
  readonly optionUnderlyingPrice: 'forward' | 'index';
}

/** Where a parameter block comes from. */
export interface StandardSource {
  readonly source: string;
  readonly asOf: string;
  readonly stale: boolean;
}

/** Parameters of `deribitStandardModel`. */
export interface DeribitStandardParams extends StandardFormulaParams {
  readonly sources?: Readonly<Record<string, StandardSource>>;
  /** Long options: `none` (default) or `mark` [I]. */
  readonly longOptionMargin: LongOptionMargin;
  /**
   * Size term of the futures rate: `per-position` (each position's own |size|; the notes'
   * reading, default), `gross` (Σ|size| of all positions of the same rate row) or `net`
   * (one margin on |Σ size| of the row, a calendar-spread offset) [G].
   */
  readonly sizeAggregation: SizeAggregation;
  /** Open-orders IM per lower-case settlement currency (`btc`, `usdc`); missing = 0 [G]. */
  readonly account: Readonly<Record<string, { readonly open_orders_margin: number }>>;
}

/** Default parameters (`default-params.json`). */
export const DERIBIT_STANDARD_DEFAULT_PARAMS: DeribitStandardParams =
  defaultJson as unknown as DeribitStandardParams;

/** The margin of one position, with how it was computed. */
export interface PositionMargin {
  readonly symbol: string;
  readonly size: number;
  readonly kind: string;
  /** Settlement currency = currency of the amounts. */
  readonly currency: Currency;
  readonly initialMargin: number;
  readonly maintenanceMargin: number;
  /** Futures/perps: the rate row and the rates applied. */
  readonly rowId?: string;
  readonly imRate?: number;
  readonly mmRate?: number;
  /** Size (coins) the rates were read at. */
  readonly rateSize?: number;
  /** Options: S, OTM amount (USD) and mark used. */
  readonly underlyingPrice?: number;
  readonly otm?: number;
  readonly mark?: number;
  /** One line: the formula with the numbers. */
  readonly formula: string;
}

function fin(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
    throw new BallastError('INVALID_INPUT', `must be a finite number ≥ 0, got ${String(x)}`, field);
  return x;
}

/** Validates the formula parameters (INVALID_INPUT naming the field). */
export function validateFormulaParams(p: StandardFormulaParams): void {
  if (!Array.isArray(p.futures))
    throw new BallastError('INVALID_INPUT', 'must be a list of rate rows', 'params.futures');
  p.futures.forEach((r, i) => {
    fin(r.im?.base, `params.futures[${i}].im.base`);
    fin(r.im?.perCoin, `params.futures[${i}].im.perCoin`);
    fin(r.mm?.base, `params.futures[${i}].mm.base`);
    fin(r.mm?.perCoin, `params.futures[${i}].mm.perCoin`);
  });
  const o = p.options;
  fin(o?.imFraction, 'params.options.imFraction');
  fin(o?.imMinFraction, 'params.options.imMinFraction');
  fin(o?.mmFraction, 'params.options.mmFraction');
  fin(o?.putMmMarkFraction, 'params.options.putMmMarkFraction');
  if (p.optionUnderlyingPrice !== 'forward' && p.optionUnderlyingPrice !== 'index') {
    throw new BallastError(
      'INVALID_INPUT',
      `must be forward or index, got ${String(p.optionUnderlyingPrice)}`,
      'params.optionUnderlyingPrice',
    );
  }
}

/** The rate row of a future/perpetual, or UNSUPPORTED (fail closed: no silent default rate). */
export function rateRowFor(
  rows: readonly FuturesRateRow[],
  underlying: string,
  settlement: 'inverse' | 'linear',
  kind: 'future' | 'perpetual',
  symbol: string,
): FuturesRateRow {
  const row = rows.find(
    (r) => r.underlying === underlying && r.settlement === settlement && r.kinds.includes(kind),
  );
  if (!row) {
    throw new BallastError(
      'UNSUPPORTED',
      `no Deribit standard-margin rate for ${settlement} ${underlying} ${kind}s; add a row to params.futures (venue parameters for this product are not in the notes)`,
      symbol,
    );
  }
  return row;
}

/** `base + perCoin · size`. */
export function rateAt(line: RateLine, sizeCoin: number): number {
  return line.base + line.perCoin * sizeCoin;
}

/**
 * Per-unit short-option margins (§3) in the settlement currency: `inverse` → coin (U = 1),
 * else USD (U = S). `S`, `K`, `OTM` in USD; `mark` in the settlement currency.
 */
export function shortOptionMargins(
  right: 'call' | 'put',
  K: number,
  S: number,
  mark: number,
  inverse: boolean,
  f: ShortOptionFractions,
): { im: number; mm: number; otm: number } {
  const U = inverse ? 1 : S;
  const otm = right === 'call' ? Math.max(K - S, 0) : Math.max(S - K, 0);
  const otmTerm = inverse ? otm / S : otm;
  const base = Math.max(f.imFraction * U - otmTerm, f.imMinFraction * U) + mark;
  if (right === 'call') return { im: base, mm: f.mmFraction * U + mark, otm };
  const mm = Math.max(f.mmFraction * U, f.putMmMarkFraction * mark) + mark;
  return { im: Math.max(base, mm), mm, otm };
}

/** Result of `positionMargins`: per position (canonical order) and the flags that matter. */
export interface PositionMargins {
  readonly positions: readonly Position[];
  readonly states: readonly InstrumentState[];
  readonly margins: readonly PositionMargin[];
  readonly hasShortOptions: boolean;
  readonly hasLongOptions: boolean;
  readonly hasLinearShortOptions: boolean;
  /** Some rate row holds several positions, so the size aggregation reading matters. */
  readonly aggregationMatters: boolean;
  /** The `unverified` notes of the rate rows used (products without a published rate). */
  readonly unverifiedRows: readonly string[];
}

/** The fields every position's margin line carries. */
interface MarginCommon {
  readonly symbol: string;
  readonly size: number;
  readonly kind: Position['instrument']['kind'];
  readonly currency: string;
}

/** A future's or perpetual's margin from its rate row (size term read per `aggregation`). */
function deltaOneMargin(
  common: MarginCommon,
  inst: Position['instrument'],
  q: number,
  row: NonNullable<ReturnType<typeof rateRowFor>>,
  g: { gross: number; net: number; count: number },
  index: number,
  aggregation: SizeAggregation,
): PositionMargin {
  const linear = inst.settlement === 'linear';
  const toCcy = linear ? index : 1;
  let rateSize = q;
  let share = 1;
  let sizeForMargin = q;
  if (aggregation === 'gross') rateSize = g.gross;
  if (aggregation === 'net') {
    rateSize = Math.abs(g.net);
    sizeForMargin = Math.abs(g.net);
    share = g.gross > 0 ? q / g.gross : 0;
  }
  const imRate = rateAt(row.im, rateSize);
  const mmRate = rateAt(row.mm, rateSize);
  const im = imRate * sizeForMargin * share * toCcy;
  const mm = mmRate * sizeForMargin * share * toCcy;
  const conv = linear ? ` × index ${index}` : '';
  return {
    ...common,
    initialMargin: im,
    maintenanceMargin: mm,
    rowId: row.id,
    imRate,
    mmRate,
    rateSize,
    formula: `IM (${row.im.base} + ${row.im.perCoin}·${rateSize}) × ${aggregation === 'net' ? `|net| ${sizeForMargin} × share ${share}` : q}${conv}; MM (${row.mm.base} + ${row.mm.perCoin}·${rateSize}) × …`,
  };
}

/** An option's margin: long (mark or nothing) or short (the short-option formulas). */
function optionMargin(
  common: MarginCommon,
  pos: Position,
  st: ReturnType<typeof instrumentState>,
  index: number,
  p: StandardFormulaParams,
  longOptions: LongOptionMargin,
): PositionMargin {
  const inst = pos.instrument as Extract<Position['instrument'], { kind: 'option' }>;
  const q = Math.abs(pos.size);
  const mark = st.value;
  if (pos.size >= 0) {
    const m = longOptions === 'mark' ? q * mark : 0;
    return {
      ...common,
      initialMargin: m,
      maintenanceMargin: m,
      mark,
      formula:
        longOptions === 'mark'
          ? `long option: IM = MM = mark ${mark} × ${q}`
          : 'long option: premium paid, no further requirement',
    };
  }
  const inverse = inst.settlement === 'inverse';
  const S = p.optionUnderlyingPrice === 'forward' ? st.price : index;
  const one = shortOptionMargins(inst.right, inst.strike, S, mark, inverse, p.options);
  return {
    ...common,
    initialMargin: q * one.im,
    maintenanceMargin: q * one.mm,
    underlyingPrice: S,
    otm: one.otm,
    mark,
    formula: `short ${inst.right}: per unit IM ${one.im}, MM ${one.mm} (S ${S}, OTM ${one.otm}, mark ${mark}) × ${q}`,
  };
}

/** A futures rate row's sizes across its positions (gross Σ|q|, net Σq, count). */
interface RowGroup {
  gross: number;
  net: number;
  count: number;
}

/** The rate row of each delta-one position (undefined otherwise) and the rows' groups. */
function rateRowGroups(sorted: readonly Position[], p: StandardFormulaParams) {
  const groups = new Map<string, RowGroup>();
  const rowOf = sorted.map((pos) => {
    const inst = pos.instrument;
    if (inst.kind !== 'future' && inst.kind !== 'perpetual') return undefined;
    const row = rateRowFor(p.futures, inst.underlying, inst.settlement, inst.kind, inst.symbol);
    const g = groups.get(row.id) ?? { gross: 0, net: 0, count: 0 };
    g.gross += Math.abs(pos.size);
    g.net += pos.size;
    g.count += 1;
    groups.set(row.id, g);
    return row;
  });
  return { groups, rowOf };
}

/** One position's margin: spot, a delta-one row, or an option; UNSUPPORTED otherwise. */
function positionMargin(
  pos: Position,
  st: ReturnType<typeof instrumentState>,
  row: ReturnType<typeof rateRowFor> | undefined,
  group: RowGroup | undefined,
  snapshot: MarketSnapshot,
  p: StandardFormulaParams,
  aggregation: SizeAggregation,
  longOptions: LongOptionMargin,
): PositionMargin {
  const inst = pos.instrument;
  const common = {
    symbol: inst.symbol,
    size: pos.size,
    kind: inst.kind,
    currency: inst.settlementCurrency,
  };
  const u = underlyingMarket(snapshot, inst.underlying, `${inst.symbol}.underlying`);
  if (inst.kind === 'spot') {
    if (pos.size < 0)
      throw new BallastError(
        'UNSUPPORTED',
        'short spot has no standard-margin formula',
        inst.symbol,
      );
    return {
      ...common,
      initialMargin: 0,
      maintenanceMargin: 0,
      formula: 'spot holding: no requirement',
    };
  }
  if (row)
    return deltaOneMargin(common, inst, Math.abs(pos.size), row, group!, u.index, aggregation);
  if (!isOptionLike(inst))
    throw new BallastError(
      'UNSUPPORTED',
      `no standard-margin formula for ${inst.kind}`,
      inst.symbol,
    );
  if (inst.kind !== 'option')
    throw new BallastError(
      'UNSUPPORTED',
      `Deribit standard margin has no formula for ${inst.kind} options (not listed on Deribit)`,
      inst.symbol,
    );
  return optionMargin(common, pos, st, u.index, p, longOptions);
}

/**
 * Per-position standard margins of `positions` (any settlement currencies), in canonical
 * (symbol) order. `aggregation` picks how the futures size term is read (see
 * `DeribitStandardParams.sizeAggregation`); under `net`, a row's single margin is allocated to
 * its positions in proportion to |size|.
 */
export function positionMargins(
  positions: readonly Position[],
  snapshot: MarketSnapshot,
  p: StandardFormulaParams,
  aggregation: SizeAggregation,
  longOptions: LongOptionMargin,
): PositionMargins {
  validateFormulaParams(p);
  const sorted = canonicalPositions(positions);
  const states = sorted.map((x) => instrumentState(x.instrument, snapshot));
  const { groups, rowOf } = rateRowGroups(sorted, p);
  const margins = sorted.map((pos, i) => {
    const row = rowOf[i];
    const group = row && groups.get(row.id);
    return positionMargin(pos, states[i]!, row, group, snapshot, p, aggregation, longOptions);
  });
  const options = sorted.filter((x) => x.instrument.kind === 'option');
  return {
    positions: sorted,
    states,
    margins,
    hasShortOptions: options.some((x) => x.size < 0),
    hasLongOptions: options.some((x) => x.size > 0),
    hasLinearShortOptions: options.some((x) => x.size < 0 && x.instrument.settlement !== 'inverse'),
    aggregationMatters: [...groups.values()].some((g) => g.count > 1),
    unverifiedRows: [
      ...new Set(rowOf.flatMap((r) => (r?.unverified === undefined ? [] : [r.unverified]))),
    ].sort(),
  };
}

/** Unverified-rule notes of the standard formulas (each names its section of docs/methodology/deribit-standard.md). */
export const DERIBIT_STANDARD_UNVERIFIED = {
  optionFractions:
    'option-fractions: short-option IM/MM fractions 0.15/0.10/0.075 (deribit-standard §3.1) [T]',
  optionUnderlying:
    'option-underlying-price: S in the option formulas = the option forward / index (deribit-standard §3.1) [I]',
  linearOptions: 'linear-options: USDC-settled option formula (deribit-standard §3.2) [I]',
  longOptions:
    'long-options: long options need no margin beyond the premium / IM = MM = mark (deribit-standard §3.1) [I]',
  sizeAggregation:
    'size-aggregation: futures rate size term per position / gross / net across instruments of one rate row (deribit-standard §2.1) [G]',
} as const;

/** Which unverified notes apply to a set of position margins. */
export function standardUnverified(pm: PositionMargins, includeAggregation: boolean): string[] {
  const U = DERIBIT_STANDARD_UNVERIFIED;
  const out: string[] = [];
  if (pm.hasShortOptions) out.push(U.optionFractions, U.optionUnderlying);
  if (pm.hasLinearShortOptions) out.push(U.linearOptions);
  if (pm.hasLongOptions) out.push(U.longOptions);
  if (includeAggregation && pm.aggregationMatters) out.push(U.sizeAggregation);
  out.push(...pm.unverifiedRows);
  return out;
}
