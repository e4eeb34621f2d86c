import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../auth/guard';
import {
  DUMP_CHANGES, DUMP_STATUSES, type DetectionFilters, allDetections, bulkReview, countDetections, datasetEntries, detectionDetail,
  detectionFeature, detectionSheetHtml, detectionsCsv, detectionsKml, dumpStatsByCommuneMonth, featureCollection, listDetections,
  reviewDetection, reviewedDetections, thumbnailKey, zipStream,
} from '../../dumps';
import { VigieError } from '../../errors';
import { htmlToPdf } from '../../print';
import type { AppEnv } from '../context';
import { BboxParam, PageQuery } from '../limits';
import { parseBody, parseParams, parseQuery } from '../validate';

/** Rows one export may hold; beyond, narrow the filters (commune, vintage, bbox). */
export const EXPORT_MAX_ROWS = 20_000;

const DetectionId = z.object({ id: z.string().regex(/^[1-9][0-9]{0,8}$/).transform(Number) });
const INSEE = /^[0-9][0-9AB][0-9]{3}$/;

/** "a,b,c" -> a list of allowed values. */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().max(200).transform((text) => text.split(',').map((v) => v.trim()).filter(Boolean)).pipe(z.array(z.enum(values)));

const Filters = z.object({
  bbox: BboxParam.optional(),
  commune: z.string().regex(INSEE, 'code INSEE attendu (5 caractères)').optional(),
  status: listOf(DUMP_STATUSES).optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
  vintage: z.coerce.number().int().min(1950).max(2100).optional(),
  change: listOf(DUMP_CHANGES).optional(),
  /** a user id, or "me" */
  assignee: z.union([z.literal('me'), z.string().regex(/^[1-9][0-9]{0,8}$/)]).optional(),
});
const ListQuery = Filters.extend(PageQuery.shape);

const ReviewBody = z
  .object({
    status: z.enum(DUMP_STATUSES).optional(),
    assigneeId: z.number().int().min(1).max(2_147_483_647).nullable().optional(),
    comment: z.string().trim().min(1).max(5000).refine((s) => !s.includes('\u0000'), 'caractère nul interdit').optional(),
  })
  .strict()
  .refine((b) => b.status !== undefined || b.assigneeId !== undefined || b.comment !== undefined, 'rien à modifier : status, assigneeId ou comment attendu');

const BulkBody = z
  .object({
    ids: z.array(z.number().int().min(1).max(2_147_483_647)).min(1).max(500),
    status: z.enum(DUMP_STATUSES),
  })
  .strict();

const StatsQuery = z.object({
  commune: z.string().regex(INSEE).optional(),
  from: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu : AAAA-MM').optional(),
  to: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu : AAAA-MM').optional(),
});

function filtersOf(c: Context<AppEnv>, query: z.infer<typeof Filters>): DetectionFilters {
  const { assignee, ...rest } = query;
  return { ...rest, assigneeId: assignee === undefined ? undefined : assignee === 'me' ? c.get('user').id : Number(assignee) };
}

/** All detections an export asks for, refused (not cut) beyond EXPORT_MAX_ROWS. */
async function exportRows(c: Context<AppEnv>) {
  const filters = filtersOf(c, parseQuery(c, Filters));
  const { db } = c.get('deps');
  const authorityId = c.get('user').authorityId;
  const count = await countDetections(db, authorityId, filters);
  if (count > EXPORT_MAX_ROWS) {
    throw new VigieError('export_too_large', `${count} détections correspondent : au plus ${EXPORT_MAX_ROWS} par export ; filtrez par commune, millésime ou emprise.`, 413);
  }
  return allDetections(db, authorityId, filters);
}

const attachment = (extension: string) => `attachment; filename="depots-sauvages-${new Date().toISOString().slice(0, 10)}.${extension}"`;

async function authorityName(c: Context<AppEnv>): Promise<string> {
  const row = await c.get('deps').db.selectFrom('authority').select('name').where('id', '=', c.get('user').authorityId).executeTakeFirst();
  return row?.name ?? '';
}

async function sheetHtml(c: Context<AppEnv>): Promise<{ id: number; html: string }> {
  const { id } = parseParams(c, DetectionId);
  const { db, storage } = c.get('deps');
  const detail = await detectionDetail(db, c.get('user').authorityId, id);
  const thumbnail = detail.detection.hasThumbnail ? await storage.get(await thumbnailKey(db, c.get('user').authorityId, id)) : undefined;
  return { id, html: detectionSheetHtml(detail, thumbnail, await authorityName(c)) };
}

