/**
 * RFC 8785 canonical JSON (JCS) of a value: object keys sorted by UTF-16 code units, numbers
 * in the ECMAScript `Number.prototype.toString` form, strings as `JSON.stringify` writes them,
 * no whitespace. Written for the input hash of every margin result (core/hash.ts), where the
 * `canonicalize` package spent most of the hash time on a fresh `Set` and a surrogate scan
 * per object key; this writer produces the same text (property test
 * test/core/canonical-json.test.ts compares the two on random values) in one pass.
 *
 * Method: depth-first, appending to one string. `toJSON` is honoured, `undefined` and symbol
 * members of objects are left out and become `null` in arrays (as `JSON.stringify`); a
 * non-finite number, a lone surrogate or a cycle throws.
 */

/** A value that cannot be written as canonical JSON (`reason` says why). */
export class CanonicalJsonError extends Error {
  constructor(readonly reason: 'non-finite' | 'lone-surrogate' | 'cycle') {
    super(`cannot canonicalise: ${reason}`);
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;

function hasLoneSurrogate(s: string): boolean {
  if (!SURROGATE.test(s)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (!(n >= 0xdc00 && n <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function str(s: string): string {
  if (hasLoneSurrogate(s)) throw new CanonicalJsonError('lone-surrogate');
  return JSON.stringify(s);
}

function write(v: unknown, seen: Set<object>): string | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CanonicalJsonError('non-finite');
    return String(v); // JSON.stringify's text of a finite number (ToString), without its call
  }
  if (typeof v === 'string') return str(v);
  if (v === null || typeof v !== 'object') return JSON.stringify(v) as string | undefined;
  if (seen.has(v)) throw new CanonicalJsonError('cycle');
  seen.add(v);
  let out: string | undefined;
  const o = v as Record<string, unknown> & { toJSON?: unknown };
  if (typeof o.toJSON === 'function') out = write((o.toJSON as () => unknown)(), seen);
  else if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (i > 0) out += ',';
      out += write(x === undefined || typeof x === 'symbol' ? null : x, seen) ?? '';
    }
    out += ']';
  } else {
    out = '{';
    let first = true;
    for (const k of Object.keys(o).sort()) {
      const x = o[k];
      if (x === undefined || typeof x === 'symbol') continue;
      out += `${first ? '' : ','}${str(k)}:${write(x, seen)}`;
      first = false;
    }
    out += '}';
  }
  seen.delete(v);
  return out;
}

/**
 * The canonical JSON text of `value` (undefined for a value JSON cannot represent at the top,
 * e.g. `undefined`). Throws `CanonicalJsonError` for a non-finite number, a lone surrogate or
 * a cycle.
 */
export function canonicalJson(value: unknown): string | undefined {
  return write(value, new Set());
}
