/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`,
 * `detail`, `instance`, plus Ballast's `code` (core/errors.ts) and `field` (the path of the bad
 * field, e.g. `portfolio.positions[0].instrument`). A BallastError keeps its code and field;
 * fastify's own errors (malformed JSON, oversized body, schema violations) get ours; anything
 * else is an internal error whose message and stack go to the log only, never to the client.
 */
import { BallastError } from '../core/errors.ts';

/** A problem+json body. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly field: string | null;
}

/** HTTP status of each service-level code; every other BallastError is 422 (well-formed, unusable). */
const STATUS: Readonly<Record<string, number>> = {
  MALFORMED_JSON: 400,
  SCHEMA: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/** Short human titles of the codes shown in `title`. */
const TITLE: Readonly<Record<string, string>> = {
  MALFORMED_JSON: 'Malformed JSON',
  SCHEMA: 'Invalid request',
  UNAUTHORIZED: 'Missing or unknown API key',
  FORBIDDEN: 'Not allowed for this API key',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  LIMIT_EXCEEDED: 'Over a limit',
  RATE_LIMITED: 'Too many requests',
  UNAVAILABLE: 'Busy: retry later',
  TIMEOUT: 'Timed out and stopped',
  STALE_MARKET: 'Stale market',
  INTERNAL: 'Internal error',
};

/** The status a BallastError code maps to. */
export const statusOf = (code: string): number => STATUS[code] ?? 422;

/** A JSON-pointer-like instance path (`/portfolio/positions/0`) as a Ballast field path. */
export function fieldFromPointer(pointer: string, root = ''): string {
  let out = root;
  for (const part of pointer.split('/').filter((p) => p !== '')) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** The problem for a fastify validation error (first violation; a missing field is named). */
function validationProblem(e: FastifyLikeError): { code: string; field: string; detail: string } {
  const v = e.validation![0]!;
  const missing = v.params?.missingProperty;
  const base = fieldFromPointer(v.instancePath);
  const field = typeof missing === 'string' ? (base === '' ? missing : `${base}.${missing}`) : base;
  const where =
    e.validationContext === 'body' || !e.validationContext ? '' : `${e.validationContext} `;
  return {
    code: 'SCHEMA',
    field: field === '' ? (e.validationContext ?? 'body') : field,
    detail: `${where}${typeof missing === 'string' ? 'required field is missing' : (v.message ?? 'invalid')}`,
  };
}

/** Maps any thrown value to a problem for `instance` (see module doc). */
export function toProblem(e: unknown, instance: string): Problem {
  let code = 'INTERNAL';
  let field: string | null = null;
  let detail = 'internal error; it has been logged';
  if (e instanceof BallastError) {
    code = e.code;
    field = e.field ?? null;
    detail = e.reason;
  } else {
    const f = (e ?? {}) as FastifyLikeError;
    if (f.validation && f.validation.length > 0) {
      const v = validationProblem(f);
      ({ code, detail } = v);
      field = v.field;
    } else if (
      f.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      f.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      code = 'MALFORMED_JSON';
      detail = 'the request body is not valid JSON';
      field = 'body';
    } else if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      code = 'LIMIT_EXCEEDED';
      detail = 'the request body is larger than the server accepts (bodyLimit)';
      field = 'body';
    } else if (f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      code = 'SCHEMA';
      detail = 'send the body as application/json';
      field = 'content-type';
    } else if (typeof f.statusCode === 'number' && f.statusCode === 404) {
      code = 'NOT_FOUND';
      detail = 'no such route';
    }
  }
  return {
    type: `urn:ballast:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLE[code] ?? 'Unusable input',
    status: statusOf(code),
    detail,
    instance,
    code,
    field,
  };
}
