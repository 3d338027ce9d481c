/** Sends a value as the CLI's `--json` text (same serialiser, so the objects are identical). */
import type { FastifyReply } from 'fastify';
import { toJsonText } from '../io/json-output.ts';

/** Replies `value` as application/json written by `toJsonText` (non-finite numbers as strings). */
export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(toJsonText(value));
}
