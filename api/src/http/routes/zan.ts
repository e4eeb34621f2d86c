import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../auth/guard';
import { authorityOf } from '../../auth/scope';
import { VigieError, notFound } from '../../errors';
import { htmlToPdf } from '../../print';
import {
  NomenclatureInput, analysedVintages, communeMapPng, currentLandcoverRun, communeZan, landcoverTileKey, nomenclatureOf, parseReferenceCsv, reportHtml, statsCsv, zanSummary,
} from '../../zan';
import type { AppEnv } from '../context';
import { BboxParam, LIMITS, PageQuery } from '../limits';
import { parseBody, parseParams, parseQuery } from '../validate';

const Insee = z.object({ insee: z.string().regex(/^[0-9][0-9AB][0-9]{3}$/) });
const TileParams = z.object({
  year: z.coerce.number().int().min(1950).max(2100),
  z: z.coerce.number().int().min(0).max(24),
  x: z.coerce.number().int().min(0),
  y: z.string().regex(/^[0-9]{1,8}\.png$/),
});
const ChangeId = z.object({ id: z.string().regex(/^[1-9][0-9]{0,9}$/).transform(Number) });
const REVIEWS = ['a_verifier', 'confirme', 'erreur_classification'] as const;
const ChangesQuery = PageQuery.extend({
  from: z.coerce.number().int().min(1950).max(2100).optional(),
  to: z.coerce.number().int().min(1950).max(2100).optional(),
  commune: z.string().regex(/^[0-9][0-9AB][0-9]{3}$/).optional(),
  kind: z.enum(['artificialisation', 'renaturation']).optional(),
  review: z.enum(REVIEWS).optional(),
  bbox: BboxParam.optional(),
});
const TrajectoryBody = z
  .object({
    referenceConsumptionHa: z.number().min(0).max(100_000).nullable(),
    targetReductionPct: z.number().min(0).max(100).default(50),
    guarantee: z.boolean().default(false),
    trendsText: z.string().max(20_000).optional(),
  })
  .strict();
const TrendsBody = z.object({ text: z.string().max(20_000) }).strict();
const ReviewBody = z.object({ review: z.enum(REVIEWS) }).strict();
const MAX_CSV_BYTES = 512 * 1024;

async function vintageIdOf(c: Parameters<typeof authorityOf>[0], year: number) {
  const vintage = await c.get('deps').db.selectFrom('vintage').select('id').where('authorityId', '=', authorityOf(c)).where('year', '=', year).executeTakeFirst();
  if (!vintage) throw new VigieError('not_found', `Aucun millésime ${year} pour ce territoire.`, 404);
  return vintage.id;
}

