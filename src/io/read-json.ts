/**
 * Reading JSON inputs from files (optionally gzip-compressed, by the `.gz` suffix) with
 * typed errors: FILE_NOT_FOUND, MALFORMED_JSON (with line and column when known).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BallastError } from '../core/errors.ts';

/** True for a JSON object (not null, not an array): the shape checks of the importers. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a file as UTF-8 text, gunzipping `*.gz`. Throws FILE_NOT_FOUND naming the path. */
export function readTextFile(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BallastError(
      'FILE_NOT_FOUND',
      code === 'ENOENT' ? 'no such file' : `cannot read file (${code})`,
      path,
    );
  }
  return (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** Parses JSON text; a syntax error becomes MALFORMED_JSON naming `source` and the position. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = (e as Error).message;
    throw new BallastError('MALFORMED_JSON', `not valid JSON (${msg})`, source);
  }
}

/** Reads and parses a JSON file (see `readTextFile`, `parseJson`). */
export function readJsonFile(path: string): unknown {
  return parseJson(readTextFile(path), path);
}
