import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { type PolygonGeometry, areaM2, geometryBounds } from '@vigie/api/geo';
import { boxLiteral } from '../imagery/register';

/** Above this, a commune outline is a mistake (IGN ADMIN EXPRESS communes have a few thousand vertices). */
const MAX_VERTICES = 200_000;

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const Ring = z.array(Position).min(4);
const Geometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
]);
const CommuneFeature = z.object({
  type: z.literal('Feature'),
  properties: z.object({
    insee: z.string().regex(/^[0-9][0-9AB][0-9]{3}$/, 'code INSEE à 5 caractères'),
    name: z.string().min(1).max(200),
    population: z.number().int().nonnegative().optional(),
  }),
  geometry: Geometry,
});
const CommuneCollection = z.object({ type: z.literal('FeatureCollection'), features: z.array(CommuneFeature).min(1).max(5000) });

/**
 * Imports communes from a WGS84 GeoJSON FeatureCollection (properties insee, name): validates everything
 * first, then upserts in one transaction, so a bad file changes nothing.
 */
export async function importCommunes(db: Kysely<Database>, authorityId: number, geojson: unknown): Promise<number> {
  const parsed = CommuneCollection.safeParse(geojson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VigieError('invalid_geojson', `GeoJSON des communes invalide (${issue.path.join('.')}) : ${issue.message}`);
  }
  const rows = parsed.data.features.map((f) => {
    const geometry = f.geometry as PolygonGeometry;
    const vertices = JSON.stringify(geometry.coordinates).split('],[').length;
    if (vertices > MAX_VERTICES) throw new VigieError('geojson_too_large', `Commune ${f.properties.insee} : ${vertices} sommets (maximum ${MAX_VERTICES}).`);
    return {
      authorityId,
      insee: f.properties.insee,
      name: f.properties.name,
      geometry,
      bbox: boxLiteral(geometryBounds(geometry)),
      areaM2: areaM2(geometry),
      population: f.properties.population ?? null,
    };
  });
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      await trx
        .insertInto('commune')
        .values(row)
        .onConflict((oc) => oc.columns(['authorityId', 'insee']).doUpdateSet({ name: row.name, geometry: row.geometry, bbox: row.bbox, areaM2: row.areaM2, population: row.population }))
        .execute();
    }
  });
  return rows.length;
}
