/** JSON mutation helpers of the fuzz classes: paths into a value, set/delete at a path, typos, JSON text with 1e999. */
import fc from 'fast-check';

export type Path = readonly (string | number)[];

/** Every path to a node of `v` (root excluded), in a stable order. */
export function nodePaths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v))
    v.forEach((x, i) => out.push([...prefix, i], ...nodePaths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v))
      out.push([...prefix, k], ...nodePaths(x, [...prefix, k]));
  return out;
}

/** Paths to nodes whose value passes `keep`. */
export const pathsWhere = (v: unknown, keep: (x: unknown) => boolean): Path[] =>
  nodePaths(v).filter((p) => keep(getAt(v, p)));

export function getAt(v: unknown, path: Path): unknown {
  return path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** A deep copy of `v` with `value` at `path` (`undefined` deletes the key). */
export function setAt<T>(v: T, path: Path, value: unknown): T {
  const copy = structuredClone(v);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (value === undefined && !Array.isArray(parent)) delete parent[key];
  else parent[key] = value;
  return copy;
}

/** Odd values: edge numbers, non-finite numbers, and values of every other JSON kind. */
export const WEIRD: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2,
  7,
  100,
  1e4,
  1e7,
  1e15,
  -1e15,
  1e300,
  -1e300,
  Infinity,
  -Infinity,
  5e-324,
  '',
  '1',
  'abc',
  'BTC',
  true,
  false,
  null,
  [],
  [1],
  [null],
  {},
  { a: 1 },
];

export const weird = fc.constantFrom(...WEIRD);

/** A value of any JSON kind: an odd value or a random JSON value. */
export const anyValue = fc.oneof(weird, fc.jsonValue({ maxDepth: 2 }));

/** A near miss of a known key (one edit, or a case change), not equal to any known key. */
export function typoOf(known: readonly string[]) {
  return fc
    .tuple(fc.constantFrom(...known), fc.nat(), fc.constantFrom('drop', 'double', 'case', 'suffix'))
    .map(([k, n, op]) => {
      const i = n % Math.max(k.length, 1);
      if (op === 'drop') return k.slice(0, i) + k.slice(i + 1);
      if (op === 'double') return k.slice(0, i) + k[i] + k.slice(i);
      if (op === 'case') return k.toLowerCase() === k ? k.toUpperCase() : k.toLowerCase();
      return `${k}s`;
    })
    .filter((k) => k !== '' && !known.includes(k));
}

/** JSON text in which ±Infinity is written as ±1e999 (what a file with an overflowing number parses to). */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? `__num:${x}__` : x,
  )
    .replaceAll('"__num:Infinity__"', '1e999')
    .replaceAll('"__num:-Infinity__"', '-1e999')
    .replaceAll('"__num:NaN__"', 'NaN');
}

/** A random mutation of `base`: replace a node with an odd or random value, delete it, or add a key. */
export function mutationOf<T>(base: T) {
  const paths = nodePaths(base);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), anyValue).map(([p, v]) => setAt(base, p, v)),
    fc.constantFrom(...paths).map((p) => setAt(base, p, undefined)),
    fc
      .tuple(
        fc.constantFrom(
          ...pathsWhere(base, (x) => typeof x === 'object' && x !== null && !Array.isArray(x)),
        ),
        fc.string({ minLength: 1, maxLength: 8 }),
        anyValue,
      )
      .map(([p, k, v]) => setAt(base, [...p, k], v)),
  );
}
