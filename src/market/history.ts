/**
 * Price history: parsing exchange OHLC(V) CSV files into clean close-price series, and the
 * log returns historical scenarios and volatility estimates are built from.
 *
 * Repairs are explicit and reported, never silent (docs/architecture.md, "Fail closed"):
 * rows are put in time order (files newest-first are common), duplicate timestamps keep the
 * first row, non-positive or non-finite prices are dropped and listed as bad rows, and
 * calendar gaps are listed (a return across a gap spans the gap). An empty result is an error.
 */
import { BallastError } from '../core/errors.ts';
import { MS_PER_DAY, parseIsoUtc } from '../core/time.ts';

/** Sampling interval of a price series. */
export type PriceInterval = 'daily' | 'hourly';

/** Milliseconds per step of each interval. */
export const INTERVAL_MS: Readonly<Record<PriceInterval, number>> = {
  daily: MS_PER_DAY,
  hourly: 3_600_000,
};

/** A close-price series in time order: `closes[t]` (quote currency, > 0) at `timesMs[t]` (epoch ms, UTC, strictly increasing). */
export interface PriceSeries {
  /** The underlying the prices belong to (e.g. `BTC`), the key scenario moves use. */
  readonly symbol: string;
  readonly interval: PriceInterval;
  readonly timesMs: Float64Array;
  readonly closes: Float64Array;
}

/** A row of the file that was dropped, with its 1-based line number in the file. */
export interface BadRow {
  readonly line: number;
  readonly reason: string;
}

/** A hole in the calendar between two consecutive kept points: `missing` steps absent. */
export interface HistoryGap {
  readonly fromMs: number;
  readonly toMs: number;
  readonly missing: number;
}

/** What `parsePriceCsv` found and repaired. */
export interface HistoryReport {
  readonly source: string;
  readonly symbol: string;
  /** Points in the resulting series. */
  readonly rows: number;
  /** Data lines read after the header (blank lines excluded). */
  readonly dataLines: number;
  /** Dropped rows: unparsable date, price not a finite number, price ≤ 0, wrong field count, conflicting duplicate. */
  readonly badRows: readonly BadRow[];
  /** Rows whose price cell is empty (e.g. a second symbol not yet listed), skipped. */
  readonly emptyRows: number;
  readonly gaps: readonly HistoryGap[];
  /** Rows whose timestamp repeats an earlier row (the first row is kept). */
  readonly duplicates: number;
  /** True if the file was not in increasing time order (e.g. newest first) and was sorted. */
  readonly reordered: boolean;
}

/** Options for `parsePriceCsv`. */
export interface PriceCsvOptions {
  /**
   * Which symbol to read, and the name the series gets. With `SYM:close`-style columns it
   * selects `SYM` (case-insensitive; required when the file holds several). With a `symbol`
   * column holding several values it selects those rows. Otherwise it names the series.
   */
  readonly symbol?: string;
  /** Price column to read (case-insensitive), default `close` (falling back to `price`). */
  readonly column?: string;
}

const DATE_COLUMNS = ['date', 'time', 'timestamp', 'datetime', 'unix', 'date_time'];

/** Splits one CSV line on commas, honouring double quotes (RFC 4180 `""` escapes). */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Reject rolled-over dates such as 2019-02-30 or 25:00.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi
  )
    return NaN;
  return ms;
}

/**
 * Parses a timestamp cell into epoch ms (UTC), NaN if unrecognised. Accepted:
 * `YYYY-MM-DD`; `YYYY-MM-DD HH:MM[:SS]` and `YYYY-MM-DDTHH:MM[:SS]` (UTC);
 * `YYYY-MM-DD HH-AM`/`HH-PM` (CryptoDataDownload hourly files, 12-AM = 00:00);
 * ISO-8601 with a zone (`Z`, `+hh:mm`); unix seconds (9–10 digits) or milliseconds (12–13 digits).
 */
