/**
 * Price history of a book's underlyings from CSV texts (the adapter reads the files or takes
 * uploaded text): each text is either for one named symbol (`SYM=FILE` on the CLI, an uploaded
 * series with its symbol over the API) or searched for every needed underlying (its symbol
 * column, `SYM:close` columns, or the file name). Every underlying must be found
 * (INVALID_INPUT naming `field`). Bad prints (closes that leave and come back,
 * market/bad-prints.ts) are excluded unless `keepOutliers`, and listed by date in the source
 * line either way.
 */
import { BallastError } from '../core/errors.ts';
import { toIso } from '../core/time.ts';
import { findBadPrints, withoutBadPrints } from '../market/bad-prints.ts';
import { parsePriceCsv, type PriceSeries } from '../market/history.ts';
import type { LoadedHistory } from './risk-params.ts';

/** One CSV text of closes. */
export interface HistoryText {
  readonly text: string;
  /** Where it came from, for errors (a path, or `history[0]`). */
  readonly source: string;
  /** How the source line names it (e.g. the bundled file's label). */
  readonly label: string;
  /** The file's base name (matched against underlyings when the file has no symbol column). */
  readonly name: string;
  /** The symbol these prices are (SYM=FILE), or undefined to search it for each underlying. */
  readonly symbol?: string;
}

/** The series of `text` that is `u`, if it holds one (see module doc). */
function seriesFor(h: HistoryText, u: string): PriceSeries | undefined {
  try {
    const one = parsePriceCsv(h.text, h.source).series;
    const s = one.symbol.toUpperCase();
    if (
      s === u ||
      (s.startsWith(u) && /^(USD|USDT|USDC|EUR)?$/.test(s.slice(u.length))) ||
      (s === h.source.toUpperCase() && new RegExp(`(^|[^A-Z])${u}`).test(h.name.toUpperCase()))
    )
      return one;
  } catch (e) {
    if (!(e instanceof BallastError) || !Array.isArray(e.details?.symbols)) throw e;
    const symbols = e.details.symbols as string[];
    if (symbols.some((x) => x.toUpperCase() === u))
      return parsePriceCsv(h.text, h.source, { symbol: u }).series;
  }
  return undefined;
}

/** The bad prints of a series, excluded unless `keep`, and the note listing them. */
function screenBadPrints(
  series: PriceSeries,
  keep: boolean,
): { series: PriceSeries; note: string } {
  const prints = findBadPrints(series);
  if (prints.length === 0) return { series, note: '' };
  const list = prints
    .map(
      (p) => `${toIso(p.timeMs).slice(0, 10)} close ${p.close} between ${p.previous} and ${p.next}`,
    )
    .join(', ');
  return keep
    ? { series, note: ` (bad prints kept by --keep-outliers: ${list})` }
    : {
        series: withoutBadPrints(series, prints),
        note: ` (bad prints excluded: ${list}; --keep-outliers keeps them)`,
      };
}

/** The history of `underlyings` from `texts` (see module doc). */
export function historyFromTexts(
  texts: readonly HistoryText[],
  underlyings: readonly string[],
  keepOutliers: boolean,
  field: string,
): LoadedHistory {
  const found = new Map<string, { series: PriceSeries; source: string }>();
  for (const h of texts) {
    if (h.symbol !== undefined) {
      const sym = h.symbol.toUpperCase();
      const { series } = parsePriceCsv(h.text, h.source, { symbol: sym });
      found.set(sym, { series: { ...series, symbol: sym }, source: h.label });
      continue;
    }
    for (const u of underlyings) {
      if (found.has(u)) continue;
      const series = seriesFor(h, u);
      if (series) found.set(u, { series: { ...series, symbol: u }, source: h.label });
    }
  }
  const missing = underlyings.filter((u) => !found.has(u));
  if (missing.length > 0)
    throw new BallastError(
      'INVALID_INPUT',
      `no price history for ${missing.join(', ')} in ${texts.map((t) => t.label).join(', ')}; give a file per underlying (e.g. --history ETH=eth.csv)`,
      field,
    );
  const cleaned = underlyings.map((u) => screenBadPrints(found.get(u)!.series, keepOutliers));
  return {
    series: cleaned.map((c) => c.series),
    sources: underlyings.map((u, i) => `${u}: ${found.get(u)!.source}${cleaned[i]!.note}`),
  };
}
