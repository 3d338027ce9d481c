/**
 * Plain-text tables for terminal reports (cli-table3 underneath, behind this one function).
 */
import Table from 'cli-table3';

/** Column alignment. */
export type Align = 'left' | 'right';

/** Renders rows as a bordered table; numbers should already be formatted as strings. */
export function renderTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const t = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colAligns: align ? [...align] : head.map((_, i) => (i === 0 ? 'left' : 'right')),
  });
  for (const r of rows) t.push([...r]);
  return t.toString();
}

/** `text` cut to at most `width` characters, ending in `…` when cut (long labels in table cells). */
export function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** Fixed-decimals formatting with a dash for missing values. */
export function fmt(x: number | undefined, decimals: number): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(decimals);
}
