/**
 * A book as a link and the page's numbers as files: the shared state (book, model, slider
 * positions) is JSON in the URL hash, base64url-encoded (`#/book/<data>`), restored on load;
 * CSV and JSON exports write the API responses the page shows, unchanged.
 */
import type { Book } from './types.ts';

/** What a shared link carries. */
export interface SharedView {
  name: string;
  book: Book;
  model: string;
  moves: { spotPct: number; volScale: number; days: number };
}

const toB64Url = (s: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const fromB64Url = (s: string): string =>
  new TextDecoder().decode(
    Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
  );

/** The hash of a shared link to `v`. */
export function shareHash(v: SharedView): string {
  return `#/book/${toB64Url(JSON.stringify(v))}`;
}

/** The view of a shared link's hash data; throws on a damaged link. */
export function readShared(data: string): SharedView {
  const v = JSON.parse(fromB64Url(data)) as SharedView;
  if (!v || !Array.isArray(v.book?.positions) || !Array.isArray(v.book?.balances))
    throw new Error('this link does not hold a book');
  return v;
}

const cell = (x: unknown): string => {
  const s = typeof x === 'number' ? String(x) : x === null || x === undefined ? '' : String(x);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Flattens nested API responses into `section,path,value` CSV rows (numbers at full precision). */
export function toCsv(sections: Record<string, unknown>): string {
  const rows: string[] = ['section,path,value'];
  const walk = (section: string, path: string, v: unknown): void => {
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        walk(section, path === '' ? k : `${path}.${k}`, x);
      return;
    }
    rows.push([section, path, v].map(cell).join(','));
  };
  for (const [section, v] of Object.entries(sections)) walk(section, '', v);
  return `${rows.join('\n')}\n`;
}

/** Starts a download of `text` as `name`. */
export function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}
