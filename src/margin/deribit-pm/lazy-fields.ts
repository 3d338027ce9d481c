/**
 * Lazy result fields with getters shared by every result (fast-results.ts, incremental.ts): a
 * result is a plain object whose late fields are own enumerable getters (JSON output, spread
 * and `toEqual` see them) reading the result's state from a non-enumerable symbol-keyed
 * field. A getter made per result (an object literal's `get`, a closure per
 * `defineProperty`) gives every result its own hidden class: V8 keeps those maps in the old
 * generation until a mark-compact, and the closures they hold — the whole what-if behind
 * them — survive every scavenge and are promoted (~20 KB per summary what-if held at 1,000
 * req/s; docs/performance.md).
 */

/** Where a lazy result keeps what its getters read (not in JSON, `Object.keys` or spread). */
export const LAZY = Symbol('lazy result');

/** A result object carrying its lazy state. */
export type Lazy<S> = { readonly [LAZY]: S };

/**
 * The descriptors of `getters` (module-level functions reading `this[LAZY]`, made once), then
 * the state field, as `Object.defineProperties` takes them.
 */
export function lazyFields<S>(
  getters: Record<string, (this: Lazy<S>) => unknown>,
): PropertyDescriptorMap {
  const d: PropertyDescriptorMap = {};
  for (const [k, get] of Object.entries(getters))
    d[k] = { enumerable: true, configurable: true, get };
  d[LAZY] = { value: undefined, writable: true };
  return d;
}

/** `o` with the shared `fields` and its state `s` (an existing field keeps its place). */
export function withLazy<T extends object, S>(o: T, fields: PropertyDescriptorMap, s: S): T {
  Object.defineProperties(o, fields);
  (o as unknown as { [LAZY]: S })[LAZY] = s;
  return o;
}
