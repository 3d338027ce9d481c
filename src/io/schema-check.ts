/**
 * Schema validation behind one small interface (typebox underneath): checks a value
 * against a schema and turns the first violations into a SCHEMA error naming the field.
 */
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { BallastError } from '../core/errors.ts';

/** Compiled validators per schema (compiled on first use; `Value.Check` walks the schema). */
const compiled = new WeakMap<TSchema, { Check(value: unknown): boolean }>();

/** Throws SCHEMA (naming the JSON path of the first bad field) unless `value` matches. */
export function checkSchema<T>(schema: TSchema, value: unknown, source: string): T {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = Compile(schema)));
  if (v.Check(value)) return value as T;
  const errors = [...Value.Errors(schema, value)].slice(0, 3);
  const first = errors[0];
  const path = first ? `${source}${first.instancePath.replaceAll('/', '.')}` : source;
  const more = errors.slice(1).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
  throw new BallastError(
    'SCHEMA',
    `${first?.message ?? 'does not match the schema'}${more.length ? ` (also: ${more.join('; ')})` : ''}`,
    path,
  );
}
