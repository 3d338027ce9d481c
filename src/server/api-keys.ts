/**
 * API keys: `blst_` + 32 random bytes (base64url), shown once; the store keeps only the
 * SHA-256 hex of the key, its name, the accounts it may touch (none listed = all) and whether
 * it is read-only. A key of 256 random bits needs no slow hash: SHA-256 of it cannot be inverted.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord } from '../store/store.ts';

/** SHA-256 hex of a key as stored. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A new key and the record to store (the key itself is not in the record). */
export function newApiKey(
  name: string,
  accounts: readonly string[],
  readOnly: boolean,
  nowMs: number,
): { key: string; record: ApiKeyRecord } {
  const key = `blst_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    record: { id: randomUUID(), name, hash: hashKey(key), accounts, readOnly, createdMs: nowMs },
  };
}

/** The key a request carries: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function keyFromHeaders(
  h: Record<string, string | string[] | undefined>,
): string | undefined {
  const auth = h.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth))
    return auth.replace(/^Bearer\s+/i, '').trim();
  const x = h['x-api-key'];
  return typeof x === 'string' && x !== '' ? x : undefined;
}

/** True if `key` may touch `accountId`. */
export const keyCovers = (key: ApiKeyRecord, accountId: string): boolean =>
  key.accounts.length === 0 || key.accounts.includes(accountId);