export function parseTimestamp(text: string): number {
  const t = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2})-(AM|PM)$/i.exec(t);
  if (m) {
    const h12 = +m[4]!;
    if (h12 < 1 || h12 > 12) return NaN;
    const h = (h12 % 12) + (m[5]!.toUpperCase() === 'PM' ? 12 : 0);
    return utc(+m[1]!, +m[2]!, +m[3]!, h);
  }
  m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, m[6] === undefined ? 0 : +m[6]);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(t)) return parseIsoUtc(t.replace(' ', 'T'));
  if (/^\d{9,10}$/.test(t)) return +t * 1000;
  if (/^\d{12,13}$/.test(t)) return +t;
  return NaN;
}

interface Header {
  line: number;
  cells: string[];
}

/** The header is the first line with a price column (a banner line may precede it). */
function findHeader(lines: readonly string[], column: string | undefined): Header | undefined {
  const wanted = column === undefined ? ['close', 'price'] : [column.toLowerCase()];
  for (let i = 0; i < Math.min(lines.length, 20); i++) {
    const cells = splitCsvLine(lines[i]!).map((c) => c.trim().toLowerCase());
    if (cells.some((c) => wanted.includes(c.slice(c.lastIndexOf(':') + 1))))
      return { line: i, cells };
  }
  return undefined;
}

/** Gaps between consecutive timestamps more than one step apart. */
export function findGaps(timesMs: ArrayLike<number>, interval: PriceInterval): HistoryGap[] {
  const step = INTERVAL_MS[interval];
  const gaps: HistoryGap[] = [];
  for (let t = 1; t < timesMs.length; t++) {
    const d = timesMs[t]! - timesMs[t - 1]!;
    if (d > step)
      gaps.push({ fromMs: timesMs[t - 1]!, toMs: timesMs[t]!, missing: Math.round(d / step) - 1 });
  }
  return gaps;
}

/**
 * Parses an OHLC(V) or date/close CSV into a close-price series and a report of what was
 * repaired. `source` (a file name) names the data in errors and the report.
 *
 * Layout: optional banner lines, then a header naming a date column (`date`, `time`,
 * `timestamp`, `datetime`, `unix`, or an unnamed first column) and a price column (`close`
 * or `SYM:close`, else `price`, or `options.column`); headers are case-insensitive.
 * Timestamps: see `parseTimestamp`. The interval (daily/hourly) is the smallest spacing between rows.
 *
 * Repairs (all reported): rows sorted by time; duplicate timestamps keep the first row (a
 * duplicate with a different price is also listed as a bad row); rows with a price that is
 * not a finite number or is ≤ 0, an unparsable date, or too few fields are dropped and
 * listed in `badRows`; empty price cells are skipped and counted in `emptyRows`.
 *
 * Errors (BallastError): no header (SCHEMA), several symbols without `options.symbol`
 * (INVALID_INPUT, field `<source>.symbol`), a spacing that is neither daily nor hourly
 * (UNSUPPORTED), no valid price left (INVALID_INPUT, field `<source>`).
 */
export function parsePriceCsv(
  text: string,
  source: string,
  options: PriceCsvOptions = {},
): { series: PriceSeries; report: HistoryReport } {
  const lines = text.split(/\r?\n/);
  const header = findHeader(lines, options.column);
  if (!header) {
    throw new BallastError(
      'SCHEMA',
      `no header line with a ${options.column ?? 'close'} column`,
      source,
    );
  }
  const cols = csvColumns(lines, header, source, options);
  const symbolCol = header.cells.indexOf('symbol');
  const dataStart = header.line + 1;
  const { filterSymbol, symbol } = symbolFilter(
    lines,
    dataStart,
    symbolCol,
    cols.symbol,
    source,
    options,
  );
  const rows = readPriceRows(lines, dataStart, header.cells.length, {
    ...cols,
    symbolCol,
    filterSymbol,
  });
  const { kept, duplicates, reordered } = sortAndDedupe(rows.points, rows.badRows);
  const { badRows, emptyRows, dataLines } = rows;
  if (kept.length === 0) {
    throw new BallastError(
      'INVALID_INPUT',
      `no valid ${symbol} prices (${badRows.length} bad rows, ${emptyRows} empty)`,
      source,
      { badRows: badRows.slice(0, 20) },
    );
  }
  const timesMs = Float64Array.from(kept, (x) => x.t);
  const closes = Float64Array.from(kept, (x) => x.p);
  const interval = inferInterval(timesMs, source);
  badRows.sort((a, b) => a.line - b.line);
  return {
    series: { symbol, interval, timesMs, closes },
    report: {
      source,
      symbol,
      rows: kept.length,
      dataLines,
      badRows,
      emptyRows,
      gaps: findGaps(timesMs, interval),
      duplicates,
      reordered,
    },
  };
}

