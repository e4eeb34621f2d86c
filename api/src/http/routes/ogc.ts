import { Hono } from 'hono';
import type { Context } from 'hono';
import { sql } from 'kysely';
import { z } from 'zod';
import { requireRole } from '../../auth/guard';
import { DUMP_CHANGES, DUMP_STATUSES, detectionFeature, getDetection, listDetections } from '../../dumps';
import type { AppEnv } from '../context';
import { LIMITS, parseBbox } from '../limits';
import { parseParams, parseQuery } from '../validate';

/**
 * OGC API – Features, Part 1 (Core + GeoJSON), read-only, so that QGIS and other GIS clients add the dump
 * detections as a layer: landing page, conformance, one collection "dumps", its items paged with bbox/limit/offset.
 * Signed-in users only (the session cookie), scoped to their authority like the rest of the API.
 * No API token yet: issuing and revoking tokens belongs to auth/, not here. Until then QGIS passes the session
 * cookie with its "API Header" authentication method (header `Cookie: vigie_session=…`). A token would plug into
 * requireRole() as `Authorization: Bearer`, read-only, stored hashed like sessions.
 */
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const CONFORMANCE = ['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core', 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson'];
const JSON_TYPE = 'application/json';
const GEOJSON_TYPE = 'application/geo+json';
const COLLECTION = 'dumps';
/** items are paged, so a client may ask for its whole extent at once (QGIS does) */
const OGC_MAX_BBOX_SPAN_DEG = 360;
/** a France-wide extent when the territory has no detection yet */
const FRANCE_EXTENT: [number, number, number, number] = [-5.5, 41.2, 9.7, 51.2];

const Bbox = z.string().max(300).transform((text, ctx) => {
  const parts = text.split(',');
  // a 3D box (minLon,minLat,minZ,maxLon,maxLat,maxZ) is read in 2D
  const flat = parts.length === 6 ? [parts[0], parts[1], parts[3], parts[4]].join(',') : text;
  try {
    return parseBbox(flat, OGC_MAX_BBOX_SPAN_DEG);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'bbox invalide' });
    return z.NEVER;
  }
});

const ItemsQuery = z.object({
  bbox: Bbox.optional(),
  'bbox-crs': z.literal(CRS84, { message: `seul ${CRS84} est pris en charge` }).optional(),
  // the standard asks a limit above the maximum to be lowered, not refused
  limit: z.coerce.number().int().min(1).max(1_000_000).default(10).transform((n) => Math.min(n, LIMITS.maxPageSize)),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  status: z.enum(DUMP_STATUSES).optional(),
  change: z.enum(DUMP_CHANGES).optional(),
  f: z.enum(['json', 'geojson']).optional(),
});
const ItemId = z.object({ id: z.string().regex(/^[1-9][0-9]{0,8}$/).transform(Number) });

const base = (c: Context<AppEnv>) => `${new URL(c.req.url).origin}/ogc`;
const json = (c: Context<AppEnv>, body: unknown, type = JSON_TYPE) => c.body(JSON.stringify(body), 200, { 'Content-Type': type });

async function collection(c: Context<AppEnv>) {
  const root = base(c);
  const extent = await c
    .get('deps')
    .db.selectFrom('dumpDetection')
    // a PostgreSQL box keeps its upper-right corner at [0] and its lower-left at [1], whatever order it was given in
    .select([
      sql<number | null>`min((bbox[1])[0])`.as('minLon'),
      sql<number | null>`min((bbox[1])[1])`.as('minLat'),
      sql<number | null>`max((bbox[0])[0])`.as('maxLon'),
      sql<number | null>`max((bbox[0])[1])`.as('maxLat'),
    ])
    .where('authorityId', '=', c.get('user').authorityId)
    .executeTakeFirst();
  const bbox = extent?.minLon == null ? FRANCE_EXTENT : [extent.minLon, extent.minLat!, extent.maxLon!, extent.maxLat!];
  return {
    id: COLLECTION,
    title: 'Dépôts sauvages détectés',
    description: 'Détections de dépôts sauvages sur image aérienne, avec leur statut de revue (à vérifier, confirmé, faux positif, signalé, résorbé).',
    extent: { spatial: { bbox: [bbox], crs: CRS84 } },
    itemType: 'feature',
    crs: [CRS84],
    links: [
      { href: `${root}/collections/${COLLECTION}`, rel: 'self', type: JSON_TYPE, title: 'Cette collection' },
      { href: `${root}/collections/${COLLECTION}/items`, rel: 'items', type: GEOJSON_TYPE, title: 'Les dépôts (GeoJSON)' },
    ],
  };
}

