/**
 * Input hashes: SHA-256 of the RFC 8785 canonical JSON of a value, hex encoded. Results
 * carry the hash of their inputs and parameters so any result can be reproduced bit for bit.
 * A non-finite number cannot be hashed (RFC 8785 has no form for it): the boundary refuses
 * such inputs first, and if one still reaches the hash it is a NOT_FINITE error naming its path.
 *
 * The SHA-256 function is a port: the pure-JS one (`@noble/hashes`) by default, and the
 * adapters (CLI, service, worker threads) install node:crypto's at startup
 * (io/native-sha256.ts), which gives the same digests several times faster. An installed
 * function is checked against the pure-JS one on fixed texts first (`installSha256`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson, CanonicalJsonError } from './canonical-json.ts';
import { BallastError } from './errors.ts';

/** Hex SHA-256 of the UTF-8 bytes of a (well-formed) string: 64 lower-case hex digits. */
export type Sha256Hex = (text: string) => string;

/** The pure-JS SHA-256 (`@noble/hashes`): the default of the port. */
export const pureSha256Hex: Sha256Hex = (text) => bytesToHex(sha256(utf8ToBytes(text)));

let active: { readonly name: string; readonly fn: Sha256Hex } = {
  name: 'pure-js',
  fn: pureSha256Hex,
};

/**
 * Texts an installed SHA-256 must digest as the pure-JS one does: empty, ASCII, a 55/56/64-byte
 * padding boundary, non-ASCII (2-, 3- and 4-byte UTF-8) and a multi-block text.
 */
const CHECK_TEXTS = [
  '',
  'abc',
  'x'.repeat(55),
  'y'.repeat(56),
  'z'.repeat(64),
  'é€😀 canonical {"a":[1,2.5e-7]}',
  '0123456789abcdef'.repeat(70),
];

/**
 * Installs the SHA-256 function every input hash uses (`name` says which, e.g. `node:crypto`).
 * It must give the pure-JS digests: it is checked on fixed texts first, and a mismatch throws
 * (the pure-JS one is kept).
 */
export function installSha256(name: string, fn: Sha256Hex): void {
  for (const t of CHECK_TEXTS)
    if (fn(t) !== pureSha256Hex(t))
      throw new Error(`the SHA-256 function ${name} differs from SHA-256 on ${JSON.stringify(t)}`);
  active = { name, fn };
}

/** The name of the installed SHA-256 function (`pure-js` until an adapter installs one). */
export function sha256Implementation(): string {
  return active.name;
}

/** Hex SHA-256 of `text` with the installed function (module doc). */
export function sha256Hex(text: string): string {
  return active.fn(text);
}

/** Path of the first non-finite number inside `value` (`$` is the root), or undefined. */
export function firstNonFinitePath(value: unknown, path = '$'): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (ArrayBuffer.isView(value)) {
    const arr = value as unknown as ArrayLike<unknown>;
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (typeof x === 'number' && !Number.isFinite(x)) return `${path}[${i}]`;
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = firstNonFinitePath(value[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const p = firstNonFinitePath(v, `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * Hex SHA-256 of the canonical JSON of `value` (key order and number format normalised,
 * canonical-json.ts). A non-finite number is a NOT_FINITE error naming its path.
 */
export function canonicalHash(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalJson(value);
  } catch (e) {
    if (!(e instanceof CanonicalJsonError)) throw e;
    if (e.reason === 'non-finite')
      throw new BallastError(
        'NOT_FINITE',
        'a non-finite number cannot be part of an input',
        firstNonFinitePath(value) ?? '$',
      );
    throw new BallastError('INVALID_INPUT', `value cannot be canonicalised (${e.reason})`);
  }
  if (text === undefined) throw new BallastError('INVALID_INPUT', 'value cannot be canonicalised');
  return active.fn(text);
}