/** ZAN: land-cover tiles, per-commune areas, flows and trajectory, change polygons to review, the report. */
export const zan = new Hono<AppEnv>()
  .get('/summary', requireRole('viewer'), async (c) => c.json(await zanSummary(c.get('deps').db, authorityOf(c))))
  .get('/nomenclature', requireRole('viewer'), async (c) => {
    const nomenclature = await nomenclatureOf(c.get('deps').db, authorityOf(c));
    if (!nomenclature) throw new VigieError('not_found', 'Nomenclature définie à la première analyse d’occupation du sol.', 404);
    return c.json(nomenclature);
  })
  // applies to the next runs: areas already computed keep the nomenclature they were computed with
  .put('/nomenclature', requireRole('planner'), async (c) => {
    const nomenclature = await parseBody(c, NomenclatureInput);
    await c.get('deps').db
      .insertInto('zanSetting')
      .values({ authorityId: authorityOf(c), nomenclature: nomenclature as unknown as Record<string, unknown>, updatedAt: new Date() })
      .onConflict((oc) => oc.column('authorityId').doUpdateSet({ nomenclature: nomenclature as unknown as Record<string, unknown>, updatedAt: new Date() }))
      .execute();
    return c.json(nomenclature);
  })
  .get('/tiles/:year/:z/:x/:y', requireRole('viewer'), async (c) => {
    const { year, z: zoom, x, y } = parseParams(c, TileParams);
    const row = Number.parseInt(y, 10);
    if (x >= 2 ** zoom || row >= 2 ** zoom) throw new VigieError('not_found', 'Tuile hors de la grille.', 404);
    const { storage } = c.get('deps');
    const vintageId = await vintageIdOf(c, year);
    const runId = await currentLandcoverRun(storage, authorityOf(c), vintageId);
    const tile = runId ? await storage.get(landcoverTileKey(authorityOf(c), vintageId, runId, zoom, x, row)) : undefined;
    if (!tile) throw new VigieError('not_found', 'Tuile d’occupation du sol absente.', 404);
    return c.body(new Uint8Array(tile), 200, { 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=3600' });
  })
  .get('/stats.csv', requireRole('viewer'), async (c) => {
    const db = c.get('deps').db;
    const authorityId = authorityOf(c);
    const communes = await db.selectFrom('commune').select('insee').where('authorityId', '=', authorityId).orderBy('insee').execute();
    const details = [];
    for (const commune of communes) details.push(await communeZan(db, authorityId, commune.insee));
    return c.body(statsCsv(details, await nomenclatureOf(db, authorityId)), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="vigie-zan-statistiques.csv"',
    });
  })
  .get('/communes/:insee', requireRole('viewer'), async (c) => {
    const { insee } = parseParams(c, Insee);
    return c.json(await communeZan(c.get('deps').db, authorityOf(c), insee));
  })
  .put('/communes/:insee/trajectory', requireRole('planner'), async (c) => {
    const { insee } = parseParams(c, Insee);
    const body = await parseBody(c, TrajectoryBody);
    const db = c.get('deps').db;
    await communeZan(db, authorityOf(c), insee); // 404 for another authority's commune
    const values = { referenceConsumptionHa: body.referenceConsumptionHa, targetReductionPct: body.targetReductionPct, guarantee: body.guarantee, updatedAt: new Date(), ...(body.trendsText === undefined ? {} : { trendsText: body.trendsText }) };
    await db
      .insertInto('zanTrajectory')
      .values({ authorityId: authorityOf(c), communeInsee: insee, ...values })
      .onConflict((oc) => oc.columns(['authorityId', 'communeInsee']).doUpdateSet(values))
      .execute();
    return c.json(await communeZan(db, authorityOf(c), insee));
  })
  .put('/communes/:insee/trends', requireRole('planner'), async (c) => {
    const { insee } = parseParams(c, Insee);
    const { text } = await parseBody(c, TrendsBody);
    const db = c.get('deps').db;
    await communeZan(db, authorityOf(c), insee);
    await db
      .insertInto('zanTrajectory')
      .values({ authorityId: authorityOf(c), communeInsee: insee, referenceConsumptionHa: null, trendsText: text, updatedAt: new Date() })
      .onConflict((oc) => oc.columns(['authorityId', 'communeInsee']).doUpdateSet({ trendsText: text, updatedAt: new Date() }))
      .execute();
    return c.json({ insee, trendsText: text });
  })
  // CSV keyed by INSEE code (ours, or the Cerema consumption file); sets the reference, keeps target and guarantee
  .post('/trajectory/import', requireRole('planner'), async (c) => {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > MAX_CSV_BYTES) throw new VigieError('payload_too_large', 'CSV trop volumineux (512 Kio au plus).', 413);
    const rows = parseReferenceCsv(text);
    const db = c.get('deps').db;
    const authorityId = authorityOf(c);
    const known = new Set((await db.selectFrom('commune').select('insee').where('authorityId', '=', authorityId).execute()).map((r) => r.insee));
    const unknown = rows.filter((r) => !known.has(r.insee)).map((r) => r.insee);
    const accepted = rows.filter((r) => known.has(r.insee));
    await db.transaction().execute(async (trx) => {
      for (const r of accepted) {
        await trx
          .insertInto('zanTrajectory')
          .values({ authorityId, communeInsee: r.insee, referenceConsumptionHa: r.referenceConsumptionHa, updatedAt: new Date() })
          .onConflict((oc) => oc.columns(['authorityId', 'communeInsee']).doUpdateSet({ referenceConsumptionHa: r.referenceConsumptionHa, updatedAt: new Date() }))
          .execute();
      }
    });
    return c.json({ imported: accepted.length, ignored: unknown });
  })
  .get('/changes', requireRole('viewer'), async (c) => {
    const q = parseQuery(c, ChangesQuery);
    const db = c.get('deps').db;
    let query = db
      .selectFrom('landChange')
      .innerJoin('vintage as f', 'f.id', 'landChange.fromVintageId')
      .innerJoin('vintage as t', 't.id', 'landChange.toVintageId')
      .select(['landChange.id', 'landChange.communeInsee', 'landChange.kind', 'landChange.fromClass', 'landChange.toClass', 'landChange.geometry', 'landChange.areaM2', 'landChange.review', 'f.year as fromYear', 't.year as toYear'])
      .where('landChange.authorityId', '=', authorityOf(c));
    if (q.from !== undefined) query = query.where('f.year', '=', q.from);
    if (q.to !== undefined) query = query.where('t.year', '=', q.to);
    if (q.commune) query = query.where('landChange.communeInsee', '=', q.commune);
    if (q.kind) query = query.where('landChange.kind', '=', q.kind);
    if (q.review) query = query.where('landChange.review', '=', q.review);
    if (q.bbox) {
      const [minLon, minLat, maxLon, maxLat] = q.bbox;
      query = query.where((eb) => eb('landChange.bbox', '&&', eb.val(`(${minLon},${minLat}),(${maxLon},${maxLat})`)));
    }
    const rows = await query.orderBy('landChange.areaM2', 'desc').orderBy('landChange.id').limit(q.limit).offset(q.offset).execute();
    return c.body(
      JSON.stringify({
        type: 'FeatureCollection',
        features: rows.map(({ geometry, id, ...properties }) => ({ type: 'Feature', id, geometry, properties: { id, ...properties } })),
        limit: q.limit,
        offset: q.offset,
      }),
      200,
      { 'Content-Type': 'application/geo+json' },
    );
  })
  .patch('/changes/:id', requireRole('planner'), async (c) => {
    const { id } = parseParams(c, ChangeId);
    const { review } = await parseBody(c, ReviewBody);
    const updated = await c.get('deps').db
      .updateTable('landChange')
      .set({ review })
      .where('id', '=', id)
      .where('authorityId', '=', authorityOf(c))
      .returning(['id', 'review'])
      .executeTakeFirst();
    if (!updated) throw notFound('Changement');
    return c.json(updated);
  })
  .get('/communes/:insee/report.html', requireRole('viewer'), async (c) => c.html(await buildReport(c)))
  .get('/communes/:insee/report.pdf', requireRole('viewer'), async (c) => {
    const pdf = await htmlToPdf(await buildReport(c));
    const { insee } = parseParams(c, Insee);
    return c.body(new Uint8Array(pdf), 200, { 'Content-Type': 'application/pdf', 'Content-Disposition': `inline; filename="rapport-artificialisation-${insee}.pdf"` });
  });