/** Where the date and price columns are, and the symbol the price column names (if any). */
function csvColumns(
  lines: readonly string[],
  header: Header,
  source: string,
  options: PriceCsvOptions,
): { dateCol: number; priceCol: number; symbol: string | undefined } {
  const cells = header.cells;
  let dateCol = cells.findIndex((c) => DATE_COLUMNS.includes(c));
  if (dateCol < 0 && cells[0] === '') dateCol = 0;
  if (dateCol < 0)
    throw new BallastError(
      'SCHEMA',
      `no date column (one of ${DATE_COLUMNS.join(', ')}, or an unnamed first column)`,
      source,
    );
  const wanted = options.column === undefined ? ['close', 'price'] : [options.column.toLowerCase()];
  const field = wanted.find((w) => cells.some((c) => c.slice(c.lastIndexOf(':') + 1) === w))!;
  const candidates = cells.flatMap((c, i) =>
    c.slice(c.lastIndexOf(':') + 1) === field ? [i] : [],
  );
  const prefixOf = (i: number): string => {
    const raw = splitCsvLine(lines[header.line]!)[i]!.trim();
    const k = raw.lastIndexOf(':');
    return k < 0 ? '' : raw.slice(0, k);
  };
  if (candidates.length === 1) {
    const priceCol = candidates[0]!;
    const p = prefixOf(priceCol);
    if (
      p !== '' &&
      options.symbol !== undefined &&
      p.toLowerCase() !== options.symbol.toLowerCase()
    ) {
      throw new BallastError(
        'INVALID_INPUT',
        `symbol ${options.symbol} not in the file (it holds ${p})`,
        `${source}.symbol`,
      );
    }
    return { dateCol, priceCol, symbol: p !== '' ? p : options.symbol };
  }
  const symbols = candidates.map(prefixOf);
  const k = chooseSymbol(symbols, options.symbol, 'the file holds', `${source}.symbol`);
  return { dateCol, priceCol: candidates[k]!, symbol: symbols[k]! };
}

/**
 * Index of `wanted` among `symbols` (case-insensitive); INVALID_INPUT at `field` when none
 * is wanted (several to choose from) or it is not there.
 */
function chooseSymbol(
  symbols: readonly string[],
  wanted: string | undefined,
  holds: string,
  field: string,
): number {
  if (wanted === undefined)
    throw new BallastError(
      'INVALID_INPUT',
      `${holds} several symbols (${symbols.join(', ')}): choose one`,
      field,
      { symbols },
    );
  const k = symbols.findIndex((s) => s.toLowerCase() === wanted.toLowerCase());
  if (k < 0)
    throw new BallastError(
      'INVALID_INPUT',
      `symbol ${wanted} not in the file (it holds ${symbols.join(', ')})`,
      field,
      { symbols },
    );
  return k;
}

/**
 * Distinct values of a `symbol` column decide whether rows are filtered (several: the one
 * asked for) or the column is a label (one: the series' symbol unless the header named it).
 * Without any, the symbol is `source`.
 */
