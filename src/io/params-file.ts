/**
 * Model parameter overrides from a JSON file, merged over the model's defaults. Strict: a
 * key the defaults do not have is an error naming it and suggesting the nearest known key (a
 * typo must not silently fall back to a default); a value must have the default's JSON type
 * (an object where the default is an object, an array where it is an array, and each array
 * element the shape of the default's elements: their kinds and, for objects, no key none of
 * them has); no number may be non-finite. A key that moved out of the parameters (`history`:
 * price history is market data now) is refused saying where it went. Arrays replace;
 * objects merge. Blocks whose default is `null` are checked by the model's own validator
 * (ranges, sizes and caps live in each model's `params.ts`), which `modelParamsFrom` runs.
 */
import { BallastError } from '../core/errors.ts';
import { MOVED_PARAMETERS } from '../margin/risk-based/params.ts';
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

/** A key the defaults lack: where it moved (`MOVED_PARAMETERS`), else the nearest known key. */
function unknownKey(k: string, known: readonly string[], path: string): BallastError {
  const moved = Object.hasOwn(MOVED_PARAMETERS, k) ? MOVED_PARAMETERS[k] : undefined;
  return new BallastError(
    'SCHEMA',
    moved ?? unknownFieldMessage(k, known, 'parameter'),
    `${path}.${k}`,
  );
}

function typeError(expected: JsonKind, got: unknown, path: string): BallastError {
  return new BallastError(
    'SCHEMA',
    `expected ${KIND_NAME[expected]}, got ${JSON.stringify(got) ?? String(got)}`,
    path,
  );
}

/** What the elements of a default array share (see `elementShape`). */
interface ElementShape {
  /** For object elements, the union of their keys (each with the first value having it). */
  readonly shape: unknown;
  /** For object elements, the keys every element has (an override element must have them too). */
  readonly required: readonly string[];
}

/**
 * The shape the elements of a default array share; undefined when the array is empty or its
 * elements are of different JSON kinds (then they are not checked).
 */
function elementShape(defaults: readonly unknown[]): ElementShape | undefined {
  if (defaults.length === 0) return undefined;
  const k = kindOf(defaults[0]);
  if (defaults.some((x) => kindOf(x) !== k)) return undefined;
  if (k !== 'object') return { shape: defaults[0], required: [] };
  const objects = defaults as Record<string, unknown>[];
  const shape: Record<string, unknown> = {};
  for (const x of objects)
    for (const [key, v] of Object.entries(x)) if (!(key in shape)) shape[key] = v;
  const required = Object.keys(shape).filter((key) => objects.every((x) => key in x));
  return { shape, required };
}

/**
 * Checks `value` against the shape of `defaults` without filling anything in (array elements
 * are taken as given): the same JSON kinds, no unknown keys, recursively; `required` keys of
 * an array element must be present.
 */
function conform(
  defaults: unknown,
  value: unknown,
  path: string,
  required: readonly string[] = [],
): void {
  const want = kindOf(defaults);
  if (want === 'null') return;
  if (kindOf(value) !== want) throw typeError(want, value, path);
  if (want === 'array') {
    const el = elementShape(defaults as unknown[]);
    if (el !== undefined)
      (value as unknown[]).forEach((x, i) => conform(el.shape, x, `${path}[${i}]`, el.required));
    return;
  }
  if (want !== 'object') return;
  const known = Object.keys(defaults as object);
  for (const k of required)
    if (!(k in (value as object)))
      throw new BallastError('SCHEMA', `missing parameter "${k}"`, `${path}.${k}`);
  for (const [k, v] of Object.entries(value as object)) {
    if (!known.includes(k)) throw unknownKey(k, known, path);
    conform((defaults as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
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
    conform(defaults, override, path);
    return override as P;
  }
  if (want !== 'object') {
    if (kindOf(override) !== want) throw typeError(want, override, path);
    return override as P;
  }
  if (!isJsonObject(override)) throw typeError(want, override, path);
  const known = Object.keys(defaults as object);
  const out: Record<string, unknown> = { ...(defaults as object) };
  for (const [k, v] of Object.entries(override)) {
    if (!known.includes(k)) throw unknownKey(k, known, path);
    out[k] = merge((defaults as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
  return out as P;
}
