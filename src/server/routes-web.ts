/**
 * The dashboard at `/`: the prebuilt bundle in `web/bundle` (built by `npm run web:build`,
 * committed), served as static files. Without a bundle `/` says how to build it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The dashboard bundle folder. */
export const WEB_BUNDLE = fileURLToPath(new URL('../../web/bundle/', import.meta.url));

/** Registers `/` and the dashboard's assets. */
export async function webRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(`${WEB_BUNDLE}index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain').send('dashboard not built: run npm run web:build\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: WEB_BUNDLE,
    prefix: '/',
    decorateReply: false,
    index: ['index.html'],
  });
}
