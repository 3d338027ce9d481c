/**
 * The dashboard's only way to the numbers: the Ballast HTTP API (same origin). An API key, if
 * the server needs one, is read from localStorage (`ballast.key`). Errors are the server's
 * problem+json, shown as `code field: detail`.
 */

/** A problem+json from the server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; field?: string | null; detail?: string },
  ) {
    super(
      `${problem.code ?? status}${problem.field ? ` ${problem.field}` : ''}: ${problem.detail ?? ''}`,
    );
  }
}

function headers(): Record<string, string> {
  const key = localStorage.getItem('ballast.key');
  return {
    'content-type': 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
}

async function parse<T>(r: Response): Promise<T> {
  const body = (await r.json()) as unknown;
  if (!r.ok) throw new ApiError(r.status, body as ApiError['problem']);
  return body as T;
}

/** GET `path` as JSON. */
export async function get<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { headers: headers() }));
}

/** POST (or `method`) `body` to `path`, JSON in and out. */
export async function post<T>(
  path: string,
  body: unknown,
  signal?: AbortSignal,
  method: 'POST' | 'PUT' = 'POST',
): Promise<T> {
  return parse<T>(
    await fetch(path, { method, headers: headers(), body: JSON.stringify(body), signal }),
  );
}
