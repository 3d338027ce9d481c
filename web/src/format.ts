/** Number formatting for the dashboard (display only: the numbers are the API's). */

/** `1234567.8` → `1,234,568` (USD, no decimals) or with `d` decimals. */
export function money(x: number | null | undefined, d = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** `0.0866` → `8.66 %`. */
export function pct(x: number | null | undefined, d = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(d)} %`;
}

/** Escapes text for HTML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