function ogcFeature(c: Context<AppEnv>, feature: ReturnType<typeof detectionFeature>) {
  const root = base(c);
  return {
    ...feature,
    links: [
      { href: `${root}/collections/${COLLECTION}/items/${feature.id}`, rel: 'self', type: GEOJSON_TYPE },
      { href: `${root}/collections/${COLLECTION}`, rel: 'collection', type: JSON_TYPE },
    ],
  };
}

export const ogc = new Hono<AppEnv>()
  .get('/', requireRole('viewer'), (c) => {
    const root = base(c);
    return json(c, {
      title: 'Vigie — OGC API Features',
      description: 'Données de Vigie pour les logiciels SIG (QGIS : « Ajouter une couche OGC API - Features » avec cette adresse).',
      links: [
        { href: root, rel: 'self', type: JSON_TYPE, title: 'Cette page' },
        { href: `${root}/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Classes de conformité' },
        { href: `${root}/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
      ],
    });
  })
  .get('/conformance', requireRole('viewer'), (c) => json(c, { conformsTo: CONFORMANCE }))
  .get('/collections', requireRole('viewer'), async (c) => {
    const root = base(c);
    return json(c, {
      links: [{ href: `${root}/collections`, rel: 'self', type: JSON_TYPE }],
      collections: [await collection(c)],
    });
  })
  .get(`/collections/${COLLECTION}`, requireRole('viewer'), async (c) => json(c, await collection(c)))
  .get(`/collections/${COLLECTION}/items`, requireRole('viewer'), async (c) => {
    const { bbox, limit, offset, status, change } = parseQuery(c, ItemsQuery);
    const origin = new URL(c.req.url).origin;
    const { total, detections } = await listDetections(
      c.get('deps').db,
      c.get('user').authorityId,
      { bbox, status: status ? [status] : undefined, change: change ? [change] : undefined },
      { limit, offset },
    );
    const page = (at: number) => {
      const url = new URL(c.req.url);
      url.searchParams.set('limit', String(limit));
      url.searchParams.set('offset', String(at));
      return url.toString();
    };
    const links = [
      { href: page(offset), rel: 'self', type: GEOJSON_TYPE, title: 'Cette page' },
      { href: `${base(c)}/collections/${COLLECTION}`, rel: 'collection', type: JSON_TYPE },
    ];
    if (offset + detections.length < total) links.push({ href: page(offset + limit), rel: 'next', type: GEOJSON_TYPE, title: 'Page suivante' });
    if (offset > 0) links.push({ href: page(Math.max(0, offset - limit)), rel: 'prev', type: GEOJSON_TYPE, title: 'Page précédente' });
    return json(
      c,
      {
        type: 'FeatureCollection',
        features: detections.map((d) => ogcFeature(c, detectionFeature(d, origin))),
        numberMatched: total,
        numberReturned: detections.length,
        timeStamp: new Date().toISOString(),
        links,
      },
      GEOJSON_TYPE,
    );
  })
  .get(`/collections/${COLLECTION}/items/:id`, requireRole('viewer'), async (c) => {
    const { id } = parseParams(c, ItemId);
    const detection = await getDetection(c.get('deps').db, c.get('user').authorityId, id);
    return json(c, ogcFeature(c, detectionFeature(detection, new URL(c.req.url).origin)), GEOJSON_TYPE);
  });


