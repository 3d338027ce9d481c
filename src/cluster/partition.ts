/**
 * Account partitions: an account belongs to partition `fnv1a32(id) mod P`. Workers lease
 * partitions (leases.ts); every change of an account goes to its partition's subject, so one
 * worker at a time holds the account.
 */

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The partition of an account id among `partitions` (0 … partitions − 1). */
export function partitionOf(id: string, partitions: number): number {
  return fnv1a32(id) % partitions;
}
