/**
 * Model parameter overrides from a JSON file, merged over the model's defaults. Strict: a
 * key the defaults do not have is an error naming it and suggesting the nearest known key (a
 * typo must not silently fall back to a default); a value must have the default's JSON type
 * (an object where the default is an object, an array where it is an array, and each array
 * element the type of the default's elements); no number may be non-finite. Arrays replace;
 * objects merge. Blocks whose default is `null` are checked by the model's own validator
 * (ranges, sizes and caps live in each model's `params.ts`), which `modelParamsFrom` runs.
 */
import { BallastError } from '../core/errors.ts';
import { isJsonObject } from './read-json.ts';
import { unknownFieldMessage } from './unknown-fields.ts';

type JsonKind = 'null' | 'array' | 'object' | 'number' | 'string' | 'boolean' | 'other';

function kindOf(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'object' || t === 'number' || t === 'string' || t === 'boolean' ? t : 'other';
}

const KIND_NAME: Record<JsonKind, string> = {
  null: 'null',
  array: 'an array',
  object: 'an object',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  other: 'a JSON value',
};

/** Throws NOT_FINITE at the first non-finite number inside `v` (JSON's `1e999` is Infinity). */
function rejectNonFinite(v: unknown, path: string): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new BallastError('NOT_FINITE', `must be a finite number, got ${v}`, path);
    return;
  }
  if (Array.isArray(v)) v.forEach((x, i) => rejectNonFinite(x, `${path}[${i}]`));
  else if (isJsonObject(v))
    for (const [k, x] of Object.entries(v)) rejectNonFinite(x, `${path}.${k}`);
}

function typeError(expected: JsonKind, got: unknown, path: string): BallastError {
  return new BallastError(
    'SCHEMA',
    `expected ${KIND_NAME[expected]}, got ${JSON.stringify(got) ?? String(got)}`,
    path,
  );
}

/** Checks each element of an array override against the default's first element's type. */
function checkArray(defaults: readonly unknown[], override: unknown[], path: string): unknown[] {
  if (defaults.length === 0) return override;
  const proto = defaults[0];
  return override.map((x, i) => {
    const want = kindOf(proto);
    if (kindOf(x) !== want) throw typeError(want, x, `${path}[${i}]`);
    return x;
  });
}

/** Deep-merges `override` onto `defaults` with the checks above; `path` names fields in errors. */
export function mergeParams<P>(defaults: P, override: unknown, path: string): P {
  rejectNonFinite(override, path);
  return merge(defaults, override, path);
}

function merge<P>(defaults: P, override: unknown, path: string): P {
  const want = kindOf(defaults);
  if (want === 'null') return override as P;
  if (want === 'array') {
    if (!Array.isArray(override)) throw typeError(want, override, path);
    return checkArray(defaults as unknown[], override, path) as P;
  }
  if (want !== 'object') {
    if (kindOf(override) !== want) throw typeError(want, override, path);
    return override as P;
  }
  if (!isJsonObject(override)) throw typeError(want, override, path);
  const known = Object.keys(defaults as object);
  const out: Record<string, unknown> = { ...(defaults as object) };
  for (const [k, v] of Object.entries(override)) {
    if (!known.includes(k))
      throw new BallastError('SCHEMA', unknownFieldMessage(k, known, 'parameter'), `${path}.${k}`);
    out[k] = merge((defaults as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
  return out as P;
}
