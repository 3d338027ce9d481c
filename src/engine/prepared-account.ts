/**
 * True incremental what-if on a prepared account (Deribit PM): the account's key vectors,
 * roll-shock sums, option expiry deltas and delta-shock sums are accumulated once; a trade of
 * `q` coins of one instrument then changes them in O(cells): `pre += q · unit row`, the roll
 * term of that instrument `|size|·move` replaced by `|size + q|·move` (futures/perps) or its
 * expiry's net delta moved by `q·delta` (options), the delta-shock sums moved by `q·delta`;
 * then aggregation, worst case, shocks and IM/MM are re-run on the account's keys only.
 * The requirements equal a full re-evaluation with the trade (test/engine/prepared-account.test.ts,
 * ≤ 1e-12 relative); equity is not updated here (a fill at the mark changes it only by its cash
 * flows: `whatIf` computes it).
 */
import { BallastError } from '../core/errors.ts';
import type { Instrument } from '../instruments/instrument.ts';
import type { DeribitPmMarket } from '../margin/deribit-pm/prepared.ts';
import type { Portfolio } from '../risk/portfolio.ts';
import { buildAccountBook, collateralPools, type AccountBook } from './account-book.ts';
import { addCashPools } from './cash-pools.ts';
import {
  accumulate,
  batchScratch,
  combine,
  keyWorstCases,
  poolAmounts,
  poolIm,
  type BatchScratch,
} from './deribit-pm-batch.ts';
import {
  ROW_OPTION,
  ROW_SPOT,
  buildInstrumentTable,
  type InstrumentTable,
} from './instrument-table.ts';
import { batchResults, type BatchResults } from './results.ts';

/** An account prepared for what-ifs. */
export interface PreparedAccount {
  readonly table: InstrumentTable;
  readonly book: AccountBook;
  readonly base: BatchScratch;
  readonly nKeys: number;
  /** Held size per table row. */
  readonly sizes: Float64Array;
  readonly work: BatchScratch;
  readonly out: BatchResults;
}

/**
 * Prepares `portfolio` for what-ifs of trades in its instruments and `candidates` (priced
 * once in `market`). Throws the account's typed error if it cannot be margined.
 */
export function prepareAccount(
  market: DeribitPmMarket,
  portfolio: Portfolio,
  candidates: readonly Instrument[] = [],
): PreparedAccount {
  const insts = [...portfolio.positions.map((p) => p.instrument), ...candidates];
  const input = [{ id: 'account', portfolio }];
  const table = buildInstrumentTable(market, insts, false, collateralPools(input, market.snapshot));
  const book = buildAccountBook(table, input, market.snapshot);
  const err = book.errors.get(0);
  if (err)
    throw new BallastError(
      err.code === 'INTERNAL' ? 'INVALID_INPUT' : err.code,
      err.message,
      err.field,
    );
  const base = batchScratch(table);
  const nKeys = accumulate(table, book, 0, base);
  const sizes = new Float64Array(table.rows.nRows);
  for (let j = book.ptr[0]!; j < book.ptr[1]!; j++) sizes[book.row[j]!] = book.size[j]!;
  return { table, book, base, nKeys, sizes, work: batchScratch(table), out: batchResults(1) };
}

/** Copies every typed array of the scratch (not its cell-loop choice, which stays JS here). */
function copyScratch(from: BatchScratch, to: BatchScratch): void {
  for (const k of Object.keys(from) as (keyof BatchScratch)[])
    if (k !== 'cells') (to[k] as Float64Array).set(from[k] as Float64Array);
}

