import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { LOCALES, type Locale, pickLocale } from '../../core/i18n/index.js';
import type { StatusPage } from '../status-page.js';

/** Query of the HTML pages: only the language; anything else is a 400. */
const pageQuerySchema = z.strictObject({ lang: z.enum(LOCALES).optional() });
const serviceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);
const HTML = 'text/html; charset=utf-8';

/** The language of a page: `?lang=`, else the browser's first language we speak, else the first in `LOCALES`. */
const localeOf = (lang: Locale | undefined, acceptLanguage: string | undefined): Locale =>
  lang ?? pickLocale(acceptLanguage?.split(',')[0], LOCALES[0]);

/** The HTML status pages: `GET /` and `GET /services/:id`. Errors are pages too, not JSON. */
export const pageRoutes: FastifyPluginAsync<{ readonly page: StatusPage }> = async (app, { page }) => {
  app.get('/', async (request, reply) => {
    const query = pageQuerySchema.safeParse(request.query);
    const locale = localeOf(query.data?.lang, request.headers['accept-language']);
    if (!query.success) return reply.code(400).type(HTML).send(page.renderNotFound(locale));
    const html = await page.index(locale);
    return reply.type(HTML).header('cache-control', 'no-cache').send(html);
  });

  app.get<{ Params: { id: string } }>('/services/:id', async (request, reply) => {
    const query = pageQuerySchema.safeParse(request.query);
    const locale = localeOf(query.data?.lang, request.headers['accept-language']);
    if (!query.success) return reply.code(400).type(HTML).send(page.renderNotFound(locale));
    const id = serviceIdSchema.safeParse(request.params.id);
    const html = id.success ? await page.renderService(id.data, locale) : null;
    if (html === null) return reply.code(404).type(HTML).send(page.renderNotFound(locale));
    return reply.type(HTML).header('cache-control', 'no-cache').send(html);
  });
};
