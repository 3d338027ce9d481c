/**
 * Input hashes: SHA-256 of the RFC 8785 canonical JSON of a value, hex encoded. Results
 * carry the hash of their inputs and parameters so any result can be reproduced bit for bit.
 */
import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Hex SHA-256 of the canonical JSON of `value` (key order and number format normalised). */
export function canonicalHash(value: unknown): string {
  const text = (canonicalize as unknown as (v: unknown) => string | undefined)(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised');
  return bytesToHex(sha256(utf8ToBytes(text)));
}
