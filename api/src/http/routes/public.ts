import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { HISTORY_MAX_DAYS, PUBLIC_REFRESH_S, affluencePage, affluenceWidget, historyCsv, zonesNow } from '../../affluence';
import { AttemptLimiter } from '../../auth/rate-limit';
import { publicRoute } from '../../auth/guard';
import { VigieError } from '../../errors';
import type { AppEnv } from '../context';
import { parseParams, parseQuery } from '../validate';

/**
 * Published without login: the affluence page, the embeddable widget (the only framable pages, see
 * security-headers.ts) and the open data (CORS-enabled JSON and CSV). Everything is rate-limited per address.
 */

/** Requests per client address and minute on the public routes (a page refreshing every minute uses 1). */
export const publicRequests = new AttemptLimiter(120, 60_000);

function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const rateLimited = createMiddleware<AppEnv>(async (c, next) => {
  const key = `ip:${clientAddress(c)}`;
  const wait = publicRequests.retryAfterMs(key);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    throw new VigieError('rate_limited', 'Trop de requêtes ; réessayez dans une minute.', 429);
  }
  publicRequests.recordFailure(key); // the limiter counts every request here, not only failures
  await next();
});

/** Open data: readable from any origin, cacheable for a fraction of the refresh interval. */
const openData = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  if (c.res.status === 200) c.header('Cache-Control', `public, max-age=${PUBLIC_REFRESH_S / 2}`);
});

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const Where = z.object({ territoire: Slug.optional(), zone: Slug.optional() });
const HistoryQuery = Where.extend({ jours: z.coerce.number().int().min(1).max(HISTORY_MAX_DAYS).default(7) });
const ZoneParam = z.object({ zone: Slug });

const preflight = (c: Context<AppEnv>) => {
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Access-Control-Allow-Methods', 'GET, OPTIONS');
  c.header('Access-Control-Max-Age', '86400');
  return c.body(null, 204);
};

export const publicAffluence = new Hono<AppEnv>()
  .get('/affluence', publicRoute(), rateLimited, async (c) => {
    const where = parseQuery(c, Where);
    const now = new Date();
    c.header('Cache-Control', `public, max-age=${PUBLIC_REFRESH_S / 2}`);
    return c.html(affluencePage(await zonesNow(c.get('deps').db, { now, territoire: where.territoire }), now));
  })
  .get('/affluence/embed/:zone', publicRoute(), rateLimited, async (c) => {
    const { zone } = parseParams(c, ZoneParam);
    const { territoire } = parseQuery(c, Where);
    const zones = await zonesNow(c.get('deps').db, { territoire, zone });
    if (zones.length === 0) throw new VigieError('not_found', `Zone « ${zone} » introuvable.`, 404);
    if (zones.length > 1) throw new VigieError('ambiguous_zone', `Plusieurs territoires ont une zone « ${zone} » : préciser ?territoire=.`, 400);
    c.header('Cache-Control', `public, max-age=${PUBLIC_REFRESH_S / 2}`);
    return c.html(affluenceWidget(zones[0]!));
  })
  .get('/public/affluence.json', publicRoute(), rateLimited, openData, async (c) => {
    const where = parseQuery(c, Where);
    const now = new Date();
    const zones = await zonesNow(c.get('deps').db, { now, ...where });
    return c.json({
      generatedAt: now.toISOString(),
      refreshSeconds: PUBLIC_REFRESH_S,
      licence: 'Licence Ouverte / Open Licence 2.0',
      note: 'Comptages anonymes : aucune image n’est conservée. Les comptes inférieurs à 5 valent null (libellé « < 5 »).',
      zones,
    });
  })
  .options('/public/affluence.json', publicRoute(), preflight)
  .get('/public/affluence/history.csv', publicRoute(), rateLimited, openData, async (c) => {
    const query = parseQuery(c, HistoryQuery);
    const to = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const from = new Date(to.getTime() - query.jours * 86_400_000);
    const csv = await historyCsv(c.get('deps').db, { from, to, territoire: query.territoire, zone: query.zone });
    c.header('Content-Disposition', 'inline; filename="affluence-historique-horaire.csv"');
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  })
  .options('/public/affluence/history.csv', publicRoute(), preflight);
