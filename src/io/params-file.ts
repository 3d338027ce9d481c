/**
 * Model parameter overrides from a JSON file, merged over the model's defaults. Strict: a
 * key the defaults do not have is an error naming it (a typo must not silently fall back to
 * a default), and a value must have the default's type. Arrays replace; objects merge.
 */
import { BallastError } from '../core/errors.ts';
import { isJsonObject } from './read-json.ts';

/** Deep-merges `override` onto `defaults` with the checks above; `path` names fields in errors. */
export function mergeParams<P>(defaults: P, override: unknown, path: string): P {
  if (!isJsonObject(defaults)) {
    if (
      typeof override !== typeof defaults ||
      (Array.isArray(defaults) && !Array.isArray(override))
    ) {
      throw new BallastError(
        'SCHEMA',
        `expected ${Array.isArray(defaults) ? 'an array' : typeof defaults}, got ${JSON.stringify(override)}`,
        path,
      );
    }
    return override as P;
  }
  if (!isJsonObject(override)) throw new BallastError('SCHEMA', 'expected an object', path);
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(override)) {
    if (!(k in defaults))
      throw new BallastError(
        'SCHEMA',
        `unknown parameter "${k}"; known: ${Object.keys(defaults).join(', ')}`,
        `${path}.${k}`,
      );
    out[k] = mergeParams((defaults as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
  return out as P;
}