async function buildReport(c: Parameters<typeof authorityOf>[0]): Promise<string> {
  const { insee } = parseParams(c, Insee);
  const { db, storage } = c.get('deps');
  const authorityId = authorityOf(c);
  const detail = await communeZan(db, authorityId, insee);
  const nomenclature = await nomenclatureOf(db, authorityId);
  const vintages = await analysedVintages(db, authorityId);
  const latest = vintages.at(-1);
  let mapPng: Buffer | null = null;
  if (latest) {
    const commune = await db.selectFrom('commune').select('geometry').where('authorityId', '=', authorityId).where('insee', '=', insee).executeTakeFirstOrThrow();
    const changes = await db
      .selectFrom('landChange')
      .select(['geometry', 'kind'])
      .where('authorityId', '=', authorityId)
      .where('communeInsee', '=', insee)
      .where('toVintageId', '=', latest.id)
      .where('review', '!=', 'erreur_classification')
      .limit(LIMITS.maxPageSize)
      .execute();
    mapPng = await communeMapPng(storage, authorityId, latest.id, { geometry: commune.geometry }, changes);
  }
  const authority = await db.selectFrom('authority').select('name').where('id', '=', authorityId).executeTakeFirstOrThrow();
  return reportHtml({ zan: detail, nomenclature, mapPng, mapYear: latest?.year ?? null, generatedAt: new Date(), authorityName: authority.name });
}
