/**
 * Reading and writing input files with typed errors: only regular files are read (a device
 * such as `/dev/zero` or a directory is refused before any byte is read), at most
 * `MAX_INPUT_FILE_BYTES` on disk and `MAX_INPUT_TEXT_BYTES` after gunzip (`*.gz`); a missing
 * file is FILE_NOT_FOUND, an unreadable or unwritable one IO_ERROR, a corrupt gzip stream
 * MALFORMED_FILE, bad JSON MALFORMED_JSON (with the parser's position).
 */
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BallastError } from '../core/errors.ts';

/** Largest input file read, bytes on disk (64 MiB). */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;
/** Largest text an input may expand to after gunzip, bytes (256 MiB). */
export const MAX_INPUT_TEXT_BYTES = 256 * 1024 * 1024;

/** True for a JSON object (not null, not an array): the shape checks of the importers. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ioError(e: unknown, path: string, verb: string): BallastError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new BallastError(
      verb === 'read' ? 'FILE_NOT_FOUND' : 'IO_ERROR',
      verb === 'read' ? 'no such file' : `cannot ${verb} file: no such directory`,
      path,
    );
  return new BallastError('IO_ERROR', `cannot ${verb} file (${code ?? String(e)})`, path);
}

/** Reads the bytes of a regular file of at most `MAX_INPUT_FILE_BYTES` (typed errors). */
function readRegularFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw ioError(e, path, 'read');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new BallastError(
        'INVALID_INPUT',
        `not a regular file (${st.isDirectory() ? 'a directory' : 'a device, pipe or socket'})`,
        path,
      );
    if (st.size > MAX_INPUT_FILE_BYTES)
      throw new BallastError(
        'INVALID_INPUT',
        `file is ${st.size} bytes; the limit is ${MAX_INPUT_FILE_BYTES}`,
        path,
      );
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof BallastError) throw e;
    throw ioError(e, path, 'read');
  } finally {
    closeSync(fd);
  }
}

/** Reads a file as UTF-8 text, gunzipping `*.gz` (see module doc for the checks). */
export function readTextFile(path: string): string {
  const buf = readRegularFile(path);
  if (!path.endsWith('.gz')) return buf.toString('utf8');
  try {
    return gunzipSync(buf, { maxOutputLength: MAX_INPUT_TEXT_BYTES }).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BallastError(
      'MALFORMED_FILE',
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `expands to more than ${MAX_INPUT_TEXT_BYTES} bytes`
        : `not a valid gzip file (${(e as Error).message})`,
      path,
    );
  }
}

/** Writes text to a file; a missing directory or a write failure is IO_ERROR naming the path. */
export function writeTextFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw ioError(e, path, 'write');
  }
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
