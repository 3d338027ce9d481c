/**
 * Optimizer jobs over HTTP (jobs.ts): `POST /v1/jobs` `{kind, body}` (kind: optimize, cure or
 * allocate; body: that route's body) → 202 with the job and a Location; `GET /v1/jobs/{id}`
 * its status (with `result`, the synchronous route's answer, once succeeded, or `error`, a
 * problem, once failed); `GET /v1/jobs/{id}/events` server-sent events: every `progress`
 * (stage) so far and to come, then one `result`, `failed` or `cancelled`, and the stream
 * ends; `DELETE /v1/jobs/{id}` cancels (the run is stopped, its thread terminated) and
 * answers the job. Unknown ids (or another key's job) are 404 problem+json.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { toJsonText } from '../io/json-output.ts';
import { checkSchema } from '../io/schema-check.ts';
import { requireWrite, type ServerContext } from './context.ts';
import { jobView, type JobEvent } from './jobs.ts';
import { sendJson } from './json-reply.ts';
import { OPTIMIZER_KINDS } from './optimizer-run.ts';
import { OPTIMIZER_ROUTES, optimizerTask } from './routes-optimize.ts';
import { IdParams } from './schemas.ts';

/** POST /v1/jobs. */
export const JobBody = Type.Object({
  kind: Type.Union(OPTIMIZER_KINDS.map((k) => Type.Literal(k))),
  body: Type.Object(
    {},
    {
      additionalProperties: true,
      description: 'the body of POST /v1/<kind> (checked against that route’s schema)',
    },
  ),
});

/** One server-sent event: the JSON text of `data`, one `data:` line per line. */
export function sseFrame(e: JobEvent): string {
  const lines = toJsonText(e.data).trimEnd().split('\n');
  return `event: ${e.type}\n${lines.map((l) => `data: ${l}`).join('\n')}\n\n`;
}

/** Registers the job routes. */
export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];
  const owner = (req: { apiKey: { id: string } | undefined }) => req.apiKey?.id;
  r.post(
    '/v1/jobs',
    { schema: { tags, summary: 'Start an optimize, cure or allocate job (202)', body: JobBody } },
    async (req, reply) => {
      requireWrite(req);
      const route = OPTIMIZER_ROUTES.find((x) => x.kind === req.body.kind)!;
      const body = checkSchema<Record<string, unknown>>(route.body, req.body.body, 'body');
      const job = ctx.jobs.start(await optimizerTask(ctx, route.kind, body), owner(req));
      reply.header('location', `/v1/jobs/${job.id}`);
      return sendJson(reply, jobView(job), 202);
    },
  );
  r.get(
    '/v1/jobs/:id',
    {
      schema: { tags, summary: 'A job: status, stage, and its result or error', params: IdParams },
    },
    async (req, reply) => sendJson(reply, jobView(ctx.jobs.get(req.params.id, owner(req)))),
  );
  r.delete(
    '/v1/jobs/:id',
    { schema: { tags, summary: 'Cancel a job (a running solve is stopped)', params: IdParams } },
    async (req, reply) => {
      requireWrite(req);
      return sendJson(reply, jobView(ctx.jobs.cancel(req.params.id, owner(req))));
    },
  );
  r.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        tags,
        summary: 'Server-sent events: progress stages, then the result (or failed / cancelled)',
        params: IdParams,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const job = ctx.jobs.get(req.params.id, owner(req));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      let unsubscribe = () => {};
      unsubscribe = ctx.jobs.subscribe(job, (e) => {
        res.write(sseFrame(e));
        if (e.type !== 'progress') {
          unsubscribe();
          res.end();
        }
      });
      req.raw.on('close', () => unsubscribe());
    },
  );
}
