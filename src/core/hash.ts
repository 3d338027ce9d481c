/**
 * Input hashes: SHA-256 of the RFC 8785 canonical JSON of a value, hex encoded. Results
 * carry the hash of their inputs and parameters so any result can be reproduced bit for bit.
 * A non-finite number cannot be hashed (RFC 8785 has no form for it): the boundary refuses
 * such inputs first, and if one still reaches the hash it is a NOT_FINITE error naming its path.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson, CanonicalJsonError } from './canonical-json.ts';
import { BallastError } from './errors.ts';

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
  return bytesToHex(sha256(utf8ToBytes(text)));
}
