import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { toWgs84, type Bounds } from '@vigie/api/geo';
import { describeGeoTiff } from './geotiff-source';

/** PostgreSQL box literal of a WGS84 box. */
export const boxLiteral = ([minX, minY, maxX, maxY]: Bounds) => `(${minX},${minY}),(${maxX},${maxY})`;

export function lambert93BoundsToWgs84([minX, minY, maxX, maxY]: Bounds): Bounds {
  const corners = [[minX, minY], [maxX, minY], [minX, maxY], [maxX, maxY]].map((p) => toWgs84(p as [number, number]));
  return [
    Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])),
    Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1])),
  ];
}

/**
 * `vigie imagery add <file.tif> --vintage <year>`: checks the file (readable, georeferenced, supported CRS)
 * before anything is written, then upserts the vintage and its source.
 */
export async function registerGeoTiff(
  db: Kysely<Database>,
  input: { authorityId: number; year: number; file: string; acquisitionDate?: string; label?: string },
) {
  const file = path.resolve(input.file);
  const info = await describeGeoTiff(file);
  const wgs84 = info.epsg === 2154 ? lambert93BoundsToWgs84(info.bounds) : info.bounds;
  return db.transaction().execute(async (trx) => {
    const vintage = await trx
      .insertInto('vintage')
      .values({
        authorityId: input.authorityId,
        year: input.year,
        label: input.label ?? `Orthophotographie ${input.year}`,
        acquisitionDate: input.acquisitionDate ?? null,
      })
      .onConflict((oc) => oc.columns(['authorityId', 'year']).doUpdateSet((eb) => ({ acquisitionDate: eb.fn.coalesce(eb.ref('excluded.acquisitionDate'), eb.ref('vintage.acquisitionDate')) })))
      .returning('id')
      .executeTakeFirstOrThrow();
    const source = await trx
      .insertInto('imagerySource')
      .values({
        authorityId: input.authorityId,
        vintageId: vintage.id,
        kind: 'geotiff',
        uri: file,
        epsg: info.epsg,
        bounds: info.bounds,
        bbox: boxLiteral(wgs84),
        gsdM: info.gsdM,
        width: info.width,
        height: info.height,
        bands: info.bands,
      })
      .onConflict((oc) => oc.columns(['vintageId', 'uri']).doUpdateSet({ epsg: info.epsg, bounds: info.bounds, bbox: boxLiteral(wgs84), gsdM: info.gsdM, width: info.width, height: info.height, bands: info.bands }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return { vintageId: vintage.id, sourceId: source.id, info };
  });
}
