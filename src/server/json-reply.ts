/**
 * Sends a value as the CLI's `--json` object: the same conventions as `toJsonText` (absent
 * optional fields as `null`, non-finite numbers as `{"nonFinite": …}`, io/json-output.ts), so
 * the parsed objects are identical, but compact (no indentation): about half the bytes of a
 * what-if answer, and less time in serialising and writing it.
 */
import type { FastifyReply } from 'fastify';
import { jsonNumber } from '../io/json-output.ts';

const replacer = (_k: string, v: unknown): unknown =>
  v === undefined ? null : typeof v === 'number' && !Number.isFinite(v) ? jsonNumber(v) : v;

/**
 * Whether `JSON.stringify(v)` writes what the replacer would: no `undefined` (a field the
 * replacer writes `null`), no non-finite number (`{"nonFinite": …}`) and no `toJSON` (its
 * result is not walked here) anywhere in `v`. Walks the value once (own enumerable fields,
 * as `JSON.stringify` reads them); cheaper than the replacer, which V8 calls per field and
 * which takes `JSON.stringify` off its fast path.
 */
function replacerFree(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === undefined) return false;
  if (typeof v !== 'object' || v === null) return true;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!replacerFree(v[i])) return false;
    return true;
  }
  for (const k in v)
    if (Object.hasOwn(v, k) && !replacerFree((v as Record<string, unknown>)[k])) return false;
  return true;
}

/**
 * The compact JSON text of `value` (see module doc): plain `JSON.stringify` when the value
 * holds nothing the replacer changes (`replacerFree`), else with the replacer; the same text.
 */
export function toJsonCompact(value: unknown): string {
  return replacerFree(value) ? JSON.stringify(value) : JSON.stringify(value, replacer);
}

/** Replies `value` as application/json (see module doc). */
export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(toJsonCompact(value));
}

/** Texts of immutable values serialized by `toJsonCompactShared`, per object. */
const sharedTexts = new WeakMap<object, string>();

/**
 * `toJsonCompact(value)` for a plain object, with the fields named in `shared` serialized once
 * per value object and their text reused (those values must be immutable: the service's
 * cached results, server/prepared-books.ts). The same text as `toJsonCompact(value)`: fields
 * in order, each as the replacer would write it (undefined as `null`).
 */
export function toJsonCompactShared(
  value: Readonly<Record<string, unknown>>,
  shared: readonly string[],
): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    let text: string | undefined;
    if (shared.includes(k) && typeof v === 'object' && v !== null) {
      text = sharedTexts.get(v);
      if (text === undefined) sharedTexts.set(v, (text = toJsonCompact(v)));
    } else text = toJsonCompact(v);
    parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Replies `value` as `sendJson` does, through `toJsonCompactShared`. */
export function sendJsonShared(
  reply: FastifyReply,
  value: Readonly<Record<string, unknown>>,
  shared: readonly string[],
): FastifyReply {
  return reply
    .code(200)
    .type('application/json; charset=utf-8')
    .send(toJsonCompactShared(value, shared));
}
