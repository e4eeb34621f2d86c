import type { AppDeps } from '@vigie/api/http';
import { VigieError } from '@vigie/api/errors';
import type { Run } from '@vigie/api/runs';
import { ChipInputError } from './pipeline';

/** The GeoTIFF registered for a run's vintage. */
export async function vintageGeoTiff(deps: AppDeps, run: Run) {
  if (!run.vintageId) throw new VigieError('no_vintage', 'Analyse sans millésime.');
  const source = await deps.db
    .selectFrom('imagerySource')
    .selectAll()
    .where('vintageId', '=', run.vintageId)
    .where('kind', '=', 'geotiff')
    .orderBy('id')
    .executeTakeFirst();
  if (!source) throw new ChipInputError('Aucune orthophoto GeoTIFF enregistrée pour ce millésime.');
  return source;
}