/** Illegal dumps: the review queue, decisions, exports, printable sheets, statistics and the training dataset. */
export const dumps = new Hono<AppEnv>()
  .get('/detections', requireRole('viewer'), async (c) => {
    const { limit, offset, ...query } = parseQuery(c, ListQuery);
    const { total, detections } = await listDetections(c.get('deps').db, c.get('user').authorityId, filtersOf(c, query), { limit, offset });
    return c.json({ ...featureCollection(detections), total, limit, offset });
  })
  .get('/detections.geojson', requireRole('viewer'), async (c) => {
    const rows = await exportRows(c);
    const body = JSON.stringify(featureCollection(rows, new URL(c.req.url).origin));
    return c.body(body, 200, { 'Content-Type': 'application/geo+json; charset=utf-8', 'Content-Disposition': attachment('geojson') });
  })
  .get('/detections.csv', requireRole('viewer'), async (c) => {
    const rows = await exportRows(c);
    return c.body(detectionsCsv(rows), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachment('csv') });
  })
  .get('/detections.kml', requireRole('viewer'), async (c) => {
    const rows = await exportRows(c);
    const kml = detectionsKml(rows, `Dépôts sauvages — ${await authorityName(c)}`);
    return c.body(kml, 200, { 'Content-Type': 'application/vnd.google-earth.kml+xml; charset=utf-8', 'Content-Disposition': attachment('kml') });
  })
  .post('/detections/bulk', requireRole('reviewer'), async (c) => {
    const { ids, status } = await parseBody(c, BulkBody);
    const user = c.get('user');
    const result = await bulkReview(c.get('deps').db, { authorityId: user.authorityId, userId: user.id }, ids, status);
    return c.json(result);
  })
  .get('/detections/:id', requireRole('viewer'), async (c) => {
    const { id } = parseParams(c, DetectionId);
    return c.json(detailFeature(await detectionDetail(c.get('deps').db, c.get('user').authorityId, id)));
  })
  .patch('/detections/:id', requireRole('reviewer'), async (c) => {
    const { id } = parseParams(c, DetectionId);
    const change = await parseBody(c, ReviewBody);
    const { db } = c.get('deps');
    const user = c.get('user');
    await reviewDetection(db, { authorityId: user.authorityId, userId: user.id }, id, change);
    return c.json(detailFeature(await detectionDetail(db, user.authorityId, id)));
  })
  .get('/detections/:id/thumbnail.jpg', requireRole('viewer'), async (c) => {
    const { id } = parseParams(c, DetectionId);
    const { db, storage } = c.get('deps');
    const jpeg = await storage.get(await thumbnailKey(db, c.get('user').authorityId, id));
    if (!jpeg) throw new VigieError('not_found', 'Vignette absente du stockage.', 404);
    return c.body(new Uint8Array(jpeg), 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=3600' });
  })
  .get('/detections/:id/sheet.html', requireRole('viewer'), async (c) => {
    const { html } = await sheetHtml(c);
    return c.html(html);
  })
  .get('/detections/:id/sheet.pdf', requireRole('viewer'), async (c) => {
    const { id, html } = await sheetHtml(c);
    const pdf = await htmlToPdf(html);
    return c.body(new Uint8Array(pdf), 200, { 'Content-Type': 'application/pdf', 'Content-Disposition': `inline; filename="depot-${id}.pdf"` });
  })
  .get('/stats', requireRole('viewer'), async (c) => {
    const filters = parseQuery(c, StatsQuery);
    const rows = await dumpStatsByCommuneMonth(c.get('deps').db, c.get('user').authorityId, filters);
    const totals = rows.reduce((t, r) => ({ nouveaux: t.nouveaux + r.nouveaux, confirmes: t.confirmes + r.confirmes, resorbes: t.resorbes + r.resorbes }), { nouveaux: 0, confirmes: 0, resorbes: 0 });
    return c.json({ rows, totals });
  })
  .get('/dataset.zip', requireRole('reviewer'), async (c) => {
    const { db } = c.get('deps');
    const authorityId = c.get('user').authorityId;
    const reviewed = await reviewedDetections(db, authorityId);
    const archive = zipStream(datasetEntries(db, authorityId, reviewed));
    return c.body(archive, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="vigie-depots-yolo-${new Date().toISOString().slice(0, 10)}.zip"`,
    });
  });

/** GET/PATCH answer: the detection as a GeoJSON Feature, its comments, history and the next allowed statuses in properties. */
function detailFeature(detail: Awaited<ReturnType<typeof detectionDetail>>) {
  const feature = detectionFeature(detail.detection);
  return { ...feature, properties: { ...feature.properties, comments: detail.comments, history: detail.history, transitions: detail.transitions } };
}