function symbolFilter(
  lines: readonly string[],
  dataStart: number,
  symbolCol: number,
  headerSymbol: string | undefined,
  source: string,
  options: PriceCsvOptions,
): { filterSymbol: string | undefined; symbol: string } {
  let symbol = headerSymbol;
  let filterSymbol: string | undefined;
  if (symbolCol >= 0) {
    const values = new Set<string>();
    for (let i = dataStart; i < lines.length; i++) {
      if (lines[i]!.trim() === '') continue;
      const v = splitCsvLine(lines[i]!)[symbolCol]?.trim();
      if (v) values.add(v);
    }
    if (values.size > 1) {
      const list = [...values];
      const k = chooseSymbol(list, options.symbol, 'the symbol column holds', `${source}.symbol`);
      filterSymbol = list[k]!;
      symbol = options.symbol;
    } else if (symbol === undefined) symbol = [...values][0];
  }
  return { filterSymbol, symbol: symbol ?? source };
}

/** A price read from a data line (1-based `line`). */
interface PricePoint {
  t: number;
  p: number;
  line: number;
}

/** Reads the data lines: valid points, bad rows with reasons, empty price cells, data lines. */
function readPriceRows(
  lines: readonly string[],
  dataStart: number,
  headerCells: number,
  c: {
    dateCol: number;
    priceCol: number;
    symbolCol: number;
    filterSymbol: string | undefined;
  },
): { points: PricePoint[]; badRows: BadRow[]; emptyRows: number; dataLines: number } {
  const badRows: BadRow[] = [];
  const points: PricePoint[] = [];
  let dataLines = 0;
  let emptyRows = 0;
  const needed = Math.max(c.dateCol, c.priceCol, c.symbolCol) + 1;
  for (let i = dataStart; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    dataLines++;
    const line = i + 1;
    const row = splitCsvLine(raw);
    if (row.length < needed) {
      badRows.push({ line, reason: `has ${row.length} fields, the header has ${headerCells}` });
      continue;
    }
    if (c.filterSymbol !== undefined && row[c.symbolCol]!.trim() !== c.filterSymbol) continue;
    const t = parseTimestamp(row[c.dateCol]!);
    if (!Number.isFinite(t)) {
      badRows.push({ line, reason: `unreadable date '${row[c.dateCol]!.trim()}'` });
      continue;
    }
    const cell = row[c.priceCol]!.trim();
    if (cell === '') {
      emptyRows++;
      continue;
    }
    const p = Number(cell);
    if (!Number.isFinite(p)) {
      badRows.push({ line, reason: `price '${cell}' is not a finite number` });
      continue;
    }
    if (!(p > 0)) {
      badRows.push({ line, reason: `non-positive price ${cell}` });
      continue;
    }
    points.push({ t, p, line });
  }
  return { points, badRows, emptyRows, dataLines };
}

/**
 * Points in time order (stable: equal times keep file order) with duplicate timestamps
 * dropped (the first kept; a different price is also reported in `badRows`).
 */
function sortAndDedupe(
  points: PricePoint[],
  badRows: BadRow[],
): { kept: PricePoint[]; duplicates: number; reordered: boolean } {
  let reordered = false;
  for (let k = 1; k < points.length; k++) {
    if (points[k]!.t < points[k - 1]!.t) {
      reordered = true;
      break;
    }
  }
  if (reordered) points.sort((a, b) => a.t - b.t || a.line - b.line);
  const kept: PricePoint[] = [];
  let duplicates = 0;
  for (const pt of points) {
    const last = kept[kept.length - 1];
    if (last && last.t === pt.t) {
      duplicates++;
      if (last.p !== pt.p)
        badRows.push({
          line: pt.line,
          reason: `duplicate timestamp with a different price (kept line ${last.line})`,
        });
      continue;
    }
    kept.push(pt);
  }
  return { kept, duplicates, reordered };
}

/** Daily or hourly from the smallest spacing (the grid step; gaps are larger); a single point is taken as daily. */
function inferInterval(timesMs: Float64Array, source: string): PriceInterval {
  if (timesMs.length < 2) return 'daily';
  let step = Infinity;
  for (let i = 1; i < timesMs.length; i++) step = Math.min(step, timesMs[i]! - timesMs[i - 1]!);
  if (step === MS_PER_DAY) return 'daily';
  if (step === INTERVAL_MS.hourly) return 'hourly';
  throw new BallastError(
    'UNSUPPORTED',
    `the smallest spacing, ${step / 60_000} minutes, is neither daily nor hourly`,
    source,
  );
}

