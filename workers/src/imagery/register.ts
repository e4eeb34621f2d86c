import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '@vigie/api/db';
import { VigieError } from '@vigie/api/errors';
import { toWgs84, type Bounds } from '@vigie/api/geo';
import { bandNamesFor } from './bands';
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
 * before anything is written, then upserts the vintage and its source. A vintage is analysed from one image:
 * a second, different file is refused (the pipelines would read only one of them) unless `replace` says it
 * takes the place of the first; several dalles are assembled into one mosaic beforehand (see the README).
 */
export async function registerGeoTiff(
  db: Kysely<Database>,
  input: { authorityId: number; year: number; file: string; acquisitionDate?: string; label?: string; replace?: boolean; bands?: string },
) {
  const file = path.resolve(input.file);
  const info = await describeGeoTiff(file);
  const bandNames = bandNamesFor(file, info.bands, info.alphaSample, input.bands);
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
    const others = await trx.selectFrom('imagerySource').select('uri').where('vintageId', '=', vintage.id).where('uri', '!=', file).execute();
    if (others.length > 0 && !input.replace) {
      throw new VigieError(
        'imagery_vintage_taken',
        `Le millésime ${input.year} a déjà son orthophoto (${others.map((o) => o.uri).join(', ')}) : Vigie analyse une image par millésime. ` +
          'Assemblez les dalles en une mosaïque (voir le README, « Charger un territoire réel ») puis ajoutez-la avec --replace.',
      );
    }
    if (others.length > 0) await trx.deleteFrom('imagerySource').where('vintageId', '=', vintage.id).where('uri', '!=', file).execute();
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
        bandNames,
      })
      .onConflict((oc) => oc.columns(['vintageId', 'uri']).doUpdateSet({ epsg: info.epsg, bounds: info.bounds, bbox: boxLiteral(wgs84), gsdM: info.gsdM, width: info.width, height: info.height, bands: info.bands, bandNames }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return { vintageId: vintage.id, sourceId: source.id, info, bandNames, replaced: others.map((o) => o.uri) };
  });
}