/** Moves key k's sums for the row from size `old` to `nw` (module doc). */
function moveRow(t: InstrumentTable, s: BatchScratch, r: number, old: number, nw: number): void {
  const R = t.rows;
  const nC = R.nCells;
  const k = R.key[r]!;
  const q = nw - old;
  const ko = k * nC;
  const ro = r * nC;
  for (let c = 0; c < nC; c++) s.pre[ko + c] = s.pre[ko + c]! + q * R.unit[ro + c]!;
  const kind = R.kind[r]!;
  const scale = t.keys.usdScale[k]!;
  const move = R.rollMove[r]!;
  if (kind === ROW_OPTION) {
    const dOld = old * R.deltaRoll[r]!;
    const dNew = nw * R.deltaRoll[r]!;
    if (!t.rules.perExpiry)
      s.roll[k] = s.roll[k]! + (Math.abs(dNew) - Math.abs(dOld)) * move * scale;
    const g = t.keys.groupStart[k]! + R.group[r]!;
    if (s.groupTouched[g] === 0) {
      s.groupTouched[g] = 1;
      s.groupDelta[g] = 0;
    }
    s.groupDelta[g] = s.groupDelta[g]! + (dNew - dOld);
  } else if (kind !== ROW_SPOT)
    s.roll[k] = s.roll[k]! + (Math.abs(nw) - Math.abs(old)) * move * scale;
  const dc = R.deltaCoin[r]!;
  s.total[k] = s.total[k]! + q * dc;
  const bucket = (size: number, sign: number) => {
    if (kind === ROW_OPTION && size > 0) s.longOptions[k] = s.longOptions[k]! + sign * size * dc;
    else s.oneAndShort[k] = s.oneAndShort[k]! + sign * size * dc;
  };
  bucket(old, -1);
  bucket(nw, 1);
}

/** Opens key k (and its pool) in the work scratch if the account did not hold it. */
function touchKey(t: InstrumentTable, s: BatchScratch, k: number, nKeys: number): number {
  if (s.keyTouched[k] === 1) return nKeys;
  const nC = t.rows.nCells;
  s.keyTouched[k] = 1;
  s.pre.fill(0, k * nC, (k + 1) * nC);
  s.roll[k] = 0;
  s.total[k] = 0;
  s.oneAndShort[k] = 0;
  s.longOptions[k] = 0;
  const p = t.keys.pool[k]!;
  if (s.poolTouched[p] === 0) {
    s.poolTouched[p] = 1;
    s.poolValue[p] = 0;
  }
  let i = nKeys;
  while (i > 0 && s.keyList[i - 1]! > k) {
    s.keyList[i] = s.keyList[i - 1]!;
    i--;
  }
  s.keyList[i] = k;
  return nKeys + 1;
}

/**
 * IM and MM (the account's result currency) after trading `size` coins of `symbol`, in
 * O(cells) for the trade plus O(keys · cells) for the account's worst cases.
 */
export function tradeMargin(
  acct: PreparedAccount,
  symbol: string,
  size: number,
): { initialMargin: number; maintenanceMargin: number; currency: string } {
  const t = acct.table;
  const r = t.rowOf.get(symbol);
  if (r === undefined || t.rows.key[r]! < 0)
    throw new BallastError(
      'INVALID_INPUT',
      'not prepared for this account: add it to the candidates',
      symbol,
    );
  if (!Number.isFinite(size))
    throw new BallastError('NOT_FINITE', `size is ${size}`, `${symbol}.size`);
  const s = acct.work;
  copyScratch(acct.base, s);
  const nKeys = touchKey(t, s, t.rows.key[r]!, acct.nKeys);
  const old = acct.sizes[r]!;
  moveRow(t, s, r, old, old + size);
  keyWorstCases(t, s, nKeys);
  const nPools = poolAmounts(t, acct.book, 0, s, nKeys);
  if (nPools < 0)
    throw new BallastError('NOT_FINITE', 'the margin after the trade is not finite', symbol);
  combine(t, s, acct.out, 0, addCashPools(t, acct.book, 0, s, nPools, poolIm));
  const c = acct.out.currency[0]!;
  return {
    initialMargin: acct.out.initialMargin[0]!,
    maintenanceMargin: acct.out.maintenanceMargin[0]!,
    currency: c < 0 ? 'USD' : t.pools.currencies[c]!,
  };
}