/**
 * End indices `e` of the horizon-step return windows `[e − horizon, e]` over `length` prices,
 * ascending. Overlapping: every `e` from `horizon` to `length − 1`. Non-overlapping: windows
 * anchored at the newest price, `e = length − 1, length − 1 − horizon, …` (≥ horizon), so
 * the latest return is always included. Throws INVALID_INPUT (field `history`) if
 * `length ≤ horizon`, and (field `horizon`) unless `horizon` is an integer ≥ 1.
 */
export function returnEndIndices(
  length: number,
  horizon: number,
  overlapping: boolean,
): Int32Array {
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new BallastError(
      'INVALID_INPUT',
      `must be an integer number of steps >= 1, got ${horizon}`,
      'horizon',
    );
  if (length <= horizon)
    throw new BallastError(
      'INVALID_INPUT',
      `a ${horizon}-step return needs more than ${horizon} prices, the history has ${length}`,
      'history',
      { length, horizon },
    );
  if (overlapping) return Int32Array.from({ length: length - horizon }, (_, k) => k + horizon);
  const count = Math.floor((length - 1) / horizon);
  return Int32Array.from({ length: count }, (_, k) => length - 1 - (count - 1 - k) * horizon);
}

/**
 * Log returns over `horizon` steps, `r = ln(P[e] / P[e − horizon])`, for the windows of
 * `returnEndIndices` (oldest first). Throws INVALID_INPUT (field `history`) when the series
 * has no more than `horizon` prices.
 */
export function logReturns(
  series: { readonly closes: ArrayLike<number> },
  horizon: number,
  overlapping: boolean,
): Float64Array {
  const ends = returnEndIndices(series.closes.length, horizon, overlapping);
  const c = series.closes;
  return Float64Array.from(ends, (e) => Math.log(c[e]! / c[e - horizon]!));
}

/** Series put on common timestamps by `alignSeries`. */
export interface AlignedSeries {
  readonly symbols: readonly string[];
  readonly interval: PriceInterval;
  readonly timesMs: Float64Array;
  /** One array per input series, `closes[j][t]` at `timesMs[t]`. */
  readonly closes: Float64Array[];
  /** Points of each input series dropped because another series lacks that timestamp. */
  readonly dropped: readonly number[];
  /** Calendar gaps of the common timestamps. */
  readonly gaps: readonly HistoryGap[];
}

/**
 * Aligns series on the intersection of their timestamps (a point is kept only if every series
 * has it), reporting how many points of each series were dropped. Throws INVALID_INPUT
 * (field `history`) for no series, mixed intervals or an empty intersection.
 */
export function alignSeries(series: readonly PriceSeries[]): AlignedSeries {
  const first = series[0];
  if (!first) throw new BallastError('INVALID_INPUT', 'no price series given', 'history');
  for (const s of series) {
    if (s.interval !== first.interval)
      throw new BallastError(
        'INVALID_INPUT',
        `cannot align ${first.interval} ${first.symbol} with ${s.interval} ${s.symbol}`,
        'history',
      );
  }
  const count = new Map<number, number>();
  for (const s of series) for (const t of s.timesMs) count.set(t, (count.get(t) ?? 0) + 1);
  const common = Float64Array.from(
    [...count].filter(([, c]) => c === series.length).map(([t]) => t),
  ).sort();
  if (common.length === 0)
    throw new BallastError(
      'INVALID_INPUT',
      `the series ${series.map((s) => s.symbol).join(', ')} share no timestamps`,
      'history',
    );
  const closes = series.map((s) => {
    const out = new Float64Array(common.length);
    let k = 0;
    for (let i = 0; i < s.timesMs.length && k < common.length; i++) {
      if (s.timesMs[i] === common[k]) out[k++] = s.closes[i]!;
    }
    return out;
  });
  return {
    symbols: series.map((s) => s.symbol),
    interval: first.interval,
    timesMs: common,
    closes,
    dropped: series.map((s) => s.timesMs.length - common.length),
    gaps: findGaps(common, first.interval),
  };
}
